"""Burst-gated neuropeptide release: tonic vs bursty firing at equal mean rate [seed 000;
MODEL.md s4].

One release site (:func:`spikemod.neuropeptide.attach_peptide`) per (pattern, rate), all driven
in one network and one run by a ``SpikeGeneratorGroup``: a regular (``tonic``) train, a Poisson
train, and a ``bursty`` train of ``burst_spikes``-spike bursts at ``intra_burst_Hz`` whose
onsets repeat at ``rate / burst_spikes`` (the same mean rate). A dense-core release happens when
a spike is the ``peptide.threshold``-th within ``peptide.window`` and ``peptide.refractory``
has passed since the last release. Expected: only bursts release, once per burst.
"""

from __future__ import annotations

import numpy as np
from brian2 import Network, SpikeGeneratorGroup, ms, second, umolar

from spikemod.device import simulation
from spikemod.neuropeptide import attach_peptide

__all__ = ["NAME", "PATTERNS", "COLUMNS", "DETAIL_COLUMNS", "DEFAULTS", "spike_trains",
           "simulate", "figure"]

NAME = "neuropeptide"
PATTERNS = ("tonic", "poisson", "bursty")
COLUMNS = ["pattern", "rate_Hz", "bursts", "peptide_released"]
DETAIL_COLUMNS = ["pattern", "rate_Hz", "spikes", "bursts", "releases", "peptide_released",
                  "peptide_end_uM"]

#: mean rates 2-40 Hz, 10 s trains, bursts of 4 spikes at 200 Hz
DEFAULTS = {
    "patterns": PATTERNS,
    "rates_Hz": (2.0, 5.0, 10.0, 20.0, 40.0),
    "duration_s": 10.0,
    "burst_spikes": 4,
    "intra_burst_Hz": 200.0,
}


def spike_trains(pattern: str, rate_hz: float, duration_s: float, burst_spikes: int = 4,
                 intra_burst_hz: float = 200.0, rng=None) -> np.ndarray:
    """Spike times of a train with mean rate ``rate_hz``.

    Parameters
    ----------
    pattern : {'tonic', 'poisson', 'bursty'}
        Regular; Poisson; bursts of ``burst_spikes`` spikes at ``intra_burst_hz`` with regular
        onsets at ``rate_hz / burst_spikes``.
    rate_hz, duration_s : float
    burst_spikes : int
    intra_burst_hz : float
    rng : numpy.random.Generator, optional
        For ``poisson`` (default ``default_rng(0)``).

    Returns
    -------
    numpy.ndarray
        Sorted spike times (s) in ``[0, duration_s)``; empty for a rate <= 0.

    Raises
    ------
    ValueError
        For an unknown pattern.

    Example
    -------
    >>> spike_trains("bursty", 20.0, 0.25)
    array([0.1  , 0.105, 0.11 , 0.115])
    """
    if rate_hz <= 0:
        return np.zeros(0)
    if pattern == "tonic":
        return np.arange(0.5 / rate_hz, duration_s, 1 / rate_hz)
    if pattern == "poisson":
        rng = rng or np.random.default_rng(0)
        n = rng.poisson(rate_hz * duration_s)
        return np.sort(rng.uniform(0, duration_s, n))
    if pattern == "bursty":
        period = burst_spikes / rate_hz
        onsets = np.arange(0.5 * period, duration_s, period)
        times = (onsets[:, None] + np.arange(burst_spikes)[None, :] / intra_burst_hz).ravel()
        return times[times < duration_s]
    raise ValueError(f"pattern {pattern!r} is not allowed (allowed: {', '.join(PATTERNS)})")


def _bursts(train, n, window):
    """Bursts in a train as the release gate should see them: groups (separated by more than
    ``window``) of spikes that are the ``n``-th within ``window``."""
    nth = np.flatnonzero(train[n - 1:] - train[:train.size - n + 1] <= window + 1e-12) + n - 1
    if not nth.size:
        return 0
    return int(np.sum(np.diff(np.concatenate([[-10.0], train[nth]])) > window))


