"""Cell models as Brian2 equations: the two-compartment L5 pyramidal cell, PV, SOM and matrix
thalamus cells.

The L5 pyramidal cell follows Whyte et al. (2025) [W25, code github cjwhyte/LVPA], with the
apical dendrite of Naud & Sprekeler (2018) [NS18]:

* soma: Izhikevich simple model with a spike-triggered adaptation conductance;
* apical dendrite: a continuous 2-D system (no reset) with a sigmoidal regenerative calcium term
  ``g_s F(v_d)``, a slow hyperpolarising Ca-K variable ``u_d`` and a back-propagating spike
  current ``p_d`` delivered in a window after each somatic spike;
* coupling: each time step, independently, the BAP current is delivered with probability ``g_c``
  and the calcium switch is applied with probability ``g_c``. While the switch is on
  (``v_d >= v_ca``), a somatic spike resets to the burst values ``c_burst``, ``d_burst``.
  The soma receives no current from the dendrite, so ``g_c = 0`` gives exactly the soma alone.
* coupling mode: ``'fixed'`` (``g_c`` a per-neuron parameter, set by protocols and by
  neuromodulation) or ``'thalamic'`` [W25]: ``g_c`` is a state that each matrix-thalamus spike
  onto the cell sets towards 1 (``g_c += (1 - g_c)``, :mod:`spikemod.network`) and that decays
  with ``tau_gc`` (800 ms); neuromodulation acts on ``tau_gc`` (:mod:`spikemod.neuromod`).
  Single cells of a thalamic-mode group can keep a fixed ``g_c`` (``gc_dynamic = 0``), so fixed
  and thalamic coupling run side by side as circuit copies.

Interneurons and thalamic cells are Izhikevich simple models [IZ07 ch. 8]: PV (fast spiking,
W25 basket cell), SOM (low-threshold spiking, whose spike cut-off and reset depend on ``u``) and
W25's matrix thalamus (``b`` switched to 0 while ``v <= v_b_off``).

Integration: W25's own step, reproduced exactly (``sim.method = 'euler'`` and
``sim.semi_implicit = true``; checked against a NumPy transcription of W25's loop in
``tests/test_w25_reference.py``):

1. at the start of a step (``when='before_groups'``), the external Poisson counts of this step
   are added to the conductances, then every conductance (synaptic, adaptation and, in thalamic
   mode, the coupling ``g_c``) decays by one forward-Euler step ``g <- g (1 - dt/tau)``; the BAP
   gate of this step is drawn from the decayed ``g_c``. So, as in W25, a conductance acts after
   its own decay;
2. the membrane variables take one forward-Euler step (Brian2 ``euler``); the somatic voltage
   treats its conductances semi-implicitly as W25 does,
   ``v <- (v + dt/C (f(v) - u + I + sum g E)) / (1 + dt g_tot/C)``, which is forward Euler of
   ``dv/dt = (f(v) - u + I + sum g (E - v)) / (C + dt g_tot)`` (the form written below);
3. the calcium switch is drawn from the new ``v_d`` (``when='before_thresholds'``,
   :data:`CALCIUM_CODE`) and used by a reset in the same step, which is the state W25 uses for a spike detected at the start of its
   next step;
4. threshold, synaptic transmission (no delay: W25 applies a spike in the next step) and reset.

A somatic spike is detected one step earlier in Brian2's schedule than in W25's (end of step vs.
start of the next), so W25's BAP window, steps ``t+5 ... t+25`` inclusive after the detection
step (21 steps at 0.1 ms), is ``bap_delay + dt <= t - t_spike <= bap_delay + bap_width + dt``
here; as in W25 the windows of two spikes less than 2.5 ms apart add up (both the last and the
previous spike time are kept). With ``sim.semi_implicit = false`` the soma is integrated explicitly (any Brian2 method).

Parameters: those that neuromodulation writes per cell (:data:`spikemod.neuromod.EFFECTS`:
``g_c``, ``tau_gc``, ``g_Ld``, ``vr``, ``vt``, ``d``, ``d_burst``, ``tau_nmda``), the injected
currents and the per-cell coupling settings are per-neuron variables; every other cell
parameter (:data:`HOMOGENEOUS`) is one ``(shared)`` value per group, set from the model file
and still changeable between runs (``--set``, compile-once run values), which saves its
per-neuron load and lets Brian2 compute ``dt/tau`` and the like once per step instead of per
cell (issue 14). ``per_neuron=("C", ...)`` keeps chosen ones per neuron, for heterogeneity.
"""

