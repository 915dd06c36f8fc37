"""Population spike statistics over spikemod's canonical (ids, times) arrays, Elephant underneath.

Every function takes the two arrays of one population (``ids``: neuron index, ``times``:
seconds), its size ``n`` and the window ``[t_start, t_stop)``, so a 10^5-neuron population is
analysed without building 10^5 :class:`neo.SpikeTrain` objects (~120 us each).

* Where Elephant has a population-scale form, it is called directly: the instantaneous
  population rate is ``elephant.statistics.instantaneous_rate`` of the pooled population train
  (divided by ``n``); its power spectrum is ``elephant.spectral.welch_psd``; pairwise
  correlations are ``elephant.spike_train_correlation.correlation_coefficient`` of a
  ``BinnedSpikeTrain`` of a random sample of active neurons.
* Per-neuron ISI CV, LV and Fano factor follow Elephant's definitions exactly
  (``elephant.statistics.cv`` of the ISIs = std/mean with ddof 0; ``elephant.statistics.lv``
  [Shinomoto et al. 2003]; ``elephant.statistics.fanofactor`` = var/mean of spike counts,
  ddof 0) but are evaluated for all neurons at once with numpy; tests check them against
  Elephant train by train.
* Bursts: :mod:`spikemod.analysis.bursts` (Elephant has none).
"""

from __future__ import annotations

import warnings

import numpy as np
import quantities as pq

from spikemod.analysis.bursts import MAX_ISI_S, MIN_SPIKES, burst_stats, sort_by_neuron
from spikemod.analysis.fi import rates_in_window

__all__ = ["window", "by_neuron", "isi_cv", "isi_lv", "fano_factor", "population_rate",
           "binned_population_rate", "rate_power_spectrum", "band_powers", "BANDS",
           "pairwise_correlation", "summarize", "METRICS"]


def window(ids, times, t_start, t_stop):
    """Spikes with ``t_start <= t < t_stop`` as (int64 ids, float times)."""
    ids, times = np.asarray(ids, dtype=np.int64), np.asarray(times, dtype=float)
    keep = (times >= t_start) & (times < t_stop)
    return ids[keep], times[keep]


def by_neuron(ids, times):
    """Sort by (neuron, time): returns ids, times and ``same`` (spike k+1 is of neuron of k)."""
    ids, times = sort_by_neuron(ids, times)
    return ids, times, ids[1:] == ids[:-1]


def _isis(ids, times):
    """ISIs of all neurons at once: (neuron of each ISI, ISI), in neuron then time order."""
    ids, times, same = by_neuron(np.asarray(ids, np.int64), np.asarray(times, float))
    return ids[1:][same], np.diff(times)[same]


def isi_cv(ids, times, n, min_isis: int = 2) -> np.ndarray:
    """Coefficient of variation of each neuron's ISIs (std/mean, ddof 0, as
    ``elephant.statistics.cv``); NaN for neurons with fewer than ``min_isis`` ISIs.

    Parameters
    ----------
    ids, times : array_like
        Canonical spikes: neuron index and time (s) of each spike, equal lengths.
    n : int
        Number of neurons (silent ones included).
    min_isis : int
        Fewest ISIs for a value (default 2).

    Returns
    -------
    numpy.ndarray
        ``n`` CVs (dimensionless).

    Raises
    ------
    IndexError
        If ``ids`` and ``times`` differ in length or an id is ``>= n``.

    Example
    -------
    >>> isi_cv([0, 0, 0, 1], [0.0, 0.1, 0.3, 0.5], 2)
    array([0.33333333,        nan])
    """
    owner, isi = _isis(ids, times)
    k = np.bincount(owner, minlength=n)[:n].astype(float)
    s1 = np.bincount(owner, weights=isi, minlength=n)[:n]
    s2 = np.bincount(owner, weights=isi * isi, minlength=n)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / k
        var = np.maximum(s2 / k - mean * mean, 0.0)
        return np.where(k >= max(min_isis, 1), np.sqrt(var) / mean, np.nan)


