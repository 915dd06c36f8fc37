"""Canonical spikes.h5, to_neo, and the five exports read back by their own ecosystems' readers.

Two results directories: the real fi-gain protocol run tiny (runtime device), and a constructed
one with three populations (one empty, silent neurons, recorded state).
"""

import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

from spikemod.cli import main as cli
from spikemod.io import SpikeFileWriter, read_spikes, read_state, to_neo, write_spikes
from spikemod.io import export as ex

FORMATS = ["nwb", "nix", "sonata", "npz", "csv"]


@pytest.fixture(scope="module")
def fi_dir(tmp_path_factory):
    from spikemod.protocol import load_protocol, protocol_main
    out = tmp_path_factory.mktemp("fi") / "fi-gain"
    rc = protocol_main(load_protocol("fi-gain"),
                       ["--device", "runtime", "--i-soma", "600,900", "--i-dend", "0",
                        "--coupling", "1", "--duration", "0.3", "--quiet", "--out", str(out)])
    assert rc == 0
    return out


@pytest.fixture(scope="module")
def made_dir(tmp_path_factory):
    """Three populations: pyr (20 neurons, 3 never fire), pv (5, all fire), som (4, silent)."""
    rng = np.random.default_rng(3)
    pyr_ids = rng.integers(0, 17, 300)
    pyr_t = rng.random(300) * 2.0
    pv_ids = np.repeat(np.arange(5), 10)
    pv_t = rng.random(50) * 2.0
    t = np.arange(0, 2.0, 1e-3)
    v = -70 + np.sin(t[:, None] * np.array([5.0, 7.0])) * 5
    out = tmp_path_factory.mktemp("made") / "run"
    write_spikes(out / "spikes.h5",
                 {"pyr": (pyr_ids, pyr_t), "pv": (pv_ids, pv_t),
                  "som": (np.zeros(0, int), np.zeros(0))},
                 t_start=0.0, t_stop=2.0, sizes={"pyr": 20, "pv": 5, "som": 4},
                 state={"pyr": {"v": dict(times_s=t, values=v, units="mV", node_ids=[2, 11])}})
    return out


@pytest.fixture(params=["fi", "made"])
def results(request, fi_dir, made_dir):
    return fi_dir if request.param == "fi" else made_dir


def _same(a, b):
    """Spikes equal per population (order-free), times to 1e-12 relative."""
    assert set(a) == set(b)
    for pop in a:
        (ia, ta), (ib, tb) = a[pop], b[pop]
        assert ia.size == ib.size, pop
        oa, ob = np.lexsort((ta, ia)), np.lexsort((tb, ib))
        np.testing.assert_array_equal(np.asarray(ia)[oa], np.asarray(ib)[ob])
        np.testing.assert_allclose(np.asarray(ta)[oa], np.asarray(tb)[ob], rtol=1e-12, atol=1e-15)


# -- canonical file ---------------------------------------------------------------------------
def test_fi_gain_writes_sonata_layout(fi_dir):
    with h5py.File(fi_dir / "spikes.h5", "r") as f:
        g = f["spikes/pyr"]
        assert g["timestamps"].dtype == np.float64 and g["timestamps"].attrs["units"] == "ms"
        assert g["node_ids"].dtype == np.uint64
        assert h5py.check_enum_dtype(g.attrs.get_id("sorting").dtype) == \
            {"none": 0, "by_id": 1, "by_time": 2}
        assert g.attrs["sorting"] == 2
        assert np.all(np.diff(g["timestamps"][()]) >= 0)
    spikes, meta = read_spikes(fi_dir / "spikes.h5")
    assert spikes["pyr"][0].size > 0 and meta["sizes"]["pyr"] == 2


def test_state_round_trip(made_dir):
    st = read_state(made_dir / "spikes.h5")["pyr"]["v"]
    assert st["units"] == "mV" and list(st["node_ids"]) == [2, 11]
    assert st["values"].shape == (2000, 2)
    np.testing.assert_allclose(st["times_s"][1], 1e-3)


