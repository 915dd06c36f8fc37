"""Metaplasticity: a calcium-control plasticity rule whose modification threshold PKA lowers.

The seed chapter of MODEL.md: "neuromodulators shift the BCM threshold theta_M"; Gs -> cAMP ->
PKA phosphorylation lowers theta_M, so LTP is easier in aroused states. The rule is the
calcium-control hypothesis of Shouval, Bear & Cooper (2002) [SBC02, PNAS 99:10831], in which the
BCM modification threshold is a calcium level: NMDA-receptor calcium between ``theta_d`` and
``theta_p`` depresses a synapse, calcium above ``theta_p`` (theta_M) potentiates it. Low-frequency
trains keep calcium in the depression window, high-frequency trains sum it above theta_M: the
frequency-response curve of Dudek & Bear (1992) [DB92, PNAS 89:4363] with an LTD -> LTP
crossover.

Per plastic synapse (``Synapses`` equations, :data:`CALCIUM_RULE_EQS`, constants of the model
file's ``[metaplasticity]`` section)::

    dCa/dt = g_Ca (I_f s_f + I_s s_s) B_mg_d (E_Ca - v_d) - Ca/tau_Ca
    ds_f/dt = -s_f/tau_f,  ds_s/dt = -s_s/tau_s           (each += 1 per presynaptic spike)
    Omega  = omega_0 + sig(beta_p (Ca - s theta_p)) - omega_0 sig(beta_d (Ca - s theta_d))
    eta    = 1 / (P1/(P2 + (Ca/uM)^P3) + P4)
    dw/dt  = eta (Omega - lambda_w w)

``v_d`` and the magnesium gate ``B_mg_d`` are those of the postsynaptic cell's apical dendrite
(spikemod.cells, W25 gate), so a back-propagating spike or a dendritic calcium event unblocks
the NMDA receptors. The threshold scale ``s`` (``theta_M_scale`` of the cell) is written from
the cell's own second-messenger pool (spikemod.gpcr, one per cell) every ``gpcr.dt``::

    s = exp(-theta_PKA (PKA - PKA_ref))       (pka_theta on; s = 1 when off)

with ``PKA_ref`` the basal PKA (no modulator), so s = 1 without modulator. Gs (beta1, D1) raises
cAMP and PKA and lowers both thresholds; Gi (alpha2A, D2) does the opposite. The pool also
drives the cell effects of spikemod.neuromod (coupling, leak, threshold, NMDA decay ...), so a
modulator changes the postsynaptic response too; the switch ``metaplasticity.pka_theta``
removes only the PKA -> theta_M link.

Choices (documented, free): the stimulated pathway is one presynaptic source per cell whose
spikes add ``w_ampa``/``w_nmda`` to the dendritic AMPA/NMDA conductances; the plastic weight
``w`` is read out and does not feed back on the pathway during induction (the frequency-response
curve measures the induced change, as an LTP/LTD experiment does with its test pulses after
the train). The activity-dependent slide of SBC02's threshold (through NMDA conductance, Yeung
et al. 2004 PNAS 101:14943) acts on a time scale of hours and is not modelled: within one
experiment the threshold moves only with PKA.
"""

from __future__ import annotations

import numpy as np
from brian2 import Synapses, second, umolar

__all__ = ["CALCIUM_RULE_EQS", "CALCIUM_RULE_ON_PRE", "THETA_LINK_EQS", "CELL_EQS",
           "theta_scale", "omega", "make_calcium_synapses", "link_pka_to_theta"]