def isi_lv(ids, times, n) -> np.ndarray:
    """Local variation LV = 3/(k-1) sum ((I_i - I_i+1)/(I_i + I_i+1))^2 of each neuron's ISIs
    [Shinomoto et al. 2003], as ``elephant.statistics.lv``; NaN with fewer than 2 ISIs.

    Parameters
    ----------
    ids, times : array_like
        Canonical spikes: neuron index and time (s) of each spike, equal lengths.
    n : int
        Number of neurons (silent ones included).

    Returns
    -------
    numpy.ndarray
        ``n`` LVs (1 for a Poisson train, 0 for a regular one).

    Raises
    ------
    IndexError
        If ``ids`` and ``times`` differ in length or an id is ``>= n``.

    Example
    -------
    >>> isi_lv([0, 0, 0, 0], [0.0, 0.1, 0.3, 0.4], 1).round(3)          # ISIs 0.1, 0.2, 0.1
    array([0.333])
    """
    owner, isi = _isis(ids, times)
    pair = owner[1:] == owner[:-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        term = ((isi[:-1] - isi[1:]) / (isi[:-1] + isi[1:])) ** 2
    term, who = term[pair], owner[1:][pair]
    m = np.bincount(who, minlength=n)[:n].astype(float)
    s = np.bincount(who, weights=term, minlength=n)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m > 0, 3.0 * s / m, np.nan)


def fano_factor(ids, times, n, t_start, t_stop, counting_window: float = 0.1) -> np.ndarray:
    """Fano factor of each neuron's spike counts in consecutive ``counting_window`` (s) bins
    over ``[t_start, t_stop)`` (var/mean with ddof 0, as ``elephant.statistics.fanofactor``
    of the per-bin pieces); NaN for silent neurons or fewer than 2 whole bins.

    Parameters
    ----------
    ids, times : array_like
        Canonical spikes: neuron index and time (s) of each spike, equal lengths.
    n : int
        Number of neurons (silent ones included).
    t_start, t_stop : float
        Window, seconds.
    counting_window : float
        Bin width, seconds (default 0.1).

    Returns
    -------
    numpy.ndarray
        ``n`` Fano factors.

    Raises
    ------
    IndexError
        If ``ids`` and ``times`` differ in length.

    Example
    -------
    >>> fano_factor([0, 0, 0, 0], [0.05, 0.15, 0.25, 0.35], 2, 0.0, 0.4)
    array([ 0., nan])
    """
    n_bins = int(np.floor((t_stop - t_start) / counting_window + 1e-9))
    if n_bins < 2:
        return np.full(n, np.nan)
    ids, times = window(ids, times, t_start, t_start + n_bins * counting_window)
    b = np.minimum(((times - t_start) / counting_window).astype(np.int64), n_bins - 1)
    counts = np.bincount(ids * n_bins + b, minlength=n * n_bins)[:n * n_bins]
    counts = counts.reshape(n, n_bins).astype(float)
    mean = counts.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mean > 0, counts.var(axis=1) / mean, np.nan)


def population_rate(times, n, t_start, t_stop, sampling_period: float = 1e-3,
                    sigma: float = 5e-3):
    """Instantaneous population rate (Hz per neuron): Elephant's ``instantaneous_rate`` of the
    pooled train with a Gaussian kernel of width ``sigma`` (s), divided by ``n``.

    Parameters
    ----------
    times : array_like
        Spike times (s) of the whole population.
    n : int
        Number of neurons.
    t_start, t_stop : float
        Window, seconds.
    sampling_period, sigma : float
        Sampling step and kernel width, seconds (defaults 1 ms, 5 ms).

    Returns
    -------
    t_s, rate_Hz : numpy.ndarray
        Sample times and the rate per neuron, every ``sampling_period`` seconds.

    Raises
    ------
    ValueError
        If ``t_stop`` is before ``t_start`` (from Neo).

    Example
    -------
    >>> t, rate = population_rate([0.1, 0.2, 0.3], 10, 0.0, 0.5)
    >>> t.size, round(float(rate.mean()), 2)
    (500, 0.6)
    """
    from elephant.kernels import GaussianKernel
    from elephant.statistics import instantaneous_rate
    from neo import SpikeTrain

    times = np.asarray(times, float)
    times = np.sort(times[(times >= t_start) & (times < t_stop)])
    pooled = SpikeTrain(times, units="s", t_start=t_start, t_stop=t_stop)
    rate = instantaneous_rate(pooled, sampling_period=sampling_period * pq.s,
                              kernel=GaussianKernel(sigma * pq.s), border_correction=True)
    t = rate.times.rescale("s").magnitude
    return t, rate.rescale("Hz").magnitude[:, 0] / max(n, 1)


