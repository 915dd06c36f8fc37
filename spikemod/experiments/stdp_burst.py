"""Does bursting speed up spike-timing-dependent plasticity? [RG25 claim 5; MODEL.md s3]
(protocol ``stdp-burst``).

Two identical plastic W25 rings (pair-based STDP on E->E, the model's ``stdp`` section; the
published circuit with its thalamus, coupling fixed per copy) run side by side in one
simulation with the same feed-forward and dendritic Poisson drive: ``burst`` at coupling
``g_c = 1`` (BAPs and dendritic plateaus switch the soma into burst mode) and ``no_burst`` at
``g_c = 0`` (the soma fires as the soma alone). Somatic rates are NOT matched: the rates and the
weight change per postsynaptic spike go to ``info`` so the effect of bursting can be told from
that of the extra spikes. The mean E->E weight is sampled regularly; its speed is the
least-squares slope ``dw_per_s`` and the time ``t90_s`` to 90 % of its total change
(:func:`weight_change_summary`).

This module also holds what the plastic-circuit experiments share (``gain-pulse``,
:mod:`spikemod.experiments.gain_pulse`, imports them from here): :func:`plastic_circuit`,
:func:`mean_weight_trace` and :func:`weight_figure`.
"""

from __future__ import annotations

import numpy as np
from brian2 import Hz, StateMonitor, nS, second

from spikemod.analysis.fi import rates_in_window
from spikemod.device import simulation
from spikemod.experiments.common import (CircuitRun, claims_reader, population_monitors,
                                         population_sizes)
from spikemod.io.monitors import spike_arrays
from spikemod.network import build_microcircuit

__all__ = ["NAME", "CONDITIONS", "COLUMNS", "SUMMARY_COLUMNS", "DEFAULTS", "simulate",
           "summarize", "claim", "claims_from_results", "figure", "plastic_circuit",
           "mean_weight_trace", "weight_change_summary", "weight_figure"]

NAME = "stdp-burst"
CONDITIONS = ("burst", "no_burst")
COLUMNS = ["condition", "time_s", "mean_weight"]
SUMMARY_COLUMNS = ["condition", "dw_per_s", "t90_s"]

#: the design of the README's numbers
DEFAULTS = {"duration_s": 10.0, "drive_Hz": 800.0, "dend_drive_Hz": 600.0, "record_dt_s": 0.1}


# -- shared by the plastic-circuit experiments (stdp-burst, gain-pulse) -----------------------
def plastic_circuit(model, copies, drive_Hz, dend_drive_Hz, record_dt_s, seed=None):
    """Plastic W25 circuit (STDP on E->E) with fixed coupling and constant drive, to be built
    inside a :func:`spikemod.device.simulation` block.

    The caller sets ``g_c`` (the thalamus still drives the dendrites); every feed-forward
    Poisson source runs at ``drive_Hz``, the dendritic one at ``dend_drive_Hz``.

    Parameters
    ----------
    model : spikemod.params.Model
        The circuit's model.
    copies : int
        Independent circuit copies.
    drive_Hz, dend_drive_Hz : float
        Feed-forward and dendritic Poisson rates, Hz.
    record_dt_s : float
        Sampling interval of the E->E weights, s.
    seed : int, optional
        Connectivity seed (``build_microcircuit``'s ``rng_seed``).

    Returns
    -------
    (mc, spike_monitors, weight_monitor, network)
        The built circuit, one spike monitor per population, a monitor of every E->E weight
        and the network holding them all.

    Example
    -------
    >>> with simulation("runtime", seed=1, dt=model["sim.dt"]) as sim:     # doctest: +SKIP
    ...     mc, mons, wmon, net = plastic_circuit(model, 1, 800.0, 600.0, 0.1)
    """
    mc = build_microcircuit(model, copies=copies, stdp=True, coupling="fixed", rng_seed=seed)
    for key, src in mc.drive.items():
        src.rates = (dend_drive_Hz if key == "fb_pyr" else drive_Hz) * Hz
    mons = population_monitors(mc)
    wmon = StateMonitor(mc.synapses["EE"], "w", record=np.arange(mc.synapse_count("EE")),
                        dt=record_dt_s * second, name="w_mon")
    return mc, mons, wmon, mc.network(*mons.values(), wmon)


