"""Spike data in and out: the canonical SONATA spike file, Neo objects and exports other tools read.

:func:`to_neo` reads a protocol's ``spikes.h5``; :func:`monitors_to_neo` converts Brian2
monitors (or ``(ids, times)`` arrays) in memory, without a file.
"""

from spikemod.io.monitors import monitors_to_neo, spikes_to_block
from spikemod.io.neo import to_neo
from spikemod.io.spikes import (SpikeFileWriter, read_spikes, read_state, spike_file_info,
                                write_spikes)

__all__ = ["write_spikes", "read_spikes", "read_state", "spike_file_info", "SpikeFileWriter",
           "to_neo", "monitors_to_neo", "spikes_to_block"]
