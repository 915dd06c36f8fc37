"""Exports of a protocol's spikes that other tools read, and readers for them (used in tests).

``export(results_dir, fmt, out)`` writes one of:

* ``nwb``: NWB 2 file with a Units table written directly with pynwb (NWBIO would drop the
  annotations): one unit per neuron (silent neurons included), ``spike_times`` in seconds,
  columns ``population`` and ``source_index``, ``obs_intervals`` = the recording interval; unit
  id = the block-wide ``channel_id`` of :func:`spikemod.io.to_neo`. Passes ``pynwb.validate``.
* ``nix``: the :func:`spikemod.io.to_neo` block through ``neo.NixIO`` (every spike train becomes
  a NIX DataArray, so this format is for small and medium runs: above
  :data:`NIX_MAX_TRAINS` spike trains it is refused; see benchmarks/io.md for the measurement).
* ``sonata``: the canonical ``spikes.h5`` (already a SONATA spike file; libsonata and BMTK read it).
* ``npz``: keys ``<pop>/times_s``, ``<pop>/ids`` (int64), ``t_start_s``, ``t_stop_s``.
* ``csv``: BMTK's spike CSV: space separated, header ``timestamps population node_ids``,
  timestamps in ms, sorted by time.

Every writer writes beside ``out`` and renames at the end: ``out`` is complete or absent.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from spikemod.io.neo import spikes_path, to_neo
from spikemod.io.spikes import read_spikes, spike_file_info

__all__ = ["FORMATS", "NIX_MAX_TRAINS", "export", "read_export", "read_nwb", "read_nix",
           "read_sonata", "read_npz", "read_csv"]

FORMATS = ("nwb", "nix", "sonata", "npz", "csv")

#: NIX refusal threshold (number of spike trains = neurons). neo.NixIO writes one DataArray
#: plus a metadata section per train: measured 30-37 ms per train and ~25 kB per train on the
#: benchmark machine (benchmarks/io.md: 2,000 trains took 74 s and 50 MB), so above 2,000
#: trains an export would take minutes to hours (10^5 trains: ~1 h); NWB or SONATA instead.
NIX_MAX_TRAINS = 2_000


class ExportError(ValueError):
    """A user mistake in an export (one line)."""


@contextmanager
def _staged(out: Path, suffix: str = ""):
    """A temporary path beside ``out``; renamed onto ``out`` when the block succeeds."""
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp" + suffix, dir=out.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        yield Path(tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _sorted_by_id(ids, times):
    order = np.lexsort((times, ids))
    return ids[order], times[order]


def _provenance(results: Path) -> dict:
    try:
        return json.loads((results / "provenance.json").read_text())
    except (OSError, ValueError):
        return {}


# -- writers -----------------------------------------------------------------------------------
def write_nwb(src: Path, out: Path, results: Path):
    from hdmf.common import ElementIdentifiers, VectorData, VectorIndex
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.misc import Units

    spikes, meta = read_spikes(src)
    prov = _provenance(results)
    t0, t1 = meta.get("t_start_s", 0.0), meta.get("t_stop_s", np.nan)
    times, index, pops, src_idx = [], [], [], []
    n_total = 0
    for name, (ids, ts) in spikes.items():
        n = meta["sizes"][name]
        ids, ts = _sorted_by_id(ids, ts)
        times.append(ts)
        counts = np.bincount(ids, minlength=n)
        index.append(np.cumsum(counts))
        pops.append(np.full(n, name, dtype=object))
        src_idx.append(np.arange(n))
        n_total += n
    # ragged index: cumulative ends over all units
    offs = np.cumsum([0] + [t.size for t in times])[:-1]
    end = np.concatenate([i + o for i, o in zip(index, offs)]) if index else np.zeros(0, int)
    spike_times = np.concatenate(times) if times else np.zeros(0)
    started = prov.get("start_time")
    try:
        start = _dt.datetime.fromisoformat(started) if started else None
    except ValueError:
        start = None
    if start is None:
        start = _dt.datetime.fromtimestamp(src.stat().st_mtime, _dt.timezone.utc)
    nwb = NWBFile(session_description=f"spikemod {prov.get('protocol', 'simulation')} "
                                      f"(simulated spikes)",
                  identifier=str(uuid.uuid4()), session_start_time=start,
                  source_script="spikemod export", source_script_file_name="spikemod",
                  notes=f"exported from {src}; model sha256 {prov.get('model_sha256', '?')}")
    st = VectorData(name="spike_times", description="the spike times for each unit in seconds",
                    data=spike_times)
    sti = VectorIndex(name="spike_times_index", data=end, target=st)
    obs = VectorData(name="obs_intervals", description="the observation intervals for each unit",
                     data=np.tile([t0, t1], (n_total, 1)))
    obsi = VectorIndex(name="obs_intervals_index", data=np.arange(1, n_total + 1), target=obs)
    pop = VectorData(name="population", description="spikemod population of the neuron",
                     data=np.concatenate(pops).astype(str) if pops else np.zeros(0, str))
    sidx = VectorData(name="source_index", description="index of the neuron in its population",
                      data=np.concatenate(src_idx) if src_idx else np.zeros(0, int))
    nwb.units = Units(name="units", description="simulated neurons, one unit per neuron",
                      id=ElementIdentifiers(name="id", data=np.arange(n_total)),
                      columns=[st, sti, obs, obsi, pop, sidx])
    with _staged(out, ".nwb") as tmp, NWBHDF5IO(str(tmp), "w") as io:
        io.write(nwb)


def write_nix(src: Path, out: Path, results: Path):
    import neo

    info = spike_file_info(src)
    n_trains = sum(n for _, n in info.values())
    if n_trains > NIX_MAX_TRAINS:
        raise ExportError(f"{n_trains} spike trains are too many for NIX (limit "
                          f"{NIX_MAX_TRAINS}: neo.NixIO writes one DataArray per train); "
                          "use --format nwb or sonata")
    block = to_neo(results if results.is_dir() else src)
    with _staged(out, ".nix") as tmp:
        io = neo.NixIO(str(tmp), mode="ow")
        try:
            io.write_block(block)
        finally:
            io.close()


def write_sonata(src: Path, out: Path, results: Path):
    with _staged(out) as tmp:
        shutil.copyfile(src, tmp)


def write_npz(src: Path, out: Path, results: Path):
    spikes, meta = read_spikes(src)
    arrays = {"t_start_s": np.float64(meta.get("t_start_s", 0.0)),
              "t_stop_s": np.float64(meta.get("t_stop_s", np.nan))}
    for name, (ids, times) in spikes.items():
        arrays[f"{name}/times_s"] = times
        arrays[f"{name}/ids"] = ids.astype(np.int64)
    with _staged(out) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)


def write_csv(src: Path, out: Path, results: Path, chunk: int = 200_000):
    spikes, _ = read_spikes(src)
    names = list(spikes)
    if not names:
        times = np.zeros(0)
        pop = ids = np.zeros(0, np.int64)
    else:
        times = np.concatenate([spikes[p][1] for p in names])
        pop = np.concatenate([np.full(spikes[p][0].size, k) for k, p in enumerate(names)])
        ids = np.concatenate([spikes[p][0] for p in names])
    order = np.argsort(times, kind="stable")
    with _staged(out) as tmp, open(tmp, "w") as f:
        f.write("timestamps population node_ids\n")
        for a in range(0, order.size, chunk):
            sel = order[a:a + chunk]
            f.writelines(f"{t!r} {names[p]} {i}\n" for t, p, i in
                         zip((times[sel] * 1e3).tolist(), pop[sel].tolist(), ids[sel].tolist()))


WRITERS = {"nwb": write_nwb, "nix": write_nix, "sonata": write_sonata, "npz": write_npz,
           "csv": write_csv}


def export(results_dir, fmt: str, out, force: bool = False) -> Path:
    """Export the spikes of ``results_dir`` (a protocol output or a spikes.h5) to ``out``."""
    if fmt not in WRITERS:
        raise ExportError(f"format {fmt!r} is not known (allowed: {', '.join(FORMATS)})")
    results = Path(results_dir)
    try:
        src = spikes_path(results)
    except FileNotFoundError as exc:
        raise ExportError(str(exc)) from None
    out = Path(out)
    if out.is_dir():
        raise ExportError(f"--out {str(out)!r} is a directory (give a file name)")
    if out.exists() and not force:
        raise ExportError(f"--out {str(out)!r} exists (use --force to replace it)")
    if not out.parent.is_dir():
        raise ExportError(f"--out {str(out)!r}: directory {str(out.parent)!r} does not exist")
    try:
        spike_file_info(src)
    except (OSError, KeyError) as exc:
        raise ExportError(f"{str(src)!r} is not a spike file ({exc})") from None
    WRITERS[fmt](src, out, results)
    return out


# -- readers (each format by its own ecosystem's reader) --------------------------------------
def read_nwb(path) -> tuple[dict, dict]:
    """pynwb's NWBHDF5IO: ``({pop: (ids, times_s)}, {'t_start_s', 't_stop_s', 'sizes'})``."""
    from pynwb import NWBHDF5IO

    with NWBHDF5IO(str(path), "r") as io:
        units = io.read().units
        index_col = units["spike_times"]  # the ragged column: VectorIndex -> VectorData
        times = np.asarray(index_col.target.data[:])
        ends = np.asarray(index_col.data[:], dtype=np.int64)
        pops = np.asarray(units["population"].data[:]).astype(str)
        index = np.asarray(units["source_index"].data[:], dtype=np.int64)
        obs = (np.asarray(units["obs_intervals"].target.data[:]) if len(ends)
               else np.zeros((0, 2)))
    counts = np.diff(np.concatenate([[0], ends]))
    unit_of_spike = np.repeat(np.arange(ends.size), counts)
    out, sizes = {}, {}
    for name in dict.fromkeys(pops):
        units_here = pops == name
        sel = units_here[unit_of_spike]
        out[str(name)] = (index[unit_of_spike[sel]], times[sel])
        sizes[str(name)] = int(units_here.sum())
    meta = {"sizes": sizes}
    if obs.size:
        meta.update(t_start_s=float(obs[0, 0]), t_stop_s=float(obs[0, 1]))
    return out, meta


