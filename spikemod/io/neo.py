"""Results as Neo objects, in the layout PyNN users know, built lazily from ``spikes.h5``.

:func:`to_neo` returns a :class:`neo.Block` with one :class:`neo.Segment` (one run) and one
:class:`neo.Group` per population. Spike trains are :class:`neo.SpikeTrainList` objects made with
``SpikeTrainList.from_spike_time_array`` from the canonical (ids, times) arrays: no
:class:`neo.SpikeTrain` exists until a train is touched. ``segment.spiketrains.multiplexed``
gives the arrays back for free; ``spiketrains[i]`` builds that one train; iterating builds them
all in one sorted pass (~120-200 us per train: ~20 s for 10^5; neo's own conversion masks the
whole spike array per train, ~10 min for 10^5 neurons and 5 M spikes).

Identifiers (the same in the NWB export's unit ids):

* ``source_population``: population name; ``source_index``: neuron index in its population;
* ``channel_id``: index of the neuron in the block, populations in file order
  (``offset(population) + source_index``), unique across populations;
* the per-neuron columns of the spike file (``/units``: e.g. ``circuit_copy`` and the
  condition, or a grid point's ``I_soma_pA``) as annotations of each train.

The segment's list and the group lists share their SpikeTrain objects once built. Recorded
state variables (``/state``) become :class:`neo.AnalogSignal` objects (one per population and
variable) with the array annotation ``channel_index`` (the recorded neurons' indices), in the
segment and in the population's group.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import quantities as pq

__all__ = ["to_neo", "spikes_to_block", "spikes_path"]


def spikes_path(results_dir) -> Path:
    """``results_dir/spikes.h5`` (or the file itself); ValueError naming what is missing."""
    p = Path(results_dir)
    if p.is_file():
        return p
    if not p.is_dir():
        raise FileNotFoundError(f"results directory {str(p)!r} does not exist")
    f = p / "spikes.h5"
    if not f.is_file():
        raise FileNotFoundError(f"{str(p)!r} has no spikes.h5 (not the output of a protocol "
                                "that records spikes)")
    return f


def _lazy_list_classes():
    from neo.core.spiketrain import SpikeTrain
    from neo.core.spiketrainlist import SpikeTrainList

    class _PopulationSpikeTrainList(SpikeTrainList):
        """SpikeTrainList whose trains are built in one sorted pass on first touch.

        neo's own ``_spiketrains_from_array`` masks the whole spike array once per channel
        (O(neurons x spikes): ~10 minutes for 10^5 neurons and 5 M spikes); here spikes are
        sorted by channel once and sliced. Same trains, same annotations."""

        def _index(self):
            """Spikes sorted by channel and each channel's slice (computed once)."""
            if getattr(self, "_sorted", None) is None:
                channels = np.asarray(self._all_channel_ids)
                order = np.argsort(self._channel_id_array, kind="stable")
                ch = np.asarray(self._channel_id_array)[order]
                self._sorted = (channels, self._spike_time_array[order],
                                np.searchsorted(ch, channels, "left"),
                                np.searchsorted(ch, channels, "right"))
                self._built = {}
            return self._sorted

        def _train(self, i):
            """The SpikeTrain of the i-th channel (built once, then shared)."""
            channels, times, lo, hi = self._index()
            if i not in self._built:
                n = len(channels)
                st = SpikeTrain(times[lo[i]:hi[i]], **self._spiketrain_metadata)
                for k, v in self._annotations.items():
                    per = not isinstance(v, str) and hasattr(v, "__len__") and len(v) == n
                    st.annotate(**{k: v[i] if per else v})
                st.annotate(channel_id=channels[i])
                st.segment = self.segment
                self._built[i] = st
            return self._built[i]

        def __getitem__(self, i):
            if self._items is None and isinstance(i, (int, np.integer)):
                n = len(self)
                if not -n <= i < n:
                    raise IndexError(f"spike train {i} out of range ({n} trains)")
                return self._train(int(i) % n)
            return super().__getitem__(i)

        def _spiketrains_from_array(self):
            if self._spike_time_array is None:
                self._items = []
                return
            self._items = [self._train(i) for i in range(len(self._all_channel_ids))]

    class _ConcatSpikeTrainList(SpikeTrainList):
        """Segment list whose SpikeTrains are those of the population lists, built on touch."""

        def _spiketrains_from_array(self):
            self._items = [st for part in self._parts for st in part]

        def __getitem__(self, i):
            if self._items is None and isinstance(i, (int, np.integer)):
                n = len(self)
                if not -n <= i < n:
                    raise IndexError(f"spike train {i} out of range ({n} trains)")
                i = int(i) % n
                for part in self._parts:
                    if i < len(part):
                        return part[i]
                    i -= len(part)
            return super().__getitem__(i)

    return _PopulationSpikeTrainList, _ConcatSpikeTrainList


