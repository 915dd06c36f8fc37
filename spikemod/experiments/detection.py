"""Threshold detection in W25's thalamocortical circuit (``LVTD/LVTD_MainSim.m``) [W25].

Every trial is one copy of the W25 ring (90 pyramidal cells, 90 PV cells, 10 matrix-thalamus
cells, thalamus-driven coupling) under W25's detection background (independent Poisson drive,
600 Hz onto every soma, x0.02 onto PV, 50 Hz onto every apical dendrite). A trial lasts 2 s; at
1 s a current pulse of 200 ms with Gaussian selectivity ``exp(-((n - 45)/20)^2)`` over the
pyramidal cells (1-based index ``n``, no wrap-around; TD_Stimulus.m) is injected into the somata
with amplitude 0-600 pA. Lesions act for the whole trial (TD_Stimulus.m): ``baclofen`` adds
``-magnitude`` to every apical dendrite, ``opto`` adds ``+magnitude``, ``thalamus`` adds
``-magnitude`` to every thalamic cell.

The response of a trial is the pyramidal spike count from stimulus onset to onset + 1 s (W25
counts ``firings > stim_onset & < stim_onset + 1000/DT``; W25's step ``t`` is this module's
spike step + 2, see tests/test_w25_reference.py). The criterion is the count that minimises
misses + false alarms of the unlesioned circuit (:func:`spikemod.analysis.psychometric.
detection_criterion`); hit rate = share of trials above it; AUC = ROC area of a condition's
counts against the unlesioned no-stimulus counts. All trials of all conditions run as circuit
copies of one build.
"""

from __future__ import annotations

import numpy as np
from brian2 import SpikeMonitor, pA, second

from spikemod.analysis.psychometric import (detection_criterion, hit_rate,
                                            psychometric_threshold, roc_auc)
from spikemod.device import simulation
from spikemod.experiments.common import CircuitRun, claims_reader
from spikemod.network import build_microcircuit, w25_selectivity

__all__ = ["NAME", "LESIONS", "COLUMNS", "SUMMARY_COLUMNS", "THRESHOLD_COLUMNS", "DEFAULTS",
           "trial_conditions", "simulate", "summarize", "claim", "figure"]

NAME = "threshold-detection"
LESIONS = ("none", "baclofen", "opto", "thalamus")
COLUMNS = ["lesion", "lesion_pA", "amplitude_pA", "trial", "spike_count", "detected"]
SUMMARY_COLUMNS = ["lesion", "lesion_pA", "amplitude_pA", "hit_rate", "auc"]
THRESHOLD_COLUMNS = ["lesion", "lesion_pA", "threshold_pA", "alpha_pA", "criterion"]

#: W25 values (LVTD_MainSim.m, TD_Stimulus.m); trials and magnitudes reduced for run time
DEFAULTS = {
    "amplitudes_pA": np.arange(0.0, 601.0, 50.0),   # W25 pulse_amplitude = 0:50:600
    "lesions": LESIONS,
    "magnitudes_pA": (300.0,),                      # W25 sweeps 100:100:400; figures use 300
    "trials": 8,                                    # W25: 50 per condition
    "duration_s": 2.0, "onset_s": 1.0, "pulse_s": 0.2, "window_s": 1.0,
    "centre": 45.0, "width": 20.0,
}

#: W25 records a spike at (1-based) step t when Brian2 detects it at the end of step t - 2
W25_STEP_OFFSET = 2


def trial_conditions(lesions, magnitudes_pA, amplitudes_pA, trials):
    """``(lesion, lesion_pA, amplitude_pA, trial)`` of every copy; ``none`` has magnitude 0."""
    out = []
    for lesion in lesions:
        for mag in ([0.0] if lesion == "none" else magnitudes_pA):
            for amp in amplitudes_pA:
                for trial in range(int(trials)):
                    out.append((lesion, float(mag), float(amp), trial))
    return out


def _lesion_currents(conds, n_exc, n_thal):
    """Per-cell dendritic and thalamic currents (pA) of every copy."""
    dend = np.concatenate([np.full(n_exc, {"baclofen": -m, "opto": m}.get(les, 0.0))
                           for les, m, _, _ in conds])
    thal = np.concatenate([np.full(n_thal, -m if les == "thalamus" else 0.0)
                           for les, m, _, _ in conds])
    return dend, thal


