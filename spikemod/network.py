"""The L5 microcircuit: pyramidal, PV and SOM populations, compartment-targeted synapses,
Gaussian connectivity on a ring or a 2-D sheet, Poisson drive and E->E plasticity [W25].

Populations and targets (MODEL.md s3):

* E->E onto the pyramidal soma (AMPA + NMDA), E->PV and E->SOM (AMPA + NMDA);
* PV->E onto the soma (GABA_A), SOM->E onto the apical dendrite (GABA_A);
* feed-forward Poisson drive onto the pyramidal soma (AMPA + NMDA; weak onto interneurons,
  W25's W_FF = 0.02), feedback / top-down Poisson drive onto the apical dendrite (AMPA + NMDA).
  The NMDA magnesium gate uses the voltage of the compartment the synapse lands on
  (:func:`spikemod.cells.conductance_eqs`).

Geometry (``connectivity.geometry``):

* ``ring`` [W25]: neurons evenly spaced on the unit circle, distance = chord, connection
  probability ``X_p`` (1 = W25's all-to-all) and weight
  ``J = A exp(-0.5 (d/sigma)^2) / (sigma sqrt(2 pi))`` (nS);
* ``sheet`` (scalable): positions uniform in a square of side ``sheet.side`` with periodic
  boundaries, probability ``p exp(-0.5 (d/sigma)^2)`` and weight ``w_peak exp(-0.5 (d/sigma)^2)``
  from the same kernel; ``w_peak`` keeps the expected summed conductance onto a neuron equal to
  that of the W25 ring (``sheet.ring_n_exc``/``ring_n_inh`` cells), so the operating point does
  not move with network size while the synapse count grows only linearly.

Matrix thalamus [W25]: ``ceil(n_exc/pocket_size)`` Izhikevich cells per copy; each receives E->th
AMPA (``ETh_w``) from its pocket of ``pocket_size`` consecutive pyramidal cells and projects AMPA +
NMDA (``ThD_w``) onto their apical dendrites. In ``coupling='thalamic'`` mode each thalamic spike
also sets the coupling ``g_c += (1 - g_c)`` (decay ``coupling.tau_gc``, :mod:`spikemod.cells`).

Drive is W25's: Poisson counts per time step (``poissrnd(rate*DT)``), one source per target
neuron with its own rate, added to the conductances at the start of the step, so stimulus
selectivity is a rate profile over the ring/sheet (:meth:`Microcircuit.selective_rates`,
:func:`w25_selectivity`) and rates can be changed between runs (``mc.drive[key].rates = ...``,
:class:`PoissonDrive`). Each count is drawn inside the cell's own step block with one ``rand()``
by inversion of the Poisson distribution function (:func:`poisson_count_code`; its value
``exp(-rate dt)`` is computed when the rate is set), so the drive adds no code object and no
group; with ``shared_inputs`` the counts are drawn the same way in source groups that the copies
of a set share (:func:`drive_source`). ``eyes=True`` adds W25's rivalry input (two shared trains
per copy, ramped rate, Brian2's ``poisson()``).

Plasticity on E->E (``stdp`` section; MODEL.md s3): pair-based all-to-all traces with
``A_+ = A_plus w_max``, ``A_- = A_minus_ratio A_+`` and hard bounds ``[0, w_max]``. The plastic
variable ``w`` is the AMPA weight; NMDA follows at the fixed ratio ``EE_nmda_scale/EE_ampa_scale``.
Three-factor form (``stdp.three_factor``; Izhikevich 2007 distal reward [I07]): the STDP pairings
write an eligibility trace ``elig`` (decay ``tau_c``) and ``dw/dt = c M / tau_s`` with ``M`` the
postsynaptic cell's ``modulator`` variable (set by the protocol or by the neuromodulation layer);
the bounds are applied when the synapse transmits (``w`` is clipped before it is used).

``copies > 1`` builds that many independent replicas of the circuit in the same groups
(block-diagonal connectivity): protocols use it to simulate conditions side by side in one run
and one build. With ``shared_inputs`` the replicas are not independent but common random
numbers: copies share the drive spike trains and one draw of the connectivity, so conditions
differ only by what the protocol changes (and the cells' own coupling draws).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import Network, NeuronGroup, Synapses, linked_var, ms, nS

from spikemod.cells import make_interneuron, make_pyramidal, make_thalamus

__all__ = ["Microcircuit", "build_microcircuit", "ring_kernel", "STDP_PARAMS", "w25_selectivity",
           "drive_source", "thalamic_pockets", "PoissonDrive", "poisson_count_code",
           "POISSON_LAM_MAX", "POISSON_TERMS"]

#: variables every microcircuit neuron carries: position (ring: unit circle; sheet: fraction
#: of the side) and the neuromodulatory signal read by three-factor plasticity
POSITION_EQS = """
x : 1 (constant)
y : 1 (constant)
copy : integer (constant)
modulator : 1
"""

STDP_PARAMS = """
r_nmda : 1 (shared, constant)
A_plus : siemens (shared, constant)
A_minus : siemens (shared, constant)
w_max : siemens (shared, constant)
tau_plus : second (shared, constant)
tau_minus : second (shared, constant)
dapre/dt = -apre/tau_plus : siemens (event-driven)
dapost/dt = -apost/tau_minus : siemens (event-driven)
"""

#: pair-based STDP (all-to-all traces, hard bounds)
STDP_PRE = """
g_ampa_s_post += w
g_nmda_s_post += r_nmda*w
apre += A_plus
w = clip(w - apost, 0*nS, w_max)
"""
STDP_POST = """
apost += A_minus
w = clip(w + apre, 0*nS, w_max)
"""

#: three-factor form: pairings write the eligibility trace, the modulator turns it into dw
THREE_FACTOR_EQS = """
delig/dt = -elig/tau_c : siemens (clock-driven)
dw/dt = elig*modulator_post/tau_s : siemens (clock-driven)
tau_c : second (shared, constant)
tau_s : second (shared, constant)
"""
THREE_FACTOR_PRE = """
w = clip(w, 0*nS, w_max)
g_ampa_s_post += w
g_nmda_s_post += r_nmda*w
apre += A_plus
elig -= apost
"""
THREE_FACTOR_POST = """
apost += A_minus
elig += apre
"""


def ring_kernel(d, A, sigma):
    """W25 Gaussian ring weight ``A exp(-0.5 (d/sigma)^2) / (sigma sqrt(2 pi))``."""
    return A * np.exp(-0.5 * (np.asarray(d) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))


def _ring_total(A, sigma, n):
    """Summed ring weight onto the first neuron of a W25 ring of ``n`` cells
    (``linspace(0, 2 pi, n)``, self-connection included)."""
    theta = np.linspace(0, 2 * np.pi, n)
    chord = 2 * np.abs(np.sin(theta / 2))
    return float(np.sum(ring_kernel(chord, A, sigma)))


@dataclass
class Microcircuit:
    """Handle of a built microcircuit (all Brian2 objects; add ``objects`` to a Network)."""

    model: object
    geometry: str
    copies: int
    sizes: dict
    pyr: object
    pv: object
    som: object
    synapses: dict
    drive: dict
    positions: dict
    plastic: bool
    three_factor: bool
    objects: list = field(default_factory=list)
    shared_inputs: int | None = None
    thal: object = None
    coupling: str = "fixed"

    def network(self, *extra) -> Network:
        """A Brian2 Network holding the circuit and ``extra`` objects (monitors ...)."""
        return Network(*self.objects, *extra)

    def synapse_count(self, key: str) -> int:
        """Number of synapses of pathway ``key``, known before a standalone build only when the
        connectivity is deterministic (ring with probability 1); otherwise from the built object
        in runtime mode."""
        syn = self.synapses[key]
        try:
            return len(syn)
        except Exception:   # standalone: not built yet
            pass
        path = {"EE": "EE", "EPV": "EI", "ESOM": "EI", "PVE": "IE", "SOME": "IE"}[key]
        if self.geometry != "ring" or float(self.model[f"connectivity.{path}_p"]) < 1:
            raise ValueError(f"the number of {key} synapses of a random circuit is not known "
                             "before a standalone build; use a ring with probability 1")
        pre, post = {"EE": ("pyr", "pyr"), "EPV": ("pyr", "pv"), "ESOM": ("pyr", "som"),
                     "PVE": ("pv", "pyr"), "SOME": ("som", "pyr")}[key]
        n_pre, n_post = self.sizes[pre], self.sizes[post]
        return self.copies * n_pre * n_post

    @property
    def populations(self) -> dict:
        """``{name: group}`` of the populations that exist (size > 0)."""
        return {k: g for k, g in (("pyr", self.pyr), ("pv", self.pv), ("som", self.som),
                                  ("thal", self.thal)) if g is not None}

    def distance(self, pop: str, center) -> np.ndarray:
        """Distance of each cell of one copy of ``pop`` from ``center`` (ring: angle, rad;
        sheet: um). Every copy has the same layout."""
        pos = self.positions[pop]
        if self.geometry == "ring":
            theta = np.arctan2(pos[:, 1], pos[:, 0])
            diff = np.angle(np.exp(1j * (theta - float(center))))
            return np.abs(diff)
        side = float(self.model["sheet.side"]) * 1e6  # um
        delta = np.abs(pos - np.asarray(center, float)[None, :])
        delta = np.minimum(delta, 1 - delta)
        return np.sqrt((delta ** 2).sum(axis=1)) * side

    def selective_rates(self, pop: str, rate, center, width=None):
        """Stimulus-selective Poisson rates: ``rate exp(-(dist/width)^2)`` around ``center``.

        On the ring ``width`` is in neurons as W25's ``exp(-((n - n0)/18)^2)`` (default
        ``drive.selectivity_width``), ``center`` an angle (rad); on the sheet ``width`` and
        the distance are in um, ``center`` an (x, y) pair in fractions of the side.
        """
        d = self.distance(pop, center)
        if self.geometry == "ring":
            n = self.sizes[pop]
            width = float(self.model["drive.selectivity_width"]) if width is None else width
            d = d * n / (2 * np.pi)
        return rate * np.exp(-(d / width) ** 2)


def fixed_indegree_overrides(model, n_exc, reference_n_exc=10000) -> list[str]:
    """``--set`` overrides that shrink the sheet kernel widths (fractions of the side) by
    sqrt(reference_n_exc / n_exc): the same cell density on a larger sheet, so each cell keeps
    the in-degree of the ``reference_n_exc`` sheet and synapses grow linearly with N (with the
    model's widths they grow as N^2). Peak weights follow from :func:`_kernel_params`, which
    keeps the summed conductance of the W25 ring."""
    shrink = (reference_n_exc / n_exc) ** 0.5
    return [f"sheet.{path}_sigma={float(model[f'sheet.{path}_sigma']) * shrink!r}"
            for path in ("EE", "EI", "IE")]


def _positions(n, copies, geometry, rng):
    if geometry == "ring":      # W25: theta = linspace(0, 2 pi, n) (first and last coincide)
        theta = np.linspace(0, 2 * np.pi, n)
        xy = np.column_stack([np.cos(theta), np.sin(theta)])
    else:
        xy = rng.uniform(0, 1, size=(n, 2))
    return np.tile(xy, (copies, 1)), np.repeat(np.arange(copies), n)


def _distance_expr(geometry):
    if geometry == "ring":
        return "sqrt((x_pre - x_post)**2 + (y_pre - y_post)**2)"
    # periodic square of side 1: |delta| folded into [0, 1/2]
    return ("sqrt((0.5 - abs(0.5 - abs(x_pre - x_post)))**2"
            " + (0.5 - abs(0.5 - abs(y_pre - y_post)))**2)")


def _kernel_params(model, geometry, path, n_pre):
    """(peak weight in nS, sigma, peak probability) of pathway ``path`` ('EE', 'EI', 'IE')."""
    A = float(model[f"connectivity.{path}_A"] / nS)
    sigma_ring = float(model[f"connectivity.{path}_sigma"])
    if geometry == "ring":
        return A / (sigma_ring * np.sqrt(2 * np.pi)), sigma_ring, float(model[f"connectivity.{path}_p"])
    sigma = float(model[f"sheet.{path}_sigma"])
    p = float(model[f"sheet.{path}_p"])
    n_ring = int(model["sheet.ring_n_inh" if path == "IE" else "sheet.ring_n_exc"])
    total = _ring_total(A, sigma_ring, n_ring)
    # expected sum over uniform presynaptic positions of p K(d) * w_peak K(d): K^2 integrates
    # to pi sigma^2 on the plane (sigma << side)
    expected = n_pre * p * np.pi * sigma ** 2
    return total / expected, sigma, p


def _pair_distance(geometry, pre_xy, post_xy):
    """NumPy twin of :func:`_distance_expr`: (n_pre, n_post) distances in the group's units."""
    delta = np.abs(pre_xy[:, None, :] - post_xy[None, :, :])
    if geometry != "ring":
        delta = 0.5 - np.abs(0.5 - delta)
    return np.sqrt((delta ** 2).sum(axis=2))


def _replicated_pairs(geometry, p, sigma, pre_xy, post_xy, copies, self_conn, rng,
                      repeat=True):
    """Within-copy connectivity (probability ``p K(d)``) as (i, j) index arrays of the whole
    groups, drawn in time proportional to the synapses (:func:`spikemod.connectivity.gaussian_pairs`):
    one draw repeated in every copy (``repeat``, common random numbers) or one draw per copy."""
    from spikemod.connectivity import gaussian_pairs
    n_pre, n_post = len(pre_xy), len(post_xy)
    ii, jj = [], []
    for k in range(copies):
        if k == 0 or not repeat:
            i, j = gaussian_pairs(geometry, pre_xy, post_xy, p, sigma, self_conn=self_conn,
                                  rng=rng)
        ii.append(i.astype(np.int64) + k * n_pre)
        jj.append(j.astype(np.int64) + k * n_post)
    return np.concatenate(ii), np.concatenate(jj)


def _connect(syn, model, geometry, path, n_pre_copy, n_pre, n_post, weight_vars, self_conn,
             shared=None):
    """Within-copy connectivity and kernel weights, in time proportional to the synapses.

    ``p >= 1``: every pair of the same copy (Brian2 generator syntax, runs on every device).
    ``p < 1``: ``shared = (pre_xy, post_xy, copies, rng, repeat)``; the pairs are drawn in NumPy
    (:func:`_replicated_pairs`), once and repeated in every copy when ``repeat``, else per copy.
    """
    w_peak, sigma, p = _kernel_params(model, geometry, path, n_pre_copy)
    d = _distance_expr(geometry)
    kernel = f"exp(-0.5*({d}/{float(sigma)!r})**2)"
    if p >= 1:
        n_post_copy = n_post * n_pre_copy // n_pre
        first = f"(i // {n_pre_copy})*{n_post_copy}"
        syn.connect(j=f"k for k in range({first}, {first} + {n_post_copy})"
                      + ("" if self_conn else " if k != i"))
    else:
        pre_xy, post_xy, copies, rng, repeat = shared
        i, j = _replicated_pairs(geometry, p, sigma, pre_xy, post_xy, copies, self_conn, rng,
                                 repeat=repeat)
        syn.connect(i=i, j=j)
    for var, scale in weight_vars.items():
        setattr(syn, var, f"{float(w_peak * scale)!r}*nS*{kernel}")


#: largest mean count per step drawn by inversion with one ``rand()``; a larger mean
#: ``lam = rate dt`` adds an independent Poisson remainder ``poisson(lam - POISSON_LAM_MAX)``
#: (Brian2's sampler; a sum of independent Poisson counts is Poisson, so the law stays exact).
#: 0.25 is 2.5 kHz at dt = 0.1 ms; W25's rates are at most 1.5 kHz.
POISSON_LAM_MAX = 0.25
#: inversion terms: the inverted count is cut at POISSON_TERMS, i.e. P(N > 8) at lam <= 0.25,
#: 8.4e-12 per draw (one miscounted step in ~10^11 cell-steps), is the only departure from
#: the Poisson law
POISSON_TERMS = 8


def poisson_count_code(tag: str, rate: str, p0: str) -> tuple[str, str]:
    """Abstract code drawing a Poisson count with mean ``rate*dt`` from one ``rand()``.

    Inversion of the distribution function: with ``u = rand()``, ``l = min(rate dt,
    POISSON_LAM_MAX)``, ``q_0 = exp(-l)`` (precomputed in ``p0`` when the rate is set,
    :class:`PoissonDrive`), ``q_k = q_{k-1} l / k`` and ``C_k = q_0 + ... + q_k``, the count is
    ``N = #{k < POISSON_TERMS: u >= C_k}`` (exactly Poisson(l) below the cut, see
    :data:`POISSON_TERMS`), plus Brian2's ``poisson(rate dt - l)`` for a mean above
    :data:`POISSON_LAM_MAX` (``poisson(0)`` is 0 and draws no random number in C++). Only
    Brian2 expression syntax, so it runs on every device; W25 draws ``poissrnd(rate*DT)``.

    Parameters
    ----------
    tag : str
        Suffix of the temporary names (unique per draw in one code block).
    rate, p0 : str
        Names of the rate variable (Hz) and of its ``exp(-min(rate dt, POISSON_LAM_MAX))``.

    Returns
    -------
    (str, str)
        The statements (defining the temporaries) and the expression of the count.

    Example
    -------
    >>> code, count = poisson_count_code("ff", "rates", "p0")
    >>> code.splitlines()[0], count.split(" + ")[0]
    ('pcu_ff = rand()', 'int(pcu_ff >= pcc_ff0)')
    """
    t = tag
    lines = [f"pcu_{t} = rand()", f"pcl_{t} = clip({rate}*dt, 0, {POISSON_LAM_MAX!r})",
             f"pcq_{t}0 = {p0}", f"pcc_{t}0 = pcq_{t}0"]
    for k in range(1, POISSON_TERMS):
        lines += [f"pcq_{t}{k} = pcq_{t}{k - 1}*pcl_{t}/{k}",
                  f"pcc_{t}{k} = pcc_{t}{k - 1} + pcq_{t}{k}"]
    count = (" + ".join(f"int(pcu_{t} >= pcc_{t}{k})" for k in range(POISSON_TERMS))
             + f" + poisson({rate}*dt - pcl_{t})")
    return "\n".join(lines) + "\n", count


def _p0_values(rates_Hz, dt_s):
    """``exp(-min(rate dt, POISSON_LAM_MAX))`` for rates in Hz (NumPy)."""
    return np.exp(-np.clip(np.asarray(rates_Hz, dtype=float) * dt_s, 0.0, POISSON_LAM_MAX))


class PoissonDrive:
    """One Poisson drive: its per-source ``rates`` (Hz) and their precomputed ``p0``.

    The rate variable lives in the group that draws the counts (the target cells themselves,
    or a shared source group, :func:`drive_source`). Set rates as before, ``drive.rates =
    800*Hz`` or an array with one value per source (also between runs and in standalone
    mode); ``drive.rates[:]`` reads them. Setting a rate also sets ``p0 = exp(-min(rate dt,
    POISSON_LAM_MAX))`` (:func:`poisson_count_code`); a string expression is evaluated by
    Brian2 for both. Rates are not run values of a compiled binary (``p0`` would not follow):
    set them through this handle.

    Example
    -------
    >>> from brian2 import Hz
    >>> from spikemod import build_microcircuit, load_model, simulation
    >>> model = load_model()
    >>> with simulation("runtime", dt=model["sim.dt"]):
    ...     mc = build_microcircuit(model, n_exc=9, n_pv=2, n_som=2, n_thal=0)
    ...     mc.drive["ff_pyr"].rates = 800*Hz
    ...     print(len(mc.drive["ff_pyr"]), float(mc.drive["ff_pyr"].rates[0] / Hz))
    9 800.0
    """

    def __init__(self, group, rate_var: str, p0_var: str, name: str):
        object.__setattr__(self, "group", group)
        object.__setattr__(self, "rate_var", rate_var)
        object.__setattr__(self, "p0_var", p0_var)
        object.__setattr__(self, "name", name)

    def __len__(self):
        return len(self.group)

    @property
    def rates(self):
        return getattr(self.group, self.rate_var)

    @rates.setter
    def rates(self, value):
        self.set_rates(value)

    def set_rates(self, value, index=None):
        """Set the rates (all sources, or those at ``index``) and their ``p0``."""
        group, rv, pv = self.group, self.rate_var, self.p0_var
        idx = slice(None) if index is None else index
        getattr(group, rv)[idx] = value                 # Brian2 checks the unit (Hz)
        if isinstance(value, str):
            getattr(group, pv)[idx] = f"exp(-clip({rv}*dt, 0, {POISSON_LAM_MAX!r}))"
        else:
            getattr(group, pv)[idx] = _p0_values(np.asarray(value, dtype=float),
                                                 float(group.clock.dt_))

    def __setattr__(self, key, value):
        if key == "rates":
            self.set_rates(value)
        else:
            object.__setattr__(self, key, value)

    def __repr__(self):
        return f"PoissonDrive({self.name!r}, {len(self)} sources in {self.group.name!r})"


#: a shared drive source group: per-source rate, its p0 and this step's count (drawn at the
#: start of the step, before the cells add it to their conductances)
DRIVE_SOURCE_EQS = """
rates : Hz
p0 : 1
count : 1
"""


def drive_source(n, rate, name, ramp=None):
    """``n`` Poisson sources whose ``count`` is a Poisson number of spikes per step (W25's
    ``poissrnd(rate*DT)``; more than one spike per step is possible). Cells read ``count``
    through a linked variable. Without ``ramp`` the count is drawn with one ``rand()``
    (:func:`poisson_count_code`) and the :class:`PoissonDrive` handle is returned; ``ramp``:
    the rate rises linearly from 0 over that time (W25 rivalry's 500 ms burn-in), drawn with
    Brian2's ``poisson()``, and the NeuronGroup itself is returned."""
    if ramp is None:
        src = NeuronGroup(n, DRIVE_SOURCE_EQS, name=name)
        code, count = poisson_count_code("src", "rates", "p0")
        src.run_regularly(code + f"count = {count}", when="before_groups", order=-1,
                          name=f"{name}_draw")
        drive = PoissonDrive(src, "rates", "p0", name)
        drive.rates = rate
        return drive
    src = NeuronGroup(n, "rates : Hz\ncount : 1\nramp : second (shared, constant)\n", name=name)
    src.rates = rate
    src.ramp = ramp
    src.run_regularly("count = poisson(rates*dt*clip(t/ramp, 0, 1))", when="before_groups",
                      order=-1, name=f"{name}_draw")
    return src


def w25_selectivity(n, centre, width):
    """W25's stimulus selectivity over neuron indices, ``exp(-((n - n0)/width)^2)`` with
    1-based ``n = 1 ... N`` and no wrap-around (TD_Stimulus.m, BR_Stimulus.m)."""
    idx = np.arange(1, int(n) + 1)
    return np.exp(-((idx - float(centre)) / float(width)) ** 2)


def thalamic_pockets(n_exc, pocket_size):
    """Pocket (thalamic cell) of each pyramidal cell of one copy: W25 assigns cells
    ``m*pocket_size ... m*pocket_size + pocket_size - 1`` to thalamic cell ``m``."""
    return np.arange(int(n_exc)) // int(pocket_size)


def _drive_code(targets):
    """Statements adding this step's Poisson counts to the conductances."""
    return "".join(f"{g} += {w}*({n})\n" for g, w, n in targets)


def build_microcircuit(model, *, n_exc=None, n_pv=None, n_som=None, n_thal=None, geometry=None,
                       copies=None, stdp=None, three_factor=None, rng_seed=None,
                       shared_inputs=None, coupling=None, eyes=False,
                       name: str = "mc") -> Microcircuit:
    """Build the L5 microcircuit from ``model``: W25's thalamocortical ring (pyramidal cells,
    PV basket cells, matrix thalamus) with RG25's SOM cells on top, or its 2-D sheet form.

    Parameters
    ----------
    model : spikemod.params.Model
        Sections ``connectivity``, ``sheet``, ``drive``, ``stdp``, the cell sections,
        ``thalamus`` and ``synapses``.
    n_exc, n_pv, n_som : int, optional
        Population sizes per copy (default: ``connectivity.n_exc`` ...).
    n_thal : int, optional
        Thalamic cells per copy (default ``ceil(n_exc/pocket_size)`` when
        ``connectivity.n_thal > 0``, else 0). Must cover the pockets.
    geometry : {'ring', 'sheet'}, optional
        Default ``connectivity.geometry``.
    copies : int, optional
        Independent replicas (default ``connectivity.copies``).
    stdp, three_factor : bool, optional
        E->E plasticity and its three-factor form (defaults from the ``stdp`` section).
    rng_seed : int, optional
        Seed for the sheet positions and the random connectivity (NumPy,
        :mod:`spikemod.connectivity`, drawn in time proportional to the synapses; pass it
        for a reproducible random circuit).
    shared_inputs : int, optional
        Common random numbers across copies (default None: every copy has its own drive and
        its own random connectivity). With ``s`` (a divisor of ``copies``) there are ``s``
        drive sets and copy ``c`` receives set ``c % s``: every drive source group has
        ``s x`` (cells per copy) sources, and source ``i`` drives cell ``i`` of every copy of
        its set. The connectivity is drawn once (NumPy, ``rng_seed``) and repeated in every
        copy, so copies of one set differ only in what the caller changes (and the
        pyramidal cells' own coupling draws).
    coupling : {'thalamic', 'fixed'}, optional
        Default ``coupling.mode``; 'fixed' when there is no thalamus.
    eyes : bool
        Add W25's rivalry input: two shared Poisson trains per copy (``drive['eyes']``, sources
        ``2c`` = left and ``2c + 1`` = right of copy ``c``, 500 ms linear ramp) onto the
        pyramidal somata, weighted per cell by ``sel_left``/``sel_right`` (AMPA + NMDA,
        ``drive.w_ff`` per spike).

    Returns
    -------
    Microcircuit

    Raises
    ------
    ValueError
        For an unknown geometry or coupling mode, fewer than one pyramidal cell, too few
        thalamic cells for the pockets, or ``shared_inputs`` not a divisor of ``copies``.

    Notes
    -----
    Must be called inside :func:`spikemod.device.simulation` (device and ``dt`` set). Drive
    rates start at ``drive.rate_soma`` (uniform, no selectivity) and ``drive.rate_dend``;
    set ``mc.drive[key].rates`` to change them. W25 details kept: E->E self-connections,
    no synaptic delay (``connectivity.delay_*`` = 0), E->I AMPA and NMDA with the same kernel,
    ring positions ``linspace(0, 2 pi, n)``.

    Example
    -------
    >>> from spikemod import build_microcircuit, load_model, simulation
    >>> model = load_model()
    >>> with simulation("runtime", seed=1, dt=model["sim.dt"]):
    ...     mc = build_microcircuit(model, n_exc=20, n_pv=5, n_som=5, n_thal=0)
    >>> mc.sizes, sorted(mc.populations)
    ({'pyr': 20, 'pv': 5, 'som': 5, 'thal': 0}, ['pv', 'pyr', 'som'])
    """
    geometry = geometry or model["connectivity.geometry"]
    if geometry not in ("ring", "sheet"):
        raise ValueError(f"geometry {geometry!r} is not allowed (allowed: 'ring', 'sheet')")
    copies = int(copies if copies is not None else model["connectivity.copies"])
    sizes = {"pyr": int(n_exc if n_exc is not None else model["connectivity.n_exc"]),
             "pv": int(n_pv if n_pv is not None else model["connectivity.n_pv"]),
             "som": int(n_som if n_som is not None else model["connectivity.n_som"])}
    if sizes["pyr"] < 1:
        raise ValueError(f"n_exc = {sizes['pyr']} is not allowed (at least 1 pyramidal cell)")
    from spikemod.memory import check_microcircuit
    check_microcircuit(model, sizes, geometry, copies)    # too large: one line, exit 2
    pocket = int(model["connectivity.pocket_size"])
    pockets = thalamic_pockets(sizes["pyr"], pocket)
    if n_thal is None:
        n_thal = int(pockets[-1]) + 1 if int(model["connectivity.n_thal"]) > 0 else 0
    sizes["thal"] = int(n_thal)
    if 0 < sizes["thal"] <= pockets[-1]:
        raise ValueError(f"n_thal = {sizes['thal']} is not allowed (at least "
                         f"{int(pockets[-1]) + 1} thalamic cells for {sizes['pyr']} pyramidal "
                         f"cells in pockets of {pocket})")
    coupling = coupling or (model["coupling.mode"] if sizes["thal"] else "fixed")
    if coupling == "thalamic" and not sizes["thal"]:
        raise ValueError("coupling 'thalamic' is not allowed without thalamic cells "
                         "(connectivity.n_thal = 0): use 'fixed'")
    plastic = bool(model["stdp.enabled"] if stdp is None else stdp)
    three = bool(model["stdp.three_factor"] if three_factor is None else three_factor)
    rng = np.random.default_rng(rng_seed)
    sets = copies if shared_inputs is None else int(shared_inputs)
    if sets < 1 or copies % sets:
        raise ValueError(f"shared_inputs = {shared_inputs} is not allowed (a divisor of "
                         f"copies = {copies})")

    # external Poisson drive (W25: poissrnd(rate*DT) per cell and step): one source per cell,
    # drawn in the cell's own step block (one rand() per draw, poisson_count_code), or with
    # shared_inputs counts drawn in source groups shared by the copies of a set and read
    # through linked variables; added to the conductances at the start of each step
    inline = sets == copies

    def drive_part(tag):
        """(equations, statements) giving this step's count ``n_{tag}`` of drive ``tag``."""
        if not inline:
            return f"n_{tag} : 1 (linked)\n", ""
        stmts, count = poisson_count_code(tag, f"rates_{tag}", f"p0_{tag}")
        return f"rates_{tag} : Hz\np0_{tag} : 1\n", stmts + f"n_{tag} = {count}\n"

    ff_eqs, ff_code = drive_part("ff")
    fb_eqs, fb_code = drive_part("fb")
    drive_eqs = ff_eqs + "w_ff : siemens (shared, constant)\n"
    pyr_eqs = drive_eqs + fb_eqs + "w_fb : siemens (shared, constant)\n"
    pyr_ff = "n_ff"
    if eyes:
        pyr_eqs += ("n_left : 1 (linked)\nn_right : 1 (linked)\n"
                    "sel_left : 1 (constant)\nsel_right : 1 (constant)\n")
        pyr_ff = "n_ff + sel_left*n_left + sel_right*n_right"
    pyr_drive = ff_code + fb_code + _drive_code(
        [("g_ampa_s", "w_ff", pyr_ff), ("g_nmda_x_s", "w_ff", pyr_ff),
         ("g_ampa_d", "w_fb", "n_fb"), ("g_nmda_d", "w_fb", "n_fb")])
    inh_drive = ff_code + _drive_code([("g_ampa", "w_ff", "n_ff"), ("g_nmda_x", "w_ff", "n_ff")])

    pyr = make_pyramidal(sizes["pyr"] * copies, model, synaptic=True, name=f"{name}_pyr",
                         extra_eqs=POSITION_EQS + pyr_eqs, coupling=coupling,
                         drive_code=pyr_drive)
    groups = {"pyr": pyr}
    for kind in ("pv", "som"):
        groups[kind] = (make_interneuron(sizes[kind] * copies, model, kind, synaptic=True,
                                         name=f"{name}_{kind}",
                                         extra_eqs=POSITION_EQS + drive_eqs,
                                         drive_code=inh_drive)
                        if sizes[kind] > 0 else None)
    positions = {}
    for pop, g in groups.items():
        if g is None:
            continue
        xy, copy = _positions(sizes[pop], copies, geometry, rng)
        g.x, g.y, g.copy = xy[:, 0], xy[:, 1], copy
        positions[pop] = xy[:sizes[pop]]   # the same layout in every copy
    thal = None
    if sizes["thal"]:
        thal = make_thalamus(sizes["thal"] * copies, model, name=f"{name}_thal",
                             extra_eqs="copy : integer (constant)\n")
        thal.copy = np.repeat(np.arange(copies), sizes["thal"])
    objects = [g for g in groups.values() if g is not None] + ([thal] if thal else [])

    def shared(pre, post):
        return positions[pre], positions[post], copies, rng, shared_inputs is not None

    dly = {k: model[f"connectivity.delay_{k}"] for k in ("EE", "EI", "IE")}
    ampa_ee, nmda_ee = (float(model["connectivity.EE_ampa_scale"]),
                        float(model["connectivity.EE_nmda_scale"]))
    synapses = {}

    # E -> E onto the soma (W25 keeps self-connections), optionally plastic
    if plastic:
        eqs = STDP_PARAMS + (THREE_FACTOR_EQS if three else "w : siemens\n")
        on_pre, on_post = ((THREE_FACTOR_PRE, THREE_FACTOR_POST) if three
                           else (STDP_PRE, STDP_POST))
        ee = Synapses(pyr, pyr, eqs, on_pre=on_pre, on_post=on_post, delay=dly["EE"],
                      method="euler", name=f"{name}_EE")
    else:
        ee = Synapses(pyr, pyr, "w : siemens\nr_nmda : 1 (shared, constant)",
                      on_pre="g_ampa_s_post += w\ng_nmda_s_post += r_nmda*w",
                      delay=dly["EE"], name=f"{name}_EE")
    _connect(ee, model, geometry, "EE", sizes["pyr"], sizes["pyr"] * copies,
             sizes["pyr"] * copies, {"w": ampa_ee}, self_conn=True, shared=shared("pyr", "pyr"))
    ee.r_nmda = nmda_ee / ampa_ee if ampa_ee > 0 else 0.0
    if plastic:
        w_max = model["stdp.w_max"]
        ee.w_max = w_max
        ee.A_plus = float(model["stdp.A_plus"]) * w_max
        ee.A_minus = float(model["stdp.A_plus"]) * float(model["stdp.A_minus_ratio"]) * w_max
        ee.tau_plus, ee.tau_minus = model["stdp.tau_plus"], model["stdp.tau_minus"]
        if three:
            ee.tau_c, ee.tau_s = model["stdp.tau_c"], model["stdp.tau_s"]
    synapses["EE"] = ee

    # E -> PV, E -> SOM (AMPA + NMDA)
    ei_scales = {"w_ampa": float(model["connectivity.EI_ampa_scale"]),
                 "w_nmda": float(model["connectivity.EI_nmda_scale"])}
    for kind, key in (("pv", "EPV"), ("som", "ESOM")):
        if groups[kind] is None:
            continue
        s = Synapses(pyr, groups[kind], "w_ampa : siemens\nw_nmda : siemens",
                     on_pre="g_ampa_post += w_ampa\ng_nmda_post += w_nmda",
                     delay=dly["EI"], name=f"{name}_{key}")
        _connect(s, model, geometry, "EI", sizes["pyr"], sizes["pyr"] * copies,
                 sizes[kind] * copies, ei_scales, self_conn=True, shared=shared("pyr", kind))
        synapses[key] = s

    # PV -> soma, SOM -> apical dendrite (GABA_A)
    for kind, key, target, scale in (("pv", "PVE", "g_gaba_s", 1.0),
                                     ("som", "SOME", "g_gaba_d",
                                      float(model["connectivity.SOM_scale"]))):
        if groups[kind] is None:
            continue
        s = Synapses(groups[kind], pyr, "w : siemens", on_pre=f"{target}_post += w",
                     delay=dly["IE"], name=f"{name}_{key}")
        _connect(s, model, geometry, "IE", sizes[kind], sizes[kind] * copies,
                 sizes["pyr"] * copies, {"w": scale}, self_conn=True, shared=shared(kind, "pyr"))
        synapses[key] = s

    # matrix thalamus [W25]: E -> thalamus AMPA and thalamus -> apical dendrite AMPA + NMDA
    # within pockets; in thalamic mode each thalamic spike sets the coupling towards 1
    if thal is not None:
        offs_e = np.repeat(np.arange(copies) * sizes["pyr"], sizes["pyr"])
        i_e = np.tile(np.arange(sizes["pyr"]), copies) + offs_e
        j_t = np.tile(pockets, copies) + np.repeat(np.arange(copies) * sizes["thal"], sizes["pyr"])
        eth = Synapses(pyr, thal, "w : siemens (shared, constant)", on_pre="g_ampa_post += w",
                       name=f"{name}_ETh")
        eth.connect(i=i_e, j=j_t)
        eth.w = model["connectivity.ETh_w"]
        thd_pre = "g_ampa_d_post += w\ng_nmda_d_post += w"
        if coupling == "thalamic":
            # W25: g_c += (1 - g_c) J_dend/th_d with J_dend/th_d = 1 and one thalamic cell per
            # pyramidal cell, i.e. g_c = 1 (cells with gc_dynamic = 0 keep gc_fixed)
            thd_pre += "\ng_c_post = gc_dynamic_post + (1 - gc_dynamic_post)*gc_fixed_post"
        thd = Synapses(thal, pyr, "w : siemens (shared, constant)", on_pre=thd_pre,
                       name=f"{name}_ThD")
        thd.connect(i=j_t, j=i_e)
        thd.w = model["connectivity.ThD_w"]
        synapses["ETh"], synapses["ThD"] = eth, thd
    objects += list(synapses.values())

    # Poisson drive sources (one per target cell, or per cell of a shared set)
    drive = {}
    w_ff, w_fb = model["drive.w_ff"], model["drive.w_fb"]
    pyr.w_ff, pyr.w_fb = w_ff, w_fb
    specs = [("ff_pyr", pyr, "ff", model["drive.rate_soma"]),
             ("fb_pyr", pyr, "fb", model["drive.rate_dend"])]
    for kind in ("pv", "som"):
        if groups[kind] is not None:
            groups[kind].w_ff = w_ff * float(model["drive.w_ff_inh_scale"])
            specs.append((f"ff_{kind}", groups[kind], "ff", model["drive.rate_soma"]))
    for key, target, tag, rate in specs:
        if inline:
            drive[key] = PoissonDrive(target, f"rates_{tag}", f"p0_{tag}", f"{name}_{key}")
            drive[key].rates = rate
            continue
        n_cell = len(target) // copies
        src = drive_source(n_cell * sets, rate, f"{name}_{key}")
        # cell k of copy c reads source k of set c % sets
        index = np.tile(np.arange(n_cell), copies) + np.repeat(np.arange(copies) % sets, n_cell) * n_cell
        setattr(target, f"n_{tag}", linked_var(src.group, "count", index=index))
        drive[key] = src
        objects.append(src.group)
    if eyes:
        src = drive_source(2 * copies, 0 * model["drive.rate_soma"], f"{name}_eyes",
                           ramp=500 * ms)
        c = np.repeat(np.arange(copies), sizes["pyr"])
        pyr.n_left = linked_var(src, "count", index=2 * c)
        pyr.n_right = linked_var(src, "count", index=2 * c + 1)
        drive["eyes"] = src
        objects.append(src)

    return Microcircuit(model=model, geometry=geometry, copies=copies, sizes=sizes, pyr=pyr,
                        pv=groups["pv"], som=groups["som"], synapses=synapses, drive=drive,
                        positions=positions, plastic=plastic, three_factor=three,
                        objects=objects, shared_inputs=shared_inputs, thal=thal,
                        coupling=coupling)
