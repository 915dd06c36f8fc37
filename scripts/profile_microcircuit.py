"""Profile of the microcircuit's time step per Brian2 code object (issue 14).

The sheet microcircuit (N pyramidal, N/10 PV, N/10 SOM, matrix thalamus, pair STDP on E->E,
800 Hz feed-forward and 300 Hz dendritic Poisson drive as in the issue's measurement) runs in
cpp_standalone with Brian2's profiler (``net.run(T, profile=True)``). Each code object's time
is reported as a share of the run and normalised to its natural unit:

* neuron code (state updaters, thresholds, resets, ``run_regularly`` blocks such as the drive
  draws, the coupling draws and the conductance decays): ns per neuron per time step;
* synaptic code (``*_pre``/``*_post`` and the spike pushes): ns per synaptic event (presynaptic
  spikes x out-degree of the pathway; postsynaptic spikes x in-degree for ``_post``);
* the rest (monitors, clocks) as total seconds.

The compiled binary runs ``--repeats`` times; each code object's time is the median over the
runs. On a shared machine the profiler's wall-clock times include the time the process waited
for a core; the "CPU" columns scale each run's times by the binary's CPU time / wall time
(``getrusage`` of the child), i.e. they assume the waiting is spread evenly over the code
objects. The header also gives the number of code objects run every step and of generated
C++ files.

``--against DIR`` compares with another compiled profile build of the same circuit (e.g. made
by this script with an older spikemod first on ``PYTHONPATH``): the two binaries run
alternately ``--repeats`` times and a before/after table of the medians (CPU-scaled) is
appended; synaptic events are those of this build's first run for both.

Usage: .venv/bin/python scripts/profile_microcircuit.py [--n-exc 3000] [--T 0.5]
       [--repeats 5] [--against BUILD_DIR] [--md benchmarks/profile.md]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchutil import machine, markdown_table, run_binary, save_fragment  # noqa: E402


def _profile_of_run(build_dir):
    """{code object: s} of the binary's last run and its network run time."""
    results = Path(build_dir) / "results"
    prof = {}
    for line in (results / "profiling_info.txt").read_text().splitlines():
        name, t = line.split()
        prof[name] = float(t)
    return prof, float((results / "last_run_info.txt").read_text().split()[0])


def rerun(build_dir, repeats):
    """Run the compiled binary ``repeats`` times: per run (profile, run_s, cpu/wall)."""
    runs = []
    for _ in range(repeats):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        info = run_binary(build_dir)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        prof, run_s = _profile_of_run(build_dir)
        runs.append((prof, run_s, min(1.0, cpu / info["binary_wall_s"])))
    return runs


def run(n, T, build_dir):
    import numpy as np
    from brian2 import Hz, NeuronGroup, SpikeMonitor, second
    from spikemod.device import simulation
    from spikemod.network import build_microcircuit
    from spikemod.params import load_model
    model = load_model()
    with simulation("cpp_standalone", seed=1, dt=model["sim.dt"], build_dir=build_dir) as sim:
        mc = build_microcircuit(model, geometry="sheet", n_exc=n, n_pv=n // 10, n_som=n // 10,
                                stdp=True, rng_seed=1)
        for key, src in mc.drive.items():
            src.rates = (300 if key == "fb_pyr" else 800) * Hz
        mons = {pop: SpikeMonitor(g, name=f"prof_{pop}_spikes")
                for pop, g in mc.populations.items()}
        net = mc.network(*mons.values())
        net.run(T * second, profile=True)
        t0 = time.perf_counter()
        sim.finish()
        wall = time.perf_counter() - t0
        prof = [(name, float(t)) for name, t in net.profiling_info]
        steps = int(round(T / float(model["sim.dt"])))
        # every neuron group: the populations and, where the code has them, drive source groups
        sizes = {g.name: len(g) for g in mc.objects if isinstance(g, NeuronGroup)}
        # drive source groups of other code versions: one source per target cell
        for pop, g in mc.populations.items():
            for tag in ("ff", "fb"):
                sizes.setdefault(f"mc_{tag}_{pop}", len(g))
        counts = {pop: np.asarray(m.count[:], dtype=np.int64) for pop, m in mons.items()}
        pathways = {}
        for key, syn in mc.synapses.items():
            pre_pop = {v.name: k for k, v in mc.populations.items()}[syn.source.name]
            post_pop = {v.name: k for k, v in mc.populations.items()}[syn.target.name]
            i, j = np.asarray(syn.i[:]), np.asarray(syn.j[:])
            out_deg = np.bincount(i, minlength=len(syn.source))
            in_deg = np.bincount(j, minlength=len(syn.target))
            pathways[syn.name] = {"n": int(len(i)),
                                  "pre_events": int(np.dot(counts[pre_pop], out_deg)),
                                  "post_events": int(np.dot(counts[post_pop], in_deg))}
        rate = {pop: float(c.sum()) / (len(c) * T) for pop, c in counts.items()}
        run_s = float(open(Path(build_dir) / "results" / "last_run_info.txt").read().split()[0])
    return prof, steps, sizes, pathways, rate, run_s, wall