#: the calcium-control rule [SBC02] with the PKA-scaled thresholds, as Synapses equations
CALCIUM_RULE_EQS = """
dCa/dt = J_Ca - Ca/tau_Ca : mole/meter**3 (clock-driven)          # NMDA calcium above rest
J_Ca = g_Ca*(I_f*s_f + I_s*s_s)*B_mg_d_post*(E_Ca - v_d_post) : mole/meter**3/second
ds_f/dt = -s_f/tau_f : 1 (clock-driven)                            # fast NMDA gating
ds_s/dt = -s_s/tau_s : 1 (clock-driven)                            # slow NMDA gating
theta_M = theta_p*theta_M_scale_post : mole/meter**3               # LTP threshold (BCM theta_M)
theta_D = theta_d*theta_M_scale_post : mole/meter**3               # LTD threshold
Omega = omega_0 + 1/(1 + exp(-beta_p*(Ca - theta_M)))
        - omega_0/(1 + exp(-beta_d*(Ca - theta_D))) : 1
eta = 1/(eta_P1/(eta_P2 + (Ca/umolar)**eta_P3) + eta_P4) : 1/second
dw/dt = eta*(Omega - lambda_w*w) : 1 (clock-driven)                # plastic weight
w_ampa : siemens (shared, constant)
w_nmda : siemens (shared, constant)
g_Ca : mole/meter**3/second/volt (shared, constant)
I_f : 1 (shared, constant)
I_s : 1 (shared, constant)
tau_f : second (shared, constant)
tau_s : second (shared, constant)
tau_Ca : second (shared, constant)
E_Ca : volt (shared, constant)
theta_d : mole/meter**3 (shared, constant)
theta_p : mole/meter**3 (shared, constant)
beta_d : meter**3/mole (shared, constant)
beta_p : meter**3/mole (shared, constant)
omega_0 : 1 (shared, constant)
lambda_w : 1 (shared, constant)
eta_P1 : second (shared, constant)
eta_P2 : 1 (shared, constant)
eta_P3 : 1 (shared, constant)
eta_P4 : second (shared, constant)
"""

#: a presynaptic pulse: dendritic AMPA and NMDA conductance, NMDA calcium gates
CALCIUM_RULE_ON_PRE = """
g_ampa_d_post += w_ampa
g_nmda_d_post += w_nmda
s_f += 1
s_s += 1
"""

#: the PKA -> theta_M link, from a cell's second-messenger pool into the cell (summed variable)
THETA_LINK_EQS = """
theta_M_scale_post = exp(-on_pka_theta*theta_PKA*(PKA_pre - PKA_basal)) : 1 (summed)
on_pka_theta : 1 (shared, constant)
theta_PKA : 1 (shared, constant)
PKA_basal : 1 (shared, constant)
"""

#: equations a postsynaptic group needs (add with ``make_pyramidal(..., extra_eqs=...)``)
CELL_EQS = "theta_M_scale : 1   # PKA scale of the plasticity thresholds (1 = basal)\n"

_RULE_KEYS = ("w_ampa", "w_nmda", "g_Ca", "I_f", "I_s", "tau_f", "tau_s", "tau_Ca", "E_Ca",
              "theta_d", "theta_p", "beta_d", "beta_p", "omega_0", "lambda_w", "eta_P1",
              "eta_P2", "eta_P3", "eta_P4")


def theta_scale(model, pka):
    """Threshold scale ``s = exp(-theta_PKA (PKA - PKA_ref))`` (1 when ``pka_theta`` is off).

    Parameters
    ----------
    model : spikemod.params.Model
    pka : float or array
        PKA activity (0-1) of the cell's pool.

    Returns
    -------
    numpy.ndarray
        The factor on ``theta_d`` and ``theta_p``.

    Example
    -------
    >>> from spikemod.params import load_model
    >>> from spikemod.gpcr import basal_reference
    >>> m = load_model()
    >>> float(theta_scale(m, basal_reference(m)["PKA"]))
    1.0
    """
    from spikemod.gpcr import basal_reference, receptor_densities
    ref = float(basal_reference(model, receptor_densities(model, "pyr"))["PKA"])
    on = float(bool(model["metaplasticity.pka_theta"]))
    k = float(model["metaplasticity.theta_PKA"])
    return np.exp(-on * k * (np.asarray(pka, dtype=float) - ref))


def omega(model, ca_uM, scale=1.0):
    """SBC02's Omega(Ca) (the fixed point of w at calcium ``ca_uM``, uM) with thresholds
    scaled by ``scale``; NumPy, for analysis and tests.

    Parameters
    ----------
    model : spikemod.params.Model
    ca_uM : float or array
        Calcium above rest, uM.
    scale : float or array
        Threshold scale (:func:`theta_scale`).

    Returns
    -------
    numpy.ndarray
        Omega, between 0 and 1.

    Example
    -------
    >>> from spikemod.params import load_model
    >>> round(float(omega(load_model(), 0.0)), 3)
    0.25
    """
    p = model.section("metaplasticity")
    ca = np.asarray(ca_uM, dtype=float)
    uM = lambda q: float(q / umolar)                       # noqa: E731
    per_uM = lambda q: float(q * umolar)                   # noqa: E731
    o0 = float(p["omega_0"])
    return (o0 + 1 / (1 + np.exp(-per_uM(p["beta_p"]) * (ca - scale * uM(p["theta_p"]))))
            - o0 / (1 + np.exp(-per_uM(p["beta_d"]) * (ca - scale * uM(p["theta_d"])))))


