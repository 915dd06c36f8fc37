"""Speed-up of the rate models over the spiking model for the same protocol (issue 7).

* exact mean field [CC22] vs the Brian2 network of N Izhikevich neurons (cpp_standalone): the
  meanfield protocol's current steps (tonic, then bursting); network time = the compiled
  binary's run (compilation excluded, the binary is built once and re-run), mean field = SciPy RK45;
* E/PV/SOM neural mass vs the spiking W25 ring microcircuit (90 E, 90 PV, 30 SOM, cpp_standalone)
  through the neural-mass protocol's four steps;
* rate RNN: NumPy forward pass of one trial vs the same dynamics as a Brian2 rate network.

Each quantity is the median of ``--repeats`` runs measured in this one invocation; the markdown
fragment goes to ``benchmarks/rates.md`` (``--out``).

    .venv/bin/python scripts/bench_rates.py --n 10000 --segment 1.0 --repeats 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchutil import machine, markdown_table  # noqa: E402


def bench_meanfield(n, segment_ms, repeats, build):
    from spikemod.experiments.meanfield import run_network
    from spikemod.rates.meanfield import MeanField, population_params
    p = population_params()
    steps = [(0.0, 1000.0), (segment_ms, 0.0)]
    net_t, mf_t = [], []
    for k in range(repeats):
        net = run_network(p, n, 2 * segment_ms, steps=steps, device="cpp_standalone", seed=k + 1,
                          build_dir=build / "mf")
        net_t.append(net.timers.get("run_binary") or net.wall_s)
        mf_t.append(MeanField(p).run(2 * segment_ms, steps=steps, dt_out_ms=0.5)["wall_s"])
    return net_t, mf_t


def bench_neural_mass(segment_ms, repeats, build):
    from spikemod.experiments.neural_mass import run_microcircuit
    from spikemod.params import load_model
    from spikemod.rates.neural_mass import (NeuralMass, Segment, couplings_from_synapses,
                                            dendritic_transfer)
    model = load_model()
    segs = [Segment("baseline", segment_ms), Segment("ff_step", segment_ms, ff_scale=1.3),
            Segment("dend_step", segment_ms, rate_dend_Hz=600.0),
            Segment("modulator", segment_ms, modulated=True)]
    fit = {"r_max_Hz": 200.0, "gain_per_pA": 0.003, "threshold_pA": 1500.0}
    spk_t, mass_t = [], []
    for k in range(repeats):
        spk = run_microcircuit(model, segs, n_som=int(model["neural_mass.n_som"]),
                               device="cpp_standalone", seed=k + 1, build_dir=build / "nm")
        spk_t.append(spk["timers"].get("run_binary") or spk["wall_s"])
        W = couplings_from_synapses(model, spk["weights"], spk["sizes"])
        mass = NeuralMass({"tau_ms": {"pyr": 20.0, "pv": 10.0, "som": 20.0}, "W": W,
                           "F": {"pv": fit, "som": fit}, "F_E": dendritic_transfer({0.0: fit}),
                           "modulation": {"r_max": 1.0, "gain": 1.0, "threshold_shift": 0.0}})
        mass_t.append(mass.run(segs, model)["wall_s"])
    return spk_t, mass_t


def bench_rnn(repeats, build):
    from spikemod.rates.rnn import RateRNN, RNNConfig, brian2_forward, task_trials
    cfg = RNNConfig.from_model()
    net = RateRNN(cfg, seed=0)
    u, f, _, _ = task_trials(cfg, cfg.f_train)
    noise = np.random.default_rng(0).normal(0, cfg.noise, (1, cfg.T, cfg.N))
    np_t, b2_t = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        net.forward(u[2:3], f[2:3], noise)
        np_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        brian2_forward(net, u[2], f[2], noise[0], device="runtime")
        b2_t.append(time.perf_counter() - t0)
    return np_t, b2_t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--segment", type=float, default=1.0, help="s per step")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default="benchmarks/rates.md")
    args = ap.parse_args(argv)
    med = lambda xs: float(np.median(xs))  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        build = Path(tmp)
        mf_net, mf = bench_meanfield(args.n, 1000 * args.segment, args.repeats, build)
        nm_spk, nm = bench_neural_mass(500.0, args.repeats, build)
        rnn_np, rnn_b2 = bench_rnn(args.repeats, build)
    rows = [
        ["mean field vs network", f"{args.n} Izhikevich neurons, {2 * args.segment:g} s (tonic + bursting), dt 5 us",
         f"{med(mf_net):.2f}", f"{med(mf):.3f}", f"{med(mf_net) / med(mf):.0f}"],
        ["neural mass vs microcircuit", "90 E + 90 PV + 30 SOM ring, 2 s (4 steps), dt 0.1 ms",
         f"{med(nm_spk):.2f}", f"{med(nm):.3f}", f"{med(nm_spk) / med(nm):.1f}"],
        ["rate RNN: Brian2 vs NumPy forward", "N = 200, 200 steps, one trial (runtime device)",
         f"{med(rnn_b2):.3f}", f"{med(rnn_np):.4f}", f"{med(rnn_b2) / med(rnn_np):.0f}"],
    ]
    text = ("## Rate-model reductions: speed-up over the spiking model (issue 7)\n\n"
            f"{machine()}\n\n"
            f"Command: `.venv/bin/python scripts/bench_rates.py --n {args.n} --segment {args.segment:g} "
            f"--repeats {args.repeats}`\n\n"
            "Spiking runs: cpp_standalone, time of the compiled binary (compilation excluded); rate "
            "models: Python/NumPy/SciPy wall time. Medians of the repeats, all measured in this one run.\n\n"
            + markdown_table(["comparison", "protocol", "spiking / slow (s)", "rate model (s)",
                              "speed-up"], rows)
            + f"\n\nRuns (s): mean-field network {', '.join(f'{x:.2f}' for x in mf_net)}; mean field "
            f"{', '.join(f'{x:.3f}' for x in mf)}; microcircuit {', '.join(f'{x:.2f}' for x in nm_spk)}; "
            f"neural mass {', '.join(f'{x:.3f}' for x in nm)}.\n")
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