def classify(name, sizes, pathways):
    """(kind, units) of a code object: neurons (group size) or synaptic events."""
    for syn, info in sorted(pathways.items(), key=lambda kv: -len(kv[0])):
        if name.startswith(syn + "_"):
            if "post" in name[len(syn):]:
                return "synapses (post)", info["post_events"]
            return "synapses (pre)", info["pre_events"]
    for group, n in sorted(sizes.items(), key=lambda kv: -len(kv[0])):
        if name.startswith(group + "_") or name == group:
            return "neurons", n
    return "other", None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-exc", type=int, default=3000)
    ap.add_argument("--T", type=float, default=0.5)
    ap.add_argument("--repeats", type=int, default=1,
                    help="further runs of the compiled binary (medians per code object)")
    ap.add_argument("--build-dir", default="/tmp/spikemod-profile-mc")
    ap.add_argument("--against", default=None,
                    help="compiled profile build of another version: interleaved comparison")
    ap.add_argument("--md", default=None)
    a = ap.parse_args()
    prof0, steps, sizes, pathways, rate, run_s0, wall = run(a.n_exc, a.T, a.build_dir)
    other = []
    if a.against:
        runs = []
        for _ in range(a.repeats):          # alternate the two binaries
            other += rerun(a.against, 1)
            runs += rerun(a.build_dir, 1)
    else:
        runs = rerun(a.build_dir, a.repeats) if a.repeats > 1 else [(dict(prof0), run_s0, 1.0)]
    names = [name for name, _ in prof0]
    prof = {n: median(r[0].get(n, 0.0) for r in runs) for n in names}
    prof_cpu = {n: median(r[0].get(n, 0.0) * r[2] for r in runs) for n in names}
    run_s = median(r[1] for r in runs)
    run_cpu_s = median(r[1] * r[2] for r in runs)
    n_cpp = len(list((Path(a.build_dir) / "code_objects").glob("*.cpp")))
    total = sum(prof.values())
    rows, raw = [], []
    neuron = {"s": 0.0, "cpu": 0.0}
    synapse = {"s": 0.0, "cpu": 0.0, "events": 0}
    cells = sum(sizes[p] for p in sizes if not p.startswith(("mc_ff", "mc_fb")))
    pyr = {"s": 0.0, "cpu": 0.0}
    for name in sorted(names, key=lambda x: -prof[x]):
        t, tc = prof[name], prof_cpu[name]
        kind, units = classify(name, sizes, pathways)
        if kind == "neurons":
            scale, unit = 1e9 / (units * steps), "ns / neuron-step"
            neuron["s"] += t
            neuron["cpu"] += tc
            if name.startswith(("mc_pyr_", "mc_ff_pyr_", "mc_fb_pyr_")):
                pyr["s"] += t
                pyr["cpu"] += tc
        elif kind.startswith("synapses"):
            scale, unit = (1e9 / units if units else float("nan")), "ns / synaptic event"
            synapse["s"] += t
            synapse["cpu"] += tc
            synapse["events"] += units or 0
        else:
            scale, unit = float("nan"), ""
        rows.append([name, t, 100 * t / total, t * scale, tc * scale, unit])
        raw.append({"code_object": name, "s": t, "s_cpu": tc, "kind": kind, "units": units,
                    "norm": t * scale, "norm_cpu": tc * scale})
    n_pyr = sizes.get("mc_pyr", a.n_exc)
    summary = {"N_pyr": a.n_exc, "T": a.T, "steps": steps, "repeats": len(runs),
               "run_s": run_s, "run_cpu_s": run_cpu_s, "cpu_fraction": [r[2] for r in runs],
               "code_objects_per_step": len(names), "cpp_files": n_cpp,
               "profiled_total_s": total, "cells": cells, "rates_Hz": rate,
               "pyr_ns_per_cell_step": pyr["s"] / (n_pyr * steps) * 1e9,
               "pyr_ns_per_cell_step_cpu": pyr["cpu"] / (n_pyr * steps) * 1e9,
               "non_synaptic_ns_per_cell_step": neuron["s"] / (cells * steps) * 1e9,
               "non_synaptic_ns_per_cell_step_cpu": neuron["cpu"] / (cells * steps) * 1e9,
               "synaptic_ns_per_event": (synapse["s"] / synapse["events"] * 1e9
                                         if synapse["events"] else None),
               "synaptic_ns_per_event_cpu": (synapse["cpu"] / synapse["events"] * 1e9
                                             if synapse["events"] else None),
               "pathways": pathways}
    raw.insert(0, summary)
    text = (f"### Microcircuit time step per code object (issue 14)\n\n"
            f"Command: `.venv/bin/python scripts/profile_microcircuit.py --n-exc {a.n_exc} "
            f"--T {a.T} --repeats {a.repeats}`: sheet, {a.n_exc} pyramidal + {a.n_exc // 10} PV + "
            f"{a.n_exc // 10} SOM cells and the matrix thalamus, pair STDP, drive 800 Hz (soma) / "
            f"300 Hz (dendrite), cpp_standalone with Brian2's profiler, {steps} steps of 0.1 ms, "
            f"medians of {len(runs)} runs of the binary (time loop {run_s:.2f} s wall, "
            f"{run_cpu_s:.2f} s CPU-scaled; profiled code objects {total:.2f} s). "
            f"{len(names)} code objects run every step, {n_cpp} generated C++ code-object "
            f"files. Rates (Hz): " + ", ".join(f"{k} {v:.1f}" for k, v in rate.items()) + ".\n\n"
            f"Pyramidal cell: **{summary['pyr_ns_per_cell_step']:.1f} ns per cell-step** "
            f"({summary['pyr_ns_per_cell_step_cpu']:.1f} CPU-scaled; all code objects of the "
            f"pyramidal group and its drive). All neuron code: "
            f"{summary['non_synaptic_ns_per_cell_step']:.1f} ns per cell-step "
            f"({summary['non_synaptic_ns_per_cell_step_cpu']:.1f}; over the {cells} cells). All "
            f"synaptic code: {summary['synaptic_ns_per_event'] or float('nan'):.1f} ns per "
            f"synaptic event ({summary['synaptic_ns_per_event_cpu'] or float('nan'):.1f}).\n\n"
            + markdown_table(["code object", "s", "% of profiled", "normalised",
                              "normalised, CPU-scaled", "unit"], rows)
            + "\n\n" + machine() + "\n")
    if other:
        text += "\n" + compare_table(other, runs, sizes, pathways, steps, a) + "\n"
        raw.append({"against": a.against, "before_runs": [r[1:] for r in other],
                    "after_runs": [r[1:] for r in runs]})
    save_fragment(a.md, text, raw)


