"""GPCR second-messenger kinetics per neuron, as Brian2 equations [MODEL.md s4; D94, S21].

Modulators: noradrenaline (``NE``), acetylcholine (``ACh``), dopamine (``DA``), serotonin
(``HT``, 5-HT) and one neuropeptide, neuropeptide Y (``NPY``). Receptor subtypes and their
G-protein class (fixed biology, :data:`RECEPTORS`): alpha1 Gq, alpha2A Gi, beta1 Gs, M1 Gq,
M2 Gi, nicotinic ionotropic, D1 Gs, D2 Gi, 5-HT1A Gi, 5-HT2A Gq, NPY Y1 Gi. Affinities (Kd) and
the densities each population expresses come from the model file (``[receptors]``); alpha2A has
a higher NE affinity than alpha1 and beta1, the basis of the inverted U.

Per neuron (one pool per cell; the HCN effector acts on the apical dendrite), with the
constants of ``[gpcr]``:

* receptor activation [D94]: ``dR/dt = K1 [L] (1 - R) - K2 R`` with ``K1 = K2/Kd``, so
  ``R_ss = L/(L + Kd)``; nicotinic receptors are ionotropic, occupancy ``L/(L + Kd)`` at once;
* G proteins per class [D94 form]: ``dG_x/dt = K3 sum(rho_r R_r) - K4 G_x`` over the receptors
  of class x (density rho_r), and an effector fraction ``e_x = G_x/(G_x + K_G)``;
* cAMP [MODEL.md s4; PDE4 constants of Maki-Marttunen 2020]:
  ``d[cAMP]/dt = V_AC (basal + AC_gs e_s)(1 - i_max e_i) - V_PDE [cAMP]/(K_PDE + [cAMP])``;
  ``PKA = (cAMP/K_PKA)^h / (1 + (cAMP/K_PKA)^h)``;
* HCN: half-activation shift ``14 mV / (1 + exp((log10(cAMP/uM) + 0.8)/(-0.35)))`` (Beining
  2017 from Chen 2001), open fraction at the dendritic rest
  ``h = 1/(1 + exp((E_L - V_half - shift)/k))``: lower cAMP closes HCN;
* Gq -> IP3 -> Ca (reduced form): ``dIP3/dt = k_IP3 e_q - IP3/tau_IP3``,
  ``dCa/dt = (Ca_max IP3^2/(IP3^2 + K_IP3^2) - Ca)/tau_Ca`` (released Ca above rest).

Time scales: receptors 1/K2 ~ 0.8 s, G proteins 1/K4 = 0.5 s, cAMP ~ K_PDE/V_PDE ~ 0.1-0.2 s,
IP3 1 s, Ca 0.5 s. :func:`steady_state` gives the algebraic steady state of every variable
(tests check the simulated group against it; protocols start the group there).
"""

from __future__ import annotations

import numpy as np
from brian2 import NeuronGroup, mV, second, umolar

from spikemod.params import ModelError

__all__ = ["MODULATORS", "RECEPTORS", "receptor_densities", "gpcr_equations", "make_gpcr",
           "steady_state", "set_steady_state", "basal_reference"]

#: modulators and their names in equations (L_<key>)
MODULATORS = {"NE": "noradrenaline", "ACh": "acetylcholine", "DA": "dopamine",
              "HT": "serotonin (5-HT)", "NPY": "neuropeptide Y"}

#: receptor subtype -> (modulator, G-protein class or 'ionotropic') [MODEL.md s4]
RECEPTORS = {
    "alpha1": ("NE", "q"), "alpha2A": ("NE", "i"), "beta1": ("NE", "s"),
    "M1": ("ACh", "q"), "M2": ("ACh", "i"), "nACh": ("ACh", "ionotropic"),
    "D1": ("DA", "s"), "D2": ("DA", "i"),
    "HT1A": ("HT", "i"), "HT2A": ("HT", "q"),
    "NPY1": ("NPY", "i"),
}

POPULATIONS = ("pyr", "pv", "som")


def receptor_densities(model, pop: str) -> dict:
    """``{subtype: density}`` of population ``pop`` ('pyr', 'pv', 'som') from ``[receptors]``:
    the overall ``density_<pop>`` times the subtype weight (``<subtype>_<pop>`` if the model
    file has it, otherwise the pyramidal weight)."""
    if pop not in POPULATIONS:
        raise ModelError(f"population {pop!r} is not allowed (allowed: {', '.join(POPULATIONS)})")
    rec = model.section("receptors")
    overall = float(rec[f"density_{pop}"])
    out = {}
    for name in RECEPTORS:
        w = rec.get(f"{name}_{pop}", rec[f"{name}_pyr"])
        out[name] = overall * float(w)
    return out


