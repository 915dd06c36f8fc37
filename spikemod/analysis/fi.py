"""f-I curves: rates in a window, rheobase, gain, and the share of spikes fired in bursts.

All functions take spikemod's canonical spike form, two equal-length arrays ``ids`` (neuron
index) and ``times`` (seconds), so they work on 10^5 neurons without building spike-train
objects.
"""

from __future__ import annotations

import numpy as np

from spikemod.analysis.bursts import MAX_ISI_S

__all__ = ["rates_in_window", "burst_spike_fraction", "rheobase", "fi_gain"]


def _in_window(ids, times, t_start, t_stop):
    ids, times = np.asarray(ids), np.asarray(times, dtype=float)
    keep = (times >= t_start) & (times < t_stop)
    return ids[keep], times[keep]


def rates_in_window(ids, times, n, t_start, t_stop) -> np.ndarray:
    """Firing rate (Hz) of each of ``n`` neurons from spikes with ``t_start <= t < t_stop`` (s).

    Parameters
    ----------
    ids, times : array_like
        Canonical spikes: neuron index and time (s) of each spike, equal lengths.
    n : int
        Number of neurons (silent ones included).
    t_start, t_stop : float
        Counting window, seconds.

    Returns
    -------
    numpy.ndarray
        ``n`` rates in Hz.

    Raises
    ------
    IndexError
        If ``ids`` and ``times`` differ in length.

    Example
    -------
    >>> rates_in_window([0, 0, 1], [0.1, 0.6, 0.2], 3, 0.0, 0.5)
    array([2., 2., 0.])
    """
    ids, _ = _in_window(ids, times, t_start, t_stop)
    return np.bincount(ids.astype(np.int64), minlength=n)[:n] / float(t_stop - t_start)


def burst_spike_fraction(ids, times, n, t_start, t_stop, max_isi=MAX_ISI_S) -> np.ndarray:
    """Share of each neuron's spikes (in the window) that have a neighbour within ``max_isi`` s.

    A spike counts as a burst spike when the previous or the next spike of the same neuron in
    the window is closer than or equal to ``max_isi`` (default 15 ms). Neurons without spikes
    give NaN.

    Parameters
    ----------
    ids, times : array_like
        Canonical spikes: neuron index and time (s) of each spike, equal lengths.
    n : int
        Number of neurons.
    t_start, t_stop : float
        Window, seconds (``t_start <= t < t_stop``).
    max_isi : float
        Largest interval (s) between two spikes of one burst (default 0.015).

    Returns
    -------
    numpy.ndarray
        ``n`` fractions in [0, 1], NaN for neurons without spikes in the window.

    Raises
    ------
    IndexError
        If ``ids`` and ``times`` differ in length.

    Example
    -------
    >>> burst_spike_fraction([0, 0, 0, 1], [0.100, 0.105, 0.300, 0.2], 3, 0.0, 1.0)
    array([0.66666667, 0.        ,        nan])
    """
    ids, times = _in_window(ids, times, t_start, t_stop)
    order = np.lexsort((times, ids))
    ids, times = ids[order], times[order]
    same = ids[1:] == ids[:-1]
    close = same & (np.diff(times) <= max_isi)
    has_nb = np.zeros(ids.size, dtype=bool)
    has_nb[1:] |= close
    has_nb[:-1] |= close
    total = np.bincount(ids.astype(np.int64), minlength=n)[:n].astype(float)
    burst = np.bincount(ids.astype(np.int64), weights=has_nb, minlength=n)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, burst / total, np.nan)


def rheobase(currents, rates) -> float:
    """Smallest current with a rate above zero (NaN if the cell never fires).

    Parameters
    ----------
    currents, rates : array_like
        The f-I curve: injected currents (any unit; the result is in the same unit) and the
        rate at each.

    Returns
    -------
    float
        The rheobase on this grid, or NaN.

    Raises
    ------
    IndexError
        If ``currents`` and ``rates`` differ in length.

    Example
    -------
    >>> rheobase([0, 400, 800, 1200], [0.0, 0.0, 7.8, 21.1])
    800.0
    """
    currents, rates = np.asarray(currents, float), np.asarray(rates, float)
    firing = currents[rates > 0]
    return float(firing.min()) if firing.size else float("nan")


def fi_gain(currents, rates) -> float:
    """Gain: least-squares slope of rate against current over the points with rate > 0.

    Units are those of ``rates`` per unit of ``currents`` (Hz/pA for the protocols). NaN when
    fewer than two points fire.

    Parameters
    ----------
    currents, rates : array_like
        The f-I curve, equal lengths.

    Returns
    -------
    float
        The slope, or NaN.

    Raises
    ------
    IndexError
        If ``currents`` and ``rates`` differ in length (and at least two points fire).

    Example
    -------
    >>> round(fi_gain([0, 400, 800, 1200], [0.0, 0.0, 8.0, 20.0]), 4)
    0.03
    """
    currents, rates = np.asarray(currents, float), np.asarray(rates, float)
    keep = rates > 0
    if keep.sum() < 2:
        return float("nan")
    return float(np.polyfit(currents[keep], rates[keep], 1)[0])
