"""lc-burst: a phasic locus-coeruleus burst at one point of a 2-D sheet microcircuit.

Methods. The L5 microcircuit [W25] on a 2-D sheet (--n-exc pyramidal cells, PV cells as in the
model file, E->E at --ee-scale of W25's amplitude) lies in the middle plane of the NE voxel grid
(diffusion section: D* = D/tortuosity^2, alpha, Michaelis-Menten uptake; sheet side = grid
extent). --n-lc LC-like neurons fire a phasic burst (--burst-spikes at --burst-rate) whose
release sites (diffusion.sites_per_neuron x diffusion.release_amount per spike) sit in the
centre voxel. Each pyramidal cell's second-messenger pool reads the NE of its voxel (alpha2A,
alpha1, beta1 -> cAMP/HCN -> g_c, Ca -> vr and SK, PKA -> vt; spikemod.neuromod). Per-neuron
gain (Hz per kHz of feed-forward Poisson drive) is the slope of its rate over a staircase of
--drive rates (each --step, second half measured) before the burst and again from --wait after
it, with dendritic drive --dend-drive. The circuit runs once per release scale (--scales,
independent copies in one simulation, each with its own grid): a small release keeps uptake
linear, the full one saturates it (DR10 transporter K_m 0.21 uM). Note: with the DR10
(striatal dopamine) uptake of the default model the linear clearance length
sqrt(D* K_m/V_max) is ~3.5 um, so the burst's NE stays within ~20 um of the release point;
cortical NE uptake is weaker (try --set "diffusion.V_max=0.41 umolar/second").

Outputs: lc_burst.csv (neuron, distance_um, peak_NE_nM, gain_before, gain_after; first scale),
lc_burst_all.csv (plus scale), lc_burst_reach.csv (scale, reach_um: farthest cell whose peak NE
reaches 10 nM x scale, i.e. the same share of the release; gain_change_near, gain_change_far:
mean gain change within 30 um and beyond 60 um), lc_burst.png, spikes.h5, provenance.json.
"""

import numpy as np
from brian2 import second

from spikemod import plotting
from spikemod.neuromod_circuit import LC_BURST_COLUMNS, lc_burst, reach_um
from spikemod.protocol import parse_values, protocol_main

NAME = "lc-burst"


def add_arguments(p):
    p.add_argument("--n-exc", default="200", help="pyramidal cells per circuit (default %(default)s)")
    p.add_argument("--drive", default="800,1100,1400", help="feed-forward staircase, Hz (default %(default)s)")
    p.add_argument("--dend-drive", default="600", help="dendritic Poisson drive, Hz (default %(default)s)")
    p.add_argument("--step", default="0.6", help="staircase step, s (default %(default)s)")
    p.add_argument("--scales", default="1,0.02", help="release scales, one circuit each (default %(default)s)")
    p.add_argument("--n-lc", default="20", help="LC neurons (default %(default)s)")
    p.add_argument("--burst-spikes", default="5", help="spikes per LC burst (default %(default)s)")
    p.add_argument("--burst-rate", default="20", help="LC burst rate, Hz (default %(default)s)")
    p.add_argument("--wait", default="0.2", help="from burst end to the second staircase, s (default %(default)s)")
    p.add_argument("--ee-scale", default="0.15", help="E->E amplitude relative to W25 (default %(default)s)")


def _int(text, what, lo, hi):
    v = parse_values(text, "1", what, minimum=lo, maximum=hi)[0]
    return int(round(v))


def validate(args, model):
    from spikemod.diffusion import checked_params
    checked_params(model)
    args.n = _int(args.n_exc, "--n-exc", 4, 20000)
    args.drive_Hz = parse_values(args.drive, "Hz", "--drive", minimum=0)
    args.dend_Hz = parse_values(args.dend_drive, "Hz", "--dend-drive", minimum=0)[0]
    args.step_s = parse_values(args.step, "second", "--step", minimum=0.02)[0]
    args.scales_v = parse_values(args.scales, "1", "--scales", minimum=1e-9)
    args.lc = _int(args.n_lc, "--n-lc", 1, 10000)
    args.spikes = _int(args.burst_spikes, "--burst-spikes", 1, 100)
    args.rate = parse_values(args.burst_rate, "Hz", "--burst-rate", minimum=0.1, maximum=500)[0]
    args.wait_s = parse_values(args.wait, "second", "--wait", minimum=0)[0]
    args.ee = parse_values(args.ee_scale, "1", "--ee-scale", minimum=0)[0]


def run(ctx, args):
    res = lc_burst(ctx.model, n_exc=args.n, drive_Hz=args.drive_Hz, dend_drive_Hz=args.dend_Hz,
                   step=args.step_s * second, release_scales=args.scales_v, n_lc=args.lc,
                   burst_spikes=args.spikes, burst_rate_Hz=args.rate, wait=args.wait_s * second,
                   ee_scale=args.ee, report=ctx.report(), **ctx.sim_kwargs)
    first = float(args.scales_v[0])
    ctx.write_csv("lc_burst.csv", [r for r in res.rows if r["scale"] == first], LC_BURST_COLUMNS)
    ctx.write_csv("lc_burst_all.csv", res.rows, ["scale"] + LC_BURST_COLUMNS)
    reach_rows = []
    for sc in args.scales_v:
        sel = [r for r in res.rows if r["scale"] == float(sc)]
        d = np.array([r["distance_um"] for r in sel])
        dg = np.array([r["gain_after"] - r["gain_before"] for r in sel])
        pk = np.array([r["peak_NE_nM"] for r in sel])
        reach_rows.append({"scale": float(sc), "reach_um": reach_um(d, pk, 10.0 * float(sc)),
                           "gain_change_near": float(np.nanmean(dg[d < 30])) if np.any(d < 30) else float("nan"),
                           "gain_change_far": float(np.nanmean(dg[d > 60])) if np.any(d > 60) else float("nan")})
    ctx.write_csv("lc_burst_reach.csv", reach_rows,
                  ["scale", "reach_um", "gain_change_near", "gain_change_far"])
    ctx.extra_provenance["circuit"] = res.info
    ctx.save_spikes(res.spikes, t_stop=res.t_stop)
    ctx.save_figure(plotting.lc_burst_figure(res.rows), "lc_burst.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
