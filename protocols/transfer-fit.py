"""transfer-fit: sigmoid population transfer functions and how each modulation mechanism changes them.

Methods (spikemod.experiments.transfer_fit) [S21 Fig. 4]. Unconnected populations of L5
pyramidal cells, PV and SOM interneurons [W25, IZ07] (--populations) receive independent Poisson
AMPA + NMDA input onto the soma; the input axis is the nominal drive current (mean synaptic
current at the control resting potential; pyramidal 0-1500 pA, PV 0-600 pA, SOM 0-300 pA,
--levels points). Each grid point is --per-point neurons; the population rate is their mean
rate over --duration after --burn-in. Each mechanism of Shine et al. (2021) is one parameter
change of the cells (model section transfer): receptor scaling, AMPA/NMDA ratio,
resting-potential shift, refractoriness, threshold, coupling (pyramidal g_c) and heterogeneity.
All populations and conditions run in one network; each curve is fitted with
r_max / (1 + exp(-gain (I - threshold))).

Outputs: transfer_functions.csv (population, condition, r_max_Hz, gain_per_pA, threshold_pA,
rmse_Hz), transfer_curves.csv (population, condition, I_nom_pA, rate_Hz), transfer_fit.png,
provenance.json.
"""

from spikemod.experiments import transfer_fit as exp
from spikemod.protocol import UsageError, format_values, parse_values, protocol_main, parse_count
from spikemod.rates.transfer import POPULATIONS

NAME = exp.NAME


def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--populations", default=format_values(d["populations"]),
                   help="populations to sweep, from pyr, pv, som (default %(default)s)")
    p.add_argument("--levels", default=str(d["levels"]), help="input levels per curve (default %(default)s)")
    p.add_argument("--per-point", default=str(d["per_point"]),
                   help="neurons per grid point (default %(default)s)")
    p.add_argument("--burn-in", default=format_values(d["burn_in_s"]),
                   help="discarded transient, s (default %(default)s)")
    p.add_argument("--duration", default=format_values(d["duration_s"]),
                   help="measured window, s (default %(default)s)")


def validate(args, model):
    pops = [p.strip() for p in args.populations.split(",") if p.strip()]
    bad = [p for p in pops if p not in POPULATIONS]
    if not pops or bad:
        raise UsageError(f"--populations: {args.populations!r} is not allowed "
                         f"(allowed: a list from {', '.join(POPULATIONS)})")
    args.pops = pops
    args.n_levels = parse_count(args.levels, "--levels", 4)
    args.n_per_point = parse_count(args.per_point, "--per-point", 1)
    args.burn_in_s = parse_values(args.burn_in, "second", "--burn-in", minimum=0)[0]
    args.duration_s = parse_values(args.duration, "second", "--duration", minimum=0.05)[0]


def run(ctx, args):
    res = exp.simulate(ctx.model, args.pops, levels=args.n_levels, per_point=args.n_per_point,
                       burn_in_s=args.burn_in_s, duration_s=args.duration_s,
                       report=ctx.report(), **ctx.sim_kwargs)
    fits, curves = exp.summarize(res)
    ctx.write_csv("transfer_functions.csv", fits, exp.COLUMNS)
    ctx.write_csv("transfer_curves.csv", curves, exp.CURVE_COLUMNS)
    ctx.save_figure(exp.figure(res.curves, res.fits), "transfer_fit.png")
    for row in fits:
        ctx.log(f"{row['population']:>4} {row['condition']:<18} r_max {row['r_max_Hz']:7.1f} Hz, "
                f"gain {row['gain_per_pA']:.4f}/pA, threshold {row['threshold_pA']:7.1f} pA, "
                f"rmse {row['rmse_Hz']:.1f} Hz")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