from __future__ import annotations

import numpy as np
from brian2 import NeuronGroup, ms, second

__all__ = [
    "SOMA_EQS", "DEND_EQS", "IZHIKEVICH_EQS", "conductance_eqs", "decay_code",
    "make_pyramidal", "make_soma_only", "make_interneuron", "make_thalamus",
    "set_parameters", "COUPLING_MODES", "HOMOGENEOUS",
]

COUPLING_MODES = ("fixed", "thalamic")

#: Izhikevich soma with spike-triggered adaptation conductance [W25]; ``{g_syn}`` is the
#: summed synaptic conductance and ``{implicit}`` 1 for W25's semi-implicit step (else 0)
SOMA_EQS = """
dv/dt = (k*(v - vr)*(v - vt) - u + I_soma {soma_syn} + g_adapt*(E_adapt - v)) / (C + {implicit}*dt*(g_adapt {g_syn})) : volt
du/dt = a*(b*(v - vr) - u) : amp
g_adapt : siemens             # adaptation conductance (decays at the start of the step)
I_soma : amp                  # injected somatic current
C : farad
k : siemens/volt
vr : volt
vt : volt
v_peak : volt
a : 1/second
b : siemens
c : volt                      # regular-spiking reset
d : amp                       # regular-spiking adaptation jump
c_burst : volt                # reset while the calcium switch is on
d_burst : amp
dg_adapt : siemens
tau_adapt : second
E_adapt : volt
burst : 1                     # calcium switch on this step (0 or 1)
"""

#: Apical dendrite and BAP window [W25, NS18]; the draws: step statements / CALCIUM_CODE
DEND_EQS = """
dv_d/dt = (-g_Ld*(v_d - E_L) + g_s*F_ca + bap_gate*p_d*BAP + u_d + I_dend {dend_syn}) / C_d : volt
du_d/dt = a_d*(b_d*(v_d - E_L) - u_d) : amp
F_ca = 1/(1 + exp((E_d - v_d)/D_d)) : 1
BAP = clip(int(abs(t - t_spike - bap_centre) < bap_reach) + int(abs(t - t_spike_prev - bap_centre) < bap_reach), 0, 1) : 1
bap_centre = bap_delay + dt + 0.5*bap_width : second
bap_reach = 0.5*(bap_width + dt) : second
I_dend : amp                  # injected dendritic current
t_spike : second              # time of the last somatic spike
t_spike_prev : second         # and of the one before (W25's windows of two close spikes overlap)
bap_gate : 1                  # BAP delivered this step (0 or 1)
g_c : 1                       # coupling probability
burst_steps : 1               # steps with the calcium switch on since t_measure
t_measure : second (shared)
C_d : farad
g_Ld : siemens
E_L : volt
E_d : volt
D_d : volt
g_s : amp
p_d : amp
a_d : 1/second
b_d : siemens
v_ca : volt
bap_delay : second
bap_width : second
"""

#: thalamic coupling: g_c decays with tau_gc (set towards 1 by thalamic spikes, network.py)
THALAMIC_COUPLING_EQS = """
tau_gc : second               # decay of the thalamus-driven coupling [W25: 800 ms]
gc_dynamic : 1 (constant)     # 1: thalamus-driven (W25); 0: this cell keeps g_c = gc_fixed
gc_fixed : 1 (constant)       # the coupling of a cell with gc_dynamic = 0
"""

#: calcium switch, drawn after integration (W25: rand < g_syn_coupling, its second draw)
CALCIUM_CODE = """
burst = int(v_d >= v_ca) * int(rand() < g_c)
burst_steps += burst * int(t >= t_measure)
"""

PYRAMIDAL_RESET = """
v = c + burst*(c_burst - c)
u += d + burst*(d_burst - d)
g_adapt += dg_adapt
t_spike_prev = t_spike
t_spike = t
"""

