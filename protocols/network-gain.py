"""network-gain: population f-I of the L5 microcircuit under dendritic drive and coupling.

Methods. The W25 ring (90 two-compartment pyramidal cells, 90 PV cells; Gaussian E->E, E->PV
and PV->E kernels; AMPA + NMDA onto the pyramidal soma, GABA_A from PV onto the soma) is
replicated once per (dendritic drive, coupling) pair and all copies are simulated together.
At W25's full E->E strength the ring is a self-sustaining attractor: under uniform drive it
jumps from silence to 45-65 Hz and saturates, so its population f-I has no graded range to
measure a gain on. The E->E amplitude is therefore scaled by --ee-scale (default 0.15, i.e.
0.5 nS instead of 3.5 nS), which leaves a graded response from 0 to ~25 Hz; --ee-scale 1 gives
the published ring. Every pyramidal soma (and, at W25's weak weight, every interneuron) receives
feed-forward Poisson drive that steps through the drive levels (default 300-1400 Hz, each step
0.5 s); the
apical dendrites receive feedback Poisson drive (AMPA + NMDA, default 0, 300, 600 Hz) and the
coupling probability g_c is fixed per copy (default 0, 0.5, 1). The mean pyramidal rate and the
share of time steps in burst mode are measured over the second half of each step. The gain is
the least-squares slope of rate against drive over the firing points [RG25 claims 1-2:
dendritic drive and coupling raise gain].

Outputs: network_gain.csv (drive_Hz, dend_drive_Hz, coupling, rate_Hz, burst_mode_fraction),
network_gain_summary.csv (dend_drive_Hz, coupling, gain_Hz_per_Hz), spikes.h5,
network_gain.png, provenance.json.
"""

from brian2 import second

from spikemod import plotting
from spikemod.microcircuit import (NETWORK_GAIN_COLUMNS, gains_by_condition, network_gain,
                                   scaled_recurrence)
from spikemod.protocol import parse_values, add_ee_scale, ee_scale, protocol_main

NAME = "network-gain"


def add_arguments(p):
    p.add_argument("--drive", default="300,400,500,600,800,1000,1200,1400",
                   help="feed-forward Poisson rates, Hz (default %(default)s)", sets="drive.rate_soma")
    p.add_argument("--dend-drive", default="0,300,600",
                   help="dendritic feedback Poisson rates, Hz (default %(default)s)", sets="drive.rate_dend")
    p.add_argument("--coupling", default="0,0.5,1",
                   help="coupling probabilities g_c in [0, 1] (default %(default)s)", sets="coupling.g_c")
    p.add_argument("--step", default="0.5", help="duration of each drive step, s (default %(default)s)")
    add_ee_scale(p)


def validate(args, model):
    args.drive_Hz = parse_values(args.drive, "Hz", "--drive", minimum=0)
    args.dend_Hz = parse_values(args.dend_drive, "Hz", "--dend-drive", minimum=0)
    args.g_c = parse_values(args.coupling, "1", "--coupling", minimum=0, maximum=1)
    args.step_s = parse_values(args.step, "second", "--step", minimum=0.01)[0]
    args.ee = ee_scale(args)


def run(ctx, args):
    ctx.extra_provenance["ee_scale"] = float(args.ee)
    result = network_gain(scaled_recurrence(ctx.model, args.ee), args.drive_Hz, args.dend_Hz, args.g_c,
                          step=args.step_s * second, report=ctx.report(), **ctx.sim_kwargs)
    ctx.write_csv("network_gain.csv", result.rows, NETWORK_GAIN_COLUMNS)
    gains = gains_by_condition(result.rows)
    ctx.write_csv("network_gain_summary.csv",
                  [{"dend_drive_Hz": d, "coupling": c, "gain_Hz_per_Hz": g}
                   for (d, c), g in gains.items()],
                  ["dend_drive_Hz", "coupling", "gain_Hz_per_Hz"])
    ctx.save_spikes(result.spikes, t_stop=result.t_stop, sizes=result.sizes)
    ctx.extra_provenance.update(result.info)
    ctx.save_figure(plotting.network_gain_figure(result.rows, gains), "network_gain.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
