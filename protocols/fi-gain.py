"""fi-gain: f-I curves of the L5 pyramidal cell under dendritic drive and coupling.

Methods. Two-compartment L5 pyramidal cells [W25, NS18] receive constant somatic current
I_soma (default 500-1500 pA in 50 pA steps) and constant apical-dendritic current I_dend
(0, 200, 400, 540, 800 pA) at dendro-somatic coupling probability g_c (0, 0.25, 0.5, 1). Every
grid point is a separate, unconnected neuron of one network simulated in one run. After a
0.2 s burn-in, spikes are counted over 2 s. For each (I_dend, g_c) the rheobase is the smallest
I_soma with a rate above zero and the gain the least-squares slope of rate against I_soma over
the firing points [RG25 claims 1-2: dendritic drive and coupling raise gain].

Outputs: fi_gain.csv (I_soma_pA, I_dend_pA, coupling, rate_Hz, burst_mode_fraction,
burst_spike_fraction, window_start_s, window_stop_s), fi_gain_summary.csv (I_dend_pA, coupling,
rheobase_pA, gain_Hz_per_pA), spikes.h5, fi_gain.png, provenance.json.
"""

from brian2 import second

from spikemod.experiments import fi_gain as exp
from spikemod.protocol import parse_values, protocol_main, format_values

NAME = exp.NAME


def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--i-soma", default=format_values(d["I_soma_pA"], ranges=True),
                   help="somatic currents, pA: list a,b,c or range start:stop:step (default %(default)s)")
    p.add_argument("--i-dend", default=format_values(d["I_dend_pA"], ranges=True),
                   help="dendritic currents, pA (default %(default)s)")
    p.add_argument("--coupling", default=format_values(d["coupling"], ranges=True),
                   help="coupling probabilities g_c in [0, 1] (default %(default)s)",
                   sets="coupling.g_c")
    p.add_argument("--burn-in", default=f"{d['burn_in_s']:g}",
                   help="discarded transient, s (default %(default)s)")
    p.add_argument("--duration", default=f"{d['duration_s']:g}",
                   help="measured window, s (default %(default)s)")


def validate(args, model):
    args.I_soma = parse_values(args.i_soma, "pA", "--i-soma")
    args.I_dend = parse_values(args.i_dend, "pA", "--i-dend")
    args.g_c = parse_values(args.coupling, "1", "--coupling", minimum=0, maximum=1)
    args.burn_in_s = parse_values(args.burn_in, "second", "--burn-in", minimum=0)[0]
    args.duration_s = parse_values(args.duration, "second", "--duration", minimum=1e-3)[0]


def run(ctx, args):
    ctx.log(f"{args.I_soma.size * args.I_dend.size * args.g_c.size} neurons on {ctx.device}")
    result = exp.simulate(ctx.model, args.I_soma, args.I_dend, args.g_c,
                          burn_in=args.burn_in_s * second, duration=args.duration_s * second,
                          report=ctx.report(), **ctx.sim_kwargs)
    summary = exp.summarize(result)
    ctx.write_csv("fi_gain.csv", result.rows(), exp.COLUMNS)
    ctx.write_csv("fi_gain_summary.csv", summary, exp.SUMMARY_COLUMNS)
    ctx.save_spikes({"pyr": (result.spike_ids, result.spike_times_s)},
                    t_stop=result.window[1], sizes={"pyr": result.rate_Hz.size},
                    units={"pyr": {"I_soma_pA": result.I_soma_pA, "I_dend_pA": result.I_dend_pA,
                                   "coupling": result.coupling}})
    ctx.save_figure(exp.figure(result, summary), "fi_gain.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
