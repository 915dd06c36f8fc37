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
:mod:`spikemod.gpcr`) with a summed-variable ``Synapses`` as for a diffusion grid. Tonic vs bursty
release at equal rate: :mod:`spikemod.experiments.neuropeptide`.
"""

from __future__ import annotations

from dataclasses import dataclass

from brian2 import NeuronGroup, Synapses, second

from spikemod.params import ModelError

__all__ = ["PeptideRelease", "attach_peptide"]


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
