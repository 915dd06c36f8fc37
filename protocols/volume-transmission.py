"""volume-transmission: a point release of modulator in a large voxel grid, without and with uptake.

Methods. The extracellular modulator concentration obeys
dC/dt = D* lap(C) + s/alpha - V_max C/(K_m + C) - lambda C, D* = D/tortuosity^2 [MODEL.md s5;
N98, DR10], on a cubic grid of n^3 voxels of edge dx (default 41^3, 10 um; 7-point Laplacian
through neighbour synapses, zero-flux walls, explicit Euler on the diffusion.dt clock; a step
beyond the stability limit dt <= dx^2/(6 D*) is refused). At t = 0 the release sites of one
modulatory neuron (diffusion.sites_per_neuron x diffusion.release_amount, so that
alpha * integral(C dV) = amount) release into the centre voxel. Condition 'no_uptake' has no
Michaelis-Menten uptake (the analytic point source
C(r,t) = M/(alpha (4 pi D* t)^{3/2}) exp(-r^2/(4 D* t) - lambda t) applies, and
alpha * sum(C) dV must stay M e^{-lambda t}); condition 'uptake' adds transporter uptake
(DR10: V_max 4.1 uM/s, K_m 0.21 uM). Every voxel is sampled every --sample. A third,
solver-only run without uptake starts from the point-source profile itself (released
t0 = (1.5 dx)^2/(2 D*) earlier), so its error against the formula at t > 10 dt is the
scheme's alone, not the lattice delta's (which only fits once sigma >> dx).

Outputs: diffusion_check.csv (t_ms, r_um, c_model_uM, c_analytic_uM: no-uptake profile along the
+x axis through the release voxel), diffusion_check.json (D_um2_per_s, tortuosity, alpha,
amount_umol_per_l_um3, decay_per_s, dx_um), mass.csv (t_ms, condition, mass_umol_per_l_um3,
mass_fraction), volume_transmission.png, provenance.json (relative L2 errors at r > 3 dx).
"""

import numpy as np
from brian2 import ms, second, umetre

from spikemod import plotting
from spikemod.diffusion import checked_params, point_release
from spikemod.protocol import UsageError, parse_values, protocol_main

NAME = "volume-transmission"


def add_arguments(p):
    p.add_argument("--n-side", default="41", help="voxels per side of the cubic grid (default %(default)s)")
    p.add_argument("--duration", default="2", help="time after the release, s (default %(default)s)")
    p.add_argument("--sample", default="100", help="sampling interval, ms (default %(default)s)")


def validate(args, model):
    n = parse_values(args.n_side, "1", "--n-side", minimum=5, maximum=101)[0]
    if n != int(n):
        raise UsageError(f"--n-side: {args.n_side!r} is not an integer")
    args.n = int(n)
    args.duration_s = parse_values(args.duration, "second", "--duration", minimum=1e-3)[0]
    args.sample_ms = parse_values(args.sample, "ms", "--sample", minimum=1e-3)[0]
    for uptake in (True, False):     # refuse an unstable step (stricter with uptake) first
        checked_params(model, {"uptake": uptake, "n_side": args.n})


def run(ctx, args):
    runs = {}
    for cond, uptake in (("no_uptake", False), ("uptake", True)):
        ctx.log(f"{cond}: {args.n}^3 voxels on {ctx.device}")
        kw = dict(ctx.sim_kwargs, build_dir=ctx.build_dir / cond)
        runs[cond] = point_release(ctx.model, {"uptake": uptake, "n_side": args.n},
                                   duration=args.duration_s * second,
                                   sample_every=args.sample_ms * ms, report=ctx.report(), **kw)
    ref = runs["no_uptake"]
    p = ref.params
    lam = float(p["decay"] * second)
    dx = float(p["dx"] / umetre)
    dt_s = float(p["dt"] / second)
    solver = None
    if lam == 0:
        t0 = (1.5 * dx) ** 2 / (2 * float(p["D_star"] / (umetre ** 2 / second)))
        ctx.log(f"solver check: from the point-source profile at t0 = {t0 * 1e3:.0f} ms")
        solver = point_release(ctx.model, {"uptake": False, "n_side": args.n},
                               duration=args.duration_s * second, sample_every=args.sample_ms * ms,
                               released_before=t0 * second, report=ctx.report(),
                               **dict(ctx.sim_kwargs, build_dir=ctx.build_dir / "solver"))
    analytic = ref.analytic_uM(lam)
    rows = []
    for k, t in enumerate(ref.t_s):
        if t <= 0:
            continue
        for v in ref.axis_voxels:
            rows.append([t * 1e3, ref.r_um[v], ref.C_uM[k, v], analytic[k, v]])
    ctx.write_csv("diffusion_check.csv", rows, ["t_ms", "r_um", "c_model_uM", "c_analytic_uM"])
    ctx.write_json("diffusion_check.json", {
        "D_um2_per_s": float(p["D"] / (umetre ** 2 / second)),
        "tortuosity": float(p["tortuosity"]), "alpha": float(p["alpha"]),
        "amount_umol_per_l_um3": ref.amount, "decay_per_s": lam,
        "dx_um": float(p["dx"] / umetre)})
    mass_rows = [[t * 1e3, cond, res.mass[k], res.mass[k] / res.amount]
                 for cond, res in runs.items() for k, t in enumerate(res.t_s)]
    ctx.write_csv("mass.csv", mass_rows, ["t_ms", "condition", "mass_umol_per_l_um3",
                                          "mass_fraction"])
    late = ref.t_s >= 1.0 - 1e-9
    ctx.extra_provenance["checks"] = {
        "rel_l2_r_gt_3dx_t_gt_10dt": ref.rel_l2(3 * dx, 10 * dt_s, lam),
        "rel_l2_r_gt_3dx_t_gt_10dt_solver": (solver.rel_l2(3 * dx, solver.t_s[0] + 10 * dt_s)
                                             if solver is not None else None),
        "rel_l2_r_gt_3dx_t_ge_1s": ref.rel_l2(3 * dx, 1.0 - 1e-9, lam) if late.any() else None,
        "mass_rel_deviation_no_uptake": float(np.max(np.abs(
            ref.mass / (ref.amount * np.exp(-lam * ref.t_s)) - 1))),
        "mass_fraction_end_uptake": float(runs["uptake"].mass[-1] / runs["uptake"].amount)}
    ctx.log(f"checks: {ctx.extra_provenance['checks']}")
    ctx.save_figure(plotting.volume_transmission_figure(runs, analytic), "volume_transmission.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
