"""ISI-threshold burst detection (Elephant has none), over canonical (ids, times) arrays.

Definition (documented choice; the spec fixes no burst criterion for spike trains):

* A **burst** is a maximal run of at least ``min_spikes`` consecutive spikes of one neuron in
  which every inter-spike interval is ``<= max_isi``.
* Defaults ``max_isi = 15 ms`` and ``min_spikes = 2``: the same criterion as
  :func:`spikemod.analysis.fi.burst_spike_fraction` (a spike with a neighbour within 15 ms is a
  burst spike), so burst counts here and the f-I protocols' burst-spike fraction agree. L5
  pyramidal bursts (calcium-plateau driven, [S21, NS18]) have intra-burst ISIs of a few ms to
  ~10 ms; 15 ms keeps doublets at the low-frequency edge, regular firing above ~67 Hz would
  also count, so read burst numbers together with the rate.

All neurons are processed at once (sort by neuron then time; runs found with ``np.diff``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["detect_bursts", "burst_stats", "sort_by_neuron", "MAX_ISI_S", "MIN_SPIKES"]

#: largest ISI (s) inside a burst: the one 15 ms burst criterion of spikemod (see above)
MAX_ISI_S = 0.015
MIN_SPIKES = 2


def sort_by_neuron(ids, times):
    """Spikes ordered by neuron, then time (int64 ids, float times).

    Already-ordered input is returned as is; time-ordered input (spikes.h5 is written sorted
    by time) needs only a stable sort of the ids."""
    ids = np.asarray(ids, dtype=np.int64)
    times = np.asarray(times, dtype=float)
    if ids.size < 2:
        return ids, times
    same = ids[1:] == ids[:-1]
    if np.all((ids[1:] > ids[:-1]) | (same & (times[1:] >= times[:-1]))):
        return ids, times
    if np.all(times[1:] >= times[:-1]):
        order = np.argsort(ids, kind="stable")
    else:
        order = np.lexsort((times, ids))
    return ids[order], times[order]


def detect_bursts(ids, times, max_isi: float = MAX_ISI_S, min_spikes: int = MIN_SPIKES) -> dict:
    """Bursts of all neurons: runs of at least ``min_spikes`` spikes with every ISI <= ``max_isi``.

    Parameters
    ----------
    ids, times : array_like
        Canonical spikes: neuron index and time (s) of each spike, equal lengths.
    max_isi : float
        Largest interval (s) within a burst (default 0.015).
    min_spikes : int
        Fewest spikes in a burst (default 2).

    Returns
    -------
    dict
        Equal-length arrays ``neuron``, ``start_s``, ``stop_s`` (first and last spike time),
        ``n_spikes``; ordered by neuron, then time.

    Raises
    ------
    ValueError
        If ``max_isi <= 0`` or ``min_spikes < 2``.

    Example
    -------
    >>> b = detect_bursts([0, 0, 0, 0, 1], [0.100, 0.105, 0.110, 0.500, 0.2])
    >>> b["neuron"].tolist(), b["n_spikes"].tolist(), b["start_s"].tolist()
    ([0], [3], [0.1])
    """
    if max_isi <= 0:
        raise ValueError(f"max_isi {max_isi!r} must be > 0 s")
    if int(min_spikes) < 2:
        raise ValueError(f"min_spikes {min_spikes!r} must be >= 2")
    ids, times = sort_by_neuron(ids, times)
    close = (ids[1:] == ids[:-1]) & (np.diff(times) <= max_isi)
    # runs of True in `close`: a run of length L joins L + 1 spikes
    edges = np.diff(np.concatenate([[0], close.astype(np.int8), [0]]))
    run_start = np.flatnonzero(edges == 1)        # index of first spike of the run
    run_stop = np.flatnonzero(edges == -1)        # index of last spike of the run
    n_spk = run_stop - run_start + 1
    keep = n_spk >= int(min_spikes)
    run_start, run_stop, n_spk = run_start[keep], run_stop[keep], n_spk[keep]
    return {"neuron": ids[run_start], "start_s": times[run_start], "stop_s": times[run_stop],
            "n_spikes": n_spk}


def burst_stats(ids, times, n, t_start, t_stop, max_isi: float = MAX_ISI_S,
                min_spikes: int = MIN_SPIKES) -> dict:
    """Population burst summary over ``[t_start, t_stop)``.

    Parameters
    ----------
    ids, times : array_like
        Canonical spikes: neuron index and time (s) of each spike, equal lengths.
    n : int
        Number of neurons.
    t_start, t_stop : float
        Window, seconds.
    max_isi, min_spikes
        Burst criterion, as for :func:`detect_bursts`.

    Returns
    -------
    dict
        ``burst_rate_Hz`` (bursts per neuron per second), ``burst_spike_fraction`` (spikes in
        bursts / all spikes; NaN without spikes), ``bursts_per_neuron`` (array of n),
        ``mean_burst_spikes``.

    Raises
    ------
    ValueError
        If ``max_isi <= 0`` or ``min_spikes < 2``.

    Example
    -------
    >>> s = burst_stats([0, 0, 0, 0, 1], [0.100, 0.105, 0.110, 0.500, 0.2], 2, 0.0, 1.0)
    >>> s["burst_rate_Hz"], s["burst_spike_fraction"], s["mean_burst_spikes"]
    (0.5, 0.6, 3.0)
    """
    ids = np.asarray(ids, dtype=np.int64)
    times = np.asarray(times, dtype=float)
    keep = (times >= t_start) & (times < t_stop)
    ids, times = ids[keep], times[keep]
    b = detect_bursts(ids, times, max_isi=max_isi, min_spikes=min_spikes)
    duration = float(t_stop - t_start)
    per_neuron = np.bincount(b["neuron"], minlength=n)[:n]
    n_in = int(b["n_spikes"].sum())
    return {
        "burst_rate_Hz": float(b["neuron"].size / (n * duration)) if n and duration > 0
        else float("nan"),
        "burst_spike_fraction": n_in / ids.size if ids.size else float("nan"),
        "bursts_per_neuron": per_neuron,
        "mean_burst_spikes": float(b["n_spikes"].mean()) if b["n_spikes"].size else float("nan"),
    }
