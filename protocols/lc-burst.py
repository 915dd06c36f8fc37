"""lc-burst: a phasic locus-coeruleus burst at one point of a 2-D sheet microcircuit.

Methods. The L5 microcircuit [W25] on a 2-D sheet (--n-exc pyramidal cells, PV cells as in the
model file, E->E at --ee-scale of W25's amplitude) lies in the middle plane of the NE voxel grid
(diffusion section: D* = D/tortuosity^2, alpha, Michaelis-Menten uptake; sheet side = grid
extent). After 0.3 s, --n-lc LC-like neurons fire a phasic burst (--burst-spikes at
--burst-rate) whose release sites (diffusion.sites_per_neuron x diffusion.release_amount x
scale per spike) sit in the centre voxel. Each pyramidal cell's second-messenger pool reads
the NE of its voxel (alpha2A, alpha1, beta1 -> cAMP/HCN -> g_c, Ca -> vr and SK, PKA -> vt;
spikemod.neuromod). Conditions: a control without release and one release per --scales entry
(a small release keeps uptake linear, the full one saturates it). Gain is measured with common
random numbers: every condition has one circuit copy per feed-forward --drive level (constant
for the whole run, dendritic drive --dend-drive), all copies share one draw of the
connectivity, and copies at the same level share the input spike trains, so a released copy
and its control differ only by the NE (and the cells' own coupling draws). Per cell, the slope
of rate against drive over the window from --wait after the burst onset for --window s (where
the second-messenger modulation is large: it peaks ~1 s after the burst and decays over ~3 s)
is its gain (Hz per kHz of drive): gain_before = the cell in the control copy, gain_after =
the same cell in the released copy, over the same window and input spikes; gain_after -
gain_before is the burst's effect. The paired design cuts the per-cell noise about twofold
(s.d. ~5 Hz/kHz, gains ~27 +- 15 Hz/kHz) but cannot remove the coupling draws, so the effect is
resolved by averaging cells in distance bins (s.e.m. reported).
Note: with the DR10 (striatal dopamine) uptake of the default model the linear clearance length
sqrt(D* K_m/V_max) is ~3.5 um, so the burst's NE stays within ~20 um of the release point and
only ~3 % of the sheet is modulated; cortical NE uptake is weaker (try --set
"diffusion.V_max=0.41 umolar/second").
What the model does (default run): the modulation (g_c up through alpha2A/HCN) falls steeply
with distance and, per unit released, reaches further for the saturating release; the gain
change follows it only within ~10 um (+2.7 +- 1.0 Hz/kHz, about +10 %); beyond 20 um and for
the small release it is not resolved from 0 (s.e.m. 0.1-0.6 Hz/kHz), so "gain change reaches
further when uptake saturates" is not shown by the gain itself, only by the modulation.

Outputs: lc_burst.csv (neuron, distance_um, peak_NE_nM, gain_before, gain_after, then dg_c,
dvt_mV, dvr_mV, dd_rel, dtau_gc_rel: released - control change of coupling, threshold, reset, adaptation and coupling decay time
jump (relative), mean over the window; first scale), lc_burst_all.csv (plus scale),
lc_burst_reach.csv (scale, reach_um: farthest cell whose peak NE reaches 10 nM x scale, i.e. the
same share of the release; gain_change_near, gain_change_far: mean gain change within 30 um and
beyond 60 um, with s.e.m. and cell counts), lc_burst_profile.csv (per distance bin: cells, gain
change mean +- s.e.m., mean peak NE and modulation), lc_burst.png, spikes.h5, provenance.json.
"""

from brian2 import second

from spikemod import plotting
from spikemod.neuromod_circuit import (LC_BURST_COLUMNS, LC_MODULATION_COLUMNS, lc_burst,
                                       lc_burst_summary)
from spikemod.protocol import UsageError, parse_values, add_ee_scale, ee_scale, protocol_main

NAME = "lc-burst"
FIXES = {"sheet.side": "the diffusion grid extent, n_side x dx", "connectivity.geometry": "sheet"}


