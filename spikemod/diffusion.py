"""Modulator volume transmission on a voxel grid, as Brian2 groups [MODEL.md s5; N98, DR10].

The extracellular concentration ``C`` of one modulator obeys

    dC/dt = D* lap(C) + s(x, t)/alpha - V_max C/(K_m + C) - lambda C,   D* = D / tortuosity^2

on a regular grid of cubic voxels (edge ``dx``) in 3-D, or a one-voxel-thick slab in 2-D. Each
voxel is one neuron of a Brian2 ``NeuronGroup``; the Laplacian is a summed variable of
``Synapses`` between face neighbours, ``lap_post = D*/dx^2 (C_pre - C_post)`` (7-point stencil in
3-D, 5-point in 2-D). A voxel at the border simply has fewer neighbours: zero-flux boundaries,
so without uptake and decay the total amount ``alpha * sum(C) dx^3`` is conserved to rounding.
Integration is explicit Euler (FTCS) on the grid's own clock ``diffusion.dt``; Brian2 updates
the summed Laplacian just before the grid's state update, so each step uses the current ``C``.

Stability (:func:`check_stability`): FTCS with decay rate k is stable for
``dt <= dx^2 / (2 ndim D* + k dx^2 / 2)`` (von Neumann; k = lambda + V_max/K_m, the uptake's
largest linear rate), i.e. ``dx^2/(2 ndim D*)`` without uptake. A larger step is refused with a
:class:`~spikemod.params.ModelError` stating the limit.

Sources: release sites (varicosities) in given voxels driven by the spikes of modulatory
neurons; each release adds an amount ``M`` (concentration x volume, so that
``alpha * integral(C dV)`` rises by ``M``), i.e. ``C += M / (alpha dx^3)`` in the site's voxel.
Readers: each neuron of a target group samples the concentration of its own voxel through a
one-to-one-per-neuron ``Synapses`` summed variable (:meth:`Grid.connect_readers`).
Bath (well-mixed) application: :func:`make_bath`, a single compartment with the same uptake and
decay and a settable concentration.

Analytic point source (tests, :mod:`spikemod.experiments.volume_transmission`):
``C(r, t) = M / (alpha (4 pi D* t)^{ndim/2}) exp(-r^2/(4 D* t) - k t)`` [N98] (in 2-D ``M`` is
per slab thickness ``dx``). Well-mixed Michaelis-Menten decay:
``C(t) = K_m W((C0/K_m) exp((C0 - V_max t)/K_m))`` with ``W`` the Lambert W function
(:func:`mm_decay_analytic`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import NeuronGroup, Synapses, Quantity, mmolar, second, umetre

# the diffusion section and its stability check live in spikemod.params (load_model checks
# them; params must not import this module); re-exported here under their usual names
from spikemod.params import ModelError, check_stability, stability_limit  # noqa: F401
from spikemod.params import checked_diffusion_params as checked_params
from spikemod.params import diffusion_section as _params

__all__ = ["check_stability", "stability_limit", "Grid", "make_grid", "make_bath",
           "point_source_analytic", "mm_decay_analytic", "GRID_EQS"]

#: the grid (and bath) equations; concentrations in mol/m^3 (= mM) internally
GRID_EQS = """
dC/dt = lap - uptake_on*V_max*C/(K_m + C) - lam*C : mole/meter**3
lap : mole/meter**3/second
V_max : mole/meter**3/second (shared, constant)
K_m : mole/meter**3 (shared, constant)
lam : 1/second (shared, constant)
uptake_on : 1 (shared, constant)
x_um : 1 (constant)
y_um : 1 (constant)
z_um : 1 (constant)
"""


@dataclass
class Grid:
    """A voxel grid (Brian2 objects in ``objects``); indices run x fastest, then y, then z."""

    group: NeuronGroup
    laplacian: Synapses
    shape: tuple
    dx: Quantity
    ndim: int
    alpha: float
    D_star: Quantity
    dt: Quantity
    params: dict
    objects: list = field(default_factory=list)

    @property
    def voxel_volume(self):
        return self.dx ** 3

    def index(self, ijk) -> np.ndarray:
        """Flat voxel index of integer grid coordinates ``(..., ndim)``."""
        ijk = np.atleast_2d(np.asarray(ijk, dtype=int))
        idx = ijk[:, 0] + self.shape[0] * ijk[:, 1]
        if self.ndim == 3:
            idx = idx + self.shape[0] * self.shape[1] * ijk[:, 2]
        return idx

    def centre(self) -> int:
        return int(self.index([n // 2 for n in self.shape])[0])

    def coordinates_um(self) -> np.ndarray:
        """Voxel centres (n_voxels, ndim) in um, the first voxel's centre at 0."""
        axes = [np.arange(n) for n in self.shape]
        mesh = np.meshgrid(*axes, indexing="ij")
        ijk = np.column_stack([m.ravel(order="F") for m in mesh])  # x fastest
        # meshgrid 'ij' raveled in Fortran order runs the first axis fastest
        return ijk * float(self.dx / umetre)

    def voxel_of(self, xyz_um) -> np.ndarray:
        """Voxel index of points (n, ndim) in um (clipped to the grid)."""
        xyz = np.atleast_2d(np.asarray(xyz_um, dtype=float))[:, :self.ndim]
        ijk = np.rint(xyz / float(self.dx / umetre)).astype(int)
        ijk = np.clip(ijk, 0, np.asarray(self.shape) - 1)
        return self.index(ijk)

    def release_increment(self, amount) -> Quantity:
        """Concentration step of one release of ``amount`` (conc x volume) in one voxel."""
        return amount / (self.alpha * self.voxel_volume)

    def connect_release(self, source, voxels, amount=None, sites=None, name=None) -> Synapses:
        """Release sites: each spike of source neuron ``i`` adds ``sites x amount`` to voxel
        ``voxels[i]`` (default ``diffusion.release_amount`` and ``diffusion.sites_per_neuron``).
        """
        amount = self.params["release_amount"] if amount is None else amount
        sites = float(self.params["sites_per_neuron"]) if sites is None else float(sites)
        syn = Synapses(source, self.group, "dC_release : mole/meter**3 (shared, constant)",
                       on_pre="C_post += dC_release", name=name)
        syn.connect(i=np.arange(len(voxels)), j=np.asarray(voxels, dtype=int))
        syn.dC_release = sites * self.release_increment(amount)
        self.objects.append(syn)
        return syn

    def connect_readers(self, target, voxels, variable: str = "L", name=None) -> Synapses:
        """Each neuron ``j`` of ``target`` reads the concentration of voxel ``voxels[j]`` into
        its parameter ``variable`` (a summed variable, updated every grid step)."""
        syn = Synapses(self.group, target,
                       f"{variable}_post = C_pre : mole/meter**3 (summed)",
                       dt=self.dt, name=name)
        syn.connect(i=np.asarray(voxels, dtype=int), j=np.arange(len(voxels)))
        self.objects.append(syn)
        return syn


