"""Benchmark (c): a 20-point fi-gain sweep, naive Brian2 (rebuild per point) vs compile-once.

Each point is one f-I curve of the fi-gain protocol (21 neurons, I_soma 500..1500 pA in
50 pA steps, I_dend 800 pA, 0.2 s burn-in + 2 s window, dt 0.1 ms) at one coupling
probability g_c (20 values 0.05..1). Both paths give the same spikes (checked).

* naive: the loop a Brian2 user writes for cpp_standalone: per point ``device.reinit()``,
  ``set_device("cpp_standalone", directory=D)`` (the same D every time, so ``make`` reuses
  what did not change), build the network with that point's value, ``run`` (generate, compile,
  run), read the monitor;
* compile-once: ``spikemod.experiments.fi_gain.simulate_many`` (one build; the binary re-runs with
  the point's g_c as a command-line value), sequential and with 2 parallel runs;
* also the naive loop on the runtime device (numpy), for scale.

Each variant in a fresh process, median of ``--repeats``; the build directories are new for
every repeat (no warm cache from the previous repeat).

Usage: .venv/bin/python scripts/bench_sweep.py [--repeats 3] [--md benchmarks/devices_sweep.md]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchutil import save_fragment, child, emit, machine, markdown_table, med  # noqa: E402

I_SOMA = np.arange(500.0, 1500.0 + 1, 50.0)
I_DEND = 800.0
COUPLING = np.linspace(0.05, 1.0, 20)
BURN_IN, DURATION = 0.2, 2.0


def naive(device_name, build_dir):
    """What a Brian2 user writes: one full build and run per point."""
    import brian2
    from brian2 import Network, SpikeMonitor, pA, second, set_device
    from spikemod.cells import make_pyramidal
    from spikemod.params import load_model
    model = load_model()
    counts = []
    for gc in COUPLING:
        brian2.device.reinit()
        brian2.device.activate()
        if device_name == "runtime":
            set_device("runtime")
            brian2.prefs.codegen.target = "numpy"
        else:
            set_device("cpp_standalone", directory=str(build_dir))
        brian2.defaultclock.dt = model["sim.dt"]
        brian2.seed(7)
        G = make_pyramidal(I_SOMA.size, model)
        G.I_soma = I_SOMA * pA
        G.I_dend = I_DEND * pA
        G.g_c = gc
        G.t_measure = BURN_IN * second
        mon = SpikeMonitor(G)
        net = Network(G, mon)
        net.run((BURN_IN + DURATION) * second)
        i, t = np.asarray(mon.i[:]), np.asarray(mon.t[:] / second)
        counts.append(np.bincount(i[t >= BURN_IN - 5e-5], minlength=I_SOMA.size).tolist())
    return counts


def compile_once(build_dir, processes):
    from brian2 import second
    from spikemod.params import load_model
    from spikemod.experiments.fi_gain import simulate_many as fi_grid_many
    model = load_model()
    res = fi_grid_many(model, I_SOMA, [I_DEND], [0.5],
                       variants=[{"coupling.g_c": float(g)} for g in COUPLING],
                       burn_in=BURN_IN * second, duration=DURATION * second,
                       device="cpp_standalone", seed=7, build_dir=build_dir,
                       processes=processes)
    return [np.rint(r.rate_Hz * DURATION).astype(int).tolist() for r in res]


def one(variant):
    d = Path(tempfile.mkdtemp(prefix=f"bench_sweep_{variant}_"))
    t0 = time.perf_counter()
    if variant == "naive_cpp":
        counts = naive("cpp_standalone", d)
    elif variant == "naive_runtime":
        counts = naive("runtime", d)
    else:
        counts = compile_once(d, processes=2 if variant == "once_2proc" else 1)
    wall = time.perf_counter() - t0
    shutil.rmtree(d, ignore_errors=True)
    emit({"variant": variant, "wall_s": wall, "counts": counts})


VARIANTS = ["naive_cpp", "once_1proc", "once_2proc", "naive_runtime"]
LABELS = {"naive_cpp": "naive Brian2 loop, cpp_standalone (rebuild per point, same directory)",
          "once_1proc": "spikemod compile-once (fi_grid_many), 1 process",
          "once_2proc": "spikemod compile-once (fi_grid_many), 2 parallel runs",
          "naive_runtime": "naive Brian2 loop, runtime (numpy)"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--md", default=None)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        one(a.one)
        return
    me = str(Path(__file__).resolve())
    variants = a.variants.split(",")
    res = {v: [] for v in variants}
    for rep in range(a.repeats):
        for v in variants:
            r = child(me, "--one", v)
            res[v].append(r)
            print(v, round(r["wall_s"], 2), file=sys.stderr, flush=True)
    ref = res[variants[0]][0]["counts"]
    same = {v: all(r["counts"] == ref for r in rs) for v, rs in res.items()}
    base = med([r["wall_s"] for r in res["naive_cpp"]]) if "naive_cpp" in res else float("nan")
    rows = []
    for v in variants:
        w = med([r["wall_s"] for r in res[v]])
        rows.append([LABELS[v], w, w / len(COUPLING), base / w,
                     "yes" if same[v] else "NO",
                     ", ".join(f"{r['wall_s']:.1f}" for r in res[v])])
    text = ("### 20-point fi-gain sweep: naive rebuild per point vs compile once\n\n"
            f"Command: `.venv/bin/python scripts/bench_sweep.py --repeats {a.repeats}`. "
            f"Point = one f-I curve ({I_SOMA.size} neurons, I_dend {I_DEND:g} pA, "
            f"{BURN_IN:g} s + {DURATION:g} s simulated) at one of 20 g_c values; medians of "
            f"{a.repeats} fresh processes, fresh build directories.\n\n"
            + markdown_table(["variant", "sweep wall (s)", "per point (s)",
                              "speed-up vs naive cpp", "same spike counts as naive cpp",
                              "repeats (s)"], rows)
            + "\n\n" + machine() + "\n")
    save_fragment(a.md, text, {v: [r["wall_s"] for r in rs] for v, rs in res.items()})


if __name__ == "__main__":
    main()
