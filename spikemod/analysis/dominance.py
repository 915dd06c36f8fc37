"""Perceptual dominance in binocular rivalry from two populations' spikes [W25].

A transcription of W25's ``LVBR/CalculateDominanceDurations.m``: the spikes of the two
half-rings are counted in 1 ms bins, converted to population rates, smoothed with a normalised
250-point Gaussian window (MATLAB ``gausswin``, alpha 2.5, ``conv(..., 'same')``); the left
population dominates while its rate exceeds the right one's by more than 5 Hz (and vice versa).
Dominance durations are the lengths of the runs; as in W25 the last run of each eye (cut by the
end of the trial) is dropped.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["gausswin", "smoothed_rate", "dominance_periods", "gamma_fit"]


def gausswin(n: int, alpha: float = 2.5) -> np.ndarray:
    """MATLAB's ``gausswin(n, alpha)``: ``exp(-0.5 (alpha k/((n - 1)/2))^2)``,
    ``k = -(n-1)/2 ... (n-1)/2``."""
    k = np.arange(n) - (n - 1) / 2
    return np.exp(-0.5 * (alpha * k / ((n - 1) / 2)) ** 2)


def smoothed_rate(times_s, n_cells: int, t_stop: float, bin_s: float = 1e-3,
                  window: int = 250) -> np.ndarray:
    """Population rate (Hz) in ``bin_s`` bins from 0 to ``t_stop``, smoothed by W25's
    normalised Gaussian window of ``window`` bins (``conv(x, w/sum(w), 'same')``)."""
    edges = np.arange(0.0, t_stop + 0.5 * bin_s, bin_s)
    counts, _ = np.histogram(np.asarray(times_s, float), edges)
    rate = counts / bin_s / n_cells
    w = gausswin(window)
    return np.convolve(rate, w / w.sum(), mode="same")


def _runs(mask):
    """(start index, length) of the runs of True in ``mask``."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.diff(m.astype(np.int8))
    starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    return starts, stops - starts


def dominance_periods(times_left, times_right, n_left: int, n_right: int, t_stop: float,
                      margin_Hz: float = 5.0, bin_s: float = 1e-3, window: int = 250) -> dict:
    """Dominance periods of two rivalling populations [W25 CalculateDominanceDurations.m].

    Parameters
    ----------
    times_left, times_right : array of float
        Spike times (s) of the left- and right-eye populations.
    n_left, n_right : int
        Their sizes.
    t_stop : float
        Trial length (s).
    margin_Hz : float
        A population dominates while its smoothed rate exceeds the other's by this much.

    Returns
    -------
    dict
        ``left`` and ``right``: lists of ``(start_s, duration_s)`` (the last run of each eye
        dropped, as W25), ``alternations`` (number of kept periods), ``rate_left`` and
        ``rate_right`` (the smoothed rates, Hz).

    Example
    -------
    >>> t = np.arange(0, 2, 0.002)
    >>> left = t[(t % 1.0) < 0.5]; right = t[(t % 1.0) >= 0.5]
    >>> d = dominance_periods(left, right, 1, 1, 2.0)
    >>> [round(x, 2) for x in d["left"][0]]
    [0.0, 0.5]
    """
    rl = smoothed_rate(times_left, n_left, t_stop, bin_s, window)
    rr = smoothed_rate(times_right, n_right, t_stop, bin_s, window)
    out = {"rate_left": rl, "rate_right": rr}
    for eye, mask in (("left", rl > rr + margin_Hz), ("right", rr > rl + margin_Hz)):
        starts, lengths = _runs(mask)
        out[eye] = [(float(s * bin_s), float(n * bin_s)) for s, n in zip(starts[:-1], lengths[:-1])]
    out["alternations"] = len(out["left"]) + len(out["right"])
    return out


def gamma_fit(durations_s) -> dict:
    """Maximum-likelihood gamma fit of dominance durations (location 0), as W25's
    ``fitdist(..., 'gamma')``: ``shape``, ``scale_s``, ``n``; NaN with fewer than 3 values."""
    d = np.asarray(durations_s, float)
    d = d[d > 0]
    if d.size < 3:
        return {"shape": float("nan"), "scale_s": float("nan"), "n": int(d.size)}
    shape, _, scale = stats.gamma.fit(d, floc=0)
    return {"shape": float(shape), "scale_s": float(scale), "n": int(d.size)}
