"""bac: back-propagation-activated calcium (BAC) firing of the L5 pyramidal cell.

Methods. After 100 ms at rest, three cells receive (soma) a brief somatic step (3000 pA,
3 ms) that evokes one spike, whose back-propagating current depolarises the dendrite;
(dend) a dendritic step alone (400 pA, 50 ms), subthreshold for a calcium plateau; (both) the
two together, as in Larkum et al. (1999). Coupling g_c = 1. We report somatic spikes, the time
the dendrite spends at or above the calcium criterion (v_d >= -30 mV, plateau_ms) and the peak
dendritic voltage [W25]. Expected: only the coincident condition gives a plateau; the BAP
alone peaks near -42 mV. In this model the dendrite acts on the soma only through the
calcium switch (burst-mode reset), so the plateau switches the soma into burst mode rather than
injecting current.

Outputs: bac.csv (condition, somatic_spikes, plateau_ms, peak_v_dend_mV), bac.png,
provenance.json.
"""

from brian2 import mV, ms, pA

from spikemod.experiments import bac as exp
from spikemod.protocol import UsageError, parse_values, protocol_main

NAME = exp.NAME


def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--soma-step", default=f"{d['soma_step_pA']:g}",
                   help="somatic step, pA (default %(default)s)")
    p.add_argument("--soma-width", default=f"{d['soma_width_ms']:g}",
                   help="somatic step length, ms (default %(default)s)")
    p.add_argument("--dend-step", default=f"{d['dend_step_pA']:g}",
                   help="dendritic step, pA (default %(default)s)")
    p.add_argument("--dend-width", default=f"{d['dend_width_ms']:g}",
                   help="dendritic step length, ms (default %(default)s)")
    p.add_argument("--coupling", default=f"{d['coupling']:g}",
                   help="coupling probability g_c (default %(default)s)", sets="coupling.g_c")


def validate(args, model):
    args.soma = parse_values(args.soma_step, "pA", "--soma-step")[0] * pA
    args.dend = parse_values(args.dend_step, "pA", "--dend-step")[0] * pA
    args.soma_w = parse_values(args.soma_width, "ms", "--soma-width", minimum=0.1)[0] * ms
    args.dend_w = parse_values(args.dend_width, "ms", "--dend-width", minimum=0.1)[0] * ms
    args.g_c = parse_values(args.coupling, "1", "--coupling", minimum=0, maximum=1)[0]
    if args.dend_w < args.soma_w:
        raise UsageError(f"--dend-width {args.dend_width} ms is shorter than --soma-width "
                         f"{args.soma_width} ms (the dendritic step must outlast the somatic one)")


def run(ctx, args):
    rows, traces = exp.simulate(ctx.model, soma_step=args.soma, soma_width=args.soma_w,
                                dend_step=args.dend, dend_width=args.dend_w, coupling=args.g_c,
                                **ctx.sim_kwargs)
    ctx.write_csv("bac.csv", rows, exp.COLUMNS)
    ctx.save_figure(exp.figure(rows, traces, v_ca_mV=float(ctx.model["dend.v_ca"] / mV)),
                    "bac.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
