"""Benchmark (a): one plain Izhikevich network in NEST 3.10 and in spikemod cpp_standalone.

Network (identical in both): N cells, 80 % excitatory regular-spiking (a=0.02/ms, b=0.2,
c=-65 mV, d=8 mV) and 20 % inhibitory fast-spiking (a=0.1/ms, d=2 mV) Izhikevich (2003)
neurons, dv/dt = 0.04 v^2 + 5 v + 140 - u + input (mV, ms), spike at v >= 30 mV; fixed
in-degree K_E=80 excitatory (+0.5 mV) and K_I=20 inhibitory (-2.5 mV) delta synapses, no
multapses, delay 1.5 ms; every cell gets its own Poisson drive of 2.5 kHz x 1.2 mV (NEST
poisson_generator / Brian2 PoissonInput), or with ``--drive dc`` instead a constant current
3 + 2 U(0, 1) mV/ms per cell (the same values in both). Forward Euler, dt = 0.1 ms; start v=-65 mV, u=b v.
NEST: ``izhikevich`` model (its consistent_integration update is this same Euler step),
one thread. spikemod: the same equations as a Brian2 NeuronGroup in cpp_standalone, no OpenMP.

Measured in fresh processes, median of ``--repeats``: build time (NEST: Create + Connect;
Brian2: code generation + compile, and the set-up part of the binary (synapse creation) ==
binary wall time - network run time), simulation time (NEST: Simulate; Brian2: the network
run reported by the binary), mean rates of E and I cells over the last 80 % of T.

Usage: .venv/bin/python scripts/bench_nest.py [--sizes 1000,10000,100000] [--T 1.0]
       [--repeats 3] [--md benchmarks/devices_nest.md]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchutil import save_fragment, child, emit, machine, markdown_table, med, run_binary  # noqa: E402

P = dict(frac_e=0.8, K_E=80, K_I=20, w_E=0.5, w_I=-2.5, delay=1.5, nu_ext=2500.0, w_ext=1.2,
         dt=0.1, a_E=0.02, a_I=0.1, b=0.2, c=-65.0, d_E=8.0, d_I=2.0)

#: the plain Izhikevich (2003) cell, written like spikemod.cells (units, one line per term)
IZHIKEVICH_EQS = """
dv/dt = (0.04/mV*v**2 + 5*v + 140*mV - u) / ms + I_e : volt
du/dt = a*(b*v - u) : volt
I_e : volt/second             # constant drive (NEST: I_e in pA = mV/ms for this model)
a : 1/second                  # recovery rate
b : 1                         # recovery sensitivity
c : volt                      # reset potential
d : volt                      # recovery jump at reset
"""


def rates(ids, times, n_e, n, t_start, t_stop):
    import numpy as np
    ids, times = np.asarray(ids), np.asarray(times)
    sel = times >= t_start
    span = t_stop - t_start
    e = np.sum(ids[sel] < n_e) / (n_e * span)
    i = np.sum(ids[sel] >= n_e) / ((n - n_e) * span)
    return float(e), float(i)


def dc_drive(n):
    """Per-cell constant drive of the dc variant, mV/ms: 3 + 2 U(0, 1), fixed seed (both tools)."""
    import numpy as np
    return 3.0 + 2.0 * np.random.default_rng(12345).random(n)


def one_nest(n, T, seed, drive_kind="poisson"):
    import nest
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": P["dt"], "local_num_threads": 1, "rng_seed": seed,
                          "print_time": False})
    n_e = int(P["frac_e"] * n)
    t0 = time.perf_counter()
    E = nest.Create("izhikevich", n_e, params={"a": P["a_E"], "b": P["b"], "c": P["c"],
                                                "d": P["d_E"], "V_m": -65.0, "U_m": P["b"] * -65.0})
    I = nest.Create("izhikevich", n - n_e, params={"a": P["a_I"], "b": P["b"], "c": P["c"],
                                                    "d": P["d_I"], "V_m": -65.0,
                                                    "U_m": P["b"] * -65.0})
    allc = E + I
    rec = nest.Create("spike_recorder")
    if drive_kind == "poisson":
        noise = nest.Create("poisson_generator", params={"rate": P["nu_ext"]})
        nest.Connect(noise, allc, syn_spec={"weight": P["w_ext"], "delay": P["dt"]})
    else:
        allc.I_e = dc_drive(n)
    for src, k, w in ((E, P["K_E"], P["w_E"]), (I, P["K_I"], P["w_I"])):
        nest.Connect(src, allc, {"rule": "fixed_indegree", "indegree": k,
                                 "allow_multapses": False},
                     {"weight": w, "delay": P["delay"]})
    nest.Connect(allc, rec)
    nest.Prepare()
    nest.Cleanup()
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Simulate(T * 1000.0)
    sim = time.perf_counter() - t0
    ev = rec.get("events")
    ids = ev["senders"] - allc[0].global_id
    re, ri = rates(ids, ev["times"] / 1000.0, n_e, n, 0.2 * T, T)
    emit({"tool": "nest", "N": n, "build_s": build, "sim_s": sim, "rate_E": re, "rate_I": ri,
          "synapses": nest.num_connections - (2 if drive_kind == "poisson" else 1) * n})


def one_brian(n, T, seed, build_dir, drive_kind="poisson"):
    import numpy as np
    from brian2 import (NeuronGroup, Network, PoissonInput, SpikeMonitor, Synapses, device,
                        ms, mV, second, Hz)
    from spikemod.device import simulation
    n_e = int(P["frac_e"] * n)
    t0 = time.perf_counter()
    with simulation("cpp_standalone", seed=seed, dt=P["dt"] * ms, build_dir=build_dir):
        G = NeuronGroup(n, IZHIKEVICH_EQS, threshold="v >= 30*mV", reset="v = c; u += d",
                        method="euler", name="izh")
        G.a = np.where(np.arange(n) < n_e, P["a_E"], P["a_I"]) / ms
        G.b = P["b"]
        G.c = P["c"] * mV
        G.d = np.where(np.arange(n) < n_e, P["d_E"], P["d_I"]) * mV
        G.v = -65 * mV
        G.u = "b*v"
        if drive_kind == "poisson":
            # 100 sources of nu_ext/100: binomial counts per step, as Poisson as NEST's generator
            drive = [PoissonInput(G, "v", 100, P["nu_ext"] / 100 * Hz, weight=P["w_ext"] * mV)]
        else:
            G.I_e = dc_drive(n) * mV / ms
            drive = []
        syn = []
        for name, src, indegree, w in (("exc", G[:n_e], P["K_E"], P["w_E"]),
                                       ("inh", G[n_e:], P["K_I"], P["w_I"])):
            S = Synapses(src, G, on_pre=f"v += {w}*mV", delay=P["delay"] * ms, name=name)
            S.connect(i=f"k for k in sample(N_pre, size={indegree})")
            syn.append(S)
        mon = SpikeMonitor(G)
        net = Network(G, *drive, *syn, mon)
        net.run(T * second)
        device.build(directory=str(build_dir), compile=True, run=False, with_output=False)
        compile_s = time.perf_counter() - t0
        r = run_binary(build_dir)
        from brian2 import get_device
        get_device().results_dir = str(Path(build_dir) / "results") + "/"
        get_device().has_been_run = True
        re, ri = rates(np.asarray(mon.i[:]), np.asarray(mon.t[:] / second), n_e, n, 0.2 * T, T)
        n_syn = int(len(syn[0]) + len(syn[1]))
    setup = r["binary_wall_s"] - r["network_run_s"]
    emit({"tool": "brian2_cpp", "N": n, "codegen_compile_s": compile_s, "setup_s": setup,
          "build_s": compile_s + setup, "sim_s": r["network_run_s"], "rate_E": re,
          "rate_I": ri, "synapses": n_syn, "peak_rss_MB": r["peak_rss_MB"]})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--T", type=float, default=1.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--md", default=None)
    ap.add_argument("--drive", default="poisson", choices=["poisson", "dc"],
                    help="poisson: own Poisson input per cell (default); dc: constant "
                         "per-cell current 3 + 2 U(0,1) mV/ms instead (no generator traffic)")
    ap.add_argument("--build-root", default="/tmp/spikemod-bench-nest")
    ap.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        tool, n, T, seed = a.one[0], int(a.one[1]), float(a.one[2]), int(a.one[3])
        if tool == "nest":
            one_nest(n, T, seed, a.drive)
        else:
            one_brian(n, T, seed, Path(a.one[4]), a.drive)
        return
    me = str(Path(__file__).resolve())
    rows, raw = [], []
    for n in [int(x) for x in a.sizes.split(",")]:
        res = {"nest": [], "brian2_cpp": []}
        for rep in range(a.repeats):
            for tool in ("nest", "brian2_cpp"):
                args = ["--drive", a.drive, "--one", tool, n, a.T, 1 + rep]
                if tool == "brian2_cpp":
                    # one build dir per size: repeat 1 compiles, later repeats hit the cache
                    args.append(f"{a.build_root}/{a.drive}-N{n}")
                r = child(me, *args)
                res[tool].append(r)
                raw.append(r)
                print(r, file=sys.stderr, flush=True)
        ne, br = res["nest"], res["brian2_cpp"]
        rows.append([n, br[0]["synapses"], med([r["rate_E"] for r in ne]),
                     med([r["rate_E"] for r in br]), med([r["rate_I"] for r in ne]),
                     med([r["rate_I"] for r in br]),
                     med([r["build_s"] for r in ne]), br[0]["codegen_compile_s"],
                     med([r["codegen_compile_s"] for r in br[1:]] or [float("nan")]),
                     med([r["setup_s"] for r in br]),
                     med([r["sim_s"] for r in ne]), med([r["sim_s"] for r in br]),
                     med([r["sim_s"] for r in br]) / med([r["sim_s"] for r in ne])])
    header = ["N", "synapses", "rate E NEST (Hz)", "rate E Brian2", "rate I NEST",
              "rate I Brian2", "NEST build (s)", "Brian2 codegen+compile, first (s)",
              "Brian2 codegen, cached (s)", "Brian2 setup in binary (s)", "NEST sim (s)",
              "Brian2 sim (s)", "sim ratio Brian2/NEST"]
    text = (f"### Plain Izhikevich network: NEST 3.10 vs spikemod cpp_standalone "
            f"({a.drive} drive)\n\n"
            f"Command: `.venv/bin/python scripts/bench_nest.py --sizes {a.sizes} --T {a.T} "
            f"--repeats {a.repeats} --drive {a.drive}`; simulated time {a.T} s, dt 0.1 ms, medians of "
            f"{a.repeats} fresh processes (seeds 1..{a.repeats}), single thread each.\n\n"
            + markdown_table(header, rows) + "\n\n" + machine() + "\n")
    save_fragment(a.md, text, raw)


if __name__ == "__main__":
    main()
