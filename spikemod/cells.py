"""Cell models as Brian2 equations: the two-compartment L5 pyramidal cell, PV and SOM cells.

The L5 pyramidal cell follows Whyte et al. (2025) [W25], with the apical dendrite of Naud &
Sprekeler (2018) [NS18]:

* soma: Izhikevich simple model with a spike-triggered adaptation conductance;
* apical dendrite: a continuous 2-D system (no reset) with a sigmoidal regenerative calcium term
  ``g_s F(v_d)``, a slow hyperpolarising Ca-K variable ``u_d`` and a back-propagating spike
  current ``p_d`` delivered in a window that opens ``bap_delay`` after each somatic spike and
  lasts ``bap_width``;
* coupling: each time step, independently, the BAP current is delivered with probability ``g_c``
  and the calcium switch is applied with probability ``g_c``. While the switch is on
  (``v_d >= v_ca``), a somatic spike resets to the burst values ``c_burst``, ``d_burst``.
  The soma receives no current from the dendrite, so ``g_c = 0`` gives exactly the soma alone.

Interneurons are Izhikevich simple models [IZ07 ch. 8]: PV (fast spiking, W25 basket cell) and
SOM (low-threshold spiking, whose spike cut-off and reset depend on ``u``).

Every parameter is a per-neuron variable of the group, set from the model file, so heterogeneity
and neuromodulation can act on single neurons. All groups integrate with the model's
``sim.method`` (default forward Euler at 0.1 ms, as W25).

Timing of the coupling (a free choice, kept close to W25's MATLAB loop): the Bernoulli draws are
made once per step after integration (``when='before_thresholds'``). The calcium switch drawn
there is used by a reset in the same step, which is the state W25 uses for a spike detected at
the start of its next step; the BAP draw gates the next step's integration. The BAP window is
``bap_delay <= t - t_spike < bap_delay + bap_width`` (20 steps of 0.1 ms by default).
"""

from __future__ import annotations

import numpy as np
from brian2 import NeuronGroup, ms, second

__all__ = [
    "SOMA_EQS", "DEND_EQS", "INTERNEURON_EQS", "conductance_eqs",
    "make_pyramidal", "make_soma_only", "make_pv", "make_som", "make_interneuron",
    "set_parameters",
]

#: Izhikevich soma with spike-triggered adaptation conductance [W25]
SOMA_EQS = """
dv/dt = (k*(v - vr)*(v - vt) - u + I_soma {soma_syn} + g_adapt*(E_adapt - v)) / C : volt
du/dt = a*(b*(v - vr) - u) : amp
dg_adapt/dt = -g_adapt/tau_adapt : siemens
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

#: Apical dendrite and BAP window [W25, NS18]; the draws live in ``COUPLING_CODE``
DEND_EQS = """
dv_d/dt = (-g_Ld*(v_d - E_L) + g_s*F_ca + bap_gate*p_d*BAP + u_d + I_dend {dend_syn}) / C_d : volt
du_d/dt = a_d*(b_d*(v_d - E_L) - u_d) : amp
F_ca = 1/(1 + exp((E_d - v_d)/D_d)) : 1
BAP = int(t - t_spike > bap_delay - 0.5*dt) * int(t - t_spike < bap_delay + bap_width - 0.5*dt) : 1
I_dend : amp                  # injected dendritic current
t_spike : second              # time of the last somatic spike
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

#: Per-step Bernoulli draws of the coupling (W25: rand <= g_syn_coupling, twice per step)
COUPLING_CODE = """
burst = int(v_d >= v_ca) * int(rand() < g_c)
bap_gate = int(rand() < g_c)
burst_steps += burst * int(t >= t_measure)
"""

PYRAMIDAL_RESET = """
v = c + burst*(c_burst - c)
u += d + burst*(d_burst - d)
g_adapt += dg_adapt
t_spike = t
"""

#: Izhikevich simple model for PV and SOM cells [IZ07 ch. 8]
INTERNEURON_EQS = """
dv/dt = (k*(v - vr)*(v - vt) - u + I_soma {soma_syn}) / C : volt
du/dt = a*(b*(v - vr) - u) : amp
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


def conductance_eqs(suffix: str, voltage: str) -> str:
    """AMPA, NMDA (magnesium gate on ``voltage``) and GABA_A conductances of one compartment.

    Instantaneous rise, exponential decay [W25]. Synapses increment ``g_ampa{suffix}`` etc.; the
    compartment's current is ``I_syn{suffix}``. The magnesium gate is
    B(v) = x^2/(1 + x^2), x = (v + mg_v_offset)/mg_v_scale [W25].
    """
    s, v = suffix, voltage
    return f"""
