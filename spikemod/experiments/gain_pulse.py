"""A brief neuromodulatory gain pulse in a plastic microcircuit [RG25 claim 6; MODEL.md s3]
(protocol ``gain-pulse``).

One plastic W25 ring (pair-based STDP on E->E; the published circuit with its thalamus and a
fixed coupling) receives constant feed-forward and dendritic Poisson drive. The dendro-somatic
coupling ``g_c``, the cellular target of noradrenergic alpha2A/HCN modulation [S21], is at a
baseline, pulsed for a while, and returned to baseline. The mean E->E weight is sampled
regularly and differentiated (central differences). RG25's claim 6: weight updates speed up
during the pulse and return to their baseline speed after it (a two-timescale optimiser); it
is read from the mean |dw/dt| in three windows of the pulse's length
(:func:`phase_speeds`): just before the pulse, during it, and at the end of the run.

The plastic circuit, its weight read-out and the weight figure are shared with ``stdp-burst``
and live in :mod:`spikemod.experiments.stdp_burst`.
"""

from __future__ import annotations

import numpy as np
from brian2 import second

from spikemod.device import simulation
from spikemod.experiments.common import CircuitRun, claims_reader, population_sizes
from spikemod.experiments.stdp_burst import mean_weight_trace, plastic_circuit, weight_figure
from spikemod.io.monitors import spike_arrays

__all__ = ["NAME", "COLUMNS", "DEFAULTS", "simulate", "phase_speeds", "claim",
           "claims_from_results", "figure"]

NAME = "gain-pulse"
COLUMNS = ["time_s", "coupling", "mean_weight", "dw_dt"]

#: the design of the README's numbers
DEFAULTS = {"baseline": 0.0, "pulse": 1.0, "onset_s": 2.0, "width_s": 1.0, "after_s": 3.0,
            "drive_Hz": 800.0, "dend_drive_Hz": 600.0, "record_dt_s": 0.05}


def simulate(model, *, baseline=None, pulse=None, onset_s=None, width_s=None, after_s=None,
             drive_Hz=None, dend_drive_Hz=None, record_dt_s=None, device="runtime", seed=None,
             build_dir=None, report=None) -> CircuitRun:
    """A pulse of dendro-somatic coupling in a plastic circuit.

    ``g_c`` is ``baseline`` until ``onset_s``, ``pulse`` for ``width_s``, then ``baseline``
    for ``after_s``; feed-forward and dendritic drive are constant.

    Parameters
    ----------
    model : spikemod.params.Model
        The circuit's model (its ``stdp`` section).
    baseline, pulse : float, optional
        Coupling ``g_c`` outside and during the pulse.
    onset_s, width_s, after_s : float, optional
        Pulse onset, pulse length and time after the pulse, s.
    drive_Hz, dend_drive_Hz : float, optional
        Feed-forward and dendritic Poisson rates, Hz.
    record_dt_s : float, optional
        Sampling interval of the mean weight, s.
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    Every keyword left ``None`` takes its value from :data:`DEFAULTS`.

    Returns
    -------
    CircuitRun
        ``rows`` with :data:`COLUMNS` (``dw_dt`` in nS/s); ``info`` with the pulse times and
        ``mean_abs_dw_dt_before`` / ``_pulse`` / ``_after`` (:func:`phase_speeds`).

    Example
    -------
    >>> run = simulate(load_model(), onset_s=1.0, after_s=1.0)   # doctest: +SKIP
    >>> claim(run.rows)                                           # doctest: +SKIP
    """
    d = {k: (DEFAULTS[k] if v is None else v) for k, v in dict(
        baseline=baseline, pulse=pulse, onset_s=onset_s, width_s=width_s, after_s=after_s,
        drive_Hz=drive_Hz, dend_drive_Hz=dend_drive_Hz, record_dt_s=record_dt_s).items()}
    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        mc, mons, wmon, net = plastic_circuit(model, 1, d["drive_Hz"], d["dend_drive_Hz"],
                                              d["record_dt_s"], seed=seed)
        mc.pyr.g_c = d["baseline"]
        net.run(d["onset_s"] * second, report=report)
        mc.pyr.g_c = d["pulse"]
        net.run(d["width_s"] * second, report=report)
        mc.pyr.g_c = d["baseline"]
        net.run(d["after_s"] * second, report=report)
        sim.finish()
        spikes = {pop: spike_arrays(m) for pop, m in mons.items()}
        t = np.asarray(wmon.t / second)
        mean_w = mean_weight_trace(mc, wmon, 1)[0]
    on, off = float(d["onset_s"]), float(d["onset_s"] + d["width_s"])
    g = np.where((t >= on) & (t < off), d["pulse"], d["baseline"])
    dw = np.gradient(mean_w, t)
    rows = [{"time_s": float(a), "coupling": float(b), "mean_weight": float(c),
             "dw_dt": float(e)} for a, b, c, e in zip(t, g, mean_w, dw)]
    info = {"baseline": d["baseline"], "pulse": d["pulse"], "t_on_s": on, "t_off_s": off}
    info.update({f"mean_abs_dw_dt_{k}": v for k, v in phase_speeds(rows).items()})
    return CircuitRun(rows, spikes, off + float(d["after_s"]), info, population_sizes(mc))


