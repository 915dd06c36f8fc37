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

is fitted with ``scipy.optimize.curve_fit`` (gain in 1/pA = steepness; r_max in Hz; threshold in
pA = input at half maximum); the fit's root-mean-square error is reported. The Izhikevich f-I
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

from dataclasses import dataclass

import numpy as np

# the transfer function and its fit live in spikemod.analysis.fits; re-exported here
from spikemod.analysis.fits import R_MAX_FACTOR, fit_sigmoid, sigmoid  # noqa: F401

__all__ = ["MECHANISMS", "sigmoid", "fit_sigmoid", "conditions_from_model", "nominal_rate",
           "transfer_sweep", "TransferResult", "TRANSFER_COLUMNS"]

TRANSFER_COLUMNS = ["population", "condition", "r_max_Hz", "gain_per_pA", "threshold_pA", "rmse_Hz"]
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


@dataclass
class TransferResult:
    """Population rates per (population, condition, input) and their sigmoid fits."""

    curves: dict          # (population, condition) -> (I_nom_pA, rate_Hz)
    fits: list            # rows of TRANSFER_COLUMNS
    timers: dict

    def rows(self):
        return list(self.fits)


def transfer_sweep(model, I_nom_pA: dict, populations=POPULATIONS, n_per_point: int = 20,
                   burn_in_s: float = 0.5, duration_s: float = 1.0, device="runtime", seed=None,
                   build_dir=None, report=None, conditions=None) -> TransferResult:
    """Population f-I curves of unconnected populations under every mechanism, one network.

    ``I_nom_pA``: {population: array of nominal drive currents}. ``conditions``: optional
    {population: {condition: changes}} (default :func:`conditions_from_model`).
    """
    from brian2 import Hz, Network, PoissonGroup, SpikeMonitor, Synapses, amp, nS, second, volt
    from spikemod.analysis.fi import rates_in_window
    from spikemod.cells import make_interneuron, make_pyramidal
    from spikemod.device import simulation

    rng = np.random.default_rng(seed)
    sec = _section_floats(model, "transfer")
    layout, objects, monitors = {}, [], {}
    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        for pop in populations:
            conds = (conditions or {}).get(pop) or conditions_from_model(model, pop)
            I = np.asarray(I_nom_pA[pop], dtype=float)
            n = len(conds) * I.size * n_per_point
            cond_idx = np.repeat(np.arange(len(conds)), I.size * n_per_point)
            I_idx = np.tile(np.repeat(np.arange(I.size), n_per_point), len(conds))
            if pop == "pyr":
                G = make_pyramidal(n, model, synaptic=True, name="tf_pyr")
                cell = "soma"
                on_pre = "g_ampa_s_post += w_a\ng_nmda_s_post += w_n"
            else:
                G = make_interneuron(n, model, pop, synaptic=True, name=f"tf_{pop}")
                cell = pop
                on_pre = "g_ampa_post += w_a\ng_nmda_post += w_n"
            weight = float(sec[f"w_{pop}"]) * 1e9
            nu = nominal_rate(model, pop, I, weight)[I_idx]
            w_scale, vr_v, vt_v, d_v, tau_v = (np.ones(n), np.full(n, float(model[f"{cell}.vr"])),
                                         np.full(n, float(model[f"{cell}.vt"])),
                                         np.full(n, float(model[f"{cell}.d"])),
                                         np.full(n, float(model["synapses.tau_nmda"])))
            gc_v = np.full(n, float(model["coupling.g_c"]))
            idend_v = np.zeros(n)
            for ci, (cname, ch) in enumerate(conds.items()):
                sel = cond_idx == ci
                w_scale[sel] *= ch.get("w_scale", 1.0)
                tau_v[sel] *= ch.get("tau_nmda_scale", 1.0)
                vr_v[sel] += ch.get("dvr_mV", 0.0) * 1e-3
                vt_v[sel] += ch.get("dvt_mV", 0.0) * 1e-3
                d_v[sel] *= ch.get("d_scale", 1.0)
                if "g_c" in ch:
                    gc_v[sel] = ch["g_c"]
                if "I_dend_pA" in ch:
                    idend_v[sel] = ch["I_dend_pA"] * 1e-12
                if ch.get("vt_sigma_mV"):
                    vt_v[sel] += rng.normal(0.0, ch["vt_sigma_mV"] * 1e-3, sel.sum())
            G.vr = vr_v * volt                         # SI floats from the model
            G.v = vr_v * volt
            G.vt = vt_v * volt
            G.d = d_v * amp
            G.tau_nmda = tau_v * second
            if pop == "pyr":
                G.g_c = gc_v
                G.I_dend = idend_v * amp
                G.d_burst = d_v / float(model["soma.d"]) * model["soma.d_burst"]
            src = PoissonGroup(n, rates=nu * Hz, name=f"tf_{pop}_drive")
            syn = Synapses(src, G, "w_a : siemens (constant)\nw_n : siemens (constant)",
                           on_pre=on_pre, name=f"tf_{pop}_syn")
            syn.connect(j="i")
            syn.w_a = weight * w_scale * nS
            syn.w_n = weight * w_scale * nS
            mon = SpikeMonitor(G, name=f"tf_{pop}_spikes")
            objects += [G, src, syn, mon]
            monitors[pop] = mon
            layout[pop] = (list(conds), I, cond_idx, I_idx, n)
        net = Network(*objects)
        net.run((burn_in_s + duration_s) * second, report=report)
        sim.finish()
        spikes = {pop: (np.array(m.i[:], dtype=np.int64), np.array(m.t[:] / second))
                  for pop, m in monitors.items()}
        timers = dict(sim.timers)
    curves, fits = {}, []
    for pop, (names, I, cond_idx, I_idx, n) in layout.items():
        rate = rates_in_window(*spikes[pop], n, burn_in_s, burn_in_s + duration_s)
        for c, name in enumerate(names):
            r = np.array([rate[(cond_idx == c) & (I_idx == k)].mean() for k in range(I.size)])
            curves[(pop, name)] = (I, r)
            fits.append({"population": pop, "condition": name, **fit_sigmoid(I, r)})
    return TransferResult(curves=curves, fits=fits, timers=timers)
