"""Burst-gated neuropeptide co-release from dense-core vesicles [seed 000; MODEL.md s4].

Dense-core vesicles are released only when the releasing neuron fires a high-frequency burst:
here, when a spike is the ``threshold``-th spike within ``window`` (the spike and the
``threshold - 1`` spikes before it all fall within ``window``), and at least ``refractory`` has
passed since the last release (the releasable pool refills). Each release adds ``amount`` to the
peptide concentration ``P`` of the neuron's local (well-mixed) volume, which is cleared slowly by
peptidases, ``dP/dt = -P/tau_clear`` (seconds to minutes). Constants: ``[peptide]``.

All of it is Brian2: a ``NeuronGroup`` with one release site per releasing neuron (it keeps the
times of the last ``threshold - 1`` spikes, the time of the last release, a release counter and
``P``); a one-to-one ``Synapses`` object marks the steps in which the releasing neuron spiked and
the group tests the burst criterion exactly in the same step (no spike-count approximation). ``P`` can be read by second-messenger pools (``L_NPY``,
:mod:`spikemod.gpcr`) with a summed-variable ``Synapses`` as for a diffusion grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import NeuronGroup, Synapses, second

from spikemod.params import ModelError

__all__ = ["PeptideRelease", "attach_peptide", "spike_trains"]


@dataclass
class PeptideRelease:
    group: NeuronGroup       # release sites: P, releases, released, spike-time slots
    synapses: Synapses
    threshold: int

    @property
    def objects(self):
        return [self.group, self.synapses]


def _equations(n_slots: int) -> str:
    slots = "".join(f"ts_{k} : second\n" for k in range(1, n_slots + 1))
    return f"""
dP/dt = -P/tau_clear : mole/meter**3
releases : 1                 # number of dense-core releases
released : mole/meter**3     # total amount released (without clearance)
burst_now : 1                # this spike released
spiked : 1                   # the releasing neuron spiked this step
t_release : second
window : second (shared, constant)
refill : second (shared, constant)
amount : mole/meter**3 (shared, constant)
tau_clear : second (shared, constant)
{slots}"""


def attach_peptide(source, model, name: str = "peptide") -> PeptideRelease:
    """One burst-gated release site per neuron of ``source`` (any spiking group)."""
    p = model.section("peptide")
    n_spikes = int(round(float(p["threshold"])))
    if n_spikes < 2:
        raise ModelError(f"peptide.threshold: {n_spikes} is not allowed (at least 2 spikes "
                         "make a burst)")
    n_slots = n_spikes - 1
    group = NeuronGroup(len(source), _equations(n_slots), method="exact", name=name)
    group.window, group.refill = p["window"], p["refractory"]
    group.amount, group.tau_clear = p["amount"], p["tau_clear"]
    group.t_release = -1e6 * second
    for k in range(1, n_slots + 1):
        setattr(group, f"ts_{k}", -1e6 * second)
    shift = "\n".join(f"ts_{k} += spiked*(ts_{k - 1} - ts_{k})" for k in range(n_slots, 1, -1))
    group.run_regularly(f"""
burst_now = spiked * int(t - ts_{n_slots} <= window) * int(t - t_release >= refill)
P += burst_now*amount
released += burst_now*amount
releases += burst_now
t_release += burst_now*(t - t_release)
{shift}
ts_1 += spiked*(t - ts_1)
spiked = 0
""", when="after_synapses", name=f"{name}_gate")
    syn = Synapses(source, group, on_pre="spiked_post = 1", name=f"{name}_trigger")
    syn.connect(j="i")
    return PeptideRelease(group=group, synapses=syn, threshold=n_spikes)


def spike_trains(pattern: str, rate_hz: float, duration_s: float, burst_spikes: int = 4,
                 intra_burst_hz: float = 200.0, rng=None) -> np.ndarray:
    """Spike times (s) of a ``'tonic'`` (regular), ``'poisson'`` or ``'bursty'`` (bursts of
    ``burst_spikes`` spikes at ``intra_burst_hz``, burst onsets regular at
    ``rate_hz/burst_spikes``) train with the same mean rate ``rate_hz``."""
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
    raise ValueError(f"pattern {pattern!r} is not allowed (allowed: tonic, poisson, bursty)")


def release_by_pattern(model, patterns, rates_hz, duration_s: float = 10.0,
                       burst_spikes: int = 4, intra_burst_hz: float = 200.0, device="runtime",
                       seed=None, build_dir=None, report=None) -> list[dict]:
    """Drive one release site per (pattern, rate) with the trains of :func:`spike_trains`
    (one ``SpikeGeneratorGroup``, one run). Returns rows ``{pattern, rate_Hz, spikes, bursts,
    releases, peptide_released (uM), peptide_end (uM)}``; ``bursts`` counts the groups of
    >= ``threshold`` spikes within ``window`` in the train (what the criterion should see)."""
    from brian2 import Network, SpikeGeneratorGroup, ms, umolar
    from spikemod.device import simulation

    time_step = model["sim.dt"]
    rng = np.random.default_rng(seed)
    conds = [(pt, float(r)) for pt in patterns for r in rates_hz]
    ids, times, trains = [], [], []
    step = float(time_step / second)
    for k, (pt, r) in enumerate(conds):
        tt = np.unique(np.round(spike_trains(pt, r, duration_s, burst_spikes, intra_burst_hz,
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
    rows = []
    for k, (pt, r) in enumerate(conds):
        tt = trains[k]
        # bursts in the train: spikes that are the n-th within the window, grouped by gaps
        nth = np.flatnonzero(tt[n - 1:] - tt[:tt.size - n + 1] <= window + 1e-12) + n - 1
        bursts = int(np.sum(np.diff(np.concatenate([[-10.0], tt[nth]])) > window)) if nth.size else 0
        rows.append({"pattern": pt, "rate_Hz": r, "spikes": int(tt.size), "bursts": bursts,
                     "releases": int(releases[k]), "peptide_released": float(released[k]),
                     "peptide_end": float(P_end[k])})
    return rows
