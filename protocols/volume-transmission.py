"""volume-transmission: a point release of modulator in a large voxel grid, without and with uptake.

Methods. The extracellular modulator concentration obeys
dC/dt = D* lap(C) + s/alpha - V_max C/(K_m + C) - lambda C, D* = D/tortuosity^2 [MODEL.md s5;
N98, DR10], on a cubic grid of n^3 voxels of edge dx (default 41^3, 10 um; 7-point Laplacian
through neighbour synapses, zero-flux walls, explicit Euler on the diffusion.dt clock; a step
beyond the stability limit dt <= dx^2/(6 D*) is refused). At t = 0 the release sites of one
modulatory neuron release into the centre voxel. 'no_uptake' is compared with the analytic point
source; 'uptake' adds transporter uptake (DR10: V_max 4.1 uM/s, K_m 0.21 uM); a solver-only run
starts from the point-source profile (spikemod.experiments.volume_transmission). Every voxel is
sampled every --sample.

Outputs: diffusion_check.csv (t_ms, r_um, c_model_uM, c_analytic_uM: no-uptake profile along the
+x axis through the release voxel), diffusion_check.json (D_um2_per_s, tortuosity, alpha,
amount_umol_per_l_um3, decay_per_s, dx_um), mass.csv (t_ms, condition, mass_umol_per_l_um3,
mass_fraction), volume_transmission.png, provenance.json (relative L2 errors at r > 3 dx).
"""

from spikemod.experiments import volume_transmission as exp
from spikemod.protocol import UsageError, parse_values, protocol_main

NAME = exp.NAME


def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--n-side", default=str(d["n_side"]),
                   help="voxels per side of the cubic grid (default %(default)s)")
    p.add_argument("--duration", default=f"{d['duration_s']:g}",
                   help="time after the release, s (default %(default)s)")
    p.add_argument("--sample", default=f"{d['sample_ms']:g}",
                   help="sampling interval, ms (default %(default)s)")


def validate(args, model):
    n = parse_values(args.n_side, "1", "--n-side", minimum=5, maximum=101)[0]
    if n != int(n):
        raise UsageError(f"--n-side: {args.n_side!r} is not an integer")
    args.n = int(n)
    args.duration_s = parse_values(args.duration, "second", "--duration", minimum=1e-3)[0]
    args.sample_ms = parse_values(args.sample, "ms", "--sample", minimum=1e-3)[0]
    exp.check_grid(model, args.n)             # an unstable step: one line, exit 2


def run(ctx, args):
    ctx.log(f"{len(exp.CONDITIONS)} releases and a solver check, {args.n}^3 voxels on "
            f"{ctx.device}")
    res = exp.simulate(ctx.model, n_side=args.n, duration_s=args.duration_s,
                       sample_ms=args.sample_ms, report=ctx.report(), **ctx.sim_kwargs)
    out = exp.summarize(res)
    ctx.write_csv("diffusion_check.csv", out["profile"], exp.COLUMNS)
    ctx.write_json("diffusion_check.json", out["info"])
    ctx.write_csv("mass.csv", out["mass"], exp.MASS_COLUMNS)
    ctx.extra_provenance["checks"] = out["checks"]
    ctx.log(f"checks: {out['checks']}")
    ctx.save_figure(exp.figure(res), "volume_transmission.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
