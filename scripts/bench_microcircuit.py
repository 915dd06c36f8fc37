"""Benchmark (b): the L5 microcircuit at several sizes, cpp_standalone vs Brian2 runtime.

Circuit: ``spikemod.network.build_microcircuit`` on the 2-D sheet, N pyramidal cells with
N/10 PV and N/10 SOM cells, pair-based STDP on E->E, feed-forward Poisson drive 800 Hz onto
every cell and dendritic drive 300 Hz, dt 0.1 ms.

Per size, in fresh processes:
* cpp_standalone: code generation + compilation once, then the compiled binary ``--repeats``
  times: wall time per simulated second (network run, and the whole binary incl. synapse
  creation), peak resident memory of the binary, recurrent synaptic events per second of wall
  time (sum over pathways of presynaptic spikes x out-degree; the one-to-one Poisson drive not
  counted);
* runtime (Brian2's default numpy target, what ``--device runtime`` uses): a shorter run
  (``--runtime-T``) for sizes up to ``--runtime-max``, wall time per simulated second and peak
  memory of the Python process.

Usage: .venv/bin/python scripts/bench_microcircuit.py [--sizes 1000,10000,100000] [--T 1]
       [--repeats 3] [--md benchmarks/devices_microcircuit.md]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchutil import (save_fragment, child, emit, machine, markdown_table, med, run_binary,  # noqa: E402
                        self_peak_rss_MB)


def _circuit(n, model):
    from brian2 import Hz, SpikeMonitor
    from spikemod.network import build_microcircuit
    mc = build_microcircuit(model, geometry="sheet", n_exc=n, n_pv=n // 10, n_som=n // 10,
                            stdp=True, rng_seed=1)
    for key, src in mc.drive.items():
        src.rates = (300 if key == "fb_pyr" else 800) * Hz
    mons = {pop: SpikeMonitor(g, name=f"bench_{pop}_spikes") for pop, g in mc.populations.items()}
    return mc, mons, mc.network(*mons.values())


def _events(mc, mons):
    """Recurrent synaptic events: presynaptic spike counts x out-degree, summed."""
    import numpy as np
    pre_of = {"EE": "pyr", "EPV": "pyr", "ESOM": "pyr", "PVE": "pv", "SOME": "som",
              "ETh": "pyr", "ThD": "thal"}
    total, n_syn = 0, 0
    for key, syn in mc.synapses.items():
        pop = pre_of[key]
        counts = np.asarray(mons[pop].count[:], dtype=np.int64)
        outdeg = np.bincount(np.asarray(syn.i[:]), minlength=counts.size)
        total += int(np.dot(counts, outdeg))
        n_syn += len(syn)
    return total, n_syn


def _model(n, indegree_from):
    """The default model; above ``indegree_from`` pyramidal cells (0: never) with the sheet
    kernels shrunk so the in-degree stays that of the ``indegree_from`` sheet."""
    from spikemod.network import fixed_indegree_overrides
    from spikemod.params import load_model
    if indegree_from and n > indegree_from:
        return load_model(overrides=fixed_indegree_overrides(load_model(), n, indegree_from))
    return load_model()


def one_cpp(n, T, repeats, build_dir, indegree_from=0):
    from brian2 import device, get_device, second
    from spikemod.device import simulation
    model = _model(n, indegree_from)
    t0 = time.perf_counter()
    with simulation("cpp_standalone", seed=1, dt=model["sim.dt"], build_dir=build_dir):
        mc, mons, net = _circuit(n, model)
        net.run(T * second)
        device.build(directory=str(build_dir), compile=True, run=False, with_output=False)
        build_s = time.perf_counter() - t0
        runs = [run_binary(build_dir) for _ in range(repeats)]
        dev = get_device()
        dev.results_dir = str(Path(build_dir) / "results") + "/"
        dev.has_been_run = True
        events, n_syn = _events(mc, mons)
        rate_pyr = len(mons["pyr"].i[:]) / (len(mc.pyr) * T)
    sim = med([r["network_run_s"] for r in runs])
    emit({"device": "cpp_standalone", "N_pyr": n, "neurons": n + 2 * (n // 10),
          "synapses": n_syn, "build_s": build_s, "T": T,
          "run_per_sim_s": sim / T, "binary_per_sim_s": med([r["binary_wall_s"] for r in runs]) / T,
          "runs_s": [r["network_run_s"] for r in runs],
          "peak_rss_MB": max(r["peak_rss_MB"] for r in runs),
          "events": events, "events_per_wall_s": events / sim, "rate_pyr_Hz": rate_pyr})


def one_runtime(n, T, indegree_from=0):
    from brian2 import second
    from spikemod.device import simulation
    model = _model(n, indegree_from)
    with simulation("runtime", seed=1, dt=model["sim.dt"]):
        t0 = time.perf_counter()
        mc, mons, net = _circuit(n, model)
        net.run(0.1e-3 * second)              # builds synapses and code objects
        setup = time.perf_counter() - t0
        t0 = time.perf_counter()
        net.run(T * second)
        sim = time.perf_counter() - t0
        events, n_syn = _events(mc, mons)
    emit({"device": "runtime", "N_pyr": n, "synapses": n_syn, "setup_s": setup, "T": T,
          "run_per_sim_s": sim / T, "peak_rss_MB": self_peak_rss_MB(),
          "events_per_wall_s": events / sim})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--T", type=float, default=1.0, help="simulated s, cpp (100k: --T-large)")
    ap.add_argument("--T-large", type=float, default=0.2, help="simulated s for N >= 30000")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--runtime-T", type=float, default=0.05)
    ap.add_argument("--runtime-repeats", type=int, default=3)
    ap.add_argument("--runtime-max", type=int, default=10000)
    ap.add_argument("--fixed-indegree-from", type=int, default=0,
                    help="above this many pyramidal cells shrink the sheet kernels so the "
                         "in-degree stays that of this size (0: the model's kernels)")
    ap.add_argument("--md", default=None)
    ap.add_argument("--build-root", default="/tmp/spikemod-bench-mc")
    ap.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        if a.one[0] == "cpp":
            one_cpp(int(a.one[1]), float(a.one[2]), int(a.one[3]), Path(a.one[4]),
                    int(a.one[5]))
        else:
            one_runtime(int(a.one[1]), float(a.one[2]), int(a.one[3]))
        return
    me = str(Path(__file__).resolve())
    rows, raw = [], []
    for n in [int(x) for x in a.sizes.split(",")]:
        T = a.T_large if n >= 30000 else a.T
        c = child(me, "--one", "cpp", n, T, a.repeats, f"{a.build_root}/N{n}",
                  a.fixed_indegree_from, timeout=7200)
        raw.append(c)
        print(c, file=sys.stderr, flush=True)
        rt = []
        if n <= a.runtime_max:
            for _ in range(a.runtime_repeats if n < 10000 else 1):
                rt.append(child(me, "--one", "runtime", n, a.runtime_T, a.fixed_indegree_from))
                raw.append(rt[-1])
                print(rt[-1], file=sys.stderr, flush=True)
        rt_per = med([r["run_per_sim_s"] for r in rt]) if rt else float("nan")
        rows.append([n, c["neurons"], c["synapses"], c["build_s"], T, c["run_per_sim_s"],
                     c["binary_per_sim_s"], c["peak_rss_MB"], c["peak_rss_MB"] / c["synapses"] * 1e6,
                     c["events_per_wall_s"], c["rate_pyr_Hz"], rt_per,
                     med([r["peak_rss_MB"] for r in rt]) if rt else float("nan"),
                     rt_per / c["run_per_sim_s"] if rt else float("nan")])
    header = ["N pyr", "neurons", "synapses", "cpp codegen+compile (s)", "T (s)",
              "cpp wall / sim s (run)", "cpp wall / sim s (binary)", "cpp peak RSS (MB)",
              "MB per 1M synapses", "synaptic events / wall s", "pyr rate (Hz)",
              "runtime wall / sim s", "runtime peak RSS (MB)", "runtime / cpp"]
    text = (f"### L5 microcircuit: cpp_standalone and runtime\n\n"
            f"Command: `.venv/bin/python scripts/bench_microcircuit.py --sizes {a.sizes} "
            f"--T {a.T} --T-large {a.T_large} --repeats {a.repeats} --runtime-T {a.runtime_T}"
            f" --runtime-max {a.runtime_max}"
            + (f" --fixed-indegree-from {a.fixed_indegree_from}" if a.fixed_indegree_from else "")
            + "`."
            f" cpp: one build per size, medians of {a.repeats} runs of the binary; runtime "
            f"(numpy target): {a.runtime_T} s simulated, median of {a.runtime_repeats} fresh "
            f"processes below 10k, one at 10k; not run above {a.runtime_max}.\n\n"
            + markdown_table(header, rows) + "\n\n" + machine() + "\n")
    save_fragment(a.md, text, raw)


if __name__ == "__main__":
    main()
