"""inhibition-gain: dendrite-targeted (SOM) versus soma-targeted (PV) inhibition of L5 f-I.

Methods. Two-compartment pyramidal cells with conductance synapses receive constant somatic
current (default 500-1500 pA in 50 pA steps) and a constant dendritic current (default
600 pA, which lets BAPs trigger calcium plateaus) at coupling g_c = 1. In the `som` condition
each cell also receives GABA_A Poisson input onto the apical dendrite (raised SOM activity); in
`pv` the same input lands on the soma (raised PV activity); `control` has none. Each
inhibitory event has the peak W25 ring I->E weight; the total inhibitory rate defaults to
3000 Hz. Spikes are counted over 2 s after a 0.3 s burn-in. Rheobase is the smallest current
that fires, gain the least-squares slope over the firing points [RG25 claims 3-4: SOM
inhibition lowers gain with little rheobase change; PV inhibition raises the rheobase].

Outputs: inhibition_gain.csv (condition, I_soma_pA, rate_Hz), inhibition_gain_summary.csv
(condition, gain_Hz_per_pA, rheobase_pA), spikes.h5, inhibition_gain.png, provenance.json.
"""

from spikemod.experiments import inhibition_gain as exp
from spikemod.protocol import parse_values, protocol_main

NAME = exp.NAME


def add_arguments(p):
    d = exp.DEFAULTS
    i = d["I_soma_pA"]
    p.add_argument("--i-soma", default=f"{i[0]:g}:{i[-1]:g}:{i[1] - i[0]:g}",
                   help="somatic currents, pA: list or start:stop:step (default %(default)s)")
    p.add_argument("--i-dend", default=f"{d['I_dend_pA']:g}",
                   help="dendritic current, pA (default %(default)s)")
    p.add_argument("--coupling", default=f"{d['coupling']:g}",
                   help="coupling probability g_c (default %(default)s)", sets="coupling.g_c")
    p.add_argument("--inh-rate", default=f"{d['inh_rate_Hz']:g}",
                   help="total inhibitory Poisson rate in the som and pv conditions, Hz "
                        "(default %(default)s)")
    p.add_argument("--burn-in", default=f"{d['burn_in_s']:g}",
                   help="discarded transient, s (default %(default)s)")
    p.add_argument("--duration", default=f"{d['duration_s']:g}",
                   help="measured window, s (default %(default)s)")


def validate(args, model):
    args.I_soma = parse_values(args.i_soma, "pA", "--i-soma")
    args.I_dend = parse_values(args.i_dend, "pA", "--i-dend")[0]
    args.g_c = parse_values(args.coupling, "1", "--coupling", minimum=0, maximum=1)[0]
    args.inh = parse_values(args.inh_rate, "Hz", "--inh-rate", minimum=0)[0]
    args.burn_in_s = parse_values(args.burn_in, "second", "--burn-in", minimum=0)[0]
    args.duration_s = parse_values(args.duration, "second", "--duration", minimum=1e-3)[0]


def run(ctx, args):
    result = exp.simulate(ctx.model, args.I_soma, I_dend_pA=args.I_dend, coupling=args.g_c,
                          inh_rate_Hz=args.inh, burn_in_s=args.burn_in_s,
                          duration_s=args.duration_s, report=ctx.report(), **ctx.sim_kwargs)
    summary = exp.summarize(result.rows)
    ctx.write_csv("inhibition_gain.csv", result.rows, exp.COLUMNS)
    ctx.write_csv("inhibition_gain_summary.csv", summary, exp.SUMMARY_COLUMNS)
    ctx.save_spikes(result.spikes, t_stop=result.t_stop, sizes=result.sizes)
    ctx.extra_provenance.update(result.info)
    ctx.save_figure(exp.figure(result.rows, summary), "inhibition_gain.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