def simulate(model, *, amplitudes_pA=None, lesions=None, magnitudes_pA=None, trials=None,
             duration_s=None, onset_s=None, pulse_s=None, window_s=None, centre=None,
             width=None, device="runtime", seed=None, build_dir=None, report=None,
             setup=None) -> CircuitRun:
    """Run W25's detection experiment: one circuit copy per (lesion, magnitude, amplitude,
    trial), all in one build.

    Parameters
    ----------
    model : spikemod.params.Model
        The W25 circuit (``coupling.mode`` 'thalamic' for W25).
    amplitudes_pA, lesions, magnitudes_pA, trials, duration_s, onset_s, pulse_s, window_s,
    centre, width
        The design (defaults: :data:`DEFAULTS`).
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.
    setup : callable, optional
        ``setup(mc, conds)`` called after the circuit is built and before it runs; returns
        extra Brian2 objects to simulate (e.g. neuromodulation pools, issue 17).

    Returns
    -------
    CircuitRun
        ``rows`` with ``lesion, lesion_pA, amplitude_pA, trial, spike_count`` per copy; spikes
        of the pyramidal and thalamic populations.

    Raises
    ------
    ValueError
        For an unknown lesion.
    """
    d = dict(DEFAULTS)
    for k, v in dict(amplitudes_pA=amplitudes_pA, lesions=lesions, magnitudes_pA=magnitudes_pA,
                     trials=trials, duration_s=duration_s, onset_s=onset_s, pulse_s=pulse_s,
                     window_s=window_s, centre=centre, width=width).items():
        if v is not None:
            d[k] = v
    bad = [les for les in d["lesions"] if les not in LESIONS]
    if bad:
        raise ValueError(f"lesion {bad[0]!r} is not allowed (allowed: {', '.join(LESIONS)})")
    conds = trial_conditions(d["lesions"], d["magnitudes_pA"], d["amplitudes_pA"], d["trials"])
    copies = len(conds)
    time_step = model["sim.dt"]
    dt_s = float(time_step / second)
    with simulation(device, seed=seed, dt=time_step, build_dir=build_dir) as sim:
        mc = build_microcircuit(model, copies=copies, rng_seed=seed)
        n, n_th = mc.sizes["pyr"], mc.sizes["thal"]
        dend, thal = _lesion_currents(conds, n, n_th)
        mc.pyr.I_dend = dend * pA
        if mc.thal is not None:
            mc.thal.I_soma = thal * pA
        extra = list(setup(mc, conds)) if setup is not None else []
        profile = w25_selectivity(n, d["centre"], d["width"])
        stim = np.concatenate([amp * profile for _, _, amp, _ in conds])
        mons = {p: SpikeMonitor(g, name=f"{p}_spikes") for p, g in mc.populations.items()
                if p in ("pyr", "thal")}
        net = mc.network(*mons.values(), *extra)
        # W25 injects I_ext_const at its steps onset ... onset + width inclusive, i.e. from one
        # step before onset here (W25's step t integrates in this module's step t - 1)
        net.run((d["onset_s"] - dt_s) * second, report=report)
        mc.pyr.I_soma = stim * pA
        net.run((d["pulse_s"] + dt_s) * second, report=report)
        mc.pyr.I_soma = 0 * pA
        net.run((d["duration_s"] - d["onset_s"] - d["pulse_s"]) * second, report=report)
        sim.finish()
        spikes = {p: (np.asarray(m.i[:], dtype=np.int64), np.asarray(m.t[:] / second))
                  for p, m in mons.items()}
    ids, times = spikes["pyr"]
    step = np.round(times / dt_s).astype(np.int64) + W25_STEP_OFFSET
    on = int(round(d["onset_s"] / dt_s))
    off = on + int(round(d["window_s"] / dt_s))
    sel = (step > on) & (step < off)
    counts = np.bincount(ids[sel] // n, minlength=copies)
    rows = [{"lesion": les, "lesion_pA": mag, "amplitude_pA": amp, "trial": tr,
             "spike_count": int(c)} for (les, mag, amp, tr), c in zip(conds, counts)]
    sizes = {p: len(mc.populations[p]) for p in spikes}
    info = {"copies": copies, "design": {k: (list(map(float, v)) if k in
                                             ("amplitudes_pA", "magnitudes_pA") else
                                             (list(v) if isinstance(v, tuple) else v))
                                         for k, v in d.items()}}
    return CircuitRun(rows=rows, spikes=spikes, t_stop=d["duration_s"], info=info, sizes=sizes)


def summarize(rows):
    """Criterion, per-trial detection, hit rates, AUCs and thresholds.

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows (``lesion, lesion_pA, amplitude_pA, trial, spike_count``).

    Returns
    -------
    (trial_rows, summary_rows, threshold_rows, criterion)
        ``trial_rows`` gain ``detected`` (0/1); ``summary_rows`` have :data:`SUMMARY_COLUMNS`;
        ``threshold_rows`` :data:`THRESHOLD_COLUMNS` (half-maximum threshold and W25's logistic
        midpoint of each lesion's psychometric curve).

    Raises
    ------
    ValueError
        Without unlesioned no-stimulus trials (lesion ``none``, amplitude 0).
    """
    counts = {}
    for r in rows:
        counts.setdefault((r["lesion"], float(r["lesion_pA"]), float(r["amplitude_pA"])),
                          []).append(r["spike_count"])
    base = {a: c for (les, _, a), c in counts.items() if les == "none"}
    if 0.0 not in base:
        raise ValueError("the detection analysis needs unlesioned trials at amplitude 0 "
                         "(lesion 'none', amplitude 0 pA)")
    noise = base[0.0]
    criterion = detection_criterion(noise, [c for a, c in base.items() if a > 0])
    trial_rows = [dict(r, detected=int(r["spike_count"] > criterion)) for r in rows]
    summary = [{"lesion": les, "lesion_pA": mag, "amplitude_pA": amp,
                "hit_rate": hit_rate(c, criterion), "auc": roc_auc(noise, c)}
               for (les, mag, amp), c in counts.items()]
    thresholds = []
    for les, mag in dict.fromkeys((s["lesion"], s["lesion_pA"]) for s in summary):
        curve = [s for s in summary if s["lesion"] == les and s["lesion_pA"] == mag]
        fit = psychometric_threshold([s["amplitude_pA"] for s in curve],
                                     [s["hit_rate"] for s in curve])
        thresholds.append({"lesion": les, "lesion_pA": mag, "threshold_pA": fit["threshold_pA"],
                           "alpha_pA": fit["alpha_pA"], "criterion": criterion})
    return trial_rows, summary, thresholds, criterion


def claim(summary, thresholds) -> list[dict]:
    """W25's detection claims on this run: a rising psychometric curve; baclofen and thalamic
    inhibition shift it to higher amplitudes, opto to lower ones (the half-maximum threshold
    of the hit rate; a lesion whose curve never rises has an infinite threshold).

    Returns
    -------
    list of dict
        ``claim, measure, value, reference, reproduced`` per claim.
    """
    base = sorted((s for s in summary if s["lesion"] == "none"), key=lambda s: s["amplitude_pA"])
    out = [{"claim": "W25 detection: the psychometric curve rises with amplitude",
            "measure": "hit rate at the largest vs the smallest amplitude (no lesion)",
            "value": base[-1]["hit_rate"], "reference": base[0]["hit_rate"],
            "reproduced": base[-1]["hit_rate"] > base[0]["hit_rate"] + 0.3}]
    thr = {(t["lesion"], t["lesion_pA"]): t["threshold_pA"] for t in thresholds}
    t0 = thr[("none", 0.0)]
    for (les, mag), t in thr.items():
        if les == "none":
            continue
        t = np.inf if np.isnan(t) else t
        higher = les in ("baclofen", "thalamus")
        out.append({"claim": f"W25 detection: {les} shifts the threshold "
                             f"{'up' if higher else 'down'}",
                    "measure": f"half-maximum threshold (pA), {les} {mag:g} pA vs none",
                    "value": t, "reference": t0,
                    "reproduced": bool(t > t0) if higher else bool(t < t0)})
    return out


claims_from_results = claims_reader(claim, "detection_summary.csv", "detection_thresholds.csv")


COLORS = {"none": "#333333", "baclofen": "#ca3d83", "opto": "#04a2d6", "thalamus": "#b56035"}


def figure(trial_rows, summary, thresholds, spikes=None, n_exc=90):
    """Psychometric (hit rate) and neurometric (AUC) curves per lesion, mean spike counts, and
    the raster of one trial."""
    from spikemod import plotting
    fig, axes = plotting.figure(2, 2, width=7.0, height=5.4)
    for (les, mag) in dict.fromkeys((s["lesion"], s["lesion_pA"]) for s in summary):
        curve = sorted((s for s in summary if s["lesion"] == les and s["lesion_pA"] == mag),
                       key=lambda s: s["amplitude_pA"])
        x = [s["amplitude_pA"] for s in curve]
        label = les if les == "none" else f"{les} {mag:g} pA"
        style = dict(color=COLORS[les], marker="o", ms=3,
                     alpha=1.0 if les == "none" or mag == max(
                         s["lesion_pA"] for s in summary if s["lesion"] == les) else 0.5)
        axes[0, 0].plot(x, [s["hit_rate"] for s in curve], label=label, **style)
        axes[0, 1].plot(x, [s["auc"] for s in curve], **style)
        mean = [np.mean([r["spike_count"] for r in trial_rows if r["lesion"] == les
                         and r["lesion_pA"] == mag and r["amplitude_pA"] == a]) for a in x]
        axes[1, 0].plot(x, np.asarray(mean) / n_exc, **style)
    axes[0, 0].set(xlabel="stimulus amplitude (pA)", ylabel="P(detected)",
                   title="psychometric curves")
    axes[0, 0].legend(fontsize=6)
    axes[0, 1].set(xlabel="stimulus amplitude (pA)", ylabel="AUC", title="neurometric (ROC area)")
    axes[1, 0].set(xlabel="stimulus amplitude (pA)", ylabel="spikes per cell in 1 s",
                   title="response")
    if spikes is not None and "pyr" in spikes:
        ids, t = spikes["pyr"]
        k = len(trial_rows) // 2
        sel = ids // n_exc == k
        plotting.raster(axes[1, 1], t[sel], ids[sel] % n_exc,
                        title=f"trial {trial_rows[k]['trial']}: {trial_rows[k]['lesion']}, "
                              f"{trial_rows[k]['amplitude_pA']:g} pA")
        axes[1, 1].axvspan(DEFAULTS["onset_s"], DEFAULTS["onset_s"] + DEFAULTS["pulse_s"],
                           color="0.85", zorder=0)
    fig.suptitle("W25 threshold detection: thalamocortical L5 ring")
    return fig
