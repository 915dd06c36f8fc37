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
g_c), ne_inverted_u.png, provenance.json.
"""

import numpy as np
from brian2 import second

from spikemod import plotting
from spikemod.neuromod import dose_fi
from spikemod.protocol import UsageError, parse_values, protocol_main

NAME = "ne-inverted-u"


def add_arguments(p):
    p.add_argument("--ne", default="1,3.16,10,31.6,100,316,1000,3162,10000",
                   help="bath NE concentrations, nM (default: 4 decades, %(default)s)")
    p.add_argument("--i-soma", default="650:1500:50", help="somatic currents, pA (default %(default)s)")
    p.add_argument("--i-dend", default="500", help="dendritic current, pA (default %(default)s)")
    p.add_argument("--burn-in", default="0.2", help="discarded transient, s (default %(default)s)")
    p.add_argument("--duration", default="2", help="measured window, s (default %(default)s)")


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
    res = dose_fi(ctx.model, "NE", args.ne_nM / 1e3, args.I_soma, args.I_dend,
                  burn_in=args.burn_in_s * second, duration=args.duration_s * second,
                  report=ctx.report(), **ctx.sim_kwargs)
    rows = []
    for r in res.per_concentration():
        rows.append({"NE_nM": r["conc_uM"] * 1e3, "gain_Hz_per_pA": r["gain_Hz_per_pA"],
                     "burst_mode_fraction": r["burst_mode_fraction"],
                     "alpha2_occupancy": r["R_alpha2A"], "alpha1_occupancy": r["R_alpha1"],
                     "beta1_occupancy": r["R_beta1"], "cAMP_uM": r["cAMP"], "PKA": r["PKA"],
                     "Ca_uM": r["Ca"], "h_HCN": r["h_HCN"], "g_c": r["g_c"]})
    cols = ["NE_nM", "gain_Hz_per_pA", "burst_mode_fraction", "alpha2_occupancy",
            "alpha1_occupancy"]
    ctx.write_csv("ne_dose.csv", rows, cols)
    ctx.write_csv("ne_dose_detail.csv", rows, cols + ["beta1_occupancy", "cAMP_uM", "PKA",
                                                      "Ca_uM", "h_HCN", "g_c"])
    gains = np.array([r["gain_Hz_per_pA"] for r in rows])
    k = int(np.nanargmax(gains))
    ctx.extra_provenance["peak"] = {"NE_nM": rows[k]["NE_nM"], "gain_Hz_per_pA": gains[k],
                                    "gain_lowest_NE": gains[0], "gain_highest_NE": gains[-1],
                                    "interior_peak": bool(0 < k < len(rows) - 1)}
    ctx.save_spikes({"pyr": (res.spike_ids, res.spike_times_s)}, t_stop=res.window[1])
    ctx.save_figure(plotting.ne_inverted_u_figure(rows), "ne_inverted_u.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
