"""Benchmark: the 10,000-pyramidal-cell sheet microcircuit with and without neuromodulation
(second-messenger pools on every cell, a 3-D NE voxel grid under the sheet read by every
pyramidal cell, LC release sites) in C++ standalone.

Both variants are built and compiled once, then the binary runs --repeats times; medians of the
wall time per simulated second and their ratio are measured in one invocation.

    .venv/bin/python scripts/bench_neuromod.py --n-exc 10000 --n-inh 1000 --t 1 --repeats 3 \
        --out benchmarks/neuromod.md
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchutil import machine, run_binary, write_markdown  # noqa: E402


def build(n_exc, n_inh, t, modulated, directory):
    from brian2 import Hz, SpikeGeneratorGroup, SpikeMonitor, Synapses, device, second, um
    from spikemod.device import simulation
    from spikemod.diffusion import make_grid
    from spikemod.network import build_microcircuit
    from spikemod.neuromod import attach
    from spikemod.params import load_model

    model = load_model()
    t0 = time.perf_counter()
    with simulation("cpp_standalone", seed=1, dt=model["sim.dt"], build_dir=directory) as sim:
        mc = build_microcircuit(model, geometry="sheet", n_exc=n_exc, n_pv=n_inh, n_som=n_inh,
                                stdp=False, rng_seed=1)
        for key, src in mc.drive.items():
            src.rates = (300 if key == "fb_pyr" else 800) * Hz
        extra, info = [], {}
        if modulated:
            dx = 20 * um
            side_um = float(model["sheet.side"] / um)
            n_xy = int(round(side_um / 20))
            grid = make_grid(model, {"dx": dx, "ndim": 3}, shape=(n_xy, n_xy, 5), name="ne_grid")
            extra += grid.objects
            for pop, g in mc.populations.items():
                nm = attach(g, model, pop, name=f"{pop}_gpcr")
                extra += nm.objects
                xy = mc.positions[pop] * side_um
                vox = grid.voxel_of(np.column_stack([xy, np.full(len(xy), 2 * 20.0)]))
                rd = Synapses(grid.group, nm.gpcr, "L_NE_post = C_pre : mole/meter**3 (summed)",
                              dt=grid.dt, name=f"{pop}_ne_readers")
                rd.connect(i=vox, j=np.arange(len(vox)))
                extra.append(rd)
            lc = SpikeGeneratorGroup(20, np.repeat(np.arange(20), 5),
                                     np.tile(0.2 + np.arange(5) * 0.05, 20) * second,
                                     dt=grid.dt, name="lc")
            extra.append(lc)
            grid.connect_release(lc, np.full(20, grid.centre()), name="lc_release")
            info = {"voxels": int(np.prod(grid.shape)), "grid_shape": list(grid.shape)}
        mons = [SpikeMonitor(g) for g in mc.populations.values()]
        net = mc.network(*extra, *mons)
        net.run(t * second)
        device.build(directory=str(directory), compile=True, run=False, with_output=False)
        sim.finished = True
    return time.perf_counter() - t0, info


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-exc", type=int, default=10000)
    p.add_argument("--n-inh", type=int, default=1000)
    p.add_argument("--t", type=float, default=1.0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", default="benchmarks/neuromod.md")
    a = p.parse_args(argv)
    results, dirs = {}, {}
    for label, modulated in (("unmodulated", False), ("modulated", True)):
        dirs[label] = Path(tempfile.mkdtemp(prefix=f"bench_neuromod_{label}_"))
        build_s, info = build(a.n_exc, a.n_inh, a.t, modulated, dirs[label])
        results[label] = {"build_s": build_s, "runs": [], "info": info}
    # interleaved runs: a change of the machine's load hits both variants alike
    for _ in range(a.repeats):
        for label, d in dirs.items():
            results[label]["runs"].append(run_binary(d)["network_run_s"])
    for label, r in results.items():
        r["per_s"] = statistics.median(r["runs"]) / a.t
        print(label, r, flush=True)
    ratio = results["modulated"]["per_s"] / results["unmodulated"]["per_s"]
    info = results["modulated"]["info"]
    lines = [
        "## Neuromodulated 10k-cell microcircuit vs unmodulated, C++ standalone (issue 4)",
        "",
        f"Machine:\n\n{machine()}\n\nThe two binaries were built once and run alternately "
        f"({a.repeats} runs each), so a change of load hits both alike; the ratio was measured "
        "in one invocation.",
        f"Command: `.venv/bin/python scripts/bench_neuromod.py --n-exc {a.n_exc} --n-inh {a.n_inh} "
        f"--t {a.t} --repeats {a.repeats}`",
        "",
        f"Sheet microcircuit: {a.n_exc} pyramidal + {a.n_inh} PV + {a.n_inh} SOM cells, no STDP, "
        "feed-forward 800 Hz and dendritic 300 Hz Poisson drive, dt 0.1 ms. Modulated: one "
        "second-messenger pool per cell (receptors, G proteins, cAMP, PKA, IP3, Ca; gpcr.dt "
        "1 ms) writing g_c, g_Ld, vr, d, d_burst, vt, tau_nmda through summed variables, a 3-D "
        f"NE grid of {info.get('voxels')} voxels {info.get('grid_shape')} (dx 20 um, 7-point "
        "Laplacian, uptake, diffusion.dt 1 ms) read by every cell, 20 LC neurons releasing a "
        "phasic burst at the centre.",
        "",
        "| variant | build + compile (s) | network run time per simulated s (median) | runs (s) |",
        "|---|---|---|---|",
        *[f"| {k} | {v['build_s']:.0f} | {v['per_s']:.2f} s | "
          f"{', '.join(f'{r:.2f}' for r in v['runs'])} |" for k, v in results.items()],
        "",
        f"Cost of neuromodulation: x{ratio:.2f} wall time per simulated second.",
        "",
    ]
    write_markdown(a.out, lines)


if __name__ == "__main__":
    sys.exit(main())
