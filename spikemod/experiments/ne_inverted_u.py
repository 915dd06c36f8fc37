"""Pyramidal gain and bursting over four decades of bath noradrenaline: the inverted U
[MODEL.md s4; S21].

Unconnected two-compartment L5 pyramidal cells [W25] with alpha2A (Gi), alpha1 (Gq) and beta1
(Gs) receptors sit in a bath of NE, one cell per (concentration, somatic current), all in one
network and one run. Each cell's second-messenger pool (:func:`spikemod.neuromod.attach`)
starts at the steady state of its bath concentration (:func:`spikemod.gpcr.steady_state`), so
the burn-in only removes the spiking transient, and acts on the cell through the ``[effects]``
mappings: cAMP -> HCN -> coupling ``g_c`` and dendritic leak; Gq -> Ca -> depolarisation (``vr``)
and SK/KCNQ adaptation (``d``); PKA -> threshold (``vt``). Per concentration: the f-I gain
(least-squares slope of rate on ``I_soma``, :func:`spikemod.analysis.fi.fi_gain`) and the
burst-mode fraction (share of time steps with the calcium switch on). Expected: gain peaks at
an intermediate NE (alpha2A raises coupling at moderate NE; beta1/Gs reopening HCN and the
alpha1/Ca K+ current lower gain at high NE).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Network, second

from spikemod.analysis.fi import fi_gain
from spikemod.cells import grid_values
from spikemod.device import simulation
from spikemod.experiments.common import claims_reader
from spikemod.experiments.fi_gain import FIResult, fi_result, grid_cells
from spikemod.io.monitors import spike_arrays
from spikemod.neuromod import attach

__all__ = ["NAME", "MODULATOR", "COLUMNS", "DETAIL_COLUMNS", "DEFAULTS", "DoseFI", "simulate",
           "summarize", "peak", "claim", "claims_from_results", "figure"]

NAME = "ne-inverted-u"
MODULATOR = "NE"
COLUMNS = ["NE_nM", "gain_Hz_per_pA", "burst_mode_fraction", "alpha2_occupancy",
           "alpha1_occupancy"]
DETAIL_COLUMNS = COLUMNS + ["beta1_occupancy", "cAMP_uM", "PKA", "Ca_uM", "h_HCN", "g_c"]

#: four decades of bath NE in 9 log-spaced points; f-I from the rheobase region up
DEFAULTS = {
    "ne_nM": (1.0, 3.16, 10.0, 31.6, 100.0, 316.0, 1000.0, 3162.0, 10000.0),
    "I_soma_pA": np.arange(650.0, 1501.0, 50.0),
    "I_dend_pA": 500.0,
    "burn_in_s": 0.2,
    "duration_s": 2.0,
}

#: steady-state variables kept per cell besides the receptor occupancies
_STEADY = ("cAMP", "PKA", "Ca", "h_HCN")


@dataclass
class DoseFI:
    """f-I curves under bath NE: one cell per (concentration, ``I_soma``).

    ``fi`` holds the per-cell f-I result (its ``coupling`` is each cell's effective ``g_c`` at
    the end of the run); ``steady`` the second-messenger steady state per cell.
    """

    conc_uM: np.ndarray          # per cell
    steady: dict                 # {variable: per-cell value}
    fi: FIResult


def simulate(model, ne_nM=None, I_soma_pA=None, I_dend_pA=None, burn_in=None, duration=None,
             device="runtime", seed=None, build_dir=None, report=None) -> DoseFI:
    """f-I curves of unconnected L5 pyramidal cells in NE baths (one network, one run).

    Parameters
    ----------
    model : spikemod.params.Model
    ne_nM : array of float, optional
        Bath NE concentrations (nM).
    I_soma_pA : array of float, optional
        Somatic currents (pA); every concentration gets the whole list.
    I_dend_pA : float, optional
        Dendritic current of every cell (pA).
    burn_in, duration : Quantity, optional
        Transient discarded, then the measured window.
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    All defaults: :data:`DEFAULTS`.

    Returns
    -------
    DoseFI

    Raises
    ------
    spikemod.errors.DeviceError
        For an unknown device.

    Example
    -------
    >>> res = simulate(load_model(), [1, 30, 10000], np.arange(650, 1501, 85))  # doctest: +SKIP
    >>> [r["gain_Hz_per_pA"] for r in summarize(res)]                          # doctest: +SKIP
    """
    d = DEFAULTS
    ne_nM = d["ne_nM"] if ne_nM is None else ne_nM
    I_soma_pA = d["I_soma_pA"] if I_soma_pA is None else I_soma_pA
    I_dend_pA = d["I_dend_pA"] if I_dend_pA is None else I_dend_pA
    burn_in = d["burn_in_s"] * second if burn_in is None else burn_in
    duration = d["duration_s"] * second if duration is None else duration
    conc, Is = grid_values(np.asarray(ne_nM, dtype=float) / 1e3, I_soma_pA)
    Id = np.full(Is.size, float(I_dend_pA))
    time_step = model["sim.dt"]
    with simulation(device, seed=seed, dt=time_step, build_dir=build_dir) as sim:
        G, spikes = grid_cells(model, Is, Id, None, burn_in - 0.5 * time_step)
        nm = attach(G, model, "pyr")
        steady = nm.set_steady_state(model, {MODULATOR: conc})
        net = Network(G, spikes, *nm.objects)
        net.run(burn_in + duration, report=report)
        sim.finish()
        ids, times = spike_arrays(spikes)
        steps = np.array(G.burst_steps[:])
        g_c = np.array(G.g_c[:])
    keep = {k: np.broadcast_to(v, conc.shape) for k, v in steady.items()
            if np.ndim(v) or k in _STEADY}
    return DoseFI(conc_uM=conc, steady=keep,
                  fi=fi_result(Is, Id, g_c, ids, times, steps, burn_in, duration, time_step))


def summarize(result: DoseFI) -> list[dict]:
    """One row per concentration: gain, burst-mode fraction, occupancies, second messengers
    and the mean effective coupling.

    Parameters
    ----------
    result : DoseFI

    Returns
    -------
    list of dict
        Rows of :data:`DETAIL_COLUMNS` (``ne_dose.csv`` holds :data:`COLUMNS` of them), in
        rising concentration.

    Example
    -------
    >>> rows = summarize(simulate(load_model()))                     # doctest: +SKIP
    """
    fi, st = result.fi, result.steady
    rows = []
    for c in np.unique(result.conc_uM):
        sel = result.conc_uM == c
        order = np.argsort(fi.I_soma_pA[sel])
        k = np.flatnonzero(sel)[0]
        rows.append({"NE_nM": float(c) * 1e3,
                     "gain_Hz_per_pA": fi_gain(fi.I_soma_pA[sel][order], fi.rate_Hz[sel][order]),
                     "burst_mode_fraction": float(np.mean(fi.burst_mode_fraction[sel])),
                     "alpha2_occupancy": float(st["R_alpha2A"][k]),
                     "alpha1_occupancy": float(st["R_alpha1"][k]),
                     "beta1_occupancy": float(st["R_beta1"][k]), "cAMP_uM": float(st["cAMP"][k]),
                     "PKA": float(st["PKA"][k]), "Ca_uM": float(st["Ca"][k]),
                     "h_HCN": float(st["h_HCN"][k]), "g_c": float(np.mean(fi.coupling[sel]))})
    return rows


def peak(rows) -> dict:
    """Where the gain peaks over the concentrations (rows in rising concentration).

    Parameters
    ----------
    rows : list of dict
        With ``NE_nM`` and ``gain_Hz_per_pA``.

    Returns
    -------
    dict
        ``NE_nM`` and ``gain_Hz_per_pA`` at the peak, the gain at the lowest and the highest
        NE, and ``interior_peak`` (the peak lies at neither end).

    Example
    -------
    >>> peak([{"NE_nM": 1, "gain_Hz_per_pA": 0.03}, {"NE_nM": 100, "gain_Hz_per_pA": 0.04},
    ...       {"NE_nM": 1e4, "gain_Hz_per_pA": 0.02}])["interior_peak"]
    True
    """
    gains = np.array([r["gain_Hz_per_pA"] for r in rows], dtype=float)
    k = int(np.nanargmax(gains))
    return {"NE_nM": float(rows[k]["NE_nM"]), "gain_Hz_per_pA": float(gains[k]),
            "gain_lowest_NE": float(gains[0]), "gain_highest_NE": float(gains[-1]),
            "interior_peak": bool(0 < k < len(rows) - 1)}


def claim(rows) -> list[dict]:
    """The NE inverted U: the gain peaks at an intermediate concentration (:func:`peak`).

    Parameters
    ----------
    rows : list of dict
        :func:`summarize`'s rows (or ``ne_dose.csv`` read as numbers), rising concentration.

    Returns
    -------
    list of dict
        ``claim, measure, value, reference, reproduced``.

    Example
    -------
    >>> claim(summarize(result))[0]["reproduced"]                    # doctest: +SKIP
    True
    """
    p = peak(rows)
    return [{"claim": "NE inverted U", "measure": "peak gain vs gain at the lowest NE (Hz/pA)",
             "value": p["gain_Hz_per_pA"], "reference": p["gain_lowest_NE"],
             "reproduced": p["interior_peak"]}]


claims_from_results = claims_reader(claim, "ne_dose.csv")


def figure(rows):
    """Gain and burst-mode fraction against bath NE, with receptor occupancies and coupling.

    Parameters
    ----------
    rows : list of dict
        :func:`summarize`'s rows.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = figure(summarize(result))                              # doctest: +SKIP
    """
    from spikemod import plotting
    colors = plotting.COLORS
    ne = np.array([r["NE_nM"] for r in rows])
    ne_plot = np.where(ne > 0, ne, np.nan)
    fig, axes = plotting.figure(1, 3, width=9.6)
    axes[0, 0].semilogx(ne_plot, [r["gain_Hz_per_pA"] for r in rows], "o-", color=colors["pyr"])
    axes[0, 0].set_ylabel("gain (Hz/pA)")
    axes[0, 0].set_title("f-I gain")
    axes[0, 1].semilogx(ne_plot, [r["burst_mode_fraction"] for r in rows], "o-",
                        color=colors["dend"])
    axes[0, 1].set_ylabel("burst-mode fraction")
    axes[0, 1].set_title("bursting")
    ax = axes[0, 2]
    for key, label, color in (("alpha2_occupancy", "alpha2A (Gi)", colors["pyr"]),
                              ("alpha1_occupancy", "alpha1 (Gq)", colors["dend"]),
                              ("beta1_occupancy", "beta1 (Gs)", colors["som"]),
                              ("g_c", "coupling g_c", colors["control"])):
        if key in rows[0]:
            ax.semilogx(ne_plot, [r[key] for r in rows], "o-", ms=2.5, color=color, label=label)
    ax.set_ylabel("occupancy / g_c")
    ax.set_title("receptors and coupling")
    ax.legend(fontsize=6.5)
    for a in axes[0]:
        a.set_xlabel("bath NE (nM)")
    return fig
