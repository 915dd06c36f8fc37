"""The canonical spike store: ``spikes.h5`` in the SONATA spike layout.

Layout (SONATA "Spike file" specification)::

    /spikes                       attrs: t_start_s, t_stop_s (spikemod's extension)
    /spikes/<population>          attr sorting: HDF5 enum {none: 0, by_id: 1, by_time: 2}
    /spikes/<population>/timestamps   float64, attr units = "ms"
    /spikes/<population>/node_ids     uint64

Spikes are kept as two arrays per population (node ids, times): the canonical form from which
Neo objects are built lazily.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from spikemod.provenance import atomic_write

__all__ = ["SORTING", "write_spikes", "read_spikes"]

SORTING = {"none": 0, "by_id": 1, "by_time": 2}
SORTING_DTYPE = h5py.enum_dtype(SORTING, basetype="u1")


def write_spikes(path, populations: dict, t_start: float = 0.0, t_stop: float | None = None,
                 sorting: str = "by_time") -> Path:
    """Write ``{population: (node_ids, times_s)}`` to ``path`` (atomically).

    Parameters
    ----------
    populations : dict
        Population name -> (node ids, spike times in seconds), equal-length arrays.
    t_start, t_stop : float
        Recording interval in seconds (``t_stop`` defaults to the last spike).
    sorting : {'by_time', 'by_id', 'none'}
    """
    if sorting not in SORTING:
        raise ValueError(f"sorting {sorting!r} is not allowed (allowed: {', '.join(SORTING)})")
    path = Path(path)
    if t_stop is None:
        t_stop = max((float(np.max(t)) for _, t in populations.values() if len(t)), default=0.0)
    with atomic_write(path, "wb") as fh:
        with h5py.File(fh, "w") as f:
            root = f.create_group("spikes")
            root.attrs["t_start_s"] = float(t_start)
            root.attrs["t_stop_s"] = float(t_stop)
            for name, (ids, times) in populations.items():
                ids = np.asarray(ids, dtype=np.uint64)
                times = np.asarray(times, dtype=np.float64)
                if ids.shape != times.shape:
                    raise ValueError(f"population {name!r}: {ids.size} ids but {times.size} times")
                if sorting == "by_time":
                    order = np.lexsort((ids, times))
                elif sorting == "by_id":
                    order = np.lexsort((times, ids))
                else:
                    order = slice(None)
                g = root.create_group(name)
                g.attrs.create("sorting", SORTING[sorting], dtype=SORTING_DTYPE)
                ts = g.create_dataset("timestamps", data=times[order] * 1e3)
                ts.attrs["units"] = "ms"
                g.create_dataset("node_ids", data=ids[order])
    return path


def read_spikes(path) -> tuple[dict, dict]:
    """Read a SONATA spike file: ``({population: (ids, times_s)}, {'t_start_s', 't_stop_s'})``."""
    out = {}
    with h5py.File(path, "r") as f:
        root = f["spikes"]
        meta = {k: float(root.attrs[k]) for k in ("t_start_s", "t_stop_s") if k in root.attrs}
        for name, g in root.items():
            scale = {"ms": 1e-3, "s": 1.0}.get(str(g["timestamps"].attrs.get("units", "ms")), 1e-3)
            out[name] = (g["node_ids"][()].astype(np.int64), g["timestamps"][()] * scale)
    return out, meta