I_syn{s} = g_ampa{s}*(E_ampa - {v}) + g_nmda{s}*B_mg{s}*(E_nmda - {v}) + g_gaba{s}*(E_gaba - {v}) : amp
B_mg{s} = ((({v} + mg_v_offset)/mg_v_scale)**2) / (1 + (({v} + mg_v_offset)/mg_v_scale)**2) : 1
dg_ampa{s}/dt = -g_ampa{s}/tau_ampa : siemens
dg_nmda{s}/dt = -g_nmda{s}/tau_nmda : siemens
dg_gaba{s}/dt = -g_gaba{s}/tau_gaba : siemens
"""


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


def set_parameters(group, values: dict, names=None) -> None:
    """Set the group's per-neuron parameters from ``{name: quantity}`` (only names it has)."""
    for name, value in values.items():
        if names is not None and name not in names:
            continue
        if name in group.variables:
            setattr(group, name, value)


def _method(model):
    return model["sim.method"]


def make_pyramidal(n: int, model, synaptic: bool = False, name: str = "pyr",
                   extra_eqs: str = "", **kwds) -> NeuronGroup:
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

    The group has ``I_soma`` and ``I_dend`` (injected currents), ``g_c`` (coupling probability),
    ``burst`` (calcium switch this step) and ``burst_steps`` (count of switched-on steps since
    the shared ``t_measure``). ``extra_eqs`` adds equations (e.g. positions, a modulator
    signal, second messengers) to the group.
    """
    eqs = SOMA_EQS.format(soma_syn="+ I_syn_s" if synaptic else "")
    eqs += DEND_EQS.format(dend_syn="+ I_syn_d" if synaptic else "")
    if synaptic:
        eqs += conductance_eqs("_s", "v") + conductance_eqs("_d", "v_d") + SYNAPSE_PARAMS
    eqs += extra_eqs
    group = NeuronGroup(n, eqs, threshold="v >= v_peak", reset=PYRAMIDAL_RESET,
                        method=_method(model), name=name, **kwds)
    group.run_regularly(COUPLING_CODE, when="before_thresholds", name=f"{name}_coupling")
    set_parameters(group, model.section("soma"))
    set_parameters(group, model.section("dend"))
    set_parameters(group, model.section("coupling"))
    if synaptic:
        set_parameters(group, model.section("synapses"))
    group.v = model["soma.vr"]
    group.v_d = model["dend.E_L"]
    group.t_spike = -1 * second
    group.t_measure = 0 * ms
    return group


def make_soma_only(n: int, model, name: str = "soma_only", **kwds) -> NeuronGroup:
    """The L5 soma alone (no dendrite, calcium switch never on): the ``g_c = 0`` reference."""
    eqs = SOMA_EQS.format(soma_syn="")
    group = NeuronGroup(n, eqs, threshold="v >= v_peak", reset=PYRAMIDAL_RESET.replace(
        "t_spike = t", ""), method=_method(model), name=name, **kwds)
    set_parameters(group, model.section("soma"))
    group.v = model["soma.vr"]
    return group


def make_interneuron(n: int, model, kind: str, synaptic: bool = False, name: str | None = None,
                     extra_eqs: str = "", **kwds) -> NeuronGroup:
    """A group of ``n`` interneurons; ``kind`` is ``'pv'`` or ``'som'`` (a model section).

    ``extra_eqs`` adds equations to the group (as for :func:`make_pyramidal`).
    """
    if kind not in ("pv", "som"):
        raise ValueError(f"interneuron kind {kind!r} is not allowed (allowed: 'pv', 'som')")
    eqs = INTERNEURON_EQS.format(soma_syn="+ I_syn" if synaptic else "")
    if synaptic:
        eqs += conductance_eqs("", "v") + SYNAPSE_PARAMS
    eqs += extra_eqs
    group = NeuronGroup(n, eqs, threshold="v >= v_peak + v_peak_u*u",
                        reset="v = c + c_u*u\nu += d", method=_method(model),
                        name=name or kind, **kwds)
    set_parameters(group, model.section(kind))
    if synaptic:
        set_parameters(group, model.section("synapses"))
    group.v = model[f"{kind}.vr"]
    return group


def make_pv(n: int, model, **kwds) -> NeuronGroup:
    """Fast-spiking PV basket cells (soma-targeting) [W25, IZ07]."""
    return make_interneuron(n, model, "pv", **kwds)


def make_som(n: int, model, **kwds) -> NeuronGroup:
    """Low-threshold-spiking SOM cells (dendrite-targeting) [IZ07 LTS]."""
    return make_interneuron(n, model, "som", **kwds)


def rheobase_analytic(model) -> float:
    """Somatic rheobase without adaptation, (k (vt - vr) + b)^2 / (4 k), in amp [W25]."""
    k, vt, vr, b = (model[f"soma.{x}"] for x in ("k", "vt", "vr", "b"))
    return float((k * (vt - vr) + b) ** 2 / (4 * k))


def grid_values(*axes):
    """Cartesian grid of 1-D arrays, flattened: one array per axis, one entry per neuron."""
    mesh = np.meshgrid(*[np.asarray(a, dtype=float) for a in axes], indexing="ij")
    return [m.ravel() for m in mesh]