#: Izhikevich simple model for PV, SOM [IZ07 ch. 8] and matrix thalamus [W25] cells;
#: ``{b_gate}`` is ``int(v > v_b_off)`` for the thalamus (W25: b = 0 while v <= -65 mV)
IZHIKEVICH_EQS = """
dv/dt = (k*(v - vr)*(v - vt) - u + I_soma {soma_syn}) / (C + {implicit}*dt*({g_syn})) : volt
du/dt = a*(b{b_gate}*(v - vr) - u) : amp
I_soma : amp
C : farad
k : siemens/volt
vr : volt
vt : volt
v_peak : volt
v_peak_u : volt/amp           # spike cut-off v_peak + v_peak_u*u (SOM: -0.1 mV/pA)
a : 1/second
b : siemens
c : volt
c_u : volt/amp                # reset c + c_u*u (SOM: 0.04 mV/pA)
d : amp
"""


def conductance_eqs(suffix: str, voltage: str, soma: bool = False) -> str:
    """AMPA, NMDA (magnesium gate on ``voltage``) and GABA_A conductances of one compartment.

    Instantaneous rise, exponential decay [W25]. Synapses increment ``g_ampa{suffix}`` etc.; the
    compartment's current is ``I_syn{suffix}`` and its total conductance ``g_syn{suffix}``
    (NMDA weighted by the magnesium gate, as W25's ``g_syn_tot``). The magnesium gate is
    B(v) = x^2/(1 + x^2), x = (v + mg_v_offset)/mg_v_scale [W25]. The decay is applied at the
    start of each step (:func:`decay_code`).

    A somatic compartment (``soma=True``) keeps the external (Poisson) NMDA conductance
    ``g_nmda_x{suffix}`` apart from the recurrent one, because W25's rivalry simulator
    (LVBR/ThalamoCorticalNetSimulator.m) caps each gated NMDA conductance separately,
    ``min(B g_NMDA, 85 nS)`` and ``min(B I_ext_NMDA, 85 nS)``: ``nmda_cap`` (``synapses`` section;
    infinite in the threshold-detection simulator and by default).
    """
    s, v = suffix, voltage
    if soma:
        nmda = f"(clip(B_mg{s}*g_nmda{s}, 0*nS, nmda_cap) + clip(B_mg{s}*g_nmda_x{s}, 0*nS, nmda_cap))"
        extra = f"g_nmda_x{s} : siemens\nnmda_cap : siemens\n"
    else:
        nmda, extra = f"B_mg{s}*g_nmda{s}", ""
    return f"""
I_syn{s} = g_ampa{s}*(E_ampa - {v}) + {nmda}*(E_nmda - {v}) + g_gaba{s}*(E_gaba - {v}) : amp
g_syn{s} = g_ampa{s} + {nmda} + g_gaba{s} : siemens
B_mg{s} = ((({v} + mg_v_offset)/mg_v_scale)**2) / (1 + (({v} + mg_v_offset)/mg_v_scale)**2) : 1
g_ampa{s} : siemens
g_nmda{s} : siemens
g_gaba{s} : siemens
""" + extra


def decay_code(suffix: str, soma: bool = False) -> str:
    """One forward-Euler decay step of a compartment's conductances (W25: before they act)."""
    s = suffix
    return (f"g_ampa{s} = g_ampa{s}*(1 - dt/tau_ampa)\n"
            f"g_nmda{s} = g_nmda{s}*(1 - dt/tau_nmda)\n"
            + (f"g_nmda_x{s} = g_nmda_x{s}*(1 - dt/tau_nmda)\n" if soma else "")
            + f"g_gaba{s} = g_gaba{s}*(1 - dt/tau_gaba)\n")


SYNAPSE_PARAMS = """
tau_ampa : second
E_ampa : volt
tau_nmda : second
E_nmda : volt
mg_v_offset : volt
mg_v_scale : volt
tau_gaba : second
E_gaba : volt
"""


