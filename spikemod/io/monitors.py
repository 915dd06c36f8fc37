"""Spikes in memory as Neo objects: Brian2 monitors (or canonical arrays) -> :class:`neo.Block`.

:func:`monitors_to_neo` is the no-file path beside :func:`spikemod.io.to_neo` (which reads a
protocol's ``spikes.h5``): the same block layout (one :class:`neo.Segment`, one
:class:`neo.Group` per population, ``source_population`` / ``source_index`` / ``channel_id``
as described in :mod:`spikemod.io.neo`) and the same lazily built spike trains
(``spikemod.io.neo._lazy_list_classes``: no :class:`neo.SpikeTrain` exists until a train is
touched). :func:`spikes_to_block` assembles the block from the canonical per-population
``(ids, times)`` arrays.
"""

from __future__ import annotations

import numpy as np

from spikemod.io.neo import spikes_to_block

__all__ = ["monitors_to_neo", "spikes_to_block", "spike_arrays"]


def spike_arrays(monitor) -> tuple[np.ndarray, np.ndarray]:
    """The canonical ``(ids, times)`` of a Brian2 spike monitor: int64 neuron indices and float
    spike times in seconds (after the run; on a standalone device after the binary ran).

    Example
    -------
    >>> ids, times_s = spike_arrays(SpikeMonitor(group))      # doctest: +SKIP
    """
    from brian2 import second
    return np.asarray(monitor.i[:], dtype=np.int64), np.asarray(monitor.t[:] / second)


def _in_seconds(x, what: str) -> np.ndarray:
    """Times as float seconds: floats (seconds), a Brian2 or a ``quantities`` Quantity."""
    if hasattr(x, "dim"):                          # Brian2 Quantity: SI values, check the unit
        from brian2 import second
        if x.dim != second.dim:
            raise ValueError(f"{what} does not have units of time ({x!r})")
    elif hasattr(x, "rescale"):                    # quantities (Neo's units)
        x = x.rescale("s").magnitude
    return np.asarray(x, dtype=float)


def _population_arrays(pop: str, item, sizes: dict) -> tuple[np.ndarray, np.ndarray, int]:
    """(ids, times in s, size) of one population given as a SpikeMonitor or (ids, times)."""
    if all(hasattr(item, a) for a in ("i", "t", "source")):       # SpikeMonitor, EventMonitor
        ids, times = np.asarray(item.i[:]), _in_seconds(item.t[:], f"spike times of {pop!r}")
        size = int(sizes.get(pop, len(item.source)))
    elif isinstance(item, (tuple, list)) and len(item) == 2:
        ids, times = np.asarray(item[0]), _in_seconds(item[1], f"spike times of {pop!r}")
        if pop not in sizes:
            raise ValueError(f"population {pop!r} is given as (ids, times): its size is needed "
                             "(sizes={...}; a monitor knows its group's size)")
        size = int(sizes[pop])
    else:
        raise TypeError(f"population {pop!r}: {type(item).__name__} is not allowed (allowed: a "
                        "Brian2 SpikeMonitor or an (ids, times) pair)")
    ids = ids.astype(np.int64, copy=False)
    if ids.shape != times.shape or ids.ndim != 1:
        raise ValueError(f"population {pop!r}: ids {ids.shape} and times {times.shape} are not "
                         "two 1-D arrays of the same length")
    if ids.size and (ids.min() < 0 or ids.max() >= size):
        raise ValueError(f"population {pop!r}: neuron id {int(ids.max())} is outside "
                         f"0..{size - 1} (population size {size})")
    return ids, times, size


def monitors_to_neo(monitors, t_stop, t_start=0.0, sizes: dict | None = None,
                    name: str = "spikemod"):
    """Spikes of Brian2 monitors (or arrays) as a :class:`neo.Block`, without writing a file.

    Read the monitors after the simulation has finished (in standalone mode: after
    ``sim.finish()``, inside or after the :func:`spikemod.simulation` block).

    Parameters
    ----------
    monitors : dict or list
        ``{population: SpikeMonitor}`` or ``{population: (ids, times)}`` (ids: neuron indices
        in the population; times: float seconds or a time Quantity), in the order of the
        block's groups; or a list of SpikeMonitors, each named after its group
        (``monitor.source.name``).
    t_stop : float or Quantity
        End of the recording (seconds if a float), e.g. the simulated duration.
    t_start : float or Quantity
        Start of the recording (default 0). Spikes with ``t_start <= t < t_stop`` are kept.
    sizes : dict, optional
        ``{population: size}``; required for populations given as arrays (a monitor knows the
        size of its group, silent neurons included).
    name : str
        Name of the block.

    Returns
    -------
    neo.Block
        One :class:`neo.Segment` ("run") and one :class:`neo.Group` per population, in the
        layout of :func:`spikemod.io.to_neo` (annotations ``source_population``,
        ``source_index``, ``channel_id``), spike trains built on first touch.

    Raises
    ------
    ValueError
        For a window with ``t_stop < t_start``, a population given as arrays without its size,
        ids outside the population, or times that are not times.
    TypeError
        For a population given as anything but a SpikeMonitor or an ``(ids, times)`` pair.

    Example
    -------
    >>> import numpy as np, spikemod
    >>> block = spikemod.monitors_to_neo({"pyr": (np.array([0, 2, 0]), np.array([0.1, 0.2, 0.3]))},
    ...                                  t_stop=1.0, sizes={"pyr": 3})
    >>> [len(st) for st in block.segments[0].spiketrains]
    [2, 0, 1]
    """
    if not isinstance(monitors, dict):
        monitors = {m.source.name: m for m in monitors}
    if not monitors:
        raise ValueError("no monitors given (allowed: a dict or list of SpikeMonitors, or "
                         "{population: (ids, times)})")
    sizes = dict(sizes or {})
    t0, t1 = float(_in_seconds(t_start, "t_start")), float(_in_seconds(t_stop, "t_stop"))
    if not t1 >= t0:
        raise ValueError(f"t_stop {t1:g} s is before t_start {t0:g} s")
    spikes, all_sizes = {}, {}
    for pop, item in monitors.items():
        ids, times, all_sizes[pop] = _population_arrays(pop, item, sizes)
        keep = (times >= t0) & (times < t1)
        spikes[pop] = (ids[keep], times[keep])
    return spikes_to_block(spikes, all_sizes, t0, t1, name=name)
