"""Population transfer functions of the spiking cells and how each modulation mechanism changes
them, fitted with sigmoids [S21 Fig. 4; MODEL.md s4, s6].

Each population (L5 pyramidal cells, PV, SOM) [W25, IZ07] is simulated UNCONNECTED: every grid
point is a set of ``per_point`` neurons, each driven by its own Poisson source through
excitatory AMPA + NMDA synapses onto the soma. The input axis is the nominal drive current
(:func:`spikemod.rates.transfer.nominal_rate`: the mean synaptic current the drive delivers at
the control cell's resting potential), so every condition is plotted against the same input.
The population rate of a grid point is its neurons' mean rate over ``duration_s`` after
``burn_in_s``. Each mechanism of Shine et al. (2021) is one parameter change of the cells
(:func:`spikemod.rates.transfer.conditions_from_model`, model section ``transfer``); all
populations and conditions run in one network. Each curve is fitted with
r_max / (1 + exp(-gain (I - threshold))) (:func:`spikemod.analysis.fits.fit_sigmoid`) [S21
Fig. 4: each mechanism shifts, steepens or widens the curve]. The neural-mass experiment
(:mod:`spikemod.experiments.neural_mass`) fits its sigmoids with the same :func:`simulate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spikemod.analysis.fits import fit_sigmoid, sigmoid
from spikemod.rates.transfer import POPULATIONS, conditions_from_model, nominal_rate

__all__ = ["NAME", "COLUMNS", "CURVE_COLUMNS", "RANGES_PA", "DEFAULTS", "TransferResult",
           "simulate", "summarize", "figure"]

NAME = "transfer-fit"
COLUMNS = ["population", "condition", "r_max_Hz", "gain_per_pA", "threshold_pA",
           "rmse_Hz"]                                                # transfer_functions.csv
CURVE_COLUMNS = ["population", "condition", "I_nom_pA", "rate_Hz"]   # transfer_curves.csv
#: largest nominal drive current (pA) of each population's sweep (from 0)
RANGES_PA = {"pyr": 1500.0, "pv": 600.0, "som": 300.0}

DEFAULTS = {
    "populations": POPULATIONS,           # pyr, pv, som
    "levels": 13,                         # input levels per curve, 0 .. RANGES_PA
    "per_point": 10,                      # neurons per grid point
    "burn_in_s": 0.5,                     # discarded transient
    "duration_s": 1.0,                    # measured window
}


@dataclass
class TransferResult:
    """Population rates per (population, condition, input) and their sigmoid fits."""

    curves: dict          # (population, condition) -> (I_nom_pA, rate_Hz)
    fits: list            # rows of COLUMNS
    timers: dict

    def rows(self):
        return list(self.fits)


def simulate(model, populations=DEFAULTS["populations"], *, levels=DEFAULTS["levels"],
             per_point=DEFAULTS["per_point"], burn_in_s=DEFAULTS["burn_in_s"],
             duration_s=DEFAULTS["duration_s"], I_nom_pA=None, conditions=None,
             device="runtime", seed=None, build_dir=None, report=None) -> TransferResult:
    """Population f-I curves of unconnected populations under every mechanism, one network.

    Parameters
    ----------
    model : spikemod.params.Model
        The cells and the ``transfer`` section (mechanism sizes, drive weights).
    populations : sequence of str
        Among ``pyr``, ``pv``, ``som`` (default all).
    levels, per_point, burn_in_s, duration_s
        The design (defaults: :data:`DEFAULTS`): ``levels`` inputs from 0 to
        :data:`RANGES_PA` per population, ``per_point`` neurons each.
    I_nom_pA : dict, optional
        ``{population: nominal drive currents (pA)}``, replacing ``levels`` / ``RANGES_PA``.
    conditions : dict, optional
        ``{population: {condition: changes}}`` (default
        :func:`spikemod.rates.transfer.conditions_from_model`).
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`; ``seed`` also draws the heterogeneity.

    Returns
    -------
    TransferResult
        ``curves`` per (population, condition) and ``fits`` rows (:data:`COLUMNS`).

    Example
    -------
    >>> res = simulate(load_model(), ["pv"], levels=5, per_point=4)   # doctest: +SKIP
    >>> res.fits[0]["condition"]                                       # doctest: +SKIP
    'control'
    """
    from brian2 import Hz, Network, PoissonGroup, SpikeMonitor, Synapses, amp, nS, second, volt
    from spikemod.analysis.fi import rates_in_window
    from spikemod.cells import make_interneuron, make_pyramidal
    from spikemod.device import simulation
    from spikemod.io.monitors import spike_arrays

    if I_nom_pA is None:
        I_nom_pA = {p: np.linspace(0.0, RANGES_PA[p], levels) for p in populations}
    rng = np.random.default_rng(seed)
    layout, objects, monitors = {}, [], {}
    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        for pop in populations:
            conds = (conditions or {}).get(pop) or conditions_from_model(model, pop)
            I = np.asarray(I_nom_pA[pop], dtype=float)
            n = len(conds) * I.size * per_point
            cond_idx = np.repeat(np.arange(len(conds)), I.size * per_point)
            I_idx = np.tile(np.repeat(np.arange(I.size), per_point), len(conds))
            if pop == "pyr":
                G = make_pyramidal(n, model, synaptic=True, name="tf_pyr")
                cell = "soma"
                on_pre = "g_ampa_s_post += w_a\ng_nmda_s_post += w_n"
            else:
                G = make_interneuron(n, model, pop, synaptic=True, name=f"tf_{pop}")
                cell = pop
                on_pre = "g_ampa_post += w_a\ng_nmda_post += w_n"
            weight = float(model[f"transfer.w_{pop}"]) * 1e9          # nS
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
        spikes = {pop: spike_arrays(m) for pop, m in monitors.items()}
        timers = dict(sim.timers)
    curves, fits = {}, []
    for pop, (names, I, cond_idx, I_idx, n) in layout.items():
        rate = rates_in_window(*spikes[pop], n, burn_in_s, burn_in_s + duration_s)
        for c, name in enumerate(names):
            r = np.array([rate[(cond_idx == c) & (I_idx == k)].mean() for k in range(I.size)])
            curves[(pop, name)] = (I, r)
            fits.append({"population": pop, "condition": name, **fit_sigmoid(I, r)})
    return TransferResult(curves=curves, fits=fits, timers=timers)


def summarize(result: TransferResult):
    """The two tables of a run.

    Parameters
    ----------
    result : TransferResult
        :func:`simulate`'s result.

    Returns
    -------
    (fit_rows, curve_rows) : list of dict
        ``fit_rows`` with :data:`COLUMNS` (transfer_functions.csv); ``curve_rows`` with
        :data:`CURVE_COLUMNS`, one per population, condition and input (transfer_curves.csv).

    Example
    -------
    >>> fits, curves = summarize(simulate(load_model(), ["pv"], levels=5))   # doctest: +SKIP
    """
    curve_rows = [{"population": p, "condition": c, "I_nom_pA": float(x), "rate_Hz": float(r)}
                  for (p, c), (xs, rs) in result.curves.items() for x, r in zip(xs, rs)]
    return list(result.fits), curve_rows


def figure(curves, fits):
    """[S21 Fig. 4 style] Population transfer functions per mechanism: measured rates (dots)
    and fitted sigmoids (lines) against the control, one panel per population; bottom row: each
    mechanism's change of r_max, gain and threshold relative to control.

    Parameters
    ----------
    curves : dict
        ``TransferResult.curves``.
    fits : list of dict
        ``TransferResult.fits`` (with a ``control`` condition per population).

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = figure(res.curves, res.fits)       # doctest: +SKIP
    """
    from spikemod import plotting
    import matplotlib.pyplot as plt
    pops = list(dict.fromkeys(p for p, _ in curves))
    conds = list(dict.fromkeys(c for _, c in curves))
    cmap = dict(zip(conds, plt.get_cmap("tab10")(np.linspace(0, 0.9, 10))))
    cmap["control"] = (0.1, 0.1, 0.1, 1.0)
    fit = {(f["population"], f["condition"]): f for f in fits}
    fig, axes = plotting.figure(2, len(pops), width=3.6 * len(pops), height=6.2)
    for col, pop in enumerate(pops):
        ax = axes[0, col]
        for cond in conds:
            if (pop, cond) not in curves:
                continue
            x, r = curves[(pop, cond)]
            f = fit[(pop, cond)]
            ax.plot(x, r, "o", ms=2.5, color=cmap[cond])
            fine = np.linspace(x.min(), x.max(), 200)
            if np.isfinite(f["r_max_Hz"]):
                ax.plot(fine, sigmoid(fine, f["r_max_Hz"], f["gain_per_pA"], f["threshold_pA"]),
                        color=cmap[cond], lw=2.2 if cond == "control" else 1.0,
                        label=cond.replace("_", " "))
        ax.set_xlabel("nominal drive current (pA)")
        ax.set_ylabel("population rate (Hz)")
        ax.set_title(pop)
        if col == 0:
            ax.legend(fontsize=6)
        ax = axes[1, col]
        ctrl = fit[(pop, "control")]
        mech = [c for c in conds if c != "control" and (pop, c) in fit]
        xs = np.arange(len(mech))
        for k, (key, label) in enumerate((("r_max_Hz", "r_max"), ("gain_per_pA", "gain"),
                                          ("threshold_pA", "threshold"))):
            vals = [fit[(pop, c)][key] / ctrl[key] - 1 for c in mech]
            ax.bar(xs + (k - 1) * 0.27, np.multiply(vals, 100), width=0.27, label=label,
                   color=["#4c6dac", "#c0504d", "#4d9f6f"][k])
        ax.axhline(0, color="0.5", lw=0.8)
        ax.set_xticks(xs)
        ax.set_xticklabels([c.replace("_", " ") for c in mech], fontsize=6.5, rotation=35,
                           ha="right")
        ax.set_ylabel("change vs control (%)")
        if col == 0:
            ax.legend(fontsize=6.5)
    return fig
