"""Exports of a protocol's spikes that other tools read, and readers for them (used in tests).

``export(results_dir, fmt, out)`` writes one of:

* ``nwb``: NWB 2 file with a Units table written directly with pynwb (NWBIO would drop the
  annotations): one unit per neuron (silent neurons included), ``spike_times`` in seconds,
  columns ``population``, ``source_index`` and the per-neuron columns of the spike file
  (``/units``: condition or grid point) or ``circuit_copy`` (from provenance),
  ``obs_intervals`` = the recording interval, ``resolution`` = the time step; unit id = the
  block-wide ``channel_id`` of :func:`spikemod.io.to_neo`. Recorded state variables become
  acquisition TimeSeries (SI unit with ``conversion``). The run's provenance (seed, versions,
  command, parameters) is in ``notes``, ``source_script`` and ``experiment_description``.
  Passes ``pynwb.validate`` and ``nwbinspector`` (no critical issue, no best-practice
  violation).
* ``nix``: a Neo block through ``neo.NixIO`` with one spike train per population (array
  annotations ``source_index``, ``channel_id`` per spike; ``n_nodes``) and the recorded state
  as AnalogSignals: NixIO's cost is per train (~30 kB, ~30 ms; benchmarks/io.md), so one train
  per neuron made files 100 times the spike file.
* ``sonata``: the canonical ``spikes.h5`` (already a SONATA spike file; libsonata and BMTK read it).
* ``npz``: keys ``<pop>/times_s``, ``<pop>/ids`` (int64), ``t_start_s``, ``t_stop_s``.
* ``csv``: BMTK's spike CSV: space separated, header ``timestamps population node_ids``,
  timestamps in ms as stored (rounded to the time step), sorted by time.

Every writer writes beside ``out`` and renames at the end: ``out`` is complete or absent, with
the permissions of an ordinary new file (umask).
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
from spikemod.io.spikes import read_spikes, read_state, spike_file_info
from spikemod.provenance import publish_mode

__all__ = ["FORMATS", "export", "read_export", "read_nwb", "read_nix",
           "read_sonata", "read_npz", "read_csv"]

FORMATS = ("nwb", "nix", "sonata", "npz", "csv")

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
        publish_mode(tmp)
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
#: NWB's unit names for the SI dimensions of recorded state variables
_NWB_UNITS = {"V": "volts", "A": "amperes", "S": "siemens", "F": "farads", "s": "seconds",
              "Hz": "hertz", "mol/m^3": "molar"}


#: NWB Subject.species of a simulated model: the NCBI taxon of its cells (Mammalia: the L5
#: pyramidal, PV and SOM models of W25/NS18/IZ07 describe mammalian neocortex)
_MODEL_TAXON = "http://purl.obolibrary.org/obo/NCBITaxon_40674"


def _nwb_unit(units: str) -> tuple[str, float]:
    """``'mV'`` -> ``('volts', 1e-3)``: NWB unit and the conversion of the stored numbers."""
    from brian2.units.fundamentalunits import DIMENSIONLESS, get_dimensions, get_unit

    from spikemod.params import parse_quantity
    try:
        q = parse_quantity(units or "1")
    except ValueError:
        return str(units), 1.0
    dim = get_dimensions(q)
    if dim is DIMENSIONLESS:
        return "n.a.", float(q)
    name = str(get_unit(dim))
    return _NWB_UNITS.get(name, name), float(q / get_unit(dim))


def _provenance_text(prov: dict) -> str:
    """The parts of provenance.json that say how to reproduce the run, as JSON text."""
    keys = ("protocol", "seed", "device", "command", "protocol_args", "options", "overrides",
            "set_by_options", "model_file", "model_file_sha256", "model_sha256", "versions",
            "parameters", "start_time", "end_time")
    return json.dumps({k: prov[k] for k in keys if k in prov}, indent=1, default=str)


def _unit_columns(src: Path, prov: dict, spikes: dict, sizes: dict) -> dict:
    """Per-neuron columns: ``/units`` of the spike file, plus ``circuit_copy`` (the circuit
    copy of each neuron) when provenance gives ``copies`` and ``cells_per_copy``."""
    from spikemod.io.spikes import read_units

    cols = read_units(src)
    per_copy, copies = prov.get("cells_per_copy"), prov.get("copies")
    if isinstance(per_copy, dict) and isinstance(copies, int) and copies > 1:
        for name in spikes:
            n = per_copy.get(name)
            if n and sizes[name] == n * copies and "circuit_copy" not in cols.get(name, {}):
                cols.setdefault(name, {})["circuit_copy"] = np.arange(sizes[name]) // n
    return cols


def _time_step_s(meta: dict, prov: dict) -> float:
    """The simulation time step: the spike file's ``dt_ms``, else the run's ``sim.dt`` in
    provenance, else the default model's (files written before spikemod recorded dt)."""
    from spikemod.params import ModelError, load_model, parse_quantity
    if meta.get("dt_ms"):
        return float(meta["dt_ms"]) * 1e-3
    text = str(prov.get("parameters", {}).get("sim.dt", "")).split(" (")[0]
    try:
        return float(parse_quantity(text))
    except ModelError:
        return float(load_model()["sim.dt"])