def test_streaming_writer_chunks_equal_one_shot(tmp_path):
    rng = np.random.default_rng(0)
    t = np.sort(rng.random(1000))
    ids = rng.integers(0, 50, 1000)
    with SpikeFileWriter(tmp_path / "a.h5", t_start=0, t_stop=1, sizes={"e": 50}) as w:
        for k in range(0, 1000, 128):
            w.append("e", ids[k:k + 128], t[k:k + 128])
        w.append("x", [3, 1], [0.5, 0.2])   # out of time order -> sorting none
    write_spikes(tmp_path / "b.h5", {"e": (ids, t), "x": ([3, 1], [0.5, 0.2])}, 0, 1,
                 sizes={"e": 50})
    a, _ = read_spikes(tmp_path / "a.h5")
    b, _ = read_spikes(tmp_path / "b.h5")
    _same(a, b)
    with h5py.File(tmp_path / "a.h5", "r") as f:
        assert f["spikes/e"].attrs["sorting"] == 2 and f["spikes/x"].attrs["sorting"] == 0
        assert f["spikes/e"].attrs["n_nodes"] == 50


def test_streaming_writer_error_leaves_nothing(tmp_path):
    with pytest.raises(ValueError):
        with SpikeFileWriter(tmp_path / "a.h5") as w:
            w.append("e", [0, 1], [0.1])
    with pytest.raises(ValueError, match="not allowed"):
        write_spikes(tmp_path / "b.h5", {"bad name": ([0], [0.1])})
    assert os.listdir(tmp_path) == []


def test_streaming_from_brian2_monitors(tmp_path):
    """A run in chunks: each chunk's new spikes go to disk; state monitor stored with units."""
    from brian2 import (Network, SpikeGeneratorGroup, SpikeMonitor, StateMonitor, NeuronGroup,
                        ms, prefs, start_scope)
    start_scope()
    prefs.codegen.target = "numpy"
    try:
        src = SpikeGeneratorGroup(3, [0, 1, 2, 0, 1], [1, 2, 3, 12, 15] * ms)
        mon = SpikeMonitor(src)
        g = NeuronGroup(2, "dv/dt = (1 - v) / (10*ms) : 1", method="exact")
        sm = StateMonitor(g, "v", record=[0, 1], dt=1 * ms)
        net = Network(src, mon, g, sm)
        with SpikeFileWriter(tmp_path / "s.h5", t_start=0) as w:
            net.run(10 * ms)
            w.append_monitor("src", mon)
            net.run(10 * ms)
            w.append_monitor("src", mon)
            w.add_state_monitor("g", sm)
            w.t_stop = 0.02
    finally:
        prefs.codegen.target = "auto"
    spikes, meta = read_spikes(tmp_path / "s.h5")
    np.testing.assert_array_equal(spikes["src"][0], [0, 1, 2, 0, 1])
    np.testing.assert_allclose(spikes["src"][1], [1e-3, 2e-3, 3e-3, 12e-3, 15e-3])
    st = read_state(tmp_path / "s.h5")["g"]["v"]
    assert st["values"].shape == (20, 2)
    assert meta["t_stop_s"] == 0.02


# -- Neo ---------------------------------------------------------------------------------------
def test_to_neo_layout_and_laziness(made_dir):
    import neo
    block = to_neo(made_dir)
    assert isinstance(block, neo.Block) and len(block.segments) == 1
    seg = block.segments[0]
    assert [g.name for g in block.groups] == ["pv", "pyr", "som"]
    assert seg.spiketrains._items is None          # nothing built yet
    assert len(seg.spiketrains) == 29
    ch, t = seg.spiketrains.multiplexed
    assert ch.size == 350 and seg.spiketrains._items is None
    pyr = block.groups[1]
    assert len(pyr.spiketrains) == 20 and pyr.spiketrains._items is None
    st = pyr.spiketrains[19]                        # touch: build the population's trains
    assert st.annotations["source_population"] == "pyr"
    assert st.annotations["source_index"] == 19
    assert st.annotations["channel_id"] == 5 + 19  # pv first (5 neurons), then pyr
    assert st.size == 0 and st.segment is seg      # a silent neuron is kept
    assert pyr.spiketrains._items is None           # only that train was built
    assert block.groups[0].spiketrains._items is None  # other populations untouched
    assert seg.spiketrains[5 + 19] is st            # segment and group share the objects
    spikes, _ = read_spikes(made_dir / "spikes.h5")
    counts = np.bincount(spikes["pyr"][0], minlength=20)
    assert [s.size for s in pyr.spiketrains] == list(counts)
    assert float(st.t_stop.rescale("s")) == 2.0
    sig = seg.analogsignals[0]
    assert sig.name == "v" and str(sig.units.dimensionality) == "mV"
    assert list(sig.array_annotations["channel_index"]) == [2, 11]
    assert sig in pyr.analogsignals and sig.segment is seg
    assert sig.shape == (2000, 2) and abs(float(sig.sampling_period.rescale("ms")) - 1) < 1e-9