#: cell parameters held as one shared value per group (the same in every cell of a population
#: and written per cell by no protocol or neuromodulation; :data:`spikemod.neuromod.EFFECTS`
#: targets stay per neuron); ``per_neuron`` of the cell factories keeps chosen ones per cell.
#: The reset values ``c``, ``c_burst`` stay per neuron: they are read only at a spike, and
#: brian2cuda's reset kernel declares a shared variable twice when it is also part of a
#: loop-invariant term (``c_burst - c``), which does not compile
HOMOGENEOUS = frozenset((
    "C", "k", "v_peak", "a", "b", "dg_adapt", "tau_adapt", "E_adapt",                   # soma
    "C_d", "E_L", "E_d", "D_d", "g_s", "p_d", "a_d", "b_d", "v_ca", "bap_delay",        # dendrite
    "bap_width",
    "v_peak_u", "c_u", "v_b_off",                                  # Izhikevich interneurons
    "tau_ampa", "E_ampa", "E_nmda", "mg_v_offset", "mg_v_scale", "tau_gaba", "E_gaba",
    "nmda_cap",                                                     # synapses (not tau_nmda)
))


def _shared_parameters(eqs: str, per_neuron=()) -> str:
    """``eqs`` with the parameters of :data:`HOMOGENEOUS` (less ``per_neuron``) flagged
    ``(shared)``: a parameter line ``name : unit  # comment`` becomes ``name : unit (shared)``."""
    unknown = set(per_neuron) - HOMOGENEOUS
    if unknown:
        raise ValueError(f"per_neuron {sorted(unknown)} is not allowed (allowed: "
                         f"{', '.join(sorted(HOMOGENEOUS))}; the others are per neuron)")
    out = []
    for line in eqs.splitlines():
        body, hash_, comment = line.partition("#")
        name, colon, unit = body.partition(":")
        name = name.strip()
        if colon and name in HOMOGENEOUS and name not in per_neuron and "(" not in unit:
            line = f"{name} : {unit.strip()} (shared)" + (f"  # {comment.strip()}" if hash_ else "")
        out.append(line)
    return "\n".join(out)


def set_parameters(group, values: dict, names=None) -> None:
    """Set the group's per-neuron parameters from ``{name: quantity}`` (only names it has)."""
    for name, value in values.items():
        if names is not None and name not in names:
            continue
        if name in group.variables and not group.variables[name].read_only:
            setattr(group, name, value)


def _method(model):
    return model["sim.method"]


def _implicit(model) -> str:
    return "1" if bool(model["sim.semi_implicit"]) else "0"


