"""ring-gating: a localised stimulus on the W25 ring, with PV->E inhibition on and off.

Methods. Two copies of the W25 ring (90 pyramidal and 90 PV cells, Gaussian kernels) are
simulated together; in `pv_off` the PV->E weights are zero. Both receive the same stimulus:
feed-forward Poisson drive (default 1350 Hz at the peak) onto pyramidal and PV cells with W25's
selectivity exp(-((n - n0)/18)^2) around n0 (default the ring position pi). Rates of every
pyramidal cell are counted over 1 s after a 0.3 s burn-in [RG25 claim 4: soma-targeted
inhibition raises the threshold of the stimulated cells' neighbours through the Gaussian PV->E
kernel, gating the spread of activity].

Outputs: ring_gating.csv (neuron, distance_rad, condition, rate_Hz), spikes.h5,
ring_gating.png, provenance.json.
"""

from spikemod.experiments import ring_gating as exp
from spikemod.protocol import parse_values, protocol_main

NAME = exp.NAME


def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--stim-rate", default=d["stim_rate_Hz"],
                   help="peak stimulus Poisson rate, Hz (default: drive.rate_soma)",
                   sets="drive.rate_soma")
    p.add_argument("--center", default=repr(d["center_rad"]),
                   help="stimulus centre on the ring, rad (default pi)")
    p.add_argument("--burn-in", default=f"{d['burn_in_s']:g}",
                   help="discarded transient, s (default %(default)s)")
    p.add_argument("--duration", default=f"{d['duration_s']:g}",
                   help="measured window, s (default %(default)s)")


def validate(args, model):
    args.rate = (None if args.stim_rate is None
                 else parse_values(args.stim_rate, "Hz", "--stim-rate", minimum=0)[0])
    args.center_rad = parse_values(args.center, "1", "--center", minimum=-7, maximum=7)[0]
    args.burn_in_s = parse_values(args.burn_in, "second", "--burn-in", minimum=0)[0]
    args.duration_s = parse_values(args.duration, "second", "--duration", minimum=1e-3)[0]


def run(ctx, args):
    result = exp.simulate(ctx.model, stim_rate_Hz=args.rate, center_rad=args.center_rad,
                          burn_in_s=args.burn_in_s, duration_s=args.duration_s,
                          report=ctx.report(), **ctx.sim_kwargs)
    ctx.write_csv("ring_gating.csv", result.rows, exp.COLUMNS)
    ctx.save_spikes(result.spikes, t_stop=result.t_stop, sizes=result.sizes)
    ctx.extra_provenance.update(result.info)
    ctx.save_figure(exp.figure(result.rows), "ring_gating.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