def read_nix(path) -> tuple[dict, dict]:
    """neo's NixIO: spike trains grouped by their ``source_population`` annotation."""
    import neo

    io = neo.NixIO(str(path), mode="ro")
    try:
        block = io.read_block()
    finally:
        io.close()
    out, sizes = {}, {}
    for st in block.segments[0].spiketrains:
        name = st.annotations["source_population"]
        ids, times = out.setdefault(name, ([], []))
        t = st.rescale("s").magnitude
        ids.append(np.full(t.size, int(st.annotations["source_index"])))
        times.append(t)
        sizes[name] = sizes.get(name, 0) + 1
    out = {k: (np.concatenate(v[0]).astype(np.int64), np.concatenate(v[1])) for k, v in out.items()}
    return out, {"sizes": sizes, "block": block}


def read_sonata(path) -> tuple[dict, dict]:
    """libsonata's SpikeReader when installed (else h5py through read_spikes)."""
    try:
        import libsonata
    except ImportError:
        return read_spikes(path)
    reader = libsonata.SpikeReader(str(path))
    out = {}
    for name in reader.get_population_names():
        d = reader[name].get_dict()
        out[name] = (np.asarray(d["node_ids"], dtype=np.int64),
                     np.asarray(d["timestamps"], dtype=float) * 1e-3)
    return out, {"reader": "libsonata"}


def read_npz(path) -> tuple[dict, dict]:
    with np.load(path) as z:
        keys = list(z.keys())
        out = {k[:-len("/ids")]: (z[k], z[k[:-len("/ids")] + "/times_s"])
               for k in keys if k.endswith("/ids")}
        meta = {"t_start_s": float(z["t_start_s"]), "t_stop_s": float(z["t_stop_s"])}
    return out, meta


def read_csv(path) -> tuple[dict, dict]:
    """pandas, the way BMTK reads its spike CSV (``sep=' '``)."""
    import pandas as pd

    df = pd.read_csv(path, sep=" ", dtype={"population": str})
    out = {name: (g["node_ids"].to_numpy(np.int64), g["timestamps"].to_numpy(float) * 1e-3)
           for name, g in df.groupby("population", sort=False)}
    return out, {}


READERS = {"nwb": read_nwb, "nix": read_nix, "sonata": read_sonata, "npz": read_npz,
           "csv": read_csv}


def read_export(path, fmt: str):
    """Read an exported file back with its own ecosystem's reader."""
    return READERS[fmt](path)
