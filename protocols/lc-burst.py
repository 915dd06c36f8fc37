"""lc-burst: a phasic locus-coeruleus burst at one point of a 2-D sheet microcircuit.

Methods (spikemod.experiments.lc_burst, which also discusses the design). The L5 microcircuit
[W25] on a 2-D sheet (--n-exc pyramidal cells, E->E at --ee-scale of W25's amplitude) lies in
the middle plane of the NE voxel grid (model section diffusion). After 0.3 s, --n-lc LC-like
neurons fire a burst (--burst-spikes at --burst-rate) into the centre voxel; each pyramidal
cell's second-messenger pool reads the NE of its voxel. Conditions: a control and one release
per --scales entry; each has one circuit copy per feed-forward --drive level (dendritic drive
--dend-drive), all sharing connectivity and, per level, input spike trains. A cell's gain is
its rate-vs-drive slope (Hz/kHz) over --window s from --wait after the burst onset, in the
control (gain_before) and the released copy (gain_after).

Outputs: lc_burst.csv (neuron, distance_um, peak_NE_nM, gain_before, gain_after, then dg_c,
dvt_mV, dvr_mV, dd_rel, dtau_gc_rel: released - control change of coupling, threshold, reset,
adaptation jump and coupling decay time, window mean; first scale), lc_burst_all.csv (plus
scale), lc_burst_reach.csv (scale, reach_um, gain change within 30 um and beyond 60 um with
s.e.m. and cell counts), lc_burst_profile.csv (per distance bin), lc_burst.png, spikes.h5,
provenance.json.
"""

from spikemod.experiments import lc_burst as exp
from spikemod.protocol import (UsageError, add_ee_scale, ee_scale, format_values, parse_values,
                              protocol_main, parse_count)

NAME = exp.NAME
FIXES = {"sheet.side": "the diffusion grid extent, n_side x dx", "connectivity.geometry": "sheet"}



def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--n-exc", default=str(d["n_exc"]),
                   help="pyramidal cells per circuit (default %(default)s)")
    p.add_argument("--drive", default=format_values(d["drive_Hz"]),
                   help="feed-forward drive levels, Hz (default %(default)s)",
                   sets="drive.rate_soma")
    p.add_argument("--dend-drive", default=format_values(d["dend_drive_Hz"]),
                   help="dendritic Poisson drive, Hz (default %(default)s)", sets="drive.rate_dend")
    p.add_argument("--window", default=format_values(d["window_s"]), help="gain window, s (default %(default)s)")
    p.add_argument("--scales", default=format_values(d["release_scales"]),
                   help="release scales, one circuit each (default %(default)s)")
    p.add_argument("--n-lc", default=str(d["n_lc"]), help="LC neurons (default %(default)s)")
    p.add_argument("--burst-spikes", default=str(d["burst_spikes"]),
                   help="spikes per LC burst (default %(default)s)")
    p.add_argument("--burst-rate", default=format_values(d["burst_rate_Hz"]),
                   help="LC burst rate, Hz (default %(default)s)")
    p.add_argument("--wait", default=format_values(d["wait_s"]),
                   help="from burst onset to the gain window, s (default %(default)s)")
    add_ee_scale(p)


def validate(args, model):
    from spikemod.diffusion import checked_params
    checked_params(model)
    args.n = parse_count(args.n_exc, "--n-exc", 4, 20000)
    args.drive_Hz = parse_values(args.drive, "Hz", "--drive", minimum=0)
    if len(set(args.drive_Hz)) < 2:
        raise UsageError(f"--drive: {args.drive!r} has fewer than 2 distinct levels (a gain needs 2)")
    args.dend_Hz = parse_values(args.dend_drive, "Hz", "--dend-drive", minimum=0)[0]
    args.window_s = parse_values(args.window, "second", "--window", minimum=0.02)[0]
    args.scales_v = parse_values(args.scales, "1", "--scales", minimum=1e-9)
    args.lc = parse_count(args.n_lc, "--n-lc", 1, 10000)
    args.spikes = parse_count(args.burst_spikes, "--burst-spikes", 1, 100)
    args.rate = parse_values(args.burst_rate, "Hz", "--burst-rate", minimum=0.1, maximum=500)[0]
    args.wait_s = parse_values(args.wait, "second", "--wait", minimum=0)[0]
    args.ee = ee_scale(args)


def run(ctx, args):
    res = exp.simulate(ctx.model, n_exc=args.n, drive_Hz=args.drive_Hz, dend_drive_Hz=args.dend_Hz,
                       window_s=args.window_s, release_scales=args.scales_v, n_lc=args.lc,
                       burst_spikes=args.spikes, burst_rate_Hz=args.rate, wait_s=args.wait_s,
                       ee_scale=args.ee, report=ctx.report(), **ctx.sim_kwargs)
    cols = exp.COLUMNS + list(exp.MODULATION_COLUMNS.values())
    first = float(args.scales_v[0])
    ctx.write_csv("lc_burst.csv", [r for r in res.rows if r["scale"] == first], cols)
    ctx.write_csv("lc_burst_all.csv", res.rows, ["scale"] + cols)
    reach, profile = exp.summarize(res.rows)
    ctx.write_csv("lc_burst_reach.csv", reach, list(reach[0]))
    ctx.write_csv("lc_burst_profile.csv", profile, list(profile[0]))
    for r in reach:
        ctx.log(f"release x{r['scale']:g}: gain change {r['gain_change_near']:+.2f} +- "
                f"{r['gain_change_near_sem']:.2f} Hz/kHz within {exp.NEAR_UM:g} um "
                f"({r['n_near']} cells), {r['gain_change_far']:+.2f} +- "
                f"{r['gain_change_far_sem']:.2f} beyond {exp.FAR_UM:g} um")
    ctx.extra_provenance["circuit"] = res.info
    ctx.save_spikes(res.spikes, t_stop=res.t_stop)
    ctx.save_figure(exp.figure(res.rows, profile), "lc_burst.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