def simulate(model, patterns=None, rates_Hz=None, duration_s=None, burst_spikes=None,
             intra_burst_Hz=None, device="runtime", seed=None, build_dir=None,
             report=None) -> list[dict]:
    """Drive one release site per (pattern, rate) with the trains of :func:`spike_trains`.

    Parameters
    ----------
    model : spikemod.params.Model
    patterns : sequence of str, optional
        Among :data:`PATTERNS`.
    rates_Hz : sequence of float, optional
        Mean rates.
    duration_s : float, optional
        Train duration.
    burst_spikes : int, optional
    intra_burst_Hz : float, optional
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`; ``seed`` also draws the Poisson trains.

    All defaults: :data:`DEFAULTS`. Spike times are rounded to the time step.

    Returns
    -------
    list of dict
        Rows of :data:`DETAIL_COLUMNS` (``neuropeptide.csv`` holds :data:`COLUMNS` of them):
        ``spikes`` in the train; ``bursts``, the groups of >= ``peptide.threshold`` spikes
        within ``peptide.window`` in the train (what the gate should see); ``releases``;
        ``peptide_released`` (uM, the sum of all releases); ``peptide_end_uM`` (after
        clearance).

    Raises
    ------
    ValueError
        For an unknown pattern.

    Example
    -------
    >>> rows = simulate(load_model(), rates_Hz=[5, 20], duration_s=5)   # doctest: +SKIP
    >>> [r["releases"] for r in rows if r["pattern"] == "tonic"]          # doctest: +SKIP
    [0, 0]
    """
    d = DEFAULTS
    patterns = d["patterns"] if patterns is None else patterns
    rates_Hz = d["rates_Hz"] if rates_Hz is None else rates_Hz
    duration_s = d["duration_s"] if duration_s is None else duration_s
    burst_spikes = d["burst_spikes"] if burst_spikes is None else burst_spikes
    intra_burst_Hz = d["intra_burst_Hz"] if intra_burst_Hz is None else intra_burst_Hz
    time_step = model["sim.dt"]
    rng = np.random.default_rng(seed)
    conds = [(pt, float(r)) for pt in patterns for r in rates_Hz]
    ids, times, trains = [], [], []
    step = float(time_step / second)
    for k, (pt, r) in enumerate(conds):
        tt = np.unique(np.round(spike_trains(pt, r, duration_s, burst_spikes, intra_burst_Hz,
                                             rng) / step)) * step
        trains.append(tt)
        ids.append(np.full(tt.size, k))
        times.append(tt)
    ids, times = np.concatenate(ids).astype(int), np.concatenate(times)
    with simulation(device, seed=seed, dt=time_step, build_dir=build_dir) as sim:
        src = SpikeGeneratorGroup(len(conds), ids, times * second, name="releaser")
        pep = attach_peptide(src, model)
        net = Network(src, *pep.objects)
        net.run(duration_s * second + 1 * ms, report=report)
        sim.finish()
        releases = np.array(pep.group.releases[:])
        released = np.asarray(pep.group.released[:] / umolar)
        P_end = np.asarray(pep.group.P[:] / umolar)
    window = float(model["peptide.window"] / second)
    n = int(round(float(model["peptide.threshold"])))
    return [{"pattern": pt, "rate_Hz": r, "spikes": int(trains[k].size),
             "bursts": _bursts(trains[k], n, window), "releases": int(releases[k]),
             "peptide_released": float(released[k]), "peptide_end_uM": float(P_end[k])}
            for k, (pt, r) in enumerate(conds)]


def figure(rows):
    """Peptide released against mean rate for each firing pattern.

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = figure(simulate(load_model()))                          # doctest: +SKIP
    """
    from spikemod import plotting
    fig, axes = plotting.figure(1, 1, width=3.6)
    ax = axes[0, 0]
    pats = sorted({r["pattern"] for r in rows}, key=list(PATTERNS).index)
    colors = {"tonic": plotting.COLORS["control"], "poisson": plotting.COLORS["pv"],
              "bursty": plotting.COLORS["dend"]}
    for pt in pats:
        sel = [r for r in rows if r["pattern"] == pt]
        ax.plot([r["rate_Hz"] for r in sel], [r["peptide_released"] for r in sel], "o-",
                color=colors.get(pt), label=pt, ms=3)
    ax.set_xlabel("mean rate (Hz)")
    ax.set_ylabel("peptide released (uM)")
    ax.set_title("burst-gated dense-core release")
    ax.legend()
    return fig
