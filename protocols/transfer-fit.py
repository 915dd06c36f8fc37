"""transfer-fit: sigmoid population transfer functions and how each modulation mechanism changes them.

Methods. Unconnected populations of L5 pyramidal cells, PV and SOM interneurons [W25, IZ07]
receive independent Poisson AMPA + NMDA input onto the soma; the input axis is the nominal drive
current (mean synaptic current at the control resting potential; pyramidal 0-1500 pA, PV 0-600
pA, SOM 0-300 pA by default, ``--levels`` points). Each grid point is ``--per-point`` neurons; the
population rate is their mean rate over ``--duration`` after ``--burn-in``. Each mechanism of
Shine et al. (2021) is one parameter change of the cells (model section ``transfer``): receptor
scaling (AMPA/NMDA conductance x 1.5), AMPA/NMDA ratio (NMDA decay x 1.5), resting-potential
shift (+4 mV), refractoriness (adaptation jump d x 2), threshold (vt - 3 mV), coupling (pyramidal
g_c 1 -> 0) and heterogeneity (vt ~ N(vt, 4 mV) per neuron). All populations and conditions run
in one network. Each curve is fitted with r_max / (1 + exp(-gain (I - threshold)))
(scipy.optimize.curve_fit) [S21 Fig. 4: each mechanism shifts, steepens or widens the curve].

Outputs: transfer_functions.csv (population, condition, r_max_Hz, gain_per_pA, threshold_pA,
rmse_Hz), transfer_curves.csv (population, condition, I_nom_pA, rate_Hz), transfer_fit.png,
provenance.json.
"""

import numpy as np

from spikemod import plotting
from spikemod.protocol import UsageError, parse_values, protocol_main
from spikemod.rates.transfer import POPULATIONS, TRANSFER_COLUMNS, transfer_sweep

NAME = "transfer-fit"
RANGES = {"pyr": 1500.0, "pv": 600.0, "som": 300.0}


def add_arguments(p):
    p.add_argument("--populations", default="pyr,pv,som",
                   help="populations to sweep, from pyr, pv, som (default %(default)s)")
    p.add_argument("--levels", default="13", help="input levels per curve (default %(default)s)")
    p.add_argument("--per-point", default="10", help="neurons per grid point (default %(default)s)")
    p.add_argument("--burn-in", default="0.5", help="discarded transient, s (default %(default)s)")
    p.add_argument("--duration", default="1", help="measured window, s (default %(default)s)")


def validate(args, model):
    pops = [p.strip() for p in args.populations.split(",") if p.strip()]
    bad = [p for p in pops if p not in POPULATIONS]
    if not pops or bad:
        raise UsageError(f"--populations: {args.populations!r} is not allowed "
                         f"(allowed: a list from {', '.join(POPULATIONS)})")
    args.pops = pops
    for opt, attr, low in (("--levels", "n_levels", 4), ("--per-point", "n_per_point", 1)):
        text = getattr(args, attr.replace("n_levels", "levels").replace("n_per_point", "per_point"))
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise UsageError(f"{opt}: {text!r} is not a whole number >= {low}")
        setattr(args, attr, value)
    args.burn_in_s = parse_values(args.burn_in, "second", "--burn-in", minimum=0)[0]
    args.duration_s = parse_values(args.duration, "second", "--duration", minimum=0.05)[0]


def run(ctx, args):
    I = {p: np.linspace(0.0, RANGES[p], args.n_levels) for p in args.pops}
    res = transfer_sweep(ctx.model, I, populations=args.pops, n_per_point=args.n_per_point,
                         burn_in_s=args.burn_in_s, duration_s=args.duration_s,
                         report=ctx.report(), **ctx.sim_kwargs)
    ctx.write_csv("transfer_functions.csv", res.fits, TRANSFER_COLUMNS)
    ctx.write_csv("transfer_curves.csv",
                  ({"population": p, "condition": c, "I_nom_pA": x, "rate_Hz": r}
                   for (p, c), (xs, rs) in res.curves.items() for x, r in zip(xs, rs)),
                  ["population", "condition", "I_nom_pA", "rate_Hz"])
    ctx.save_figure(plotting.transfer_fit_figure(res.curves, res.fits), "transfer_fit.png")
    for row in res.fits:
        ctx.log(f"{row['population']:>4} {row['condition']:<18} r_max {row['r_max_Hz']:7.1f} Hz, "
                f"gain {row['gain_per_pA']:.4f}/pA, threshold {row['threshold_pA']:7.1f} pA, "
                f"rmse {row['rmse_Hz']:.1f} Hz")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