def make_calcium_synapses(source, cells, model, name: str = "calcium_rule",
                          connect: str | None = "i") -> Synapses:
    """Plastic synapses with the calcium-control rule [SBC02] from ``source`` onto the apical
    dendrite of ``cells``.

    Parameters
    ----------
    source : brian2 group
        Presynaptic spikes.
    cells : brian2.NeuronGroup
        Synaptic L5 pyramidal cells (``make_pyramidal(..., synaptic=True,
        extra_eqs=CELL_EQS)``): they need ``v_d``, ``B_mg_d``, ``g_ampa_d``, ``g_nmda_d`` and
        ``theta_M_scale``.
    model : spikemod.params.Model
        Constants from ``[metaplasticity]``; integration method ``sim.method``.
    name : str
        Brian2 name.
    connect : str or None
        ``j`` expression of ``Synapses.connect`` (default ``'i'``: one-to-one); None leaves the
        synapses unconnected.

    Returns
    -------
    brian2.Synapses
        With ``Ca``, ``w`` (started at the resting weight ``omega_0/lambda_w``), ``Omega``,
        ``theta_M``.

    Raises
    ------
    KeyError
        If ``cells`` lacks a variable the rule reads (e.g. a non-synaptic group).

    Example
    -------
    >>> syn = make_calcium_synapses(trains, cells, model)        # doctest: +SKIP
    """
    for var in ("v_d", "B_mg_d", "g_ampa_d", "g_nmda_d", "theta_M_scale"):
        if var not in cells.variables:
            raise KeyError(f"{cells.name} has no {var!r}: use make_pyramidal(..., "
                           "synaptic=True, extra_eqs=spikemod.metaplasticity.CELL_EQS)")
    syn = Synapses(source, cells, CALCIUM_RULE_EQS, on_pre=CALCIUM_RULE_ON_PRE,
                   method=model["sim.method"], name=name)
    if connect is not None:
        syn.connect(j=connect)
    p = model.section("metaplasticity")
    for k in _RULE_KEYS:
        setattr(syn, k, p[k])
    if connect is not None:
        syn.w = float(p["omega_0"]) / float(p["lambda_w"])
    return syn


def link_pka_to_theta(nm, cells, model, name: str | None = None) -> Synapses:
    """Write ``theta_M_scale`` of each cell from the PKA of its own pool (``nm``: the
    :class:`spikemod.neuromod.Neuromodulation` of ``cells``) every ``gpcr.dt``.

    With ``metaplasticity.pka_theta`` off the scale stays 1 (the link exists, PKA does not
    reach it).

    Parameters
    ----------
    nm : spikemod.neuromod.Neuromodulation
        The pools of ``cells`` (:func:`spikemod.neuromod.attach`).
    cells : brian2.NeuronGroup
        Cells with ``theta_M_scale`` (:data:`CELL_EQS`).
    model : spikemod.params.Model
    name : str, optional
        Brian2 name.

    Returns
    -------
    brian2.Synapses
        One-to-one, on the ``gpcr.dt`` clock.

    Example
    -------
    >>> nm = attach(cells, model, "pyr"); link = link_pka_to_theta(nm, cells, model)  # doctest: +SKIP
    """
    from spikemod.gpcr import basal_reference
    link = Synapses(nm.gpcr, cells, THETA_LINK_EQS, dt=model["gpcr.dt"],
                    name=name or f"{cells.name}_theta_link")
    link.connect(j="i")
    link.on_pka_theta = float(bool(model["metaplasticity.pka_theta"]))
    link.theta_PKA = model["metaplasticity.theta_PKA"]
    link.PKA_basal = float(basal_reference(model, nm.densities)["PKA"])
    return link
