"""spikemod: neuromodulation of gain, bursting and plasticity in layer-5 cortical microcircuits.

Brian2 models of the two-compartment L5 pyramidal cell [W25, NS18], PV and SOM interneurons,
their microcircuit and its neuromodulation, with protocols that reproduce the claims of
Rodriguez-Garcia et al. (2025) [RG25]. The science, with sources: ``shared/spec/MODEL.md``.

The public API is one import away; each name is imported on first use (``import spikemod``
itself loads neither Brian2 nor Neo)::

    import spikemod
    model = spikemod.load_model()                        # models/l5_default.toml
    with spikemod.simulation("runtime", seed=1, dt=model["sim.dt"]) as sim:
        cells = spikemod.make_pyramidal(10, model)
        ...
    block = spikemod.monitors_to_neo({"pyr": mon}, t_stop=1.0)

Model: :func:`load_model`, :class:`Model`, :class:`ModelError`. Running: :func:`simulation`
(runtime, C++ or CUDA standalone). Building: :func:`make_pyramidal`, :func:`make_interneuron`,
:func:`make_soma_only`, :func:`build_microcircuit`. Spike data: :func:`to_neo` (a result
directory), :func:`monitors_to_neo` (Brian2 monitors or arrays, in memory), the :mod:`io`
subpackage. Analysis (:mod:`spikemod.analysis`): f-I curves (:func:`rates_in_window`,
:func:`rheobase`, :func:`fi_gain`, :func:`burst_spike_fraction`), spike-train statistics
(:func:`isi_cv`, :func:`isi_lv`, :func:`fano_factor`, :func:`population_rate`,
:func:`rate_power_spectrum`, :func:`band_powers`, :func:`pairwise_correlation`,
:func:`summarize`) and bursts
(:func:`detect_bursts`, :func:`burst_stats`). One's own protocol (``spikemod run NAME``, common
options, outputs and provenance): :func:`protocol_main`, :func:`parse_values` and
:class:`UsageError`; the template is ``protocols/example.py``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: public name -> the module that defines it (imported on first attribute access)
_API = {
    "load_model": "spikemod.params",
    "Model": "spikemod.params",
    "ModelError": "spikemod.params",
    "simulation": "spikemod.device",
    "make_pyramidal": "spikemod.cells",
    "make_interneuron": "spikemod.cells",
    "make_soma_only": "spikemod.cells",
    "build_microcircuit": "spikemod.network",
    "to_neo": "spikemod.io.neo",
    "protocol_main": "spikemod.protocol",
    "parse_values": "spikemod.protocol",
    "UsageError": "spikemod.protocol",
    "monitors_to_neo": "spikemod.io.monitors",
    **{name: "spikemod.analysis" for name in (
        "rates_in_window", "burst_spike_fraction", "rheobase", "fi_gain", "isi_cv", "isi_lv",
        "fano_factor", "population_rate", "rate_power_spectrum", "pairwise_correlation",
        "summarize", "detect_bursts", "burst_stats", "band_powers", "BANDS")},
}
#: public subpackages (``spikemod.io.to_neo`` works after a bare ``import spikemod``)
_SUBPACKAGES = ("io", "analysis", "experiments")

__all__ = ["__version__", *_API, *_SUBPACKAGES]


def __getattr__(name: str):
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module 'spikemod' has no attribute {name!r}")
    globals()[name] = value          # later look-ups skip __getattr__
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # static type checkers and IDEs see the real objects (py.typed)
    from spikemod import analysis, io
    from spikemod.analysis import (BANDS, band_powers, burst_spike_fraction, burst_stats, detect_bursts,
                                   fano_factor, fi_gain, isi_cv, isi_lv, pairwise_correlation,
                                   population_rate, rate_power_spectrum, rates_in_window,
                                   rheobase, summarize)
    from spikemod.cells import make_interneuron, make_pyramidal, make_soma_only
    from spikemod.device import simulation
    from spikemod.io.monitors import monitors_to_neo
    from spikemod.io.neo import to_neo
    from spikemod.network import build_microcircuit
    from spikemod.params import Model, ModelError, load_model
    from spikemod.protocol import UsageError, parse_values, protocol_main