def test_to_neo_window_and_populations(made_dir):
    block = to_neo(made_dir, populations=["pv"], t_start=0.5, t_stop=1.0)
    seg = block.segments[0]
    spikes, _ = read_spikes(made_dir / "spikes.h5")
    ids, t = spikes["pv"]
    assert len(seg.spiketrains) == 5
    assert seg.spiketrains.multiplexed[0].size == int(np.sum((t >= 0.5) & (t < 1.0)))
    assert float(seg.spiketrains[0].t_start.rescale("s")) == 0.5
    with pytest.raises(ValueError, match="available: pv, pyr, som"):
        to_neo(made_dir, populations=["exc"])
    with pytest.raises(FileNotFoundError, match="no spikes.h5"):
        to_neo(made_dir.parent)


def test_to_neo_fast_for_100k_neurons(tmp_path):
    """No per-train loop: a 100,000-neuron population loads in well under a second of
    Python work (building its SpikeTrains would take ~12 s)."""
    import time
    rng = np.random.default_rng(0)
    write_spikes(tmp_path / "spikes.h5", {"pyr": (rng.integers(0, 100_000, 200_000),
                                                 rng.random(200_000))}, 0, 1,
                 sizes={"pyr": 100_000})
    t0 = time.perf_counter()
    block = to_neo(tmp_path)
    elapsed = time.perf_counter() - t0
    assert len(block.segments[0].spiketrains) == 100_000
    assert block.segments[0].spiketrains._items is None
    assert elapsed < 2.0, elapsed


# -- exports -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_export_round_trip(results, fmt, tmp_path, capsys):
    out = tmp_path / f"spikes.{fmt}"
    assert cli(["export", str(results), "--format", fmt, "--out", str(out)]) == 0
    ref, meta = read_spikes(results / "spikes.h5")
    back, bmeta = ex.read_export(out, fmt)
    # populations without spikes have no rows in CSV; all other formats keep them
    expect = {k: v for k, v in ref.items() if fmt != "csv" or v[0].size}
    _same(back, expect)
    if fmt in ("nwb", "nix"):
        assert bmeta["sizes"] == meta["sizes"]      # silent neurons are units/trains too
    if fmt in ("nwb", "npz"):
        assert bmeta["t_start_s"] == meta["t_start_s"] and bmeta["t_stop_s"] == meta["t_stop_s"]
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_nwb_validates_and_reads_as_units_table(made_dir, tmp_path):
    import pynwb
    out = tmp_path / "s.nwb"
    ex.export(made_dir, "nwb", out)
    errors = pynwb.validate(path=str(out))
    assert list(errors) == []
    with pynwb.NWBHDF5IO(str(out), "r") as io:
        units = io.read().units
        df = units.to_dataframe()
    assert len(df) == 29 and set(df["population"]) == {"pyr", "pv", "som"}
    row = df[(df.population == "pyr") & (df.source_index == 4)].iloc[0]
    assert row.name == 5 + 4                         # unit id = to_neo's channel_id
    spikes, _ = read_spikes(made_dir / "spikes.h5")
    ids, t = spikes["pyr"]
    np.testing.assert_allclose(np.sort(row.spike_times), np.sort(t[ids == 4]))


def test_nix_keeps_annotations_and_groups(made_dir, tmp_path):
    out = tmp_path / "s.nix"
    ex.export(made_dir, "nix", out)
    _, meta = ex.read_nix(out)
    block = meta["block"]
    assert sorted(g.name for g in block.groups) == ["pv", "pyr", "som"]
    trains = {st.annotations["source_population"]: st for st in block.segments[0].spiketrains}
    assert {k: st.annotations["n_nodes"] for k, st in trains.items()} == \
        {"pyr": 20, "pv": 5, "som": 4}                    # one train per population
    pv = trains["pv"]
    assert set(pv.array_annotations) >= {"source_index", "channel_id"}
    assert sorted(set(pv.array_annotations["channel_id"])) == [0, 1, 2, 3, 4]  # file order
    pyr = trains["pyr"]                                   # to_neo's channel_id = 5 + index
    np.testing.assert_array_equal(pyr.array_annotations["channel_id"],
                                  5 + pyr.array_annotations["source_index"])
    sig = block.segments[0].analogsignals[0]
    assert list(sig.array_annotations["channel_index"]) == [2, 11]