def _units(text: str):
    text = (text or "1").strip()
    if text in ("1", "", "Unit(1)", "dimensionless"):
        return pq.dimensionless
    try:
        return pq.Quantity(1.0, text.replace("^", "**")).units
    except Exception:  # a unit quantities does not know: keep the number, name the unit
        return pq.dimensionless


def _seconds(x) -> float:
    if isinstance(x, pq.Quantity):
        return float(x.rescale("s").magnitude)
    return float(x)


def spikes_to_block(spikes: dict, sizes: dict, t_start: float, t_stop: float,
                    name: str | None = None, file_origin: str | None = None,
                    annotations: dict | None = None):
    """Assemble a :class:`neo.Block` from canonical per-population spike arrays (the one
    builder behind :func:`to_neo` and :func:`spikemod.io.monitors_to_neo`).

    Parameters
    ----------
    spikes : dict
        ``{population: (ids, times_s)}``: neuron indices in the population (int) and spike
        times in seconds, all within ``[t_start, t_stop]``; the populations of the block.
    sizes : dict
        ``{population: size}`` of every population that defines the channel numbering, in
        order (``channel_id = offset(population) + source_index``); it may hold populations
        that are not in ``spikes``.
    t_start, t_stop : float
        Recording interval in seconds.
    name, file_origin : str, optional
        The block's name and file of origin.
    annotations : dict, optional
        ``{population: {column: per-neuron array}}``: extra array annotations of the trains
        (``condition``, ``copy`` ...); columns whose length is not the population size are
        skipped.

    Returns
    -------
    neo.Block
        One segment ``"run"`` and one group per population, spike trains built lazily.

    Raises
    ------
    ValueError
        For a population of ``spikes`` missing from ``sizes``.

    Example
    -------
    >>> import numpy as np
    >>> block = spikes_to_block({"pyr": (np.array([0, 1]), np.array([0.1, 0.2]))},
    ...                         {"pyr": 2}, 0.0, 1.0)
    >>> [len(st) for st in block.groups[0].spiketrains]
    [1, 1]
    """
    import neo

    missing = [p for p in spikes if p not in sizes]
    if missing:
        raise ValueError(f"population {missing[0]!r} has no size (sizes given for: "
                         f"{', '.join(sizes) or 'none'})")
    annotations = annotations or {}
    PopulationList, ConcatList = _lazy_list_classes()
    offsets = dict(zip(sizes, np.cumsum([0, *(int(n) for n in sizes.values())])[:-1]))
    window = dict(t_start=float(t_start) * pq.s, t_stop=float(t_stop) * pq.s, units="s")

    block = neo.Block(name=name, file_origin=file_origin)
    seg = neo.Segment(name="run", index=0)
    block.segments.append(seg)
    parts, all_t, all_ch, all_ids, all_pop, all_idx = [], [], [], [], [], []
    for pop, (ids, times) in spikes.items():
        n = int(sizes[pop])
        index = np.arange(n)
        channels = offsets[pop] + index
        extra = {k: v for k, v in annotations.get(pop, {}).items()
                 if len(v) == n and k not in ("source_population", "source_index",
                                              "channel_id")}
        stl = PopulationList.from_spike_time_array(times, offsets[pop] + ids, channels,
                                                   source_population=pop, source_index=index,
                                                   **extra, **window)
        stl.segment = seg
        group = neo.Group(name=pop, source_population=pop, size=n)
        group.spiketrains = stl
        group.block = block
        block.groups.append(group)
        parts.append(stl)
        all_t.append(times)
        all_ch.append(offsets[pop] + ids)
        all_ids.append(channels)
        all_pop.append(np.full(n, pop, dtype=object))
        all_idx.append(index)

    def cat(xs, dtype):
        return np.concatenate(xs) if xs else np.zeros(0, dtype)

    seg_list = ConcatList.from_spike_time_array(
        cat(all_t, float), cat(all_ch, np.int64), cat(all_ids, np.int64),
        source_population=cat(all_pop, object), source_index=cat(all_idx, np.int64), **window)
    seg_list._parts = parts
    seg_list.segment = seg
    seg.spiketrains = seg_list
    return block


