"""Benchmark: synapse creation time vs network size at fixed in-degree (issue 14).

The microcircuit's sheet (N pyramidal, N/10 PV, N/10 SOM; the model's kernels, shrunk as
``spikemod.network.fixed_indegree_overrides`` does above 10^4 cells so every cell keeps the
in-degree of the 10^4 sheet) is connected with :func:`spikemod.connectivity.gaussian_pairs`
for all five pathways (E->E, E->PV, E->SOM, PV->E, SOM->E). Each size runs in a fresh process;
reported: wall time of the pair generation (NumPy, one core), synapses, time per synapse and
peak resident memory of the process. The replaced construction (Brian2's all-pairs
``connect(condition=..., p=...)`` in the cpp_standalone binary) took 1.3 s at 10^4 and 178 s
at 10^5 cells (BENCHMARKS.md, issue 5 microcircuit table); ``--old-max N`` re-measures it in
Brian2's runtime mode (cython target, E->E only) up to N cells for a same-process comparison.

Usage: .venv/bin/python scripts/bench_connectivity.py [--sizes 10000,30000,100000,300000,1000000]
       [--old-max 10000] [--md benchmarks/connectivity.md]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchutil import child, emit, machine, markdown_table, save_fragment, self_peak_rss_MB  # noqa: E402

PATHS = (("EE", "pyr", "pyr", False), ("EI", "pyr", "pv", True), ("EI", "pyr", "som", True),
         ("IE", "pv", "pyr", True), ("IE", "som", "pyr", True))


def _model(n):
    from spikemod.network import fixed_indegree_overrides
    from spikemod.params import load_model
    base = load_model()
    return load_model(overrides=fixed_indegree_overrides(base, n)) if n > 10000 else base


def one(n, seed=1):
    import numpy as np
    from spikemod.connectivity import gaussian_pairs
    model = _model(n)
    rng = np.random.default_rng(seed)
    sizes = {"pyr": n, "pv": n // 10, "som": n // 10}
    xy = {k: rng.uniform(size=(v, 2)) for k, v in sizes.items()}
    total, per = 0, {}
    t0 = time.perf_counter()
    for path, pre, post, self_conn in PATHS:
        p, sigma = float(model[f"sheet.{path}_p"]), float(model[f"sheet.{path}_sigma"])
        t = time.perf_counter()
        i, _ = gaussian_pairs("sheet", xy[pre], xy[post], p, sigma, self_conn=self_conn, rng=rng)
        per[f"{path}:{pre}->{post}"] = {"synapses": int(len(i)), "s": time.perf_counter() - t}
        total += len(i)
        del i, _
    wall = time.perf_counter() - t0
    emit({"method": "gaussian_pairs", "N_pyr": n, "synapses": total, "wall_s": wall,
          "ns_per_synapse": wall / total * 1e9, "in_degree_EE": per["EE:pyr->pyr"]["synapses"] / n,
          "paths": per, "peak_rss_MB": self_peak_rss_MB()})


def one_old(n, seed=1):
    """Brian2 runtime, cython target, all-pairs connect of the E->E pathway."""
    import numpy as np
    from brian2 import NeuronGroup, Synapses
    from spikemod.device import simulation
    from spikemod.network import _distance_expr
    model = _model(n)
    p, sigma = float(model["sheet.EE_p"]), float(model["sheet.EE_sigma"])
    xy = np.random.default_rng(seed).uniform(size=(n, 2))
    with simulation("runtime", seed=seed, runtime_target="cython"):
        g = NeuronGroup(n, "x : 1\ny : 1")
        g.x, g.y = xy[:, 0], xy[:, 1]
        s = Synapses(g, g)
        d = _distance_expr("sheet")
        s.connect(condition="i != j", p="0.1*exp(-0.5*x_pre)")   # warm the code cache (tiny)
        s2 = Synapses(g, g)
        t = time.perf_counter()
        s2.connect(condition="i != j", p=f"{p!r}*exp(-0.5*({d}/{sigma!r})**2)")
        wall = time.perf_counter() - t
        n_syn = len(s2)
    emit({"method": "brian2 all-pairs (runtime cython, E->E)", "N_pyr": n, "synapses": n_syn,
          "wall_s": wall, "ns_per_synapse": wall / n_syn * 1e9})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,30000,100000,300000,1000000")
    ap.add_argument("--old-max", type=int, default=10000)
    ap.add_argument("--md", default=None)
    ap.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        (one if a.one[0] == "new" else one_old)(int(a.one[1]))
        return
    me = str(Path(__file__).resolve())
    rows, raw = [], []
    for n in [int(x) for x in a.sizes.split(",")]:
        r = child(me, "--one", "new", n, timeout=3600)
        raw.append(r)
        print(r, file=sys.stderr, flush=True)
        ee = r["paths"]["EE:pyr->pyr"]
        rows.append([n, r["synapses"], r["in_degree_EE"], r["wall_s"], r["ns_per_synapse"],
                     ee["s"], r["peak_rss_MB"]])
    old_rows = []
    for n in [int(x) for x in a.sizes.split(",") if int(x) <= a.old_max]:
        r = child(me, "--one", "old", n, timeout=3600)
        raw.append(r)
        print(r, file=sys.stderr, flush=True)
        new_ee = next(x for x in raw if x.get("N_pyr") == n and x["method"] == "gaussian_pairs")
        old_rows.append([n, r["synapses"], r["wall_s"], new_ee["paths"]["EE:pyr->pyr"]["s"]])
    base = rows[0]
    scale = [f"x{r[3] / base[3]:.1f} time for x{r[1] / base[1]:.1f} synapses" for r in rows[1:]]
    text = ("### Synapse creation vs N at fixed in-degree (issue 14)\n\n"
            f"Command: `.venv/bin/python scripts/bench_connectivity.py --sizes {a.sizes} "
            f"--old-max {a.old_max}`. Sheet, N pyramidal + N/10 PV + N/10 SOM, all five "
            "pathways, kernels shrunk above 10^4 cells to keep the 10^4 sheet's in-degree "
            "(`fixed_indegree_overrides`); `spikemod.connectivity.gaussian_pairs`, NumPy, one "
            "core, one fresh process per size; time includes sorting the pairs by (i, j).\n\n"
            + markdown_table(["N pyr", "synapses (all paths)", "E->E in-degree",
                              "creation wall (s)", "ns per synapse", "E->E alone (s)",
                              "peak RSS (MB)"], rows)
            + "\n\nScaling against the first row: " + "; ".join(scale) + ".\n")
    if old_rows:
        text += ("\nSame process type, the replaced all-pairs construction (Brian2 runtime, "
                 "cython target, `connect(condition='i != j', p='p*exp(...)')`, E->E only):\n\n"
                 + markdown_table(["N pyr", "E->E synapses", "all-pairs wall (s)",
                                   "gaussian_pairs E->E (s)"], old_rows) + "\n")
    text += "\n" + machine() + "\n"
    save_fragment(a.md, text, raw)


if __name__ == "__main__":
    main()