def _pulse_samples(rows):
    """Sample times, |dw/dt| and the sample indices ``(k_on, k_off)`` of the pulse (the first
    sample whose coupling differs from the first one, and the first one back at baseline)."""
    t = np.array([float(r["time_s"]) for r in rows])
    g = np.array([float(r["coupling"]) for r in rows])
    dw = np.abs([float(r["dw_dt"]) for r in rows])
    on = np.flatnonzero(g != g[0])
    if on.size == 0:
        raise ValueError("the coupling never leaves its first value: no pulse in these rows")
    k_on = int(on[0])
    back = np.flatnonzero(g[k_on:] == g[0])
    k_off = k_on + int(back[0]) if back.size else len(t)
    return t, dw, k_on, k_off


def phase_speeds(rows) -> dict:
    """Mean |dw/dt| (nS/s) in three windows as long as the pulse: just before it (after the
    start-up transient), during it, and at the end of the run (has plasticity returned to its
    baseline speed?).

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows (or ``gain_pulse.csv`` read back): regularly sampled
        ``time_s, coupling, dw_dt``.

    Returns
    -------
    dict
        ``{"before": ..., "pulse": ..., "after": ...}`` (None for an empty window).

    Raises
    ------
    ValueError
        When the coupling never changes.

    Example
    -------
    >>> rows = [{"time_s": k / 10, "coupling": float(4 <= k < 6), "dw_dt": dw}
    ...         for k, dw in enumerate([9, 9, 1, 1, 5, 5, 2, 2, 3, 3])]
    >>> phase_speeds(rows)
    {'before': 1.0, 'pulse': 5.0, 'after': 3.0}
    """
    _, dw, k_on, k_off = _pulse_samples(rows)
    n_w = k_off - k_on
    windows = {"before": (max(0, k_on - n_w), k_on), "pulse": (k_on, k_off),
               "after": (max(k_off, len(dw) - n_w), len(dw))}
    return {k: (float(dw[a:b].mean()) if b > a else None) for k, (a, b) in windows.items()}


def claim(rows) -> list[dict]:
    """RG25 claim 6 on this run: the gain pulse speeds plasticity while it lasts (mean |dw/dt|
    during > before) and the speed returns afterwards (after < during).

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows (or ``gain_pulse.csv`` read back).

    Returns
    -------
    list of dict
        ``claim, measure, value, reference, reproduced``.

    Example
    -------
    >>> rows = [{"time_s": k / 10, "coupling": float(4 <= k < 6), "dw_dt": dw}
    ...         for k, dw in enumerate([9, 9, 1, 1, 5, 5, 2, 2, 3, 3])]
    >>> claim(rows)[0]["reproduced"]
    True
    """
    p = phase_speeds(rows)
    return [{"claim": "6 gain pulse speeds plasticity while it lasts",
             "measure": "mean |dw/dt| during vs before (nS/s)",
             "value": p["pulse"], "reference": p["before"],
             "reproduced": bool(p["pulse"] > p["before"] and p["after"] < p["pulse"])}]


claims_from_results = claims_reader(claim, "gain_pulse.csv")


def figure(rows):
    """Mean E->E weight (top) and its derivative (bottom), the pulse shaded
    (:func:`spikemod.experiments.stdp_burst.weight_figure`).

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t, _, k_on, k_off = _pulse_samples(rows)
    t_off = t[k_off] if k_off < len(t) else t[-1]
    return weight_figure({"mean": (t, [r["mean_weight"] for r in rows])},
                         shade=(t[k_on], t_off),
                         second=(t, [r["dw_dt"] for r in rows], "dw/dt (nS/s)"),
                         title="A coupling pulse speeds up weight change while it lasts")