def binned_population_rate(ids, times, members, t_start, t_stop, bin_s: float = 1e-3):
    """Binned (histogram) rate of a subset of neurons, Hz per neuron: the spikes of ``members``
    counted in bins of ``bin_s`` over ``[t_start, t_stop)``, divided by ``len(members) bin_s``.

    Unlike :func:`population_rate` (a Gaussian-kernel estimate of the whole population), the
    bins do not overlap, so a band power of this signal is that of plain spike counts.

    Parameters
    ----------
    ids, times : array_like
        Neuron indices and spike times (s).
    members : array_like of int
        The neurons to pool.
    t_start, t_stop : float
        Window, seconds.
    bin_s : float
        Bin width, seconds (default 1 ms).

    Returns
    -------
    numpy.ndarray
        Rate per neuron (Hz) in each bin.

    Example
    -------
    >>> binned_population_rate([0, 1, 2], [0.0005, 0.0015, 0.0015], [0, 1], 0.0, 0.002)
    array([500., 500.])
    """
    ids, times = window(ids, times, t_start, t_stop)
    times = times[np.isin(ids, members)]
    edges = np.arange(t_start, t_stop + 0.5 * bin_s, bin_s)
    counts, _ = np.histogram(times, edges)
    return counts / (len(members) * bin_s)


def rate_power_spectrum(rate_Hz, sampling_period: float = 1e-3,
                        frequency_resolution: float = 2.0):
    """Power spectrum of a population rate (mean removed): ``elephant.spectral.welch_psd``
    (Hann windows, 50 % overlap). A signal shorter than 1/``frequency_resolution`` s is
    analysed as one segment (resolution 1/duration); fewer than 8 samples give empty arrays.

    Parameters
    ----------
    rate_Hz : array_like
        A population rate, e.g. from :func:`population_rate`.
    sampling_period : float
        Its sampling step, seconds (default 1 ms).
    frequency_resolution : float
        Requested resolution, Hz (default 2).

    Returns
    -------
    freqs_Hz, psd : numpy.ndarray
        Frequencies and power (Hz^2/Hz).

    Raises
    ------
    ValueError
        From Elephant, for a non-positive ``sampling_period`` or ``frequency_resolution``.

    Example
    -------
    >>> t = np.arange(1000) * 1e-3
    >>> f, p = rate_power_spectrum(10 + 5 * np.sin(2 * np.pi * 40 * t))
    >>> float(f[np.argmax(p)])
    40.0
    """
    from elephant.spectral import welch_psd

    rate_Hz = np.asarray(rate_Hz, float)
    fs = 1.0 / sampling_period
    if rate_Hz.size < 8:
        return np.zeros(0), np.zeros(0)
    frequency_resolution = max(frequency_resolution, fs / rate_Hz.size)
    freqs, psd = welch_psd(rate_Hz, frequency_resolution=frequency_resolution, fs=fs,
                           detrend="constant")
    return np.asarray(freqs), np.asarray(psd)


#: frequency bands (Hz) of a population rate, for :func:`band_powers`
BANDS = {"delta": (1, 4), "theta": (4, 8), "alpha": (8, 13), "beta": (13, 30),
         "gamma": (30, 80)}


