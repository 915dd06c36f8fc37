"""Spike data in and out: the canonical SONATA spike file and exports other tools read."""

from spikemod.io.spikes import read_spikes, write_spikes

__all__ = ["write_spikes", "read_spikes"]
