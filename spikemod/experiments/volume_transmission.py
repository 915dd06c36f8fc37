"""A point release of modulator on the voxel grid against the analytic point source
[MODEL.md s5; N98, DR10].

The grid (:func:`spikemod.diffusion.make_grid`) integrates
``dC/dt = D* lap(C) + s/alpha - V_max C/(K_m + C) - lambda C`` with ``D* = D/tortuosity^2``. At
t = 0 the release sites of one modulatory neuron (``diffusion.sites_per_neuron x
diffusion.release_amount``, so that ``alpha * integral(C dV)`` rises by that amount) release
into the centre voxel (:func:`point_release`). Condition ``no_uptake``: the analytic point
source ``C(r, t) = M/(alpha (4 pi D* t)^{ndim/2}) exp(-r^2/(4 D* t) - lambda t)``
(:func:`spikemod.diffusion.point_source_analytic`) applies, and ``alpha * sum(C) dV`` must stay
``M e^{-lambda t}``; condition ``uptake`` adds Michaelis-Menten transporter uptake (DR10). A
third, solver-only run without uptake starts from the point-source profile itself (released
``t0 = (1.5 dx)^2/(2 D*)`` earlier), so that its error against the formula after 10 steps is
the scheme's alone, not the lattice delta's (which fits only once sigma >> dx).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from brian2 import Network, StateMonitor, ms, second, umetre, umolar

from spikemod.device import simulation
from spikemod.diffusion import checked_params, make_grid, point_source_analytic

__all__ = ["NAME", "CONDITIONS", "COLUMNS", "MASS_COLUMNS", "DEFAULTS", "PointRelease",
           "point_release", "check_grid", "Releases", "simulate", "summarize", "figure"]

NAME = "volume-transmission"
#: condition -> Michaelis-Menten uptake on
CONDITIONS = {"no_uptake": False, "uptake": True}
COLUMNS = ["t_ms", "r_um", "c_model_uM", "c_analytic_uM"]          # diffusion_check.csv
MASS_COLUMNS = ["t_ms", "condition", "mass_umol_per_l_um3", "mass_fraction"]   # mass.csv

#: a cube of 41^3 voxels (10 um: 400 um across), 2 s after the release, sampled every 100 ms
DEFAULTS = {"n_side": 41, "duration_s": 2.0, "sample_ms": 100.0}

#: the solver-only run starts from the point-source profile of width sigma0 = 1.5 dx
SOLVER_SIGMA_DX = 1.5


@dataclass
class PointRelease:
    """Result of :func:`point_release`: sampled concentrations of every voxel."""

    t_s: np.ndarray            # sample times (s), after the release at t = 0
    r_um: np.ndarray           # distance of each voxel from the release voxel
    C_uM: np.ndarray           # (n_times, n_voxels)
    mass: np.ndarray           # alpha * sum(C) dV per sample, in the units of ``amount``
    amount: float              # uM um^3
    params: dict
    axis_voxels: np.ndarray    # voxels on the +x half-axis through the release point

    @property
    def decay_per_s(self) -> float:
        """First-order decay rate lambda (1/s) of the grid."""
        return float(self.params["decay"] * second)

    def analytic_uM(self, k_per_s: float = 0.0) -> np.ndarray:
        """The analytic point source at every sample time and voxel (uM), decay ``k_per_s``."""
        p = self.params
        D = float(p["D_star"] / (umetre ** 2 / second))
        dx = float(p["dx"] / umetre)
        t = self.t_s[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(point_source_analytic(self.r_um[None, :], t, self.amount,
                                                    float(p["alpha"]), D, p["ndim"],
                                                    k=k_per_s, thickness=dx))

    def rel_l2(self, min_r_um: float, min_t_s: float, k_per_s: float = 0.0) -> float:
        """Relative L2 error against the analytic solution over r > min_r, t > min_t."""
        sel_t = self.t_s > min_t_s
        sel_r = self.r_um > min_r_um
        model = self.C_uM[sel_t][:, sel_r]
        ref = self.analytic_uM(k_per_s)[sel_t][:, sel_r]
        return float(np.linalg.norm(model - ref) / np.linalg.norm(ref))


def point_release(model, overrides: dict | None = None, duration=2 * second,
                  sample_every=100 * ms, amount=None, shape=None, released_before=None,
                  device="runtime", seed=None, build_dir=None, report=None) -> PointRelease:
    """Release ``amount`` at t = 0 in the centre voxel of a grid and sample every voxel.

    The whole amount starts in the release voxel (a lattice delta). A lattice delta differs
    from the continuum point source by O((dx/sigma)^2) in shape: with this FTCS scheme the
    relative L2 error at r > 3 dx is ~5 % while sigma = sqrt(2 D* t) ~ dx and falls below 2 %
    once sigma > ~2.2 dx (measured, tests/test_diffusion.py). Sample times are times since the
    release.

    ``released_before`` (a time t0) separates that representation error from the solver's own
    error, the standard verification of a diffusion scheme against a singular solution: the
    release happened t0 before the grid starts, so every voxel starts at the point-source
    profile C(r, t0) (sampled at the voxel centres and rescaled so that alpha * sum(C) dV is
    exactly ``amount``; only without first-order decay), and the samples are compared with
    C(r, t0 + t). With sigma0 = sqrt(2 D* t0) = 1.5 dx the relative L2 error at r > 3 dx over
    t > 10 dt is 1.1-1.7 % for dt = 1-30 ms (tests/test_diffusion.py).

    Parameters
    ----------
    model : spikemod.params.Model
    overrides : dict, optional
        Overrides of the ``diffusion`` section (``{'uptake': False, 'n_side': 21}``).
    duration, sample_every : Quantity
        Simulated time after the release; sampling interval (rounded to a multiple of the
        grid's ``dt``).
    amount : Quantity, optional
        Amount released (concentration x volume); default ``sites_per_neuron x
        release_amount``.
    shape : tuple of int, optional
        Grid shape (default ``n_side`` per axis).
    released_before : Quantity, optional
        Start from the point-source profile of a release this long ago (see above).
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    Returns
    -------
    PointRelease

    Raises
    ------
    spikemod.params.ModelError
        For an unstable grid step or bad diffusion parameters.
    ValueError
        For ``released_before`` with first-order decay.

    Example
    -------
    >>> res = point_release(load_model(), {"uptake": False, "n_side": 21})   # doctest: +SKIP
    >>> res.rel_l2(30.0, 1.0)                                               # doctest: +SKIP
    0.016
    """
    p = checked_params(model, overrides)
    if released_before is not None and float(p["decay"] * second) != 0:
        raise ValueError("point_release: released_before needs diffusion.decay = 0, "
                         f"got {p['decay']}")
    if amount is None:
        amount = float(p["sites_per_neuron"]) * p["release_amount"]
    # samples on grid steps: a multiple of the grid's dt
    sample_every = max(1, int(round(float(sample_every / p["dt"])))) * p["dt"]
    amount_val = float(amount / (umolar * umetre ** 3))
    with simulation(device, seed=seed, build_dir=build_dir) as sim:
        grid = make_grid(model, overrides, shape=shape)
        centre = grid.centre()
        xyz = grid.coordinates_um()
        r = np.sqrt(((xyz - xyz[centre]) ** 2).sum(axis=1))
        dV = float(p["dx"] / umetre) ** 3
        if released_before is None:
            t0 = 0.0
            grid.group.C[centre] = p["tonic"] + grid.release_increment(amount)
        else:
            t0 = float(released_before / second)
            D = float(p["D_star"] / (umetre ** 2 / second))
            profile = np.asarray(point_source_analytic(r, t0, 1.0, 1.0, D, p["ndim"], k=0.0,
                                                       thickness=float(p["dx"] / umetre)))
            profile = profile / profile.sum() * (amount_val / (float(p["alpha"]) * dV))
            grid.group.C = p["tonic"] + profile * umolar
        mon = StateMonitor(grid.group, "C", record=True, dt=sample_every)
        net = Network(*grid.objects, mon)
        net.run(duration + 0.5 * sample_every, report=report)
        sim.finish()
        t_s = np.asarray(mon.t / second) + t0
        C = np.asarray(mon.C / umolar).T.copy()
    mass = float(p["alpha"]) * C.sum(axis=1) * dV
    on_axis = np.all(xyz[:, 1:] == xyz[centre, 1:], axis=1) & (xyz[:, 0] >= xyz[centre, 0])
    return PointRelease(t_s=t_s, r_um=r, C_uM=C, mass=mass, amount=amount_val, params=p,
                        axis_voxels=np.flatnonzero(on_axis))


def check_grid(model, n_side) -> None:
    """Refuse a grid step that is unstable in any condition (uptake makes it stricter) before
    anything is built.

    Parameters
    ----------
    model : spikemod.params.Model
    n_side : int
        Voxels per side.

    Raises
    ------
    spikemod.params.ModelError
        One line with the stability limit (:func:`spikemod.diffusion.check_stability`).

    Example
    -------
    >>> check_grid(load_model(), 41)                                  # doctest: +SKIP
    """
    for uptake in CONDITIONS.values():
        checked_params(model, {"uptake": uptake, "n_side": int(n_side)})


@dataclass
class Releases:
    """The experiment's runs: one :class:`PointRelease` per condition of :data:`CONDITIONS`,
    and the solver-only run (None with first-order decay, where it does not apply)."""

    runs: dict
    solver: PointRelease | None


def simulate(model, n_side=None, duration_s=None, sample_ms=None, device="runtime",
             seed=None, build_dir=None, report=None) -> Releases:
    """Point release into a cubic grid, without and with uptake, and the solver-only run.

    Parameters
    ----------
    model : spikemod.params.Model
    n_side : int, optional
        Voxels per side of the grid.
    duration_s, sample_ms : float, optional
        Time after the release (s) and sampling interval (ms).
    device, seed, report
        See :func:`spikemod.device.simulation`.
    build_dir : path, optional
        Root of the standalone builds (one subdirectory per run).

    All defaults: :data:`DEFAULTS`.

    Returns
    -------
    Releases

    Raises
    ------
    spikemod.params.ModelError
        For an unstable grid step (checked with and without uptake).

    Example
    -------
    >>> res = simulate(load_model(), n_side=21, duration_s=1.2)          # doctest: +SKIP
    >>> summarize(res)["checks"]["mass_rel_deviation_no_uptake"] < 1e-6  # doctest: +SKIP
    True
    """
    d = DEFAULTS
    n = int(d["n_side"] if n_side is None else n_side)
    duration = (d["duration_s"] if duration_s is None else duration_s) * second
    sample = (d["sample_ms"] if sample_ms is None else sample_ms) * ms

    def run(name, uptake, **kw):
        sub = None if build_dir is None else Path(build_dir) / name
        return point_release(model, {"uptake": uptake, "n_side": n}, duration=duration,
                             sample_every=sample, device=device, seed=seed, build_dir=sub,
                             report=report, **kw)

    check_grid(model, n)
    runs = {cond: run(cond, uptake) for cond, uptake in CONDITIONS.items()}
    p = runs["no_uptake"].params
    solver = None
    if runs["no_uptake"].decay_per_s == 0:
        D = float(p["D_star"] / (umetre ** 2 / second))
        t0 = (SOLVER_SIGMA_DX * float(p["dx"] / umetre)) ** 2 / (2 * D)
        solver = run("solver", False, released_before=t0 * second)
    return Releases(runs=runs, solver=solver)


def summarize(result: Releases) -> dict:
    """The tables and checks of a run.

    Parameters
    ----------
    result : Releases

    Returns
    -------
    dict
        ``profile``: rows of :data:`COLUMNS` (the no-uptake profile along the +x axis through
        the release voxel, t > 0); ``info``: the grid's constants (``diffusion_check.json``);
        ``mass``: rows of :data:`MASS_COLUMNS` per condition and sample; ``checks``: relative
        L2 errors at r > 3 dx (after 10 steps, of the solver-only run after 10 steps, from
        t = 1 s on), the largest relative mass deviation without uptake and the mass fraction
        left at the end with uptake.

    Example
    -------
    >>> summarize(simulate(load_model()))["checks"]                   # doctest: +SKIP
    """
    ref, solver = result.runs["no_uptake"], result.solver
    p = ref.params
    lam = ref.decay_per_s
    dx = float(p["dx"] / umetre)
    dt_s = float(p["dt"] / second)
    analytic = ref.analytic_uM(lam)
    profile = [{"t_ms": t * 1e3, "r_um": ref.r_um[v], "c_model_uM": ref.C_uM[k, v],
                "c_analytic_uM": analytic[k, v]}
               for k, t in enumerate(ref.t_s) if t > 0 for v in ref.axis_voxels]
    info = {"D_um2_per_s": float(p["D"] / (umetre ** 2 / second)),
            "tortuosity": float(p["tortuosity"]), "alpha": float(p["alpha"]),
            "amount_umol_per_l_um3": ref.amount, "decay_per_s": lam, "dx_um": dx}
    mass = [{"t_ms": t * 1e3, "condition": cond, "mass_umol_per_l_um3": res.mass[k],
             "mass_fraction": res.mass[k] / res.amount}
            for cond, res in result.runs.items() for k, t in enumerate(res.t_s)]
    late = ref.t_s >= 1.0 - 1e-9
    uptake = result.runs["uptake"]
    checks = {
        "rel_l2_r_gt_3dx_t_gt_10dt": ref.rel_l2(3 * dx, 10 * dt_s, lam),
        "rel_l2_r_gt_3dx_t_gt_10dt_solver": (solver.rel_l2(3 * dx, solver.t_s[0] + 10 * dt_s)
                                             if solver is not None else None),
        "rel_l2_r_gt_3dx_t_ge_1s": ref.rel_l2(3 * dx, 1.0 - 1e-9, lam) if late.any() else None,
        "mass_rel_deviation_no_uptake": float(np.max(np.abs(
            ref.mass / (ref.amount * np.exp(-lam * ref.t_s)) - 1))),
        "mass_fraction_end_uptake": float(uptake.mass[-1] / uptake.amount)}
    return {"profile": profile, "info": info, "mass": mass, "checks": checks}


def figure(result: Releases):
    """Model vs analytic concentration profiles (no uptake; uptake as crosses) at four times,
    and the total amount over time per condition.

    Parameters
    ----------
    result : Releases

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = figure(simulate(load_model(), n_side=21))               # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    from spikemod import plotting
    runs = result.runs
    ref = runs["no_uptake"]
    analytic = ref.analytic_uM(ref.decay_per_s)
    fig, axes = plotting.figure(1, 2, width=7.0)
    ax = axes[0, 0]
    order = np.argsort(ref.r_um[ref.axis_voxels])
    vox = ref.axis_voxels[order]
    picks = [k for k in np.linspace(1, len(ref.t_s) - 1, 4).astype(int)]
    cmap = plt.get_cmap("viridis")(np.linspace(0.05, 0.85, len(picks)))
    for color, k in zip(cmap, picks):
        ax.semilogy(ref.r_um[vox], np.maximum(ref.C_uM[k, vox], 1e-12), "o", ms=3, color=color,
                    label=f"{ref.t_s[k] * 1e3:.0f} ms")
        ax.semilogy(ref.r_um[vox], np.maximum(analytic[k, vox], 1e-12), "-", lw=1, color=color)
        if "uptake" in runs:
            up = runs["uptake"]
            ax.semilogy(up.r_um[vox], np.maximum(up.C_uM[k, vox], 1e-12), "x", ms=3,
                        color=color)
    ax.set_ylim(bottom=max(1e-7, float(np.nanmax(ref.C_uM[picks[-1]])) * 1e-4))
    ax.set_xlabel("distance from release (um)")
    ax.set_ylabel("concentration (uM)")
    ax.set_title("point release: model (o), analytic (-), uptake (x)")
    ax.legend(fontsize=6.5)
    ax = axes[0, 1]
    for cond, res in runs.items():
        ax.plot(res.t_s * 1e3, res.mass / res.amount, label=cond.replace("_", " "))
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("alpha * integral C dV / M")
    ax.set_ylim(0, 1.05)
    ax.set_title("total amount")
    ax.legend()
    return fig
