"""Spike-train analysis over spikemod's canonical (ids, times) arrays and Neo objects."""

from spikemod.analysis.fi import (burst_spike_fraction, fi_gain, rates_in_window,
                                  rheobase)

__all__ = ["rates_in_window", "burst_spike_fraction", "rheobase", "fi_gain"]