def test_sonata_by_libsonata_and_csv_header(made_dir, tmp_path):
    libsonata = pytest.importorskip("libsonata")
    ex.export(made_dir, "sonata", tmp_path / "s.h5")
    r = libsonata.SpikeReader(str(tmp_path / "s.h5"))
    assert sorted(r.get_population_names()) == ["pv", "pyr", "som"]
    assert r["pyr"].sorting == "by_time"
    ex.export(made_dir, "csv", tmp_path / "s.csv")
    lines = (tmp_path / "s.csv").read_text().splitlines()
    assert lines[0] == "timestamps population node_ids"
    assert len(lines) == 1 + 350
    ex.export(made_dir, "npz", tmp_path / "s.npz")
    with np.load(tmp_path / "s.npz") as z:
        assert sorted(z.keys()) == ["pv/ids", "pv/times_s", "pyr/ids", "pyr/times_s",
                                    "som/ids", "som/times_s", "t_start_s", "t_stop_s"]


def test_nix_file_size_grows_with_spikes_not_neurons(tmp_path):
    """5,000 neurons, 2,000 spikes: one train per population keeps the NIX file near the spike
    file's size (one train per neuron cost ~30 kB each: 150 MB here)."""
    rng = np.random.default_rng(1)
    run = tmp_path / "run"
    write_spikes(run / "spikes.h5", {"pyr": (rng.integers(0, 5000, 2000), rng.random(2000))},
                 t_stop=1.0, sizes={"pyr": 5000}, dt=1e-4)
    ex.export(run, "nix", tmp_path / "s.nix")
    size, spikes = (tmp_path / "s.nix").stat().st_size, (run / "spikes.h5").stat().st_size
    assert size < 10 * spikes + 200_000, (size, spikes)
    back, meta = ex.read_nix(tmp_path / "s.nix")
    assert meta["sizes"] == {"pyr": 5000} and back["pyr"][0].size == 2000


@pytest.mark.parametrize("case", ["missing_dir", "no_spikes", "exists", "no_parent", "not_h5"])
def test_export_bad_inputs(case, made_dir, tmp_path, capsys):
    results, out = made_dir, tmp_path / "o.nwb"
    if case == "missing_dir":
        results = tmp_path / "nope"
    elif case == "no_spikes":
        results = tmp_path / "empty"
        results.mkdir()
    elif case == "exists":
        out.write_text("keep me")
    elif case == "no_parent":
        out = tmp_path / "missing" / "o.nwb"
    elif case == "not_h5":
        results = tmp_path / "bad"
        results.mkdir()
        (results / "spikes.h5").write_text("not hdf5")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert cli(["export", str(results), "--format", "nwb", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("spikemod export: error:") and "\n" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    if case == "exists":
        assert out.read_text() == "keep me"
        assert cli(["export", str(results), "--format", "nwb", "--out", str(out),
                    "--force"]) == 0


def test_export_unknown_format_one_line(made_dir, tmp_path):
    r = subprocess.run([sys.executable, "-m", "spikemod.cli", "export", str(made_dir),
                        "--format", "mat", "--out", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "invalid choice: 'mat'" in r.stderr and not list(tmp_path.iterdir())


def test_analyze_fi_gain_output(fi_dir, capsys):
    assert cli(["analyze", str(fi_dir)]) == 0
    lines = (fi_dir / "analysis.csv").read_text().splitlines()
    assert lines[0] == "population,metric,value"
    rows = dict((r.split(",")[1], r.split(",")[2]) for r in lines[1:])
    spikes, meta = read_spikes(fi_dir / "spikes.h5")
    assert int(rows["n_spikes"]) == spikes["pyr"][0].size
    assert float(rows["rate_mean_Hz"]) == pytest.approx(
        spikes["pyr"][0].size / meta["sizes"]["pyr"] / meta["t_stop_s"])
    assert (fi_dir / "analysis.png").stat().st_size > 10_000


def test_write_spikes_sorts_unless_already_sorted(tmp_path):
    ids, t = np.array([2, 0, 1, 0]), np.array([0.3, 0.1, 0.1, 0.05])
    write_spikes(tmp_path / "t.h5", {"e": (ids, t)})
    write_spikes(tmp_path / "i.h5", {"e": (ids, t)}, sorting="by_id")
    with h5py.File(tmp_path / "t.h5", "r") as f, h5py.File(tmp_path / "i.h5", "r") as g:
        np.testing.assert_allclose(f["spikes/e/timestamps"][()], [50, 100, 100, 300])
        np.testing.assert_array_equal(f["spikes/e/node_ids"][()], [0, 0, 1, 2])
        np.testing.assert_array_equal(g["spikes/e/node_ids"][()], [0, 0, 1, 2])
        np.testing.assert_allclose(g["spikes/e/timestamps"][()], [50, 100, 100, 300])
        assert g["spikes/e"].attrs["sorting"] == 1