def _classes(densities) -> dict:
    return {c: [r for r, d in densities.items() if RECEPTORS[r][1] == c and d > 0]
            for c in ("s", "i", "q")}


def gpcr_equations(densities: dict) -> str:
    """Brian2 equations of the second-messenger pool for the expressed receptors."""
    lines = [f"L_{m} : mole/meter**3   # {MODULATORS[m]} at the cell" for m in MODULATORS]
    for r, (m, cls) in RECEPTORS.items():
        lines.append(f"Kd_{r} : mole/meter**3 (constant)")
        lines.append(f"rho_{r} : 1 (constant)")
        if cls == "ionotropic":
            lines.append(f"R_{r} = L_{m}/(L_{m} + Kd_{r}) : 1")
        elif densities.get(r, 0) > 0:
            lines.append(f"dR_{r}/dt = K2*(L_{m}/Kd_{r}*(1 - R_{r}) - R_{r}) : 1")
        else:
            lines.append(f"R_{r} : 1")
    for cls, members in _classes(densities).items():
        drive = " + ".join(f"rho_{r}*R_{r}" for r in members) or "0"
        lines.append(f"dG_{cls}/dt = K3*({drive}) - K4*G_{cls} : 1")
        lines.append(f"e_{cls} = G_{cls}/(G_{cls} + K_G) : 1")
    lines += [
        "dcAMP/dt = V_AC*(AC_basal + AC_gs*e_s)*(1 - i_max*e_i)"
        " - V_PDE*cAMP/(K_PDE + cAMP) : mole/meter**3",
        "PKA = (cAMP/K_PKA)**h_PKA/(1 + (cAMP/K_PKA)**h_PKA) : 1",
        "dIP3/dt = k_IP3*e_q - IP3/tau_IP3 : mole/meter**3",
        "dCa/dt = (Ca_max*IP3**2/(IP3**2 + K_IP3**2) - Ca)/tau_Ca : mole/meter**3",
        "hcn_shift = hcn_shift_max/(1 + exp((log10(cAMP/umolar) - hcn_log_half)"
        "/(-hcn_log_slope))) : volt",
        "h_HCN = 1/(1 + exp((V_hcn - hcn_v_half - hcn_shift)/hcn_k)) : 1",
        "V_hcn : volt (constant)   # dendritic rest at which HCN opening is evaluated",
    ]
    shared = {"K2": "1/second", "K3": "1/second", "K4": "1/second", "K_G": "1",
              "V_AC": "mole/meter**3/second", "AC_basal": "1", "AC_gs": "1", "i_max": "1",
              "V_PDE": "mole/meter**3/second", "K_PDE": "mole/meter**3",
              "K_PKA": "mole/meter**3", "h_PKA": "1", "k_IP3": "mole/meter**3/second",
              "tau_IP3": "second", "K_IP3": "mole/meter**3", "Ca_max": "mole/meter**3",
              "tau_Ca": "second", "hcn_shift_max": "volt", "hcn_log_half": "1",
              "hcn_log_slope": "1", "hcn_v_half": "volt", "hcn_k": "volt"}
    lines += [f"{k} : {u} (shared, constant)" for k, u in shared.items()]
    return "\n".join(lines) + "\n"


_GPCR_KEYS = ("K2", "K3", "K4", "K_G", "V_AC", "AC_basal", "AC_gs", "i_max", "V_PDE", "K_PDE",
              "K_PKA", "h_PKA", "k_IP3", "tau_IP3", "K_IP3", "Ca_max", "tau_Ca",
              "hcn_shift_max", "hcn_log_half", "hcn_log_slope", "hcn_v_half", "hcn_k")


def make_gpcr(n: int, model, pop: str = "pyr", name: str = "gpcr", extra_eqs: str = "",
              densities: dict | None = None) -> NeuronGroup:
    """A group of ``n`` second-messenger pools (one per cell of population ``pop``), on the
    ``gpcr.dt`` clock, started at the basal (modulator-free) steady state."""
    dens = densities if densities is not None else receptor_densities(model, pop)
    g = NeuronGroup(n, gpcr_equations(dens) + extra_eqs, method="euler",
                    dt=model["gpcr.dt"], name=name)
    gp = model.section("gpcr")
    for k in _GPCR_KEYS:
        setattr(g, k, gp[k])
    for r in RECEPTORS:
        setattr(g, f"Kd_{r}", model[f"receptors.{r}_Kd"])
        setattr(g, f"rho_{r}", dens.get(r, 0.0))
    g.V_hcn = model["dend.E_L"]
    ss = steady_state(model, {}, dens)
    g.cAMP = ss["cAMP"] * umolar
    return g


