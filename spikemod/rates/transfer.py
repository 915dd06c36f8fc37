"""Population transfer functions of the spiking cells and their change under each modulation
mechanism, fitted with sigmoids [S21 Fig. 4; MODEL.md s4, s6].

Each population (L5 pyramidal cells, PV, SOM) is simulated UNCONNECTED: every grid point is a set
of ``n_per_point`` neurons, each driven by its own Poisson source through excitatory AMPA + NMDA
synapses (onto the soma). The input axis is the nominal drive current

    I_nom = nu w (tau_ampa + tau_nmda B(vr)) (E_exc - vr)

(the mean synaptic current the drive delivers at the resting potential of the control cell), so
every condition is plotted against the same input. The population rate is the mean rate over the
neurons of a grid point in a window after a burn-in, and

    r(I) = r_max / (1 + exp(-gain (I - threshold)))

is fitted with ``scipy.optimize.curve_fit`` (:func:`spikemod.analysis.fits.fit_sigmoid`; gain
in 1/pA = steepness; r_max in Hz; threshold in pA = input at half maximum); the fit's
root-mean-square error is reported. The sweep itself (one network of every population and
mechanism) is :func:`spikemod.experiments.transfer_fit.simulate`. The Izhikevich f-I
curves rise without saturating over the physiological input range (depolarisation block and,
for the LTS cell, run-away resets follow above it), so r_max is bounded to at most twice the
largest measured rate (free choice; without it r_max and threshold trade off unboundedly).

Mechanisms [S21 Fig. 2, MODEL.md s4] as parameter changes of the cells (sizes in the model
section ``[transfer]``): receptor scaling (AMPA and NMDA conductance x scale), AMPA/NMDA ratio
(NMDA decay time x factor, the PKA mapping of spikemod.neuromod), resting-potential shift (vr +
shift), refractoriness (adaptation jump d x factor), threshold (vt + shift), coupling (g_c, pyramidal
cells only) and heterogeneity (vt drawn per neuron from N(vt, sigma)).
"""

from __future__ import annotations

import numpy as np

__all__ = ["MECHANISMS", "POPULATIONS", "conditions_from_model", "nominal_rate"]

MECHANISMS = ("control", "receptor_scaling", "ampa_nmda_ratio", "resting_potential",
              "refractoriness", "threshold", "coupling", "heterogeneity")
POPULATIONS = ("pyr", "pv", "som")


def conditions_from_model(model, population: str) -> dict:
    """``{condition: changes}`` for one population from the ``[transfer]`` section.

    ``changes`` keys: ``w_scale`` (AMPA and NMDA), ``tau_nmda_scale``, ``dvr_mV``, ``d_scale``,
    ``dvt_mV``, ``g_c``, ``vt_sigma_mV`` (and ``I_dend_pA``, a constant apical-dendritic current
    of pyramidal cells, used by the neural mass)."""
    sec = model.section("transfer")
    mV = 1e-3
    out = {"control": {},
           "receptor_scaling": {"w_scale": float(sec["receptor_scale"])},
           "ampa_nmda_ratio": {"tau_nmda_scale": float(sec["tau_nmda_scale"])},
           "resting_potential": {"dvr_mV": float(sec["vr_shift"]) / mV},
           "refractoriness": {"d_scale": float(sec["d_scale"])},
           "threshold": {"dvt_mV": float(sec["vt_shift"]) / mV},
           "heterogeneity": {"vt_sigma_mV": float(sec["vt_sigma"]) / mV}}
    if population == "pyr":
        out["coupling"] = {"g_c": float(sec["g_c"])}
    return {k: out[k] for k in MECHANISMS if k in out}


def _section_floats(model, name):
    from brian2 import Quantity
    return {k: (float(v) if isinstance(v, Quantity) else v) for k, v in model.section(name).items()}


def nominal_rate(model, population: str, I_nom_pA, weight_nS: float) -> np.ndarray:
    """Poisson rate (Hz) whose nominal drive current at the control resting potential is I_nom."""
    syn = _section_floats(model, "synapses")
    vr = float(model[("soma" if population == "pyr" else population) + ".vr"])
    x = (vr + syn["mg_v_offset"]) / syn["mg_v_scale"]
    B = x * x / (1 + x * x)
    per_hz = weight_nS * 1e-9 * (syn["tau_ampa"] + syn["tau_nmda"] * B) * (syn["E_ampa"] - vr)
    return np.asarray(I_nom_pA, dtype=float) * 1e-12 / per_hz