def band_powers(rate_hz, fs_hz, bands=None, nperseg=None) -> dict:
    """Power of a population-rate signal in each frequency band: the Welch PSD
    (``scipy.signal.welch``, Hann windows, 50 % overlap, mean removed) integrated over the band,
    i.e. the rate variance per band (Hz^2).

    Parameters
    ----------
    rate_hz : array_like
        A population rate, e.g. from :func:`binned_population_rate`.
    fs_hz : float
        Its sampling rate, Hz.
    bands : dict, optional
        ``{name: (low_Hz, high_Hz)}``, each ``[low, high)`` (default :data:`BANDS`).
    nperseg : int, optional
        Welch segment length in samples (default 1 s of samples, at most the signal).

    Returns
    -------
    dict
        ``{band: power}`` in Hz^2.

    Raises
    ------
    ValueError
        For fewer than 2 samples.

    Example
    -------
    >>> t = np.arange(4000) * 1e-3
    >>> p = band_powers(10 + 5 * np.sin(2 * np.pi * 40 * t), 1e3)
    >>> max(p, key=p.get), round(p["gamma"], 1)          # a 5 Hz sine has variance 12.5
    ('gamma', 12.5)
    """
    from scipy.signal import welch
    bands = bands or BANDS
    x = np.asarray(rate_hz, float)
    if x.size < 2:
        raise ValueError(f"band_powers: {x.size} samples; a spectrum needs at least 2")
    f, p = welch(x - x.mean(), fs=fs_hz, nperseg=min(len(x), int(nperseg or fs_hz)))
    df = f[1] - f[0]
    return {b: float(p[(f >= lo) & (f < hi)].sum() * df) for b, (lo, hi) in bands.items()}


def pairwise_correlation(ids, times, n, t_start, t_stop, n_sample: int = 100,
                         bin_size: float = 5e-3, seed: int = 0):
    """Pearson correlations of binned spike counts (``bin_size`` s) between pairs of a random
    sample of up to ``n_sample`` active neurons (``elephant.spike_train_correlation.
    correlation_coefficient`` of an Elephant ``BinnedSpikeTrain``).

    Parameters
    ----------
    ids, times : array_like
        Canonical spikes: neuron index and time (s) of each spike, equal lengths.
    n : int
        Number of neurons (silent ones included).
    t_start, t_stop : float
        Window, seconds.
    n_sample : int
        Most neurons sampled (default 100).
    bin_size : float
        Bin width, seconds (default 5 ms).
    seed : int
        Seed of the sample.

    Returns
    -------
    numpy.ndarray
        The off-diagonal coefficients (one per pair), NaN-free; empty with < 2 active neurons.

    Raises
    ------
    IndexError
        If ``ids`` and ``times`` differ in length.

    Example
    -------
    >>> pairwise_correlation([0, 1, 0, 1], [0.011, 0.012, 0.051, 0.052], 2, 0.0, 0.1)
    array([1.])
    """
    from elephant.conversion import BinnedSpikeTrain
    from elephant.spike_train_correlation import correlation_coefficient
    from neo import SpikeTrain

    ids, times = window(ids, times, t_start, t_stop)
    active = np.flatnonzero(np.bincount(ids, minlength=n))
    if active.size < 2 or (t_stop - t_start) < 2 * bin_size:
        return np.zeros(0)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(active, size=min(n_sample, active.size), replace=False))
    keep = np.zeros(max(n, int(ids.max()) + 1), bool)
    keep[sample] = True
    ids, times, _ = by_neuron(ids[keep[ids]], times[keep[ids]])
    lo, hi = np.searchsorted(ids, sample, "left"), np.searchsorted(ids, sample, "right")
    trains = [SpikeTrain(times[a:b], units="s", t_start=t_start, t_stop=t_stop)
              for a, b in zip(lo, hi)]
    # Elephant 1.2 passes quantities' deprecated copy= argument, and warns about silent
    # trains in the coefficient (their NaN rows are dropped below)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        binned = BinnedSpikeTrain(trains, bin_size=bin_size * pq.s, t_start=t_start * pq.s,
                                  t_stop=t_stop * pq.s, tolerance=None)
        cc = correlation_coefficient(binned)
    iu = np.triu_indices(len(trains), k=1)
    vals = cc[iu]
    return vals[np.isfinite(vals)]


