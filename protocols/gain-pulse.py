"""gain-pulse: a brief neuromodulatory gain pulse in a plastic microcircuit.

Methods. One plastic W25 ring (pair-based STDP on E->E, the published circuit with its thalamus
and a fixed, protocol-set coupling; --ee-scale default 1) receives constant
feed-forward (default 800 Hz) and dendritic (default 600 Hz) Poisson drive. The dendro-somatic
coupling g_c, the cellular target of noradrenergic alpha2A/HCN modulation [S21], is at baseline
(default 0) for 2 s, pulsed (default to 1) for 1 s and returned to baseline for 3 s. The mean
E->E weight is sampled every 50 ms and differentiated (central differences) [RG25 claim 6:
weight updates speed up during the pulse and return to baseline after it, a two-timescale
optimiser].

Outputs: gain_pulse.csv (time_s, coupling, mean_weight, dw_dt), spikes.h5, gain_pulse.png,
provenance.json (mean |dw/dt| before, during and after the pulse).
"""

from spikemod.experiments import gain_pulse as exp
from spikemod.experiments.common import scaled_recurrence
from spikemod.protocol import UsageError, add_ee_scale, ee_scale, parse_values, protocol_main

NAME = exp.NAME


def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--baseline", default=f"{d['baseline']:g}",
                   help="baseline coupling g_c (default %(default)s)", sets="coupling.g_c")
    p.add_argument("--pulse", default=f"{d['pulse']:g}",
                   help="coupling during the pulse (default %(default)s)")
    p.add_argument("--onset", default=f"{d['onset_s']:g}",
                   help="pulse onset, s (default %(default)s)")
    p.add_argument("--width", default=f"{d['width_s']:g}",
                   help="pulse length, s (default %(default)s)")
    p.add_argument("--after", default=f"{d['after_s']:g}",
                   help="time after the pulse, s (default %(default)s)")
    add_ee_scale(p)
    p.add_argument("--drive", default=f"{d['drive_Hz']:g}", sets="drive.rate_soma",
                   help="feed-forward Poisson rate, Hz (default %(default)s)")
    p.add_argument("--dend-drive", default=f"{d['dend_drive_Hz']:g}",
                   help="dendritic Poisson rate, Hz (default %(default)s)", sets="drive.rate_dend")


def validate(args, model):
    args.base = parse_values(args.baseline, "1", "--baseline", minimum=0, maximum=1)[0]
    args.peak = parse_values(args.pulse, "1", "--pulse", minimum=0, maximum=1)[0]
    args.onset_s = parse_values(args.onset, "second", "--onset", minimum=0.1)[0]
    args.width_s = parse_values(args.width, "second", "--width", minimum=0.05)[0]
    args.after_s = parse_values(args.after, "second", "--after", minimum=0.1)[0]
    args.ee = ee_scale(args)
    args.drive_Hz = parse_values(args.drive, "Hz", "--drive", minimum=0)[0]
    args.dend_Hz = parse_values(args.dend_drive, "Hz", "--dend-drive", minimum=0)[0]
    if args.peak == args.base:
        raise UsageError(f"--pulse {args.pulse} equals --baseline {args.baseline} "
                         "(the pulse must change the coupling)")


def run(ctx, args):
    result = exp.simulate(scaled_recurrence(ctx.model, args.ee), baseline=args.base,
                          pulse=args.peak, onset_s=args.onset_s, width_s=args.width_s,
                          after_s=args.after_s, drive_Hz=args.drive_Hz,
                          dend_drive_Hz=args.dend_Hz, report=ctx.report(), **ctx.sim_kwargs)
    ctx.write_csv("gain_pulse.csv", result.rows, exp.COLUMNS)
    ctx.save_spikes(result.spikes, t_stop=result.t_stop, sizes=result.sizes)
    ctx.extra_provenance.update(result.info, ee_scale=float(args.ee))
    ctx.save_figure(exp.figure(result.rows), "gain_pulse.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
