"""meanfield: exact mean field of adapting Izhikevich populations against the spiking network.

Methods (spikemod.experiments.meanfield) [CC22]. --n Izhikevich neurons with spike-triggered
adaptation, all-to-all conductance coupling through one gating variable and Lorentzian drive
(deterministic quantiles) [CC22 Table 1, model section meanfield] run in Brian2 (forward Euler,
dt meanfield.dt); the same parameters drive the exact mean field of Chen & Campbell (2022)
(SciPy RK45). The external current steps through --currents (default: tonic, then bursting),
each held for --segment; the population rate is binned at --bin. The steady-state error is,
per segment, the relative difference of the time-averaged rates over its second half
(rel_error_steady: the largest); the speed-up is the network's simulation time (compiled binary
in standalone mode) over the mean field's. --populations 2 adds an inhibitory population (the
CSV then holds the E population).

Outputs: meanfield_vs_network.csv (t_ms, r_network_Hz, r_meanfield_Hz), meanfield_summary.json
(N, rel_error_steady, speedup, and per segment: current, regime, rates, error, oscillation
period), meanfield.png, spikes.h5, provenance.json.
"""

from spikemod.experiments import meanfield as exp
from spikemod.protocol import UsageError, format_values, parse_values, protocol_main

NAME = exp.NAME



def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--n", default=None,
                   help="neurons per population (default: model meanfield.n = 10000)",
                   sets="meanfield.n")
    p.add_argument("--currents", default=format_values(d["currents_pA"]),
                   help="external current of each segment, pA (default %(default)s: tonic, then bursting)")
    p.add_argument("--segment", default=format_values(d["segment_s"]),
                   help="duration of each segment, s (default %(default)s)")
    p.add_argument("--populations", default=str(d["populations"]),
                   help="1 or 2 (E, or E and I) (default %(default)s)")
    p.add_argument("--bin", default=format_values(d["bin_ms"]), help="rate bin, ms (default %(default)s)")


def validate(args, model):
    n = args.n if args.n is not None else str(int(float(model["meanfield.n"])))
    try:
        args.n_neurons = int(n)
    except ValueError:
        args.n_neurons = 0
    if args.n_neurons < 10:
        raise UsageError(f"--n: {n!r} is not a whole number >= 10")
    args.I_pA = parse_values(args.currents, "pA", "--currents")
    args.segment_s = parse_values(args.segment, "second", "--segment", minimum=0.05)[0]
    if args.populations not in ("1", "2"):
        raise UsageError(f"--populations: {args.populations!r} is not allowed (allowed: 1, 2)")
    args.n_pop = int(args.populations)
    args.bin_ms = parse_values(args.bin, "ms", "--bin", minimum=0.01)[0]


def run(ctx, args):
    res = exp.simulate(ctx.model, n=args.n_neurons, currents_pA=args.I_pA,
                       segment_s=args.segment_s, populations=args.n_pop, bin_ms=args.bin_ms,
                       report=ctx.report(), **ctx.sim_kwargs)
    ctx.log(f"mean field: {res.meanfield_wall_s:.3f} s; network of {res.n} x {args.n_pop} "
            f"neurons on {ctx.device}")
    rows, summary = exp.summarize(res)
    ctx.write_csv("meanfield_vs_network.csv", rows, exp.COLUMNS)
    ctx.write_json("meanfield_summary.json", summary)
    ctx.save_spikes({f"pop{p}": s for p, s in enumerate(res.spikes)},
                    t_stop=res.segment_ms * len(res.steps) / 1000)
    ctx.save_figure(exp.figure(res, summary["segments"]), "meanfield.png")
    ctx.log(f"N = {res.n}: steady-state error {100 * summary['rel_error_steady']:.1f} %, "
            f"speed-up x{summary['speedup']:.0f}")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
