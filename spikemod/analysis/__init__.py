"""Spike-train analysis over spikemod's canonical (ids, times) arrays and Neo objects.

* :mod:`spikemod.analysis.fi` - f-I curves: rates in a window, rheobase, gain;
* :mod:`spikemod.analysis.spiketrains` - per-population statistics (Elephant underneath),
  population-rate spectra and band powers;
* :mod:`spikemod.analysis.bursts` - ISI-threshold burst detection;
* :mod:`spikemod.analysis.fits` - sigmoid / Hill curves and their fits (EC50).
"""

from spikemod.analysis.bursts import burst_stats, detect_bursts
from spikemod.analysis.fi import (burst_spike_fraction, fi_gain, rates_in_window,
                                  rheobase)
from spikemod.analysis.spiketrains import (BANDS, band_powers, fano_factor, isi_cv, isi_lv,
                                           pairwise_correlation, population_rate,
                                           rate_power_spectrum, summarize)

__all__ = ["rates_in_window", "burst_spike_fraction", "rheobase", "fi_gain", "isi_cv", "isi_lv",
           "fano_factor", "population_rate", "rate_power_spectrum", "pairwise_correlation",
           "summarize", "detect_bursts", "burst_stats", "band_powers", "BANDS"]
