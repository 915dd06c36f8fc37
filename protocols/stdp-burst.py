"""stdp-burst: does bursting speed up spike-timing-dependent plasticity?

Methods. Two identical plastic W25 rings (pair-based all-to-all STDP on E->E, tau 20 ms,
A_+ = 0.01 w_max, A_- = 1.05 A_+, bounds [0, w_max]; the published circuit with its thalamus,
coupling fixed per copy; --ee-scale, default 1, scales E->E) are simulated together for 10 s with the
same feed-forward (default 800 Hz) and dendritic (default 600 Hz) Poisson drive. In `burst`
the coupling is g_c = 1, so BAPs and dendritic plateaus switch the soma into burst mode; in
`no_burst` g_c = 0, so the soma fires as the soma alone. Somatic rates are not matched (the
extra spikes of bursting are part of the effect); provenance.json records each condition's
rate and the weight change per postsynaptic spike so the two can be told apart. The mean E->E
weight is sampled every 0.1 s; dw_per_s is its least-squares slope, t90_s the time to 90 % of
its total change [RG25 claim 5: bursting accelerates STDP].

Outputs: stdp_burst.csv (condition, time_s, mean_weight), stdp_burst_summary.csv (condition,
dw_per_s, t90_s), spikes.h5, stdp_burst.png, provenance.json.
"""

from spikemod.experiments import stdp_burst as exp
from spikemod.experiments.common import scaled_recurrence
from spikemod.protocol import add_ee_scale, ee_scale, parse_values, protocol_main

NAME = exp.NAME
FIXES = {"coupling.g_c": "g_c = 1 in burst, 0 in no_burst"}


def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--duration", default=f"{d['duration_s']:g}",
                   help="simulated time, s (default %(default)s)")
    add_ee_scale(p)
    p.add_argument("--drive", default=f"{d['drive_Hz']:g}",
                   help="feed-forward Poisson rate, Hz (default %(default)s)",
                   sets="drive.rate_soma")
    p.add_argument("--dend-drive", default=f"{d['dend_drive_Hz']:g}",
                   help="dendritic Poisson rate, Hz (default %(default)s)", sets="drive.rate_dend")


def validate(args, model):
    args.duration_s = parse_values(args.duration, "second", "--duration", minimum=0.2)[0]
    args.ee = ee_scale(args)
    args.drive_Hz = parse_values(args.drive, "Hz", "--drive", minimum=0)[0]
    args.dend_Hz = parse_values(args.dend_drive, "Hz", "--dend-drive", minimum=0)[0]


def run(ctx, args):
    result = exp.simulate(scaled_recurrence(ctx.model, args.ee), duration_s=args.duration_s,
                          drive_Hz=args.drive_Hz, dend_drive_Hz=args.dend_Hz,
                          report=ctx.report(), **ctx.sim_kwargs)
    ctx.write_csv("stdp_burst.csv", result.rows, exp.COLUMNS)
    ctx.write_csv("stdp_burst_summary.csv", exp.summarize(result.rows), exp.SUMMARY_COLUMNS)
    ctx.save_spikes(result.spikes, t_stop=result.t_stop, sizes=result.sizes)
    ctx.extra_provenance.update(result.info, ee_scale=float(args.ee))
    ctx.save_figure(exp.figure(result.rows), "stdp_burst.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