def compare_table(before, after, sizes, pathways, steps, a):
    """Markdown before/after table (CPU-scaled medians of interleaved runs)."""
    def med_cpu(runs, name):
        return median(r[0].get(name, 0.0) * r[2] for r in runs)
    names = sorted({n for r in before + after for n in r[0]},
                   key=lambda n: -max(med_cpu(before, n), med_cpu(after, n)))
    rows = []
    sums = {"before": {}, "after": {}}
    for name in names:
        kind, units = classify(name, sizes, pathways)
        if kind == "neurons":
            scale, unit = 1e9 / (units * steps), "ns / neuron-step"
        elif kind.startswith("synapses"):
            scale, unit = (1e9 / units if units else float("nan")), "ns / synaptic event"
        else:
            scale, unit = float("nan"), ""
        b, c = med_cpu(before, name), med_cpu(after, name)
        group = next((g for g in sorted(sizes, key=len, reverse=True)
                      if name.startswith(g + "_")), None)
        if kind == "neurons" and group:
            target = {"mc_ff_pyr": "mc_pyr", "mc_fb_pyr": "mc_pyr", "mc_ff_pv": "mc_pv",
                      "mc_ff_som": "mc_som"}.get(group, group)
            for key, t in (("before", b), ("after", c)):
                sums[key][target] = sums[key].get(target, 0.0) + t * scale
        rows.append([name, b * scale if b else "-", c * scale if c else "-", unit])
    loop = [median(r[1] * r[2] for r in runs) for runs in (before, after)]
    per_cell = "; ".join(f"{g}: {sums['before'].get(g, 0):.1f} -> {sums['after'].get(g, 0):.1f}"
                         for g in ("mc_pyr", "mc_pv", "mc_som", "mc_thal"))
    return (f"#### Before / after (interleaved)\n\nThe binaries of `{a.against}` (before) and "
            f"`{a.build_dir}` (after) ran alternately, {len(after)} times each; CPU-scaled "
            f"medians. Time loop {loop[0]:.3f} s -> {loop[1]:.3f} s (x{loop[0] / loop[1]:.2f}). "
            f"Code objects run every step: {len(before[0][0])} -> {len(after[0][0])}. Per cell "
            f"of each group, all its code objects (drive sources counted with their target "
            f"group), ns per cell-step: {per_cell}.\n\n"
            + markdown_table(["code object", "before", "after", "unit"], rows))


if __name__ == "__main__":
    main()
