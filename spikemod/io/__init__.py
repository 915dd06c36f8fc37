"""Spike data in and out: the canonical SONATA spike file, Neo objects and exports other tools read."""

from spikemod.io.neo import to_neo
from spikemod.io.spikes import (SpikeFileWriter, read_spikes, read_state, spike_file_info,
                                write_spikes)

__all__ = ["write_spikes", "read_spikes", "read_state", "spike_file_info", "SpikeFileWriter",
           "to_neo"]
