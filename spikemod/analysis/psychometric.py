"""Signal detection on spike counts: criterion, hit rates, ROC area, psychometric threshold.

The analysis of W25's threshold-detection experiment (``LVTD/LVTD_MainSim.m``): a trial is
"detected" when the pyramidal spike count after stimulus onset exceeds a criterion; the
criterion is the count that minimises misses + false alarms of the unlesioned circuit; the
neurometric sensitivity of a condition is the area under its ROC curve against the
no-stimulus counts; the psychometric curve is W25's logistic with guess and lapse rates.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

__all__ = ["detection_criterion", "hit_rate", "roc_auc", "logistic_psychometric",
           "psychometric_threshold"]


def detection_criterion(noise_counts, signal_counts) -> float:
    """The spike-count criterion that minimises misses + false alarms [W25].

    Parameters
    ----------
    noise_counts : array of int
        Counts of the no-stimulus trials (amplitude 0).
    signal_counts : list of arrays of int
        Counts of the trials of each stimulus amplitude > 0.

    Returns
    -------
    float
        Criterion ``c``; a trial is detected when its count is ``> c``. Candidates are the
        integers from the smallest to the largest count (W25: ``min_spikes:1:max_spikes``);
        the false-alarm rate is ``P(noise > c)``, the miss rate the mean over amplitudes of
        ``P(signal <= c)`` (W25's code counts amplitudes with a zero hit rate instead; the mean
        miss rate is the textbook quantity). Ties go to the lowest criterion.

    Raises
    ------
    ValueError
        Without noise trials.

    Example
    -------
    >>> detection_criterion([1, 2, 2, 3], [[2, 4, 5], [6, 7, 8]])
    3.0
    """
    noise = np.asarray(noise_counts, float)
    if noise.size == 0:
        raise ValueError("detection_criterion needs no-stimulus trials (amplitude 0)")
    signal = [np.asarray(s, float) for s in signal_counts if len(s)]
    everything = np.concatenate([noise] + signal)
    candidates = np.arange(np.floor(everything.min()), np.ceil(everything.max()) + 1)
    fa = np.array([np.mean(noise > c) for c in candidates])
    miss = np.array([np.mean([np.mean(s <= c) for s in signal]) if signal else 0.0
                     for c in candidates])
    return float(candidates[int(np.argmin(fa + miss))])


def hit_rate(counts, criterion) -> float:
    """Share of trials whose count exceeds ``criterion``."""
    counts = np.asarray(counts, float)
    return float(np.mean(counts > criterion)) if counts.size else float("nan")


def roc_auc(noise_counts, signal_counts) -> float:
    """Area under the empirical ROC curve of ``signal`` against ``noise`` counts.

    Equals the probability that a signal trial has the larger count (ties count half), the
    trapezoid area W25 computes over all criteria (``trapz(flip(FA), flip(H))``).

    Example
    -------
    >>> roc_auc([0, 1, 2], [1, 2, 3])
    0.7777777777777778
    """
    n = np.asarray(noise_counts, float)
    s = np.asarray(signal_counts, float)
    if n.size == 0 or s.size == 0:
        return float("nan")
    greater = (s[:, None] > n[None, :]).mean()
    ties = (s[:, None] == n[None, :]).mean()
    return float(greater + 0.5 * ties)


def logistic_psychometric(x, lapse, beta, alpha, guess):
    """W25's psychometric function ``guess + (1 - guess - lapse)/(1 + exp(-beta (x - alpha)))``."""
    return guess + (1 - guess - lapse) / (1 + np.exp(-beta * (x - alpha)))


def psychometric_threshold(amplitudes_pA, hit_rates) -> dict:
    """Detection threshold of a psychometric curve.

    Parameters
    ----------
    amplitudes_pA, hit_rates : array
        The curve (amplitudes ascending).

    Returns
    -------
    dict
        ``threshold_pA``: where the hit rate first reaches halfway between its smallest and
        largest value (linear interpolation; NaN for a flat curve), and ``alpha_pA``, ``beta``,
        ``guess``, ``lapse`` of W25's logistic fitted by least squares (x in units of 100 pA
        as W25; NaN when the fit fails).
    """
    x = np.asarray(amplitudes_pA, float)
    y = np.asarray(hit_rates, float)
    order = np.argsort(x)
    x, y = x[order], y[order]
    lo, hi = np.nanmin(y), np.nanmax(y)
    thr = float("nan")
    if hi - lo > 1e-9:
        half = 0.5 * (lo + hi)
        k = int(np.argmax(y >= half))
        thr = float(x[k]) if k == 0 else float(
            x[k - 1] + (half - y[k - 1]) * (x[k] - x[k - 1]) / (y[k] - y[k - 1]))
    out = {"threshold_pA": thr, "alpha_pA": float("nan"), "beta": float("nan"),
           "guess": float("nan"), "lapse": float("nan")}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            popt, _ = curve_fit(logistic_psychometric, x / 100, y, p0=[0.003, 2.5, 2, 0.01],
                                bounds=([0, 0, -10, 0], [0.5, 100, 100, 0.5]), maxfev=20000)
        out.update(lapse=float(popt[0]), beta=float(popt[1]), alpha_pA=float(popt[2] * 100),
                   guess=float(popt[3]))
    except (RuntimeError, ValueError):
        pass
    return out
