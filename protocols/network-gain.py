"""network-gain: population f-I of the W25 thalamocortical L5 ring under dendritic drive and coupling.

Methods. The published W25 circuit (90 two-compartment pyramidal cells, 90 PV cells, 10
matrix-thalamus cells; Gaussian E->E, E->PV (AMPA and NMDA, W25's full kernel) and PV->E
kernels, no delays) is replicated once per (dendritic drive, coupling) pair and all copies are
simulated together. Coupling is either W25's thalamus-driven coupling ('thalamic': every
thalamic spike sets g_c towards 1, decay 800 ms) or a fixed g_c (those copies keep it; their
thalamus still drives the dendrites). Every pyramidal soma (and, at W25's weight x0.02, every
PV cell) receives independent Poisson drive (counts per 0.1 ms step) that steps through the
drive levels (default 300-1400 Hz, W25's background is 600 Hz; each step 0.5 s); the apical
dendrites receive Poisson drive at a fixed rate per copy (default 50 (W25), 300, 600 Hz). The
mean pyramidal rate and the share of time steps in burst mode are measured over the second half
of each step. The gain is the least-squares slope of rate against drive over the firing points
[RG25 claims 1-2: dendritic drive and coupling raise gain]. --ee-scale (default 1, the
published circuit) scales the E->E amplitude.

Outputs: network_gain.csv (drive_Hz, dend_drive_Hz, coupling, rate_Hz, burst_mode_fraction),
network_gain_summary.csv (dend_drive_Hz, coupling, gain_Hz_per_Hz), spikes.h5,
network_gain.png, provenance.json.
"""

from spikemod.experiments import network_gain as exp
from spikemod.experiments.common import scaled_recurrence
from spikemod.protocol import (UsageError, add_ee_scale, ee_scale, parse_values, protocol_main,
                              format_values)

NAME = exp.NAME


def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--drive", default=format_values(d["drive_Hz"]), sets="drive.rate_soma",
                   help="feed-forward Poisson rates, Hz (default %(default)s)")
    p.add_argument("--dend-drive", default=format_values(d["dend_drive_Hz"]),
                   sets="drive.rate_dend",
                   help="dendritic feedback Poisson rates, Hz (default %(default)s)")
    p.add_argument("--coupling", default=format_values(d["coupling"]),
                   help="coupling conditions: 'thalamic' (W25's thalamus-driven coupling) and/or "
                        "fixed g_c in [0, 1] (default %(default)s)", sets="coupling.g_c")
    p.add_argument("--step", default=f"{d['step_s']:g}",
                   help="duration of each drive step, s (default %(default)s)")
    add_ee_scale(p)


def validate(args, model):
    args.drive_Hz = parse_values(args.drive, "Hz", "--drive", minimum=0)
    args.dend_Hz = parse_values(args.dend_drive, "Hz", "--dend-drive", minimum=0)
    items = [c.strip() for c in args.coupling.split(",") if c.strip()]
    if not items:
        raise UsageError(f"--coupling: {args.coupling!r} names no coupling ('thalamic' or g_c "
                         "values in [0, 1])")
    args.g_c = ["thalamic" if c == "thalamic" else
                float(parse_values(c, "1", "--coupling", minimum=0, maximum=1)[0]) for c in items]
    if "thalamic" in args.g_c and int(model["connectivity.n_thal"]) == 0:
        raise UsageError("--coupling: 'thalamic' needs thalamic cells (connectivity.n_thal = 0)")
    args.step_s = parse_values(args.step, "second", "--step", minimum=0.01)[0]
    args.ee = ee_scale(args)


def run(ctx, args):
    ctx.extra_provenance["ee_scale"] = float(args.ee)
    result = exp.simulate(scaled_recurrence(ctx.model, args.ee), args.drive_Hz, args.dend_Hz,
                          args.g_c, step_s=args.step_s, report=ctx.report(), **ctx.sim_kwargs)
    summary = exp.summarize(result.rows)
    ctx.write_csv("network_gain.csv", result.rows, exp.COLUMNS)
    ctx.write_csv("network_gain_summary.csv", summary, exp.SUMMARY_COLUMNS)
    units = ctx.copy_columns(result.info["cells_per_copy"], result.rows[:result.info["copies"]],
                             ("dend_drive_Hz", "coupling"))
    ctx.save_spikes(result.spikes, t_stop=result.t_stop, sizes=result.sizes, units=units)
    ctx.extra_provenance.update(result.info)
    ctx.save_figure(exp.figure(result.rows, summary), "network_gain.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