def steady_state(model, concentrations: dict, densities: dict, V_hcn=None) -> dict:
    """Algebraic steady state at constant modulator ``concentrations`` ``{'NE': uM, ...}``
    (floats in uM, or arrays). Returns floats/arrays: ``R_<r>``, ``G_<x>``, ``e_<x>``,
    ``cAMP`` (uM), ``PKA``, ``IP3`` (uM), ``Ca`` (uM), ``hcn_shift`` (mV), ``h_HCN``.

    Raises ModelError when the cyclase rate reaches the PDE's V_max (no steady state)."""
    gp = {k: model[f"gpcr.{k}"] for k in _GPCR_KEYS}
    uM = lambda q: float(q / umolar)  # noqa: E731
    uM_s = lambda q: float(q / (umolar / second))  # noqa: E731
    out = {}
    for r, (m, cls) in RECEPTORS.items():
        L = np.asarray(concentrations.get(m, 0.0), dtype=float)
        out[f"R_{r}"] = L / (L + uM(model[f"receptors.{r}_Kd"]))
    ratio = float(gp["K3"] / gp["K4"])
    for cls, members in _classes(densities).items():
        G = ratio * sum((densities[r] * out[f"R_{r}"] for r in members), np.asarray(0.0))
        out[f"G_{cls}"] = G
        out[f"e_{cls}"] = G / (G + float(gp["K_G"]))
    P = (uM_s(gp["V_AC"]) * (float(gp["AC_basal"]) + float(gp["AC_gs"]) * out["e_s"])
         * (1 - float(gp["i_max"]) * out["e_i"]))
    Vp = uM_s(gp["V_PDE"])
    if np.any(P >= Vp):
        raise ModelError(f"gpcr: cyclase rate {np.max(P):.3g} uM/s reaches the PDE V_max "
                         f"{Vp:g} uM/s: cAMP has no steady state (lower gpcr.V_AC or AC_gs)")
    cAMP = uM(gp["K_PDE"]) * P / (Vp - P)
    out["cAMP"] = cAMP
    x = (cAMP / uM(gp["K_PKA"])) ** float(gp["h_PKA"])
    out["PKA"] = x / (1 + x)
    IP3 = uM(gp["k_IP3"] * gp["tau_IP3"]) * out["e_q"]
    out["IP3"] = IP3
    K = uM(gp["K_IP3"])
    out["Ca"] = uM(gp["Ca_max"]) * IP3 ** 2 / (IP3 ** 2 + K ** 2)
    with np.errstate(divide="ignore"):
        shift = float(gp["hcn_shift_max"] / mV) / (
            1 + np.exp((np.log10(cAMP) - float(gp["hcn_log_half"])) / (-float(gp["hcn_log_slope"]))))
    out["hcn_shift"] = shift
    V = float((V_hcn if V_hcn is not None else model["dend.E_L"]) / mV)
    out["h_HCN"] = 1 / (1 + np.exp((V - float(gp["hcn_v_half"] / mV) - shift)
                                   / float(gp["hcn_k"] / mV)))
    return out


def basal_reference(model, densities: dict | None = None) -> dict:
    """Steady state without modulator: the reference values (``h_HCN``, ``PKA``) at which
    every effect mapping returns the cell's own parameter."""
    return steady_state(model, {}, densities or {r: 0.0 for r in RECEPTORS})


def set_steady_state(group, model, concentrations: dict, densities: dict) -> dict:
    """Set the group's modulator concentrations and every state variable to the steady state
    (one value per neuron when the concentrations are arrays). Returns the steady state."""
    ss = steady_state(model, concentrations, densities)
    n = len(group)
    for m in MODULATORS:
        setattr(group, f"L_{m}", np.broadcast_to(concentrations.get(m, 0.0), (n,)) * umolar)
    for r, (m, cls) in RECEPTORS.items():
        if cls != "ionotropic" and f"R_{r}" in group.variables:
            setattr(group, f"R_{r}", np.broadcast_to(ss[f"R_{r}"], (n,)))
    for cls in ("s", "i", "q"):
        setattr(group, f"G_{cls}", np.broadcast_to(ss[f"G_{cls}"], (n,)))
    for k in ("cAMP", "IP3", "Ca"):
        setattr(group, k, np.broadcast_to(ss[k], (n,)) * umolar)
    return ss
