"""ach-state: acetylcholine bath on the ring microcircuit; population-rate band power and gain.

Methods (spikemod.experiments.ach_state). The W25 ring microcircuit (E->E at --ee-scale of
W25's amplitude) runs once per ACh bath concentration (--ach, independent copies in one
simulation), every cortical cell's second-messenger pool at the steady state of its bath, with
ACh receptor scaling of E->E (M2) and of the feed-forward drive (nicotinic). After --burn-in
the pyramidal population rate (1 ms bins) over --duration gives Welch band powers (1 s
segments): delta 1-4, theta 4-8, alpha 8-13, beta 13-30, gamma 30-80 Hz. Then the feed-forward
drive (--drive) is raised x1.3 for 1 s; gain = rate change per kHz of drive. Seed claim: ACh
lowers low-frequency power and raises gamma.

Outputs: ach_state.csv (ACh_uM, band, power; power in Hz^2, the rate variance in the band),
ach_gain.csv (ACh_uM, gain_Hz_per_kHz, mean_rate_Hz), ach_state.png, spikes.h5, provenance.json
(claim check: low-frequency power and gamma power relative to no ACh).
"""

from spikemod.experiments import ach_state as exp
from spikemod.protocol import (UsageError, add_ee_scale, ee_scale, format_values, parse_values,
                               protocol_main)

NAME = exp.NAME



def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--ach", default=format_values(d["ach_uM"]),
                   help="bath ACh, uM; must include 0 (default %(default)s)")
    p.add_argument("--drive", default=format_values(d["drive_Hz"]),
                   help="feed-forward Poisson rate, Hz (default %(default)s)", sets="drive.rate_soma")
    p.add_argument("--burn-in", default=format_values(d["burn_in_s"]),
                   help="discarded transient, s (default %(default)s)")
    p.add_argument("--duration", default=format_values(d["duration_s"]),
                   help="window for the band powers, s (default %(default)s)")
    add_ee_scale(p)


def validate(args, model):
    args.ach_uM = parse_values(args.ach, "uM", "--ach", minimum=0, maximum=1e5)
    if 0 not in args.ach_uM:
        raise UsageError(f"--ach: {args.ach!r} must include 0 (the no-ACh reference)")
    args.drive_Hz = parse_values(args.drive, "Hz", "--drive", minimum=1)[0]
    args.burn_in_s = parse_values(args.burn_in, "second", "--burn-in", minimum=0)[0]
    args.duration_s = parse_values(args.duration, "second", "--duration", minimum=1.0)[0]
    args.ee = ee_scale(args)


def run(ctx, args):
    res = exp.simulate(ctx.model, args.ach_uM, drive_Hz=args.drive_Hz, burn_in_s=args.burn_in_s,
                       duration_s=args.duration_s, ee_scale=args.ee, report=ctx.report(),
                       **ctx.sim_kwargs)
    gains, check = exp.summarize(res)
    ctx.write_csv("ach_state.csv", res.rows, exp.COLUMNS)
    ctx.write_csv("ach_gain.csv", gains, exp.GAIN_COLUMNS)
    ctx.extra_provenance["claim_check"] = check
    ctx.extra_provenance["circuit"] = res.info
    ctx.log(f"low-frequency and gamma power relative to no ACh: {check}")
    ctx.save_spikes(res.spikes, t_stop=res.t_stop)
    ctx.save_figure(exp.figure(res.rows, gains), "ach_state.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