def add_arguments(p):
    p.add_argument("--n-exc", default="3000", help="pyramidal cells per circuit (default %(default)s)")
    p.add_argument("--drive", default="800,1100,1400", help="feed-forward drive levels, Hz (default %(default)s)",
                   sets="drive.rate_soma")
    p.add_argument("--dend-drive", default="600", help="dendritic Poisson drive, Hz (default %(default)s)",
                   sets="drive.rate_dend")
    p.add_argument("--window", default="2.0", help="gain window, s (default %(default)s)")
    p.add_argument("--scales", default="1,0.02", help="release scales, one circuit each (default %(default)s)")
    p.add_argument("--n-lc", default="20", help="LC neurons (default %(default)s)")
    p.add_argument("--burst-spikes", default="5", help="spikes per LC burst (default %(default)s)")
    p.add_argument("--burst-rate", default="20", help="LC burst rate, Hz (default %(default)s)")
    p.add_argument("--wait", default="0.4", help="from burst onset to the gain window, s (default %(default)s)")
    add_ee_scale(p)


def _int(text, what, lo, hi):
    v = parse_values(text, "1", what, minimum=lo, maximum=hi)[0]
    return int(round(v))


def validate(args, model):
    from spikemod.diffusion import checked_params
    checked_params(model)
    args.n = _int(args.n_exc, "--n-exc", 4, 20000)
    args.drive_Hz = parse_values(args.drive, "Hz", "--drive", minimum=0)
    if len(set(args.drive_Hz)) < 2:
        raise UsageError(f"--drive: {args.drive!r} has fewer than 2 distinct levels (a gain needs 2)")
    args.dend_Hz = parse_values(args.dend_drive, "Hz", "--dend-drive", minimum=0)[0]
    args.window_s = parse_values(args.window, "second", "--window", minimum=0.02)[0]
    args.scales_v = parse_values(args.scales, "1", "--scales", minimum=1e-9)
    args.lc = _int(args.n_lc, "--n-lc", 1, 10000)
    args.spikes = _int(args.burst_spikes, "--burst-spikes", 1, 100)
    args.rate = parse_values(args.burst_rate, "Hz", "--burst-rate", minimum=0.1, maximum=500)[0]
    args.wait_s = parse_values(args.wait, "second", "--wait", minimum=0)[0]
    args.ee = ee_scale(args)


def run(ctx, args):
    res = lc_burst(ctx.model, n_exc=args.n, drive_Hz=args.drive_Hz, dend_drive_Hz=args.dend_Hz,
                   window=args.window_s * second, release_scales=args.scales_v, n_lc=args.lc,
                   burst_spikes=args.spikes, burst_rate_Hz=args.rate, wait=args.wait_s * second,
                   ee_scale=args.ee, report=ctx.report(), **ctx.sim_kwargs)
    cols = LC_BURST_COLUMNS + list(LC_MODULATION_COLUMNS.values())
    first = float(args.scales_v[0])
    ctx.write_csv("lc_burst.csv", [r for r in res.rows if r["scale"] == first], cols)
    ctx.write_csv("lc_burst_all.csv", res.rows, ["scale"] + cols)
    reach, profile = lc_burst_summary(res.rows)
    ctx.write_csv("lc_burst_reach.csv", reach, list(reach[0]))
    ctx.write_csv("lc_burst_profile.csv", profile, list(profile[0]))
    for r in reach:
        ctx.log(f"release x{r['scale']:g}: gain change {r['gain_change_near']:+.2f} +- "
                f"{r['gain_change_near_sem']:.2f} Hz/kHz within 30 um ({r['n_near']} cells), "
                f"{r['gain_change_far']:+.2f} +- {r['gain_change_far_sem']:.2f} beyond 60 um")
    ctx.extra_provenance["circuit"] = res.info
    ctx.save_spikes(res.spikes, t_stop=res.t_stop)
    ctx.save_figure(plotting.lc_burst_figure(res.rows, profile), "lc_burst.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
