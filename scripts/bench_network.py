"""Benchmark: the 10,000-pyramidal-cell microcircuit (2-D sheet, PV + SOM, STDP on E->E) in
C++ standalone on this machine.

Measures synapse counts, code generation + compilation time, wall time per simulated second
(medians over --repeats runs of the built binary) and the peak resident memory of the simulation process, and writes a markdown fragment.

    .venv/bin/python scripts/bench_network.py --n-exc 10000 --n-inh 1000 --t 1 \
        --out benchmarks/network.md
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchutil import machine, write_markdown  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-exc", type=int, default=10000)
    p.add_argument("--n-inh", type=int, default=1000, help="PV cells and SOM cells, each")
    p.add_argument("--t", type=float, default=1.0, help="simulated time per run, s")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--fixed-indegree", action="store_true",
                   help="shrink the sheet kernels as sqrt(10000/N) so the in-degree (and the "
                        "synapses per cell) stays that of the 10k sheet: synapses grow linearly")
    p.add_argument("--out", default="benchmarks/network.md")
    a = p.parse_args(argv)

    from brian2 import Hz, SpikeMonitor, device, second
    from spikemod.device import simulation
    from spikemod.network import build_microcircuit, fixed_indegree_overrides
    from spikemod.params import load_model

    overrides = fixed_indegree_overrides(load_model(), a.n_exc) if a.fixed_indegree else []
    model = load_model(overrides=overrides)
    build = Path(tempfile.mkdtemp(prefix="bench_network_"))
    t0 = time.perf_counter()
    with simulation("cpp_standalone", seed=1, dt=model["sim.dt"], build_dir=build) as sim:
        mc = build_microcircuit(model, geometry="sheet", n_exc=a.n_exc, n_pv=a.n_inh,
                                n_som=a.n_inh, stdp=True, rng_seed=1)
        for key, src in mc.drive.items():
            src.rates = (300 if key == "fb_pyr" else 800) * Hz
        mons = {pop: SpikeMonitor(g) for pop, g in mc.populations.items()}
        net = mc.network(*mons.values())
        net.run(a.t * second)
        device.build(directory=str(build), compile=True, run=False, with_output=False)
        build_s = time.perf_counter() - t0
        runs, loops, rss = [], [], []
        for rep in range(a.repeats):
            t1 = time.perf_counter()
            device.run(directory=str(build), with_output=False, run_args=None)
            runs.append(time.perf_counter() - t1)
            loops.append(device._last_run_time)     # the network's time loop alone
            rss.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        counts = {k: len(s) for k, s in mc.synapses.items()}
        rates = {pop: len(m.i[:]) / (len(g) * a.t) for (pop, m), g in
                 zip(mons.items(), mc.populations.values())}
        sim.finished = True
    total = sum(counts.values())
    per_s = statistics.median(runs) / a.t
    loop_per_s = statistics.median(loops) / a.t
    setup_s = statistics.median([r - lp for r, lp in zip(runs, loops)])
    lines = [
        f"## L5 microcircuit, {a.n_exc:,} pyramidal cells, C++ standalone (issue 3)",
        "",
        f"Machine:\n\n{machine()}\n",
        f"Command: `.venv/bin/python scripts/bench_network.py --n-exc {a.n_exc} "
        f"--n-inh {a.n_inh} --t {a.t} --repeats {a.repeats}"
        f"{' --fixed-indegree' if a.fixed_indegree else ''}`",
        "",
        f"Sheet geometry, {a.n_exc} pyramidal + {a.n_inh} PV + {a.n_inh} SOM cells, "
        f"pair-based STDP on E->E, feed-forward 800 Hz and dendritic 300 Hz Poisson drive, "
        f"dt 0.1 ms." + (f" Kernel widths x{(10000 / a.n_exc) ** 0.5:.3g} (fixed in-degree)."
                         if a.fixed_indegree else ""),
        "",
        "| quantity | value |",
        "|---|---|",
        f"| synapses (total) | {total:,} |",
        *[f"| synapses {k} | {v:,} |" for k, v in counts.items()],
        f"| code generation + compilation | {build_s:.1f} s |",
        f"| binary wall time per simulated second, setup included (median of {a.repeats}) "
        f"| {per_s:.1f} s |",
        f"| setup in the binary: synapse creation, initialisation (median) | {setup_s:.1f} s |",
        f"| network time loop per simulated second (median) | {loop_per_s:.1f} s |",
        f"| runs (s) | {', '.join(f'{r:.1f}' for r in runs)} |",
        f"| peak RSS of the simulation process | {max(rss) / 1024:.0f} MiB |",
        *[f"| mean rate {pop} | {r:.1f} Hz |" for pop, r in rates.items()],
        "",
    ]
    write_markdown(a.out, lines)


if __name__ == "__main__":
    sys.exit(main())
