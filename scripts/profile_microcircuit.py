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

Usage: .venv/bin/python scripts/profile_microcircuit.py [--n-exc 3000] [--T 0.5]
       [--md benchmarks/profile.md]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchutil import machine, markdown_table, save_fragment  # noqa: E402


def run(n, T, build_dir):
    import numpy as np
    from brian2 import Hz, SpikeMonitor, device, second
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
        sizes = {g.name: len(g) for g in [*mc.populations.values(), *mc.drive.values()]}
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
    ap.add_argument("--build-dir", default="/tmp/spikemod-profile-mc")
    ap.add_argument("--md", default=None)
    a = ap.parse_args()
    prof, steps, sizes, pathways, rate, run_s, wall = run(a.n_exc, a.T, a.build_dir)
    total = sum(t for _, t in prof)
    rows, raw = [], []
    neuron_ns = synapse_s = synapse_events = 0.0
    cells = sum(n for g, n in sizes.items() if not g.startswith("mc_ff") and not g.startswith("mc_fb"))
    for name, t in sorted(prof, key=lambda x: -x[1]):
        kind, units = classify(name, sizes, pathways)
        if kind == "neurons":
            norm, unit = t / (units * steps) * 1e9, "ns / neuron-step"
            neuron_ns += t
        elif kind.startswith("synapses"):
            norm, unit = (t / units * 1e9 if units else float("nan")), "ns / synaptic event"
            synapse_s += t
            synapse_events += units or 0
        else:
            norm, unit = float("nan"), ""
        rows.append([name, t, 100 * t / total, norm, unit])
        raw.append({"code_object": name, "s": t, "kind": kind, "units": units, "norm": norm})
    summary = {"N_pyr": a.n_exc, "T": a.T, "steps": steps, "run_s": run_s,
               "profiled_total_s": total, "cells": cells, "rates_Hz": rate,
               "non_synaptic_ns_per_cell_step": neuron_ns / (cells * steps) * 1e9,
               "synaptic_ns_per_event": synapse_s / synapse_events * 1e9 if synapse_events else None,
               "pathways": pathways}
    raw.insert(0, summary)
    text = (f"### Microcircuit time step per code object (issue 14)\n\n"
            f"Command: `.venv/bin/python scripts/profile_microcircuit.py --n-exc {a.n_exc} "
            f"--T {a.T}`: sheet, {a.n_exc} pyramidal + {a.n_exc // 10} PV + {a.n_exc // 10} SOM "
            f"cells and the matrix thalamus, pair STDP, drive 800 Hz (soma) / 300 Hz (dendrite), "
            f"cpp_standalone with Brian2's profiler, {steps} steps of 0.1 ms (time loop "
            f"{run_s:.2f} s; profiled code objects {total:.2f} s). Rates (Hz): "
            + ", ".join(f"{k} {v:.1f}" for k, v in rate.items()) + ".\n\n"
            f"All neuron code together: **{summary['non_synaptic_ns_per_cell_step']:.1f} ns per "
            f"cell per step** (summed over the groups' code objects, divided by the "
            f"{cells} cells incl. the drive source groups' cost); all synaptic code: "
            f"**{summary['synaptic_ns_per_event'] or float('nan'):.1f} ns per synaptic event**.\n\n"
            + markdown_table(["code object", "s", "% of profiled", "normalised", "unit"], rows)
            + "\n\n" + machine() + "\n")
    save_fragment(a.md, text, raw)


if __name__ == "__main__":
    main()