def to_neo(results_dir, populations=None, t_start=None, t_stop=None):
    """Load a protocol's spikes (and recorded state) as a :class:`neo.Block`.

    Parameters
    ----------
    results_dir : path
        A protocol's output directory (or a ``spikes.h5`` file).
    populations : list of str, optional
        Populations to load (default: all, in file order).
    t_start, t_stop : float or Quantity, optional
        Time window (seconds if a float); spikes with ``t_start <= t < t_stop`` are kept.
        Defaults: the recording interval stored in the file.

    Returns
    -------
    neo.Block
        One :class:`neo.Segment` ("run") with every spike train (silent neurons included) and
        the recorded state as :class:`neo.AnalogSignal`; one :class:`neo.Group` per population
        (see the module docstring for the annotations). Trains are built on first touch.

    Raises
    ------
    FileNotFoundError
        If ``results_dir`` does not exist or has no ``spikes.h5``.
    ValueError
        For a population that is not in the file, or ``t_stop`` before ``t_start``.

    Example
    -------
    >>> import tempfile, numpy as np
    >>> from spikemod.io import write_spikes
    >>> d = tempfile.mkdtemp()
    >>> _ = write_spikes(f"{d}/spikes.h5", {"pyr": (np.array([0, 2]), np.array([0.1, 0.2]))},
    ...                  t_stop=1.0, sizes={"pyr": 3})
    >>> block = to_neo(d)
    >>> [g.name for g in block.groups], [len(st) for st in block.segments[0].spiketrains]
    (['pyr'], [1, 0, 1])
    """
    import neo

    from spikemod.io.spikes import read_spikes, read_state, read_units

    path = spikes_path(results_dir)
    spikes, meta = read_spikes(path)
    if populations is not None:
        populations = [populations] if isinstance(populations, str) else list(populations)
        unknown = [p for p in populations if p not in spikes]
        if unknown:
            raise ValueError(f"population {unknown[0]!r} is not in {str(path)!r} "
                             f"(available: {', '.join(spikes)})")
    else:
        populations = list(spikes)
    t0 = meta.get("t_start_s", 0.0) if t_start is None else _seconds(t_start)
    last = max((float(t.max()) for _, t in spikes.values() if t.size), default=t0)
    t1 = meta.get("t_stop_s", last) if t_stop is None else _seconds(t_stop)
    if not t1 >= t0:
        raise ValueError(f"t_stop {t1:g} s is before t_start {t0:g} s")

    selected = {}
    for name in populations:
        ids, times = spikes[name]
        keep = (times >= t0) & (times < t1) if (t_start is not None or t_stop is not None) \
            else (times >= t0) & (times <= t1)
        selected[name] = ids[keep], times[keep]
    block = spikes_to_block(selected, {name: meta["sizes"][name] for name in spikes}, t0, t1,
                            name=Path(path).parent.name, file_origin=str(path),
                            annotations=read_units(path))     # condition, copy, ...
    seg = block.segments[0]

    state = read_state(path, populations)
    groups = {g.name: g for g in block.groups}
    for name in populations:
        for var, rec in state.get(name, {}).items():
            times, values = rec["times_s"], rec["values"]
            keep = (times >= t0) & (times < t1 if t_stop is not None else times <= t1)
            times, values = times[keep], values[keep]
            if times.size == 0:
                continue
            period = float(np.median(np.diff(times))) if times.size > 1 else 1e-4
            sig = neo.AnalogSignal(values, units=_units(rec["units"]), t_start=times[0] * pq.s,
                                   sampling_period=period * pq.s, name=var,
                                   source_population=name, units_as_written=rec["units"],
                                   array_annotations={"channel_index": rec["node_ids"]})
            sig.segment = seg
            seg.analogsignals.append(sig)
            groups[name].analogsignals.append(sig)
    return block
