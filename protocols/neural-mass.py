"""neural-mass: E / PV / SOM Wilson-Cowan model with fitted transfer functions against the spiking microcircuit.

Methods (spikemod.experiments.neural_mass). (1) Sigmoid transfer functions of unconnected
pyramidal (at constant dendritic currents 0-600 pA and with the modulator's resting-potential
shift, model transfer.vr_shift), PV and SOM populations under Poisson AMPA + NMDA drive
(--levels inputs, --per-point neurons each). (2) The spiking W25 ring (90 E, 90 PV,
neural_mass.n_som SOM cells, W25's thalamus; E->E at --ee-scale of W25's amplitude) runs through
--segment-long steps: baseline; feed-forward drive x --ff-step; feedback drive onto the apical
dendrites at --dend-rate; the modulator (pyramidal vr shifted). (3) The neural mass runs through
the same steps with couplings from the circuit's synaptic weights. (4) A factor on PV->E, a
shift of PV's input and a factor on E->SOM are calibrated on the BASELINE step only; the other
steps are held out. Error of a step: relative difference of the time-averaged rates over its
second half.

Outputs: neural_mass_vs_spiking.csv (condition, t_s, rate_spiking_Hz, rate_mass_Hz; pyramidal
population, 10 ms bins), neural_mass_summary.json (errors per condition and population with its
role calibration/held_out, max_rel_error_E_held_out, calibration: parameters, step and factors,
couplings before and after calibration, fitted transfer functions, timings), neural_mass.png,
provenance.json.
"""

from spikemod.experiments import neural_mass as exp
from spikemod.protocol import add_ee_scale, ee_scale, format_values, parse_values, protocol_main

NAME = exp.NAME



def add_arguments(p):
    d = exp.DEFAULTS
    add_ee_scale(p)
    p.add_argument("--segment", default=format_values(d["segment_s"]),
                   help="duration of each step, s (default %(default)s)")
    p.add_argument("--ff-step", default=format_values(d["ff_step"]),
                   help="feed-forward drive factor of the drive step (default %(default)s)")
    p.add_argument("--dend-rate", default=format_values(d["dend_rate_Hz"]),
                   help="feedback Poisson rate onto the dendrites in the dendritic step, Hz (default %(default)s)")
    p.add_argument("--levels", default=str(d["levels"]),
                   help="input levels of the transfer sweeps (default %(default)s)")
    p.add_argument("--per-point", default=str(d["per_point"]),
                   help="neurons per transfer grid point (default %(default)s)")


def validate(args, model):
    args.ee = ee_scale(args)
    args.segment_s = parse_values(args.segment, "second", "--segment", minimum=0.05)[0]
    args.ff = parse_values(args.ff_step, "1", "--ff-step", minimum=0)[0]
    args.dend = parse_values(args.dend_rate, "Hz", "--dend-rate", minimum=0)[0]
    args.n_levels = int(parse_values(args.levels, "1", "--levels", minimum=4)[0])
    args.n_per_point = int(parse_values(args.per_point, "1", "--per-point", minimum=1)[0])


def run(ctx, args):
    ctx.extra_provenance["ee_scale"] = float(args.ee)
    res = exp.simulate(ctx.model, segment_s=args.segment_s, ff_step=args.ff,
                       dend_rate_Hz=args.dend, levels=args.n_levels, per_point=args.n_per_point,
                       ee_scale=args.ee, report=ctx.report(), **ctx.sim_kwargs)
    ctx.write_csv("neural_mass_vs_spiking.csv", res.rows, exp.COLUMNS)
    ctx.write_json("neural_mass_summary.json", res.summary)
    ctx.save_figure(exp.figure(res), "neural_mass.png")
    for e in res.errors:
        ctx.log(f"{e['condition']:<10} ({e['role']}) E {e['pyr']['rate_spiking_Hz']:.1f} Hz spiking vs "
                f"{e['pyr']['rate_mass_Hz']:.1f} Hz mass")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