def make_pyramidal(n: int, model, synaptic: bool = False, name: str = "pyr",
                   extra_eqs: str = "", coupling: str = "fixed", drive_code: str = "",
                   per_neuron=(), **kwds) -> NeuronGroup:
    """A group of ``n`` two-compartment L5 pyramidal cells [W25, NS18].

    Parameters
    ----------
    n : int
        Number of cells.
    model : spikemod.params.Model
        Parameter set; sections ``soma``, ``dend``, ``coupling`` (and ``synapses``).
    synaptic : bool
        Add AMPA/NMDA/GABA_A conductances on the soma (``g_ampa_s`` ...) and on the apical
        dendrite (``g_ampa_d`` ...).
    name : str
        Brian2 name of the group.
    extra_eqs : str
        Equations added to the group (positions, a modulator signal, drive counts ...).
    coupling : {'fixed', 'thalamic'}
        ``'fixed'``: ``g_c`` is a parameter (``coupling.g_c``); ``'thalamic'`` [W25]: ``g_c``
        starts at 0, decays with ``coupling.tau_gc`` and is raised by thalamic synapses.
    drive_code : str
        Statements run at the start of every step before the conductances decay (external
        Poisson counts drawn and added to conductances, :mod:`spikemod.network`).
    per_neuron : iterable of str
        Parameters of :data:`HOMOGENEOUS` to keep per neuron (default none: one shared value
        per group), e.g. for heterogeneous cells.

    Returns
    -------
    brian2.NeuronGroup
        With ``I_soma`` and ``I_dend`` (injected currents), ``g_c``, ``burst`` (calcium switch
        this step) and ``burst_steps`` (count of switched-on steps since the shared
        ``t_measure``).

    Raises
    ------
    ValueError
        For a coupling mode other than 'fixed' or 'thalamic', or a ``per_neuron`` name not
        in :data:`HOMOGENEOUS`.

    Example
    -------
    >>> from brian2 import pA, run
    >>> from spikemod import load_model, make_pyramidal
    >>> G = make_pyramidal(1, load_model())          # doctest: +SKIP
    >>> G.I_soma = 900*pA; run(1*second)              # doctest: +SKIP
    """
    if coupling not in COUPLING_MODES:
        raise ValueError(f"coupling mode {coupling!r} is not allowed (allowed: 'fixed', "
                         "'thalamic')")
    syn_s = "+ I_syn_s" if synaptic else ""
    eqs = SOMA_EQS.format(soma_syn=syn_s, implicit=_implicit(model),
                          g_syn="+ g_syn_s" if synaptic else "")
    eqs += DEND_EQS.format(dend_syn="+ I_syn_d" if synaptic else "")
    if synaptic:
        eqs += (conductance_eqs("_s", "v", soma=True) + conductance_eqs("_d", "v_d")
                + SYNAPSE_PARAMS)
    thalamic = coupling == "thalamic"
    if thalamic:
        eqs += THALAMIC_COUPLING_EQS
    eqs = _shared_parameters(eqs, per_neuron) + extra_eqs
    step = "g_adapt = g_adapt*(1 - dt/tau_adapt)\n"
    if synaptic:
        step += decay_code("_s", soma=True) + decay_code("_d")
    if thalamic:
        step += "g_c = g_c*(1 - gc_dynamic*dt/tau_gc)\n"
    step += "bap_gate = int(rand() < g_c)\n"
    group = NeuronGroup(n, eqs, threshold="v >= v_peak", reset=PYRAMIDAL_RESET,
                        method=_method(model), name=name, **kwds)
    group.run_regularly(drive_code + step, when="before_groups", name=f"{name}_step")
    group.run_regularly(CALCIUM_CODE, when="before_thresholds", name=f"{name}_calcium")
    set_parameters(group, model.section("soma"))
    set_parameters(group, model.section("dend"))
    set_parameters(group, {k: v for k, v in model.section("coupling").items() if k != "g_c"})
    if synaptic:
        set_parameters(group, model.section("synapses"))
    group.g_c = 0 if thalamic else model["coupling.g_c"]
    if thalamic:
        group.gc_dynamic = 1
    group.v = model["soma.vr"]
    group.v_d = model["dend.E_L"]
    group.t_spike = -1 * second
    group.t_spike_prev = -1 * second
    group.t_measure = 0 * ms
    return group


def make_soma_only(n: int, model, name: str = "soma_only", per_neuron=(),
                   **kwds) -> NeuronGroup:
    """The L5 soma alone (no dendrite, calcium switch never on): the ``g_c = 0`` reference.

    Parameters
    ----------
    n : int
        Number of cells.
    model : spikemod.params.Model
        Parameter set (section ``soma``).
    name : str
        Brian2 name of the group.
    per_neuron : iterable of str
        As for :func:`make_pyramidal`.

    Returns
    -------
    brian2.NeuronGroup
        With ``I_soma`` (injected current) and the soma's state ``v``, ``g_adapt``.

    Raises
    ------
    ValueError
        For ``n < 1`` (Brian2).

    Example
    -------
    >>> from spikemod import load_model, make_soma_only, simulation
    >>> with simulation("runtime"):
    ...     G = make_soma_only(3, load_model())
    >>> G.N, G.name
    (3, 'soma_only')
    """
    eqs = _shared_parameters(SOMA_EQS.format(soma_syn="", implicit=_implicit(model), g_syn=""),
                             per_neuron)
    group = NeuronGroup(n, eqs, threshold="v >= v_peak", reset=PYRAMIDAL_RESET.replace(
        "t_spike_prev = t_spike\nt_spike = t", ""),
        method=_method(model), name=name, **kwds)
    group.run_regularly("g_adapt = g_adapt*(1 - dt/tau_adapt)", when="before_groups",
                        name=f"{name}_step")
    set_parameters(group, model.section("soma"))
    group.v = model["soma.vr"]
    return group


