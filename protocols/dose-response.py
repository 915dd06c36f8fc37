"""dose-response: broadcast-scalar weight scaling of a target subpopulation, response and EC50.

Methods (spikemod.experiments.dose_response) [TS]. In the spiking W25 ring every E->E weight
(AMPA, NMDA in proportion) onto the first --target fraction of the pyramidal cells (a
contiguous arc) is multiplied by a factor f; E->E elsewhere at --ee-scale of W25's amplitude.
One circuit copy per factor (--factors) runs in one simulation under feed-forward drive
--drive. Response: mean rate of the target cells over --duration after --burn-in. A Hill-type
sigmoid r(f) = r_min + (r_max - r_min)/(1 + (EC50/f)^slope) is fitted by least squares (scipy).

Outputs: dose_response.csv (factor, response), ec50.json (ec50, slope), dose_response.png,
spikes.h5, provenance.json (fit: r_min, r_max, rmse).
"""

from spikemod.experiments import dose_response as exp
from spikemod.protocol import (UsageError, add_ee_scale, ee_scale, format_values, parse_values,
                               protocol_main)

NAME = exp.NAME



def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--factors", default=format_values(d["factors"]),
                   help="weight scale factors f > 0 (default %(default)s)")
    p.add_argument("--target", default=format_values(d["target_fraction"]),
                   help="target fraction of pyramidal cells (default %(default)s)")
    p.add_argument("--drive", default=format_values(d["drive_Hz"]),
                   help="feed-forward Poisson rate, Hz (default %(default)s)", sets="drive.rate_soma")
    p.add_argument("--burn-in", default=format_values(d["burn_in_s"]),
                   help="discarded transient, s (default %(default)s)")
    p.add_argument("--duration", default=format_values(d["duration_s"]),
                   help="measured window, s (default %(default)s)")
    add_ee_scale(p)


def validate(args, model):
    args.f = parse_values(args.factors, "1", "--factors", minimum=1e-6)
    if args.f.size < 4:
        raise UsageError(f"--factors: {args.factors!r} has {args.f.size} values; a sigmoid "
                         "fit needs at least 4")
    args.target_frac = parse_values(args.target, "1", "--target", minimum=1e-3, maximum=1)[0]
    args.drive_Hz = parse_values(args.drive, "Hz", "--drive", minimum=0)[0]
    args.burn_in_s = parse_values(args.burn_in, "second", "--burn-in", minimum=0)[0]
    args.duration_s = parse_values(args.duration, "second", "--duration", minimum=0.05)[0]
    args.ee = ee_scale(args)


def run(ctx, args):
    res = exp.simulate(ctx.model, args.f, target_fraction=args.target_frac,
                       drive_Hz=args.drive_Hz, burn_in_s=args.burn_in_s,
                       duration_s=args.duration_s, ee_scale=args.ee, report=ctx.report(),
                       **ctx.sim_kwargs)
    fit = exp.summarize(res.rows)
    ctx.write_csv("dose_response.csv", res.rows, exp.COLUMNS)
    ctx.write_json("ec50.json", {"ec50": fit.get("ec50", float("nan")),
                                 "slope": fit.get("slope", float("nan"))})
    ctx.extra_provenance["circuit"] = {**res.info, "fit": fit}
    ctx.save_spikes(res.spikes, t_stop=res.t_stop)
    ctx.save_figure(exp.figure(res.rows, fit), "dose_response.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
