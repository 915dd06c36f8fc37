"""ne-inverted-u: pyramidal gain and bursting over four decades of bath noradrenaline.

Methods. Unconnected two-compartment L5 pyramidal cells [W25] with alpha2A (Gi, Kd 50 nM),
alpha1 (Gq, 1 uM) and beta1 (Gs, 3 uM) receptors [MODEL.md s4] sit in a bath of NE (default
1 nM-10 uM, 9 log-spaced points). Each cell's second-messenger pool (spikemod.gpcr) starts at
the steady state of its bath and acts on the cell through the [effects] mappings
(spikemod.neuromod): cAMP -> HCN -> coupling g_c and dendritic leak; Gq -> Ca -> depolarisation
(vr) and SK/KCNQ adaptation (d); PKA -> threshold (vt). For each concentration, f-I curves
(I_soma default 650-1500 pA in 50 pA steps, I_dend default 500 pA) are measured over --duration
(2 s) after a 0.2 s burn-in; gain = least-squares slope of rate on I_soma; burst-mode fraction =
share of time steps with the calcium switch on. Expected: gain peaks at an intermediate NE
(alpha2A raises coupling at moderate NE; beta1/Gs reopening HCN and the alpha1/Ca K+ current
lower gain at high NE).

Outputs: ne_dose.csv (NE_nM, gain_Hz_per_pA, burst_mode_fraction, alpha2_occupancy,
alpha1_occupancy), ne_dose_detail.csv (plus beta1 occupancy, cAMP_uM, PKA, Ca_uM, h_HCN,
g_c), spikes.h5, ne_inverted_u.png, provenance.json (the gain's peak).
"""

from brian2 import second

from spikemod.experiments import ne_inverted_u as exp
from spikemod.protocol import UsageError, parse_values, protocol_main, format_values

NAME = exp.NAME


def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--ne", default=format_values(d["ne_nM"], ranges=True),
                   help="bath NE concentrations, nM (default: 4 decades, %(default)s)")
    p.add_argument("--i-soma", default=format_values(d["I_soma_pA"], ranges=True),
                   help="somatic currents, pA (default %(default)s)")
    p.add_argument("--i-dend", default=f"{d['I_dend_pA']:g}",
                   help="dendritic current, pA (default %(default)s)")
    p.add_argument("--burn-in", default=f"{d['burn_in_s']:g}",
                   help="discarded transient, s (default %(default)s)")
    p.add_argument("--duration", default=f"{d['duration_s']:g}",
                   help="measured window, s (default %(default)s)")


def validate(args, model):
    args.ne_nM = parse_values(args.ne, "nM", "--ne", minimum=0, maximum=1e6)
    args.I_soma = parse_values(args.i_soma, "pA", "--i-soma")
    if args.I_soma.size < 2:
        raise UsageError(f"--i-soma: {args.i_soma!r} has one current; a gain needs at least two")
    args.I_dend = parse_values(args.i_dend, "pA", "--i-dend")[0]
    args.burn_in_s = parse_values(args.burn_in, "second", "--burn-in", minimum=0)[0]
    args.duration_s = parse_values(args.duration, "second", "--duration", minimum=1e-2)[0]


def run(ctx, args):
    ctx.log(f"{args.ne_nM.size * args.I_soma.size} cells on {ctx.device}")
    res = exp.simulate(ctx.model, args.ne_nM, args.I_soma, args.I_dend,
                       burn_in=args.burn_in_s * second, duration=args.duration_s * second,
                       report=ctx.report(), **ctx.sim_kwargs)
    rows = exp.summarize(res)
    ctx.write_csv("ne_dose.csv", rows, exp.COLUMNS)
    ctx.write_csv("ne_dose_detail.csv", rows, exp.DETAIL_COLUMNS)
    ctx.extra_provenance["peak"] = exp.peak(rows)
    ctx.save_spikes({"pyr": (res.fi.spike_ids, res.fi.spike_times_s)}, t_stop=res.fi.window[1])
    ctx.save_figure(exp.figure(rows), "ne_inverted_u.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