def _neighbour_pairs(shape) -> tuple[np.ndarray, np.ndarray]:
    """(pre, post) index pairs of face neighbours, both directions (x fastest indexing)."""
    idx = np.arange(int(np.prod(shape))).reshape(shape[::-1])  # [z, y, x] or [y, x]
    pre, post = [], []
    for axis in range(idx.ndim):
        a = np.moveaxis(idx, axis, 0)
        lo, hi = a[:-1].ravel(), a[1:].ravel()
        pre += [lo, hi]
        post += [hi, lo]
    return np.concatenate(pre), np.concatenate(post)


def make_grid(model, overrides: dict | None = None, shape=None, name: str = "grid") -> Grid:
    """Build the voxel grid from the ``diffusion`` section (optionally with ``overrides``,
    e.g. ``{'uptake': False}``) and check the time step's stability first.

    ``shape`` defaults to ``n_side`` voxels per side in ``ndim`` dimensions. Must be called
    inside :func:`spikemod.device.simulation`.
    """
    p = checked_params(model, overrides)
    ndim = p["ndim"]
    shape = tuple(int(n) for n in (shape or (p["n_side"],) * ndim))
    if len(shape) != ndim:
        raise ModelError(f"grid shape {shape} does not have diffusion.ndim = {ndim} axes")
    n = int(np.prod(shape))
    group = NeuronGroup(n, GRID_EQS, method="euler", dt=p["dt"], name=name)
    group.V_max = p["V_max"]
    group.K_m = p["K_m"]
    group.lam = p["decay"]
    group.uptake_on = 1.0 if p["uptake"] else 0.0
    group.C = p["tonic"]
    lap = Synapses(group, group,
                   """D_over_dx2 : 1/second (shared, constant)
                   lap_post = D_over_dx2*(C_pre - C_post) : mole/meter**3/second (summed)""",
                   dt=p["dt"], name=f"{name}_laplacian")
    pre, post = _neighbour_pairs(shape)
    lap.connect(i=pre, j=post)
    lap.D_over_dx2 = p["D_star"] / p["dx"] ** 2
    grid = Grid(group=group, laplacian=lap, shape=shape, dx=p["dx"], ndim=ndim,
                alpha=float(p["alpha"]), D_star=p["D_star"], dt=p["dt"], params=p)
    xyz = grid.coordinates_um()
    group.x_um = xyz[:, 0]
    group.y_um = xyz[:, 1]
    if ndim == 3:
        group.z_um = xyz[:, 2]
    grid.objects[:0] = [group, lap]
    return grid


def make_bath(model, concentration=0 * mmolar, overrides: dict | None = None, n: int = 1,
              name: str = "bath") -> NeuronGroup:
    """Well-mixed (bath) compartment(s): the grid equations without diffusion.

    ``concentration`` is the initial value (scalar or one per compartment). Uptake and decay
    follow the ``diffusion`` section (pass ``{'uptake': False, 'decay': 0/second}`` for a
    constant bath). Readers connect with ``Synapses(bath, target, 'L_post = C_pre : mole/meter**3
    (summed)')``.
    """
    p = _params(model, overrides)
    group = NeuronGroup(n, GRID_EQS, method="euler", dt=p["dt"], name=name)
    group.V_max, group.K_m, group.lam = p["V_max"], p["K_m"], p["decay"]
    group.uptake_on = 1.0 if p["uptake"] else 0.0
    group.C = concentration
    return group


def point_source_analytic(r, t, amount, alpha, D_star, ndim: int = 3, k=0 / second,
                          thickness=None):
    """Concentration at distance ``r`` and time ``t`` after a point release of ``amount``
    (``alpha * integral C dV = amount``) [N98]; in 2-D ``amount`` spreads over ``thickness``."""
    if ndim == 3:
        norm = alpha * (4 * np.pi * D_star * t) ** 1.5
    else:
        norm = alpha * thickness * (4 * np.pi * D_star * t)
    return amount / norm * np.exp(-r ** 2 / (4 * D_star * t) - k * t)


def mm_decay_analytic(t, C0, V_max, K_m):
    """Well-mixed Michaelis-Menten decay ``dC/dt = -V_max C/(K_m + C)``:
    ``C(t) = K_m W((C0/K_m) exp((C0 - V_max t)/K_m))`` (principal branch of Lambert W)."""
    from scipy.special import lambertw
    x = float(C0 / K_m)
    arg = x * np.exp(x - np.asarray(V_max * t / K_m, dtype=float))
    return K_m * np.real(lambertw(arg))
