"""The canonical spike store: ``spikes.h5`` in the SONATA spike layout.

Layout (SONATA "Spike file" specification, plus spikemod's extensions marked *)::

    /spikes                           attrs: t_start_s*, t_stop_s*, dt_ms* (time step, when known)
    /spikes/<population>              attr sorting: HDF5 enum {none: 0, by_id: 1, by_time: 2}
                                      attr n_nodes*: population size (silent neurons included)
    /spikes/<population>/timestamps   float64, attr units = "ms"
    /spikes/<population>/node_ids     uint64
    /state/<population>/<variable>*   recorded state variable of some neurons:
        data       float64 (n_times, n_recorded), attr units (Brian2/quantities spelling, '1' = none)
        times      float64 (n_times,), attr units = "ms"
        node_ids   uint64 (n_recorded,): the neuron of each column
    /units/<population>/<column>*     one value per neuron (n_nodes,): the condition, circuit
                                      copy or grid point a neuron belongs to (attr units)

Spike times are stored in ms rounded to the time step (``dt``): a spike at step 3069 of 0.1 ms
is written as 306.9, not 306.90000000000003.

Spikes are kept as two arrays per population (node ids, times): the canonical form from which
Neo objects are built lazily (:func:`spikemod.io.to_neo`). SONATA readers (libsonata, BMTK)
read ``/spikes`` and ignore the extra attributes and the ``/state`` group.

One writer: :class:`SpikeFileWriter` appends spikes in chunks to resizable datasets (a large
run streams from its monitors to disk, :meth:`SpikeFileWriter.append_monitor`, without Neo
objects and without a second copy of all spikes); :func:`write_spikes` is the one-shot form
used by ``ctx.save_spikes``. Files appear atomically (written beside the target, then renamed).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import h5py
import numpy as np

__all__ = ["SORTING", "SpikeFileWriter", "write_spikes", "read_spikes", "read_state",
           "read_units", "spike_file_info", "to_ms"]

SORTING = {"none": 0, "by_id": 1, "by_time": 2}
SORTING_DTYPE = h5py.enum_dtype(SORTING, basetype="u1")
_CHUNK = 1 << 16
_TIME_SCALE = {"ms": 1e-3, "s": 1.0, "second": 1.0, "us": 1e-6}


def to_ms(times_s, dt_s: float | None = None) -> np.ndarray:
    """Times in seconds -> ms, rounded to the time step ``dt_s`` without float noise.

    The step count ``round(t/dt)`` times ``dt`` in ms is rounded to the decimals of ``dt``
    (0.1 ms: one decimal), so ``306.9`` is stored, not ``306.90000000000003``.

    >>> to_ms([0.30690000000000003], 1e-4).tolist()
    [306.9]
    """
    t = np.asarray(times_s, dtype=np.float64)
    if not dt_s:
        return t * 1e3
    dt_ms = float(dt_s) * 1e3
    # the decimals of dt itself (0.1 ms: 1, 0.025 ms: 3)
    decimals = next((d for d in range(13) if abs(round(dt_ms, d) - dt_ms) <= 1e-9 * dt_ms), 12)
    return np.round(np.round(t / float(dt_s)) * dt_ms, decimals)


def _check_name(name: str, what: str = "population"):
    if not isinstance(name, str) or not name or "/" in name or any(c.isspace() for c in name):
        raise ValueError(f"{what} name {name!r} is not allowed (non-empty, no '/' or spaces)")


class SpikeFileWriter:
    """Write a ``spikes.h5`` incrementally; the file appears (atomically) on :meth:`close`.

    >>> with SpikeFileWriter(path, t_start=0.0) as w:      # doctest: +SKIP
    ...     w.append("pyr", ids, times_s)                   # any number of chunks
    ...     w.add_state("pyr", "v", times_s, values, "mV", node_ids)
    ...     w.t_stop = 10.0

    A population's ``sorting`` attribute is ``by_time`` when every chunk was time-ordered and
    started no earlier than the previous chunk ended (monitor chunks are), else ``none``. On an
    exception nothing is left behind.
    """

    def __init__(self, path, t_start: float = 0.0, t_stop: float | None = None,
                 sizes: dict | None = None, dt: float | None = None):
        self.path = Path(path)
        self.dt = float(dt) if dt else None
        self.t_start = float(t_start)
        self.t_stop = t_stop
        self.sizes = dict(sizes or {})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                         dir=self.path.parent)
        os.close(fd)
        os.unlink(self._tmp)  # h5py creates it again with the usual permissions
        self._f = h5py.File(self._tmp, "x")
        self._root = self._f.create_group("spikes")
        self._pops: dict = {}
        self._offsets: dict = {}
        self._closed = False

    # -- spikes ----------------------------------------------------------------------------
    def population(self, name: str, sorting: str | None = None):
        """Create (or return) the group of population ``name``."""
        if name not in self._pops:
            _check_name(name)
            g = self._root.create_group(name)
            self._pops[name] = {"group": g, "n": 0, "sorted": True, "last": -np.inf,
                                "max_id": -1, "sorting": sorting}
        return self._pops[name]

    def append(self, name: str, ids, times_s):
        """Append spikes of population ``name``: node ids and times in seconds."""
        ids = np.asarray(ids)
        times = np.asarray(times_s, dtype=np.float64)
        if ids.shape != times.shape or ids.ndim != 1:
            raise ValueError(f"population {name!r}: {ids.size} ids but {times.size} times")
        if ids.size and ids.dtype.kind in "if" and ids.min() < 0:
            raise ValueError(f"population {name!r}: negative node ids")
        pop = self.population(name)
        if not ids.size:
            return
        g, n, k = pop["group"], pop["n"], ids.size
        if "timestamps" not in g:
            self._create(g, chunk=min(k, _CHUNK))
        if pop["sorted"]:
            pop["sorted"] = bool(times[0] >= pop["last"] and np.all(np.diff(times) >= 0))
        pop["last"] = float(times[-1])
        pop["max_id"] = max(pop["max_id"], int(ids.max()))
        for key, data in (("timestamps", to_ms(times, self.dt)),
                          ("node_ids", ids.astype(np.uint64))):
            g[key].resize((n + k,))
            g[key][n:] = data
        pop["n"] = n + k

    @staticmethod
    def _create(g, chunk):
        """Resizable datasets, chunk sized to the first append (small files stay small)."""
        ts = g.create_dataset("timestamps", shape=(0,), maxshape=(None,), dtype="f8",
                              chunks=(max(chunk, 1),))
        ts.attrs["units"] = "ms"
        g.create_dataset("node_ids", shape=(0,), maxshape=(None,), dtype="u8",
                         chunks=(max(chunk, 1),))

    def append_monitor(self, name: str, monitor):
        """Append the spikes a Brian2 ``SpikeMonitor`` recorded since the last call.

        Call it after each ``net.run(chunk)`` of a long run: only new spikes are copied."""
        start = self._offsets.get(id(monitor), 0)
        i = np.asarray(monitor.i[start:])
        t = np.asarray(monitor.t_[start:])
        self._offsets[id(monitor)] = start + i.size
        self.append(name, i, t)

    # -- state -----------------------------------------------------------------------------
    def add_state(self, population: str, variable: str, times_s, values, units: str,
                  node_ids):
        """Store a recorded variable: ``values`` shape (n_times, n_recorded) in ``units``."""
        _check_name(population)
        _check_name(variable, "variable")
        times = np.asarray(times_s, dtype=np.float64)
        values = np.asarray(values, dtype=np.float64)
        node_ids = np.asarray(node_ids, dtype=np.uint64)
        if values.ndim == 1:
            values = values[:, None]
        if values.shape != (times.size, node_ids.size):
            raise ValueError(f"state {population}/{variable}: values shape {values.shape} is not "
                             f"(n_times={times.size}, n_recorded={node_ids.size})")
        g = self._f.require_group("state").require_group(population).create_group(variable)
        d = g.create_dataset("data", data=values)
        d.attrs["units"] = str(units)
        t = g.create_dataset("times", data=to_ms(times, self.dt))
        t.attrs["units"] = "ms"
        g.create_dataset("node_ids", data=node_ids)

    def add_units(self, population: str, columns: dict, units: dict | None = None):
        """Per-neuron columns of ``population``: ``{name: array of n_nodes values}`` (numbers or
        text), e.g. the circuit copy or the condition of each neuron."""
        _check_name(population)
        g = self._f.require_group("units").require_group(population)
        for name, values in columns.items():
            _check_name(name, "column")
            values = np.asarray(values)
            if values.dtype.kind in "OUS":
                d = g.create_dataset(name, data=values.astype(str).astype(object),
                                     dtype=h5py.string_dtype())
            else:
                d = g.create_dataset(name, data=values)
            d.attrs["units"] = str((units or {}).get(name, "1"))

    def add_state_monitor(self, population: str, monitor, variables=None):
        """Store variables of a Brian2 ``StateMonitor`` (units from Brian2)."""
        variables = variables or monitor.record_variables
        for var in variables:
            q = getattr(monitor, var)
            unit = q.get_best_unit() if hasattr(q, "get_best_unit") else None
            vals = np.asarray(q / unit) if unit is not None else np.asarray(q)
            self.add_state(population, var, np.asarray(monitor.t_), vals.T,
                           str(unit) if unit is not None else "1",
                           np.asarray(monitor.record))

    # -- finishing -------------------------------------------------------------------------
    def close(self):
        """Finish the attributes and move the file into place."""
        if self._closed:
            return
        if self.t_stop is None:
            last = [p["last"] for p in self._pops.values() if p["n"]]
            self.t_stop = max(last, default=self.t_start)
        self._root.attrs["t_start_s"] = self.t_start
        self._root.attrs["t_stop_s"] = float(self.t_stop)
        if self.dt:
            self._root.attrs["dt_ms"] = self.dt * 1e3
        for name, p in self._pops.items():
            if "timestamps" not in p["group"]:
                self._create(p["group"], chunk=1024)
            sorting = p["sorting"] or ("by_time" if p["sorted"] else "none")
            p["group"].attrs.create("sorting", SORTING[sorting], dtype=SORTING_DTYPE)
            p["group"].attrs["n_nodes"] = int(self.sizes.get(name, p["max_id"] + 1))
        self._f.close()
        os.replace(self._tmp, self.path)
        self._closed = True

    def abort(self):
        if not self._closed:
            self._f.close()
            if os.path.exists(self._tmp):
                os.unlink(self._tmp)
            self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()
        return False


def _ordered(primary, secondary) -> bool:
    """True if (primary, secondary) pairs are already in lexicographic order (O(n))."""
    if primary.size < 2:
        return True
    p0, p1 = primary[:-1], primary[1:]
    return bool(np.all((p1 > p0) | ((p1 == p0) & (secondary[1:] >= secondary[:-1]))))


def write_spikes(path, populations: dict, t_start: float = 0.0, t_stop: float | None = None,
                 sorting: str = "by_time", state: dict | None = None,
                 sizes: dict | None = None, dt: float | None = None,
                 units: dict | None = None) -> Path:
    """Write ``{population: (node_ids, times_s)}`` to ``path`` (atomically).

    Parameters
    ----------
    populations : dict
        Population name -> (node ids, spike times in seconds), equal-length arrays.
    t_start, t_stop : float
        Recording interval in seconds (``t_stop`` defaults to the last spike).
    sorting : {'by_time', 'by_id', 'none'}
    state : dict, optional
        ``{population: {variable: dict(times_s=, values=(n_times, n_recorded), units=,
        node_ids=)}}`` recorded state variables, or ``{population: StateMonitor}``.
    sizes : dict, optional
        Population sizes (default: largest node id + 1), so silent neurons are kept.
    dt : float, optional
        Time step in seconds: times are stored rounded to it (:func:`to_ms`).
    units : dict, optional
        ``{population: {column: values per neuron}}`` (see :meth:`SpikeFileWriter.add_units`).

    Returns
    -------
    Path
        ``path``.

    Example
    -------
    >>> write_spikes("spikes.h5", {"pyr": ([0, 1], [0.0123, 0.5])}, t_stop=1.0,
    ...              dt=1e-4)                                    # doctest: +SKIP
    """
    if sorting not in SORTING:
        raise ValueError(f"sorting {sorting!r} is not allowed (allowed: {', '.join(SORTING)})")
    with SpikeFileWriter(path, t_start=t_start, t_stop=t_stop, sizes=sizes, dt=dt) as w:
        for name, (ids, times) in populations.items():
            ids = np.asarray(ids)
            if ids.size and ids.dtype.kind in "if" and ids.min() < 0:
                raise ValueError(f"population {name!r}: negative node ids")
            ids = ids.astype(np.uint64)
            times = np.asarray(times, dtype=np.float64)
            if ids.shape != times.shape:
                raise ValueError(f"population {name!r}: {ids.size} ids but {times.size} times")
            if sorting == "by_time" and not _ordered(times, ids):
                order = np.lexsort((ids, times))
            elif sorting == "by_id" and not _ordered(ids, times):
                order = np.lexsort((times, ids))
            else:
                order = slice(None)  # already in order (a monitor's spikes are by time)
            w.population(name, sorting=sorting)
            w.append(name, ids[order], times[order])
        for pop, variables in (state or {}).items():
            if hasattr(variables, "record_variables"):
                w.add_state_monitor(pop, variables)
                continue
            for var, rec in variables.items():
                w.add_state(pop, var, rec["times_s"], rec["values"], rec.get("units", "1"),
                            rec["node_ids"])
        for pop, columns in (units or {}).items():
            w.add_units(pop, columns)
    return Path(path)


def _scale(ds) -> float:
    unit = ds.attrs.get("units", "ms")
    unit = unit.decode() if isinstance(unit, bytes) else str(unit)
    if unit not in _TIME_SCALE:
        raise ValueError(f"{ds.name}: time units {unit!r} not understood "
                         f"(allowed: {', '.join(_TIME_SCALE)})")
    return _TIME_SCALE[unit]


def read_spikes(path, populations=None, time_unit: str = "s") -> tuple[dict, dict]:
    """Read a SONATA spike file: ``({population: (ids, times)}, meta)``.

    Times are in seconds (``time_unit="s"``) or, unconverted when stored so, in ms
    (``time_unit="ms"``). ``meta`` has ``t_start_s``, ``t_stop_s``, ``dt_ms`` (when written by
    spikemod) and ``sizes`` (population -> number of neurons; largest id + 1 when the file does
    not say).
    """
    out, sizes = {}, {}
    with h5py.File(path, "r") as f:
        root = f["spikes"]
        meta = {k: float(root.attrs[k]) for k in ("t_start_s", "t_stop_s", "dt_ms")
                if k in root.attrs}
        for name, g in root.items():
            if populations is not None and name not in populations:
                continue
            ids = g["node_ids"][()].astype(np.int64)
            ts = g["timestamps"][()]
            scale = _scale(g["timestamps"]) / _TIME_SCALE[time_unit]
            out[name] = (ids, ts if scale == 1.0 else ts * scale)
            sizes[name] = int(g.attrs.get("n_nodes", ids.max() + 1 if ids.size else 0))
    meta["sizes"] = sizes
    return out, meta


def read_state(path, populations=None) -> dict:
    """``{population: {variable: dict(times_s, values, units, node_ids)}}`` from ``/state``."""
    out: dict = {}
    with h5py.File(path, "r") as f:
        if "state" not in f:
            return out
        for pop, pg in f["state"].items():
            if populations is not None and pop not in populations:
                continue
            for var, g in pg.items():
                units = g["data"].attrs.get("units", "1")
                out.setdefault(pop, {})[var] = {
                    "times_s": g["times"][()] * _scale(g["times"]),
                    "values": g["data"][()],
                    "units": units.decode() if isinstance(units, bytes) else str(units),
                    "node_ids": g["node_ids"][()].astype(np.int64)}
    return out


def read_units(path) -> dict:
    """``{population: {column: values per neuron}}`` from ``/units`` (empty if absent)."""
    out: dict = {}
    with h5py.File(path, "r") as f:
        for pop, g in (f["units"].items() if "units" in f else ()):
            for name, d in g.items():
                v = d[()]
                if v.dtype.kind == "O":
                    v = np.array([x.decode() if isinstance(x, bytes) else str(x) for x in v])
                out.setdefault(pop, {})[name] = v
    return out


def spike_file_info(path) -> dict:
    """Population -> (number of spikes, number of neurons), without reading the spikes."""
    out = {}
    with h5py.File(path, "r") as f:
        for name, g in f["spikes"].items():
            n = g.attrs.get("n_nodes")
            if n is None:
                ids = g["node_ids"][()]
                n = int(ids.max()) + 1 if ids.size else 0
            out[name] = (int(g["node_ids"].shape[0]), int(n))
    return out
