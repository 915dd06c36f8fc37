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

from brian2 import second

from spikemod import plotting
from spikemod.microcircuit import scaled_recurrence, GAIN_PULSE_COLUMNS, gain_pulse
from spikemod.protocol import UsageError, parse_values, add_ee_scale, ee_scale, protocol_main

NAME = "gain-pulse"


def add_arguments(p):
    p.add_argument("--baseline", default="0", help="baseline coupling g_c (default %(default)s)",
                   sets="coupling.g_c")
    p.add_argument("--pulse", default="1", help="coupling during the pulse (default %(default)s)")
    p.add_argument("--onset", default="2", help="pulse onset, s (default %(default)s)")
    p.add_argument("--width", default="1", help="pulse length, s (default %(default)s)")
    p.add_argument("--after", default="3", help="time after the pulse, s (default %(default)s)")
    add_ee_scale(p)
    p.add_argument("--drive", default="800", help="feed-forward Poisson rate, Hz (default %(default)s)",
                   sets="drive.rate_soma")
    p.add_argument("--dend-drive", default="600", help="dendritic Poisson rate, Hz (default %(default)s)",
                   sets="drive.rate_dend")


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
    result = gain_pulse(
        scaled_recurrence(ctx.model, args.ee), baseline=args.base, pulse=args.peak,
                        t_on=args.onset_s * second, width=args.width_s * second,
                        after=args.after_s * second, drive_Hz=args.drive_Hz,
                        dend_drive_Hz=args.dend_Hz, report=ctx.report(), **ctx.sim_kwargs)
    ctx.write_csv("gain_pulse.csv", result.rows, GAIN_PULSE_COLUMNS)
    ctx.save_spikes(result.spikes, t_stop=result.t_stop, sizes=result.sizes)
    ctx.extra_provenance.update(result.info, ee_scale=float(args.ee))
    t = [r["time_s"] for r in result.rows]
    ctx.save_figure(plotting.weight_figure(
        {"mean": (t, [r["mean_weight"] for r in result.rows])},
        shade=(result.info["t_on_s"], result.info["t_off_s"]),
        second=(t, [r["dw_dt"] for r in result.rows], "dw/dt (nS/s)"),
        title="A coupling pulse speeds up weight change while it lasts"), "gain_pulse.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