def _izhikevich(n, model, section, synaptic, name, extra_eqs, drive_code, b_gate="",
                per_neuron=(), **kwds):
    eqs = IZHIKEVICH_EQS.format(soma_syn="+ I_syn" if synaptic else "",
                                implicit=_implicit(model) if synaptic else "0",
                                g_syn="g_syn" if synaptic else "0*nS", b_gate=b_gate)
    if synaptic:
        eqs += conductance_eqs("", "v", soma=True) + SYNAPSE_PARAMS
    if b_gate:
        eqs += "v_b_off : volt\n"
    eqs = _shared_parameters(eqs, per_neuron) + extra_eqs
    group = NeuronGroup(n, eqs, threshold="v >= v_peak + v_peak_u*u",
                        reset="v = c + c_u*u\nu += d", method=_method(model),
                        name=name, **kwds)
    if synaptic:
        group.run_regularly(drive_code + decay_code("", soma=True), when="before_groups",
                            name=f"{name}_step")
    set_parameters(group, model.section(section))
    if synaptic:
        set_parameters(group, model.section("synapses"))
    group.v = model[f"{section}.vr"]
    return group


def make_interneuron(n: int, model, kind: str, synaptic: bool = False, name: str | None = None,
                     extra_eqs: str = "", drive_code: str = "", per_neuron=(),
                     **kwds) -> NeuronGroup:
    """A group of ``n`` interneurons; ``kind`` is ``'pv'`` or ``'som'`` (a model section).

    Parameters
    ----------
    n : int
        Number of cells.
    model : spikemod.params.Model
    kind : {'pv', 'som'}
        PV: fast-spiking W25 basket cell (soma-targeting); SOM: IZ07 low-threshold spiking
        cell (dendrite-targeting).
    synaptic : bool
        Add AMPA/NMDA/GABA_A conductances.
    name : str, optional
        Brian2 name (default ``kind``).
    extra_eqs, drive_code, per_neuron
        As for :func:`make_pyramidal`.

    Returns
    -------
    brian2.NeuronGroup
        Izhikevich cells with ``I_soma`` (injected current).

    Raises
    ------
    ValueError
        For another ``kind``, or ``n < 1`` (Brian2).

    Example
    -------
    >>> from spikemod import load_model, make_interneuron, simulation
    >>> with simulation("runtime"):
    ...     pv = make_interneuron(2, load_model(), "pv")
    >>> pv.N, pv.name
    (2, 'pv')
    """
    if kind not in ("pv", "som"):
        raise ValueError(f"interneuron kind {kind!r} is not allowed (allowed: 'pv', 'som')")
    return _izhikevich(n, model, kind, synaptic, name or kind, extra_eqs, drive_code,
                       per_neuron=per_neuron, **kwds)


def make_thalamus(n: int, model, name: str = "thal", extra_eqs: str = "", per_neuron=(),
                  **kwds) -> NeuronGroup:
    """W25's non-specific matrix thalamus: Izhikevich cells whose ``b`` is 0 while
    ``v <= v_b_off`` (section ``thalamus``), with AMPA/NMDA/GABA_A conductances.

    Parameters
    ----------
    n : int
        Number of thalamic cells.
    model : spikemod.params.Model
    name : str
        Brian2 name of the group.

    Returns
    -------
    brian2.NeuronGroup
        ``I_soma`` is the injected current (W25's ``thal_perturbation``).
    """
    return _izhikevich(n, model, "thalamus", True, name,
                       extra_eqs, "", b_gate="*int(v > v_b_off)",
                       per_neuron=per_neuron, **kwds)


def rheobase_analytic(model) -> float:
    """Somatic rheobase without adaptation, (k (vt - vr) + b)^2 / (4 k), in amp [W25]."""
    k, vt, vr, b = (model[f"soma.{x}"] for x in ("k", "vt", "vr", "b"))
    return float((k * (vt - vr) + b) ** 2 / (4 * k))


def grid_values(*axes):
    """Cartesian grid of 1-D arrays, flattened: one array per axis, one entry per neuron."""
    mesh = np.meshgrid(*[np.asarray(a, dtype=float) for a in axes], indexing="ij")
    return [m.ravel() for m in mesh]