#: metric name -> what it is (the rows of analysis.csv, in this order)
METRICS = {
    "n_neurons": "neurons in the population",
    "n_spikes": "spikes in the window",
    "t_start_s": "analysis window start (s)",
    "t_stop_s": "analysis window stop (s)",
    "rate_mean_Hz": "mean firing rate over neurons",
    "rate_sd_Hz": "standard deviation of the firing rate over neurons",
    "active_fraction": "share of neurons with at least one spike",
    "isi_cv_mean": "mean ISI coefficient of variation (neurons with >= 2 ISIs)",
    "lv_mean": "mean local variation LV (neurons with >= 2 ISIs)",
    "fano_factor_mean": "mean Fano factor of 100 ms spike counts (active neurons)",
    "burst_rate_Hz": "ISI-threshold bursts per neuron per second",
    "burst_spike_fraction": "share of the population's spikes fired in bursts",
    "pairwise_correlation_mean": "mean pairwise count correlation (5 ms bins, <= 100 neurons)",
    "pop_rate_sd_Hz": "standard deviation of the instantaneous population rate (5 ms kernel)",
    "pop_rate_peak_frequency_Hz": "frequency of the largest peak of the population-rate "
                                  "power spectrum above 0 Hz",
    "pop_rate_peak_power": "power at that peak (Hz^2/Hz)",
}


def _nanmean(x):
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else float("nan")


def summarize(ids, times, n, t_start, t_stop, max_isi: float = MAX_ISI_S,
              min_spikes: int = MIN_SPIKES, n_sample: int = 100, seed: int = 0) -> tuple[dict, dict]:
    """All :data:`METRICS` of one population, plus the series for figures.

    Parameters
    ----------
    ids, times : array_like
        Canonical spikes: neuron index and time (s) of each spike, equal lengths.
    n : int
        Number of neurons (silent ones included).
    t_start, t_stop : float
        Window, seconds.
    max_isi, min_spikes
        Burst criterion (:func:`spikemod.analysis.bursts.detect_bursts`).
    n_sample, seed
        Sample for :func:`pairwise_correlation`.

    Returns
    -------
    metrics : dict
        ``{name: float}`` in the order of :data:`METRICS`.
    series : dict
        ``{'t_s', 'rate_Hz', 'freqs_Hz', 'psd'}`` arrays for figures.

    Raises
    ------
    IndexError
        If ``ids`` and ``times`` differ in length.

    Example
    -------
    >>> m, _ = summarize([0, 0, 1], [0.1, 0.105, 0.5], 4, 0.0, 1.0)
    >>> m["n_spikes"], m["rate_mean_Hz"], m["active_fraction"], m["burst_rate_Hz"]
    (3, 0.75, 0.5, 0.25)
    """
    ids, times = window(ids, times, t_start, t_stop)
    ids, times = sort_by_neuron(ids, times)   # once; the statistics below then skip sorting
    duration = t_stop - t_start
    rates = rates_in_window(ids, times, n, t_start, t_stop) if duration > 0 else np.full(n, np.nan)
    bursts = burst_stats(ids, times, n, t_start, t_stop, max_isi=max_isi, min_spikes=min_spikes)
    t, rate = population_rate(times, n, t_start, t_stop) if duration > 0 else ([], [])
    freqs, psd = rate_power_spectrum(rate)
    nz = freqs > 0
    k = int(np.argmax(psd[nz])) if np.any(nz) else None
    cc = pairwise_correlation(ids, times, n, t_start, t_stop, n_sample=n_sample, seed=seed)
    m = {
        "n_neurons": int(n),
        "n_spikes": int(ids.size),
        "t_start_s": float(t_start),
        "t_stop_s": float(t_stop),
        "rate_mean_Hz": float(np.mean(rates)) if n else float("nan"),
        "rate_sd_Hz": float(np.std(rates)) if n else float("nan"),
        "active_fraction": float(np.mean(rates > 0)) if n else float("nan"),
        "isi_cv_mean": _nanmean(isi_cv(ids, times, n)),
        "lv_mean": _nanmean(isi_lv(ids, times, n)),
        "fano_factor_mean": _nanmean(fano_factor(ids, times, n, t_start, t_stop)),
        "burst_rate_Hz": bursts["burst_rate_Hz"],
        "burst_spike_fraction": bursts["burst_spike_fraction"],
        "pairwise_correlation_mean": _nanmean(cc),
        "pop_rate_sd_Hz": float(np.std(rate)) if len(rate) else float("nan"),
        "pop_rate_peak_frequency_Hz": float(freqs[nz][k]) if k is not None else float("nan"),
        "pop_rate_peak_power": float(psd[nz][k]) if k is not None else float("nan"),
    }
    return m, {"t_s": np.asarray(t), "rate_Hz": np.asarray(rate), "freqs_Hz": freqs, "psd": psd}