def mean_weight_trace(mc, wmon, copies) -> np.ndarray:
    """Mean E->E weight (nS) per copy over the recorded times.

    Parameters
    ----------
    mc : spikemod.network.Microcircuit
        The circuit of :func:`plastic_circuit`.
    wmon : brian2.StateMonitor
        Its weight monitor (read after the run).
    copies : int
        Number of copies.

    Returns
    -------
    numpy.ndarray
        Shape ``(copies, samples)``.
    """
    w = np.asarray(wmon.w[:] / nS)                      # (synapses, samples)
    copy_of = np.asarray(mc.pyr.copy[:])[np.asarray(mc.synapses["EE"].i[:])]
    return np.array([w[copy_of == c].mean(axis=0) for c in range(copies)])


def weight_change_summary(t_s, w):
    """Speed of a weight trajectory.

    Parameters
    ----------
    t_s, w : array_like
        Sample times (s) and weights (nS).

    Returns
    -------
    (dw_per_s, t90_s)
        Least-squares slope (nS/s) and the first time the change from ``w[0]`` reaches 90 % of
        the total change (s; NaN without change).

    Example
    -------
    >>> slope, t90 = weight_change_summary([0, 1, 2, 3], [1.0, 1.5, 1.95, 2.0])
    >>> round(slope, 6), t90
    (0.345, 2.0)
    """
    t_s, w = np.asarray(t_s, float), np.asarray(w, float)
    slope = float(np.polyfit(t_s, w, 1)[0])
    total = w[-1] - w[0]
    if total == 0:
        return slope, float("nan")
    reached = np.flatnonzero(np.abs(w - w[0]) >= 0.9 * abs(total))
    return slope, float(t_s[reached[0]] - t_s[0])