def write_nwb(src: Path, out: Path, results: Path):
    from hdmf.common import ElementIdentifiers, VectorData, VectorIndex
    from pynwb import NWBHDF5IO, NWBFile, TimeSeries
    from pynwb.file import Subject
    from pynwb.misc import Units

    spikes, meta = read_spikes(src)
    state = read_state(src)
    prov = _provenance(results)
    t0, t1 = meta.get("t_start_s", 0.0), meta.get("t_stop_s", np.nan)
    sizes = meta["sizes"]
    extra = _unit_columns(src, prov, spikes, sizes)
    times, index, pops, src_idx = [], [], [], []
    n_total = 0
    for name, (ids, ts) in spikes.items():
        n = sizes[name]
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
    protocol = prov.get("protocol", "simulation")
    versions = prov.get("versions", {})
    command = " ".join(str(a) for a in prov.get("command", [])) or "spikemod export"
    nwb = NWBFile(
        session_description=f"spikemod {protocol}: simulated spikes of a model microcircuit",
        identifier=str(uuid.uuid4()), session_start_time=start,
        experiment_description=(f"Brian2 simulation by spikemod {versions.get('spikemod', '?')} "
                                f"(brian2 {versions.get('brian2', '?')}), protocol {protocol}, "
                                f"seed {prov.get('seed', '?')}, device {prov.get('device', '?')}, "
                                f"model {Path(str(prov.get('model_file', '?'))).name} "
                                f"(sha256 {prov.get('model_sha256', '?')})"),
        experimenter=["Simulation, spikemod"], institution="spikemod simulation (no lab)",
        keywords=["simulation", "spiking network", "neuromodulation", "Brian2", protocol],
        protocol=json.dumps({"protocol": protocol, "options": prov.get("protocol_args", [])}),
        source_script=command, source_script_file_name="spikemod",
        notes=f"provenance (spikemod provenance.json): {_provenance_text(prov)}",
        subject=Subject(subject_id=f"model-{prov.get('model_sha256', 'unknown')[:12]}",
                        description=("a simulated network, no animal: species is the taxon "
                                     "whose cortical cells the model describes (mammalian "
                                     "cortex); date_of_birth is the start of the simulation "
                                     "(the network exists only for the run); subject_id is "
                                     "the hash of the model's parameters"),
                        species=_MODEL_TAXON, sex="U", date_of_birth=start))
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
    columns = [st, sti, obs, obsi, pop, sidx]
    for col in dict.fromkeys(c for cols in extra.values() for c in cols):
        parts = []
        for name in spikes:
            v = extra.get(name, {}).get(col)
            if v is None or len(v) != sizes[name]:
                v = np.full(sizes[name], "" if any(
                    np.asarray(c.get(col, [0])).dtype.kind in "OUS" for c in extra.values())
                    else np.nan)
            parts.append(np.asarray(v))
        data = np.concatenate(parts) if parts else np.zeros(0)
        if data.dtype.kind in "OUS":
            data = data.astype(str)
        what = ("circuit copy (independent replica in the same simulation) of the neuron"
                if col == "circuit_copy"
                else f"{col} of the neuron (the condition it was simulated in)")
        columns.append(VectorData(name=col, description=what, data=data))
    nwb.units = Units(name="units", description="simulated neurons, one unit per neuron",
                      id=ElementIdentifiers(name="id", data=np.arange(n_total)),
                      columns=columns, resolution=_time_step_s(meta, prov))
    for name, variables in state.items():
        for var, rec in variables.items():
            unit, conversion = _nwb_unit(rec["units"])
            ts = np.asarray(rec["times_s"])
            kw = {}
            step = np.diff(ts)
            if ts.size > 1 and np.allclose(step, step[0], rtol=1e-6, atol=1e-12):
                kw.update(starting_time=float(ts[0]), rate=1.0 / float(step[0]))
            else:
                kw.update(timestamps=ts)
            nwb.add_acquisition(TimeSeries(
                name=f"{name}_{var}", data=np.asarray(rec["values"]), unit=unit,
                conversion=conversion,
                description=(f"recorded state variable {var} of population {name} "
                             f"({rec['units']}); columns are the neurons "
                             f"{', '.join(str(int(i)) for i in rec['node_ids'])} (source_index)"),
                comments=f"source_population={name}", **kw))
    with _staged(out, ".nwb") as tmp, NWBHDF5IO(str(tmp), "w") as io:
        io.write(nwb)


