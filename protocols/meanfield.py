"""meanfield: exact mean field of adapting Izhikevich populations against the spiking network.

Methods. N Izhikevich neurons with spike-triggered adaptation, all-to-all excitatory
conductance coupling through one synaptic gating variable, and Lorentzian-distributed drive
eta_i (deterministic quantiles; centre eta_bar, half-width Delta) [CC22 Table 1, model section
``meanfield``] are simulated in Brian2 (forward Euler, dt from the model, spike cut-off at a
dimensionless v_peak = 100 with the Montbrio et al. 2015 refractory scheme). The same
parameters drive the exact mean field of Chen & Campbell (2022), integrated with SciPy RK45.
The external current steps through ``--currents`` (default 1000 pA: tonic firing, then 0 pA:
the adaptation-driven bursting of the population), each held for ``--segment``. The population
rate is binned at ``--bin``. The steady-state error is, for each segment, the relative
difference of the time-averaged rates over the segment's second half (bursting segments are
averaged over their oscillation); ``rel_error_steady`` is the largest of them. The speed-up is
the network's simulation time (compiled binary run in standalone mode, excluding compilation)
over the mean field's integration time. ``--populations 2`` adds an inhibitory population
(see spikemod.rates.meanfield.two_population_params); the CSV then holds the E population.

Outputs: meanfield_vs_network.csv (t_ms, r_network_Hz, r_meanfield_Hz), meanfield_summary.json
(N, rel_error_steady, speedup, and per segment: current, regime, rates, error, oscillation
period), meanfield.png, provenance.json.
"""

import numpy as np

from spikemod import plotting
from spikemod.protocol import UsageError, parse_values, protocol_main
from spikemod.rates.meanfield import (MeanField, population_params, run_network,
                                      two_population_params)

NAME = "meanfield"
CSV_COLUMNS = ["t_ms", "r_network_Hz", "r_meanfield_Hz"]


def add_arguments(p):
    p.add_argument("--n", default=None,
                   help="neurons per population (default: model meanfield.n = 10000)",
                   sets="meanfield.n")
    p.add_argument("--currents", default="1000,0",
                   help="external current of each segment, pA (default %(default)s: tonic, then bursting)")
    p.add_argument("--segment", default="2", help="duration of each segment, s (default %(default)s)")
    p.add_argument("--populations", default="1", help="1 or 2 (E, or E and I) (default %(default)s)")
    p.add_argument("--bin", default="0.5", help="rate bin, ms (default %(default)s)")


def validate(args, model):
    n = args.n if args.n is not None else str(int(float(model["meanfield.n"])))
    try:
        args.n_neurons = int(n)
    except ValueError:
        args.n_neurons = 0
    if args.n_neurons < 10:
        raise UsageError(f"--n: {n!r} is not a whole number >= 10")
    args.I_pA = parse_values(args.currents, "pA", "--currents")
    args.segment_ms = 1000 * parse_values(args.segment, "second", "--segment", minimum=0.05)[0]
    if args.populations not in ("1", "2"):
        raise UsageError(f"--populations: {args.populations!r} is not allowed (allowed: 1, 2)")
    args.n_pop = int(args.populations)
    args.bin_ms = parse_values(args.bin, "ms", "--bin", minimum=0.01)[0]


def oscillation_period_ms(t_ms, r):
    """Dominant period of ``r`` from its autocorrelation (None if it does not oscillate)."""
    x = r - r.mean()
    if x.std() < 0.1 * max(abs(r.mean()), 1e-9):
        return None
    ac = np.correlate(x, x, mode="full")[x.size - 1:]
    ac /= ac[0]
    neg = np.nonzero(ac < 0)[0]
    if neg.size == 0:
        return None
    k = neg[0] + int(np.argmax(ac[neg[0]:]))
    return float(k * (t_ms[1] - t_ms[0]))


def run(ctx, args):
    params = population_params(ctx.model) if args.n_pop == 1 else two_population_params(ctx.model)
    steps = [(k * args.segment_ms, I) for k, I in enumerate(args.I_pA)]
    duration = args.segment_ms * len(steps)
    mf = MeanField(params)
    out = mf.run(duration, steps=steps, dt_out_ms=args.bin_ms)
    ctx.log(f"mean field: {out['wall_s']:.3f} s; network of {args.n_neurons} x {args.n_pop} "
            f"neurons on {ctx.device}")
    dt_ms = float(ctx.model["meanfield.dt"]) * 1000.0
    net = run_network(params, args.n_neurons, duration, steps=steps, bin_ms=args.bin_ms,
                      dt_ms=dt_ms, record_spikes=True, report=ctx.report(), **ctx.sim_kwargs)
    t = net.t_ms
    r_mf = np.array([np.interp(t, out["t_ms"], r) for r in out["r_Hz"]])
    segments, errors = [], []
    for k, (t0, I) in enumerate(steps):
        sel = (t >= t0 + args.segment_ms / 2) & (t < t0 + args.segment_ms)
        for p, name in enumerate(params["names"]):
            a, b = float(net.r_Hz[p, sel].mean()), float(r_mf[p, sel].mean())
            err = abs(a - b) / b
            errors.append(err)
            per_mf = oscillation_period_ms(t[sel], r_mf[p, sel])
            segments.append({"segment": k, "population": name, "I_ext_pA": float(np.ravel(I)[0]),
                             "regime": "tonic" if per_mf is None else "bursting",
                             "rate_network_Hz": a, "rate_meanfield_Hz": b, "rel_error": err,
                             "period_network_ms": oscillation_period_ms(t[sel], net.r_Hz[p, sel]),
                             "period_meanfield_ms": per_mf})
    sim_s = net.timers.get("run_binary") or net.wall_s
    summary = {"N": args.n_neurons, "rel_error_steady": max(errors),
               "speedup": sim_s / out["wall_s"], "populations": params["names"],
               "network_sim_s": sim_s, "network_wall_s": net.wall_s,
               "meanfield_wall_s": out["wall_s"], "segments": segments}
    ctx.write_csv("meanfield_vs_network.csv",
                  ({"t_ms": ti, "r_network_Hz": a, "r_meanfield_Hz": b}
                   for ti, a, b in zip(t, net.r_Hz[0], r_mf[0])), CSV_COLUMNS)
    ctx.write_json("meanfield_summary.json", summary)
    ctx.save_spikes({f"pop{p}": s for p, s in enumerate(net.spikes)}, t_stop=duration / 1000)
    ctx.save_figure(plotting.meanfield_figure(t, net.r_Hz, r_mf, params["names"], segments,
                                              args.segment_ms), "meanfield.png")
    ctx.log(f"N = {args.n_neurons}: steady-state error {100 * max(errors):.1f} %, "
            f"speed-up x{summary['speedup']:.0f}")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