def weight_figure(series: dict, ylabel="mean E->E weight (nS)", title="", shade=None,
                  second=None):
    """Weight trajectories, optionally with a shaded pulse and a lower panel.

    Parameters
    ----------
    series : dict
        ``{label: (t_s, w)}``; ``burst`` / ``no_burst`` get their fixed colours.
    ylabel, title : str
        Axis label and figure title.
    shade : (float, float), optional
        ``(t_on, t_off)`` of a pulse, shaded in every panel.
    second : (t_s, y, label), optional
        A lower panel (e.g. dw/dt).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from spikemod import plotting
    fig, axes = plotting.figure(2 if second else 1, 1, width=5.0,
                                height=4.8 if second else 2.8, sharex=True)
    palette = {"burst": plotting.COLORS["dend"], "no_burst": plotting.COLORS["soma"]}
    for label, (t, w) in series.items():
        axes[0, 0].plot(t, w, color=palette.get(label), label=label)
    axes[0, 0].set_ylabel(ylabel)
    if len(series) > 1:
        axes[0, 0].legend()
    if second:
        t, y, lab = second
        axes[1, 0].plot(t, y, color="k")
        axes[1, 0].axhline(0, color="0.6", lw=0.8)
        axes[1, 0].set_ylabel(lab)
    for ax in axes[:, 0]:
        if shade:
            ax.axvspan(*shade, color=plotting.COLORS["pv"], alpha=0.2, lw=0)
    axes[-1, 0].set_xlabel("time (s)")
    if title:
        fig.suptitle(title)
    return fig


# -- the experiment ---------------------------------------------------------------------------
def simulate(model, *, duration_s=None, drive_Hz=None, dend_drive_Hz=None, record_dt_s=None,
             device="runtime", seed=None, build_dir=None, report=None) -> CircuitRun:
    """Identical plastic circuits with bursting on (``g_c = 1``) and off (``g_c = 0``).

    Parameters
    ----------
    model : spikemod.params.Model
        The circuit's model (its ``stdp`` section).
    duration_s, drive_Hz, dend_drive_Hz, record_dt_s : float, optional
        Simulated time (s), feed-forward and dendritic Poisson rates (Hz), weight sampling
        interval (s); defaults :data:`DEFAULTS`.
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    Returns
    -------
    CircuitRun
        ``rows`` with :data:`COLUMNS`; ``info`` per condition: ``rate_Hz``, ``dw_per_s``,
        ``t90_s`` and ``dw_per_post_spike_nS``.

    Example
    -------
    >>> run = simulate(load_model(), duration_s=2.0)    # doctest: +SKIP
    >>> claim(summarize(run.rows))                       # doctest: +SKIP
    """
    d = {k: (DEFAULTS[k] if v is None else v) for k, v in dict(
        duration_s=duration_s, drive_Hz=drive_Hz, dend_drive_Hz=dend_drive_Hz,
        record_dt_s=record_dt_s).items()}
    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        mc, mons, wmon, net = plastic_circuit(model, 2, d["drive_Hz"], d["dend_drive_Hz"],
                                              d["record_dt_s"], seed=seed)
        n = mc.sizes["pyr"]
        mc.pyr.g_c = np.repeat([1.0, 0.0], n)
        net.run(d["duration_s"] * second, report=report)
        sim.finish()
        spikes = {pop: spike_arrays(m) for pop, m in mons.items()}
        t = np.asarray(wmon.t / second)
        mean_w = mean_weight_trace(mc, wmon, 2)
    T = float(d["duration_s"])
    r = rates_in_window(*spikes["pyr"], 2 * n, 0.0, T)
    rows, info = [], {"drive_Hz": d["drive_Hz"], "dend_drive_Hz": d["dend_drive_Hz"]}
    for c, cond in enumerate(CONDITIONS):
        rows += [{"condition": cond, "time_s": float(tk), "mean_weight": float(wk)}
                 for tk, wk in zip(t, mean_w[c])]
        rate = float(r[c * n:(c + 1) * n].mean())
        slope, t90 = weight_change_summary(t, mean_w[c])
        info[cond] = {"rate_Hz": rate, "dw_per_s": slope, "t90_s": t90,
                      "dw_per_post_spike_nS": float((mean_w[c][-1] - mean_w[c][0])
                                                    / max(rate * T, 1e-12))}
    return CircuitRun(rows, spikes, T, info, population_sizes(mc))


def summarize(rows) -> list[dict]:
    """Speed of the mean weight per condition (:func:`weight_change_summary`).

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows (``condition, time_s, mean_weight``).

    Returns
    -------
    list of dict
        One row per condition with :data:`SUMMARY_COLUMNS`.
    """
    out = []
    for cond in dict.fromkeys(r["condition"] for r in rows):
        sel = [r for r in rows if r["condition"] == cond]
        slope, t90 = weight_change_summary([r["time_s"] for r in sel],
                                           [r["mean_weight"] for r in sel])
        out.append({"condition": cond, "dw_per_s": slope, "t90_s": t90})
    return out


def claim(summary) -> list[dict]:
    """RG25 claim 5 on this run, two readings: bursting accelerates STDP (larger |dw/dt|, the
    least-squares slope of the mean weight) and speeds its convergence (shorter time to 90 %
    of the change).

    Parameters
    ----------
    summary : list of dict
        :func:`summarize`'s rows for ``burst`` and ``no_burst``.

    Returns
    -------
    list of dict
        ``claim, measure, value, reference, reproduced`` per reading.

    Example
    -------
    >>> s = [{"condition": "burst", "dw_per_s": 0.2, "t90_s": 4.0},
    ...      {"condition": "no_burst", "dw_per_s": 0.1, "t90_s": 6.0}]
    >>> [c["reproduced"] for c in claim(s)]
    [True, True]
    """
    s = {r["condition"]: r for r in summary}
    b, n = (abs(float(s[c]["dw_per_s"])) for c in CONDITIONS)
    tb, tn = (float(s[c]["t90_s"]) for c in CONDITIONS)
    return [{"claim": "5 bursting accelerates STDP", "measure": "|dw/dt| burst vs no_burst (nS/s)",
             "value": b, "reference": n, "reproduced": bool(b > n)},
            {"claim": "5 bursting speeds convergence",
             "measure": "time to 90 % of the weight change, burst vs no_burst (s)",
             "value": tb, "reference": tn, "reproduced": bool(tb < tn)}]


claims_from_results = claims_reader(claim, "stdp_burst_summary.csv")


def figure(rows):
    """Mean E->E weight against time, burst and no_burst (:func:`weight_figure`).

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows.

    Returns
    -------
    matplotlib.figure.Figure
    """
    series = {c: ([r["time_s"] for r in rows if r["condition"] == c],
                  [r["mean_weight"] for r in rows if r["condition"] == c])
              for c in CONDITIONS}
    return weight_figure(series, title="Bursting speeds up E->E weight change")