def write_nix(src: Path, out: Path, results: Path):
    """One NIX spike train per population (all its spikes; array annotations ``source_index``
    and ``channel_id`` give each spike's neuron, and the spike file's per-neuron columns its
    condition or copy; annotation ``n_nodes`` the population size):
    neo.NixIO writes one DataArray and a metadata section per train, ~30 kB each, so one train
    per neuron made a 17.8 MB file of a 145 kB spike file."""
    import neo
    import quantities as pq

    from spikemod.io.spikes import read_units

    spikes, meta = read_spikes(src)
    columns = read_units(src)
    signals = to_neo(results if results.is_dir() else src).segments[0].analogsignals
    t0 = meta.get("t_start_s", 0.0)
    last = max((float(t.max()) for _, t in spikes.values() if t.size), default=t0)
    t1 = meta.get("t_stop_s", last)
    block = neo.Block(name=Path(src).parent.name, file_origin=str(src),
                      layout="one spike train per population")
    seg = neo.Segment(name="run", index=0)
    block.segments.append(seg)
    offset = 0
    for name, (ids, times) in spikes.items():
        order = np.lexsort((ids, times))
        n = meta["sizes"][name]
        per_spike = {"source_index": ids[order].astype(np.int64),
                     "channel_id": offset + ids[order]}
        for col, values in columns.get(name, {}).items():      # condition, copy of the neuron
            if len(values) == n and col not in per_spike:
                per_spike[col] = np.asarray(values)[ids[order]]
        train = neo.SpikeTrain(times[order], units="s", t_start=t0 * pq.s, t_stop=t1 * pq.s,
                               name=name, source_population=name, n_nodes=int(n),
                               array_annotations=per_spike)
        offset += n
        group = neo.Group(name=name, source_population=name, size=int(n))
        seg.spiketrains.append(train)
        group.add(train)
        for sig in signals:
            if sig.annotations.get("source_population") == name:
                group.add(sig)
        block.groups.append(group)
    for sig in signals:
        seg.analogsignals.append(sig)
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
    spikes, _ = read_spikes(src, time_unit="ms")      # the stored ms: no float noise added
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
                         zip(times[sel].tolist(), pop[sel].tolist(), ids[sel].tolist()))


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
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise ExportError(f"--out {str(out)!r}: cannot write in directory {str(out.parent)!r} "
                          "(permission denied)")
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
    """neo's NixIO: one train per population (``source_index`` per spike), or one train per
    neuron (files of earlier versions, grouped by their ``source_population`` annotation)."""
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
        if "n_nodes" in st.annotations:
            ids.append(np.asarray(st.array_annotations["source_index"], dtype=np.int64))
            sizes[name] = int(st.annotations["n_nodes"])
        else:
            ids.append(np.full(t.size, int(st.annotations["source_index"])))
            sizes[name] = sizes.get(name, 0) + 1
        times.append(t)
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
