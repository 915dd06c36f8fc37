"""Issue 15, part 4: outputs that travel.

Spike times are stored rounded to the time step (no 306.90000000000003 ms in SONATA or CSV);
NWB files carry the run's provenance, the recorded state variables as TimeSeries with units,
per-unit population, index and condition/copy, and pass nwbinspector with no critical issue
and no best-practice violation.
"""

import json

import h5py
import numpy as np
import pytest

from spikemod.io import export as ex
from spikemod.io import read_spikes, write_spikes
from spikemod.io.spikes import read_units, to_ms
from spikemod.protocol import load_protocol, protocol_main

pynwb = pytest.importorskip("pynwb")


def test_to_ms_has_no_float_noise():
    t = np.array([3069, 1, 12345, 99999]) * 1e-4            # 0.30690000000000003 s, ...
    assert (t * 1e3).tolist()[0] == 306.90000000000003    # the noise a plain conversion gives
    assert to_ms(t, 1e-4).tolist() == [306.9, 0.1, 1234.5, 9999.9]
    assert to_ms([0.012345], 2.5e-5).tolist() == [12.35]   # rounded to the 0.025 ms step
    assert to_ms([1.0000000001], None).tolist() == [1000.0000001]   # no dt: unchanged


@pytest.fixture(scope="module")
def noisy_run(tmp_path_factory):
    """Spike times as Brian2 gives them (step * dt in seconds), a recorded v, copies of a
    circuit in provenance."""
    root = tmp_path_factory.mktemp("files") / "run"
    steps = np.array([3069, 3070, 12345, 17, 40])
    t = steps * 1e-4
    times = np.arange(0, 0.2, 1e-4)
    v = -70 + np.sin(times[:, None] * [30.0, 50.0, 70.0]) * 5
    write_spikes(root / "spikes.h5", {"pyr": ([0, 1, 3, 2, 0], t), "pv": ([1], [0.0511])},
                 t_stop=2.0, sizes={"pyr": 4, "pv": 2}, dt=1e-4,
                 state={"pyr": {"v": dict(times_s=times, values=v, units="mV",
                                          node_ids=[0, 1, 3])}})
    prov = {"protocol": "network-gain", "seed": 7, "device": "runtime",
            "command": ["spikemod", "run", "network-gain", "--seed", "7"],
            "versions": {"spikemod": "0.1.0", "brian2": "2.10.1"},
            "parameters": {"soma.vr": "-75 mV"}, "model_sha256": "ab" * 32,
            "start_time": "2026-01-02T03:04:05+00:00", "copies": 2,
            "cells_per_copy": {"pyr": 2, "pv": 1}}
    (root / "provenance.json").write_text(json.dumps(prov))
    return root


def test_sonata_and_csv_timestamps_rounded_to_dt(noisy_run, tmp_path):
    with h5py.File(noisy_run / "spikes.h5", "r") as f:
        stored = f["spikes/pyr/timestamps"][()].tolist()
        assert f["spikes"].attrs["dt_ms"] == pytest.approx(0.1)
    assert sorted(stored) == [1.7, 4.0, 306.9, 307.0, 1234.5]
    ex.export(noisy_run, "csv", tmp_path / "s.csv")
    text = (tmp_path / "s.csv").read_text()
    assert "306.9 pyr" in text and "0000000" not in text
    ex.export(noisy_run, "sonata", tmp_path / "s.h5")
    with h5py.File(tmp_path / "s.h5", "r") as f:
        assert sorted(f["spikes/pyr/timestamps"][()].tolist()) == sorted(stored)


def test_protocol_spikes_are_on_the_time_grid(tmp_path):
    out = tmp_path / "fi"
    assert protocol_main(load_protocol("fi-gain"),
                         ["--device", "runtime", "--i-soma", "900,1300", "--i-dend", "0",
                          "--coupling", "1", "--duration", "0.2", "--burn-in", "0", "--quiet",
                          "--out", str(out)]) == 0
    with h5py.File(out / "spikes.h5", "r") as f:
        ms = f["spikes/pyr/timestamps"][()]
    assert ms.size > 0
    assert [repr(x) for x in ms.tolist()] == [repr(round(x, 1)) for x in ms.tolist()]
    units = read_units(out / "spikes.h5")["pyr"]             # the grid point of every neuron
    assert units["I_soma_pA"].tolist() == [900.0, 1300.0] and units["coupling"].tolist() == [1, 1]


def _inspect(path):
    from nwbinspector import Importance, inspect_nwbfile
    return [m for m in inspect_nwbfile(nwbfile_path=str(path))
            if m.importance in (Importance.CRITICAL, Importance.BEST_PRACTICE_VIOLATION,
                                Importance.ERROR, Importance.PYNWB_VALIDATION)]


def test_nwb_carries_provenance_state_and_unit_columns(noisy_run, tmp_path):
    out = tmp_path / "s.nwb"
    ex.export(noisy_run, "nwb", out)
    assert list(pynwb.validate(path=str(out))) == []
    assert _inspect(out) == []
    with pynwb.NWBHDF5IO(str(out), "r") as io:
        f = io.read()
        notes = json.loads(f.notes.split(": ", 1)[1])
        assert notes["seed"] == 7 and notes["versions"]["brian2"] == "2.10.1"
        assert notes["parameters"]["soma.vr"] == "-75 mV"
        assert f.source_script == "spikemod run network-gain --seed 7"
        assert "seed 7" in f.experiment_description
        ts = f.acquisition["pyr_v"]
        assert ts.unit == "volts" and ts.conversion == pytest.approx(1e-3)
        assert ts.data.shape == (2000, 3) and ts.rate == pytest.approx(1e4)
        assert "0, 1, 3" in ts.description
        df = f.units.to_dataframe()
        assert f.units.resolution == pytest.approx(1e-4)
    assert df["population"].tolist() == ["pv", "pv", "pyr", "pyr", "pyr", "pyr"]
    assert df["source_index"].tolist() == [0, 1, 0, 1, 2, 3]
    assert df["circuit_copy"].tolist() == [0, 1, 0, 0, 1, 1]  # a block of n per copy
    spikes, _ = read_spikes(noisy_run / "spikes.h5")
    np.testing.assert_allclose(sorted(df.iloc[2].spike_times), [0.004, 0.3069], rtol=1e-12)


def test_nwb_of_a_protocol_run_is_inspector_clean(tmp_path):
    """A real protocol output (fi-gain: per-neuron grid columns)."""
    out = tmp_path / "fi"
    assert protocol_main(load_protocol("fi-gain"),
                         ["--device", "runtime", "--i-soma", "900", "--i-dend", "0,400",
                          "--coupling", "0,1", "--duration", "0.1", "--burn-in", "0",
                          "--quiet", "--out", str(out)]) == 0
    ex.export(out, "nwb", tmp_path / "fi.nwb")
    assert _inspect(tmp_path / "fi.nwb") == []
    with pynwb.NWBHDF5IO(str(tmp_path / "fi.nwb"), "r") as io:
        f = io.read()
        df = f.units.to_dataframe()
        assert "fi-gain" in f.experiment_description
        assert json.loads(f.notes.split(": ", 1)[1])["protocol"] == "fi-gain"
    assert df["I_dend_pA"].tolist() == [0.0, 0.0, 400.0, 400.0]
    assert df["coupling"].tolist() == [0.0, 1.0, 0.0, 1.0]


def test_nwbinspector_cli_reports_no_issue(noisy_run, tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path
    exe = Path(sys.executable).with_name("nwbinspector")
    if not exe.exists() and shutil.which("nwbinspector") is None:
        pytest.skip("nwbinspector CLI not installed")
    ex.export(noisy_run, "nwb", tmp_path / "s.nwb")
    r = subprocess.run([str(exe if exe.exists() else "nwbinspector"), str(tmp_path / "s.nwb")],
                       capture_output=True, text=True, timeout=120)
    assert "CRITICAL" not in r.stdout and "BEST_PRACTICE_VIOLATION" not in r.stdout, r.stdout


def test_nwb_resolution_is_the_time_step():
    assert ex._time_step_s({"dt_ms": 0.025}, {}) == pytest.approx(2.5e-5)
    assert ex._time_step_s({}, {"parameters": {"sim.dt": "0.05 ms"}}) == pytest.approx(5e-5)
    from spikemod.params import load_model
    assert ex._time_step_s({}, {}) == float(load_model()["sim.dt"])   # older files


def test_nwb_of_a_circuit_protocol_names_each_units_copy(tmp_path):
    """network-gain (pyr, pv, thal; one circuit copy per condition): inspector-clean, every
    unit carries its population, index and circuit copy."""
    out = tmp_path / "ng"
    assert protocol_main(load_protocol("network-gain"),
                         ["--device", "runtime", "--drive", "1000,1400", "--dend-drive", "600",
                          "--coupling", "0,1", "--step", "0.1", "--quiet",
                          "--out", str(out)]) == 0
    assert all(ids.size for ids, _ in read_spikes(out / "spikes.h5")[0].values())
    ex.export(out, "nwb", tmp_path / "ng.nwb")
    assert _inspect(tmp_path / "ng.nwb") == []
    with pynwb.NWBHDF5IO(str(tmp_path / "ng.nwb"), "r") as io:
        df = io.read().units.to_dataframe()
    prov = json.loads((out / "provenance.json").read_text())
    for pop, n in prov["cells_per_copy"].items():
        if n:
            rows = df[df.population == pop]
            assert rows["circuit_copy"].tolist() == [0] * n + [1] * n
            assert rows["source_index"].tolist() == list(range(2 * n))
            assert rows["coupling"].tolist() == [0.0] * n + [1.0] * n      # the condition
            assert rows["dend_drive_Hz"].tolist() == [600.0] * (2 * n)


def test_to_neo_trains_carry_the_unit_columns(tmp_path):
    from spikemod.io import to_neo
    run = tmp_path / "run"
    write_spikes(run / "spikes.h5", {"pyr": ([0, 1, 1], [0.1, 0.2, 0.3])}, t_stop=1.0,
                 sizes={"pyr": 3}, dt=1e-4,
                 units={"pyr": {"circuit_copy": [0, 0, 1], "coupling": ["0", "0", "thalamic"]}})
    trains = to_neo(run).segments[0].spiketrains
    assert [st.annotations["circuit_copy"] for st in trains] == [0, 0, 1]
    assert [st.annotations["coupling"] for st in trains] == ["0", "0", "thalamic"]
    assert [len(st) for st in trains] == [1, 2, 0]


def test_nix_spikes_carry_their_neurons_columns(tmp_path):
    run = tmp_path / "run"
    write_spikes(run / "spikes.h5", {"pyr": ([2, 0, 2], [0.1, 0.2, 0.3])}, t_stop=1.0,
                 sizes={"pyr": 3}, dt=1e-4,
                 units={"pyr": {"circuit_copy": [0, 1, 2], "coupling": ["0", "0.5", "thalamic"]}})
    ex.export(run, "nix", tmp_path / "s.nix")
    _, meta = ex.read_nix(tmp_path / "s.nix")
    st = meta["block"].segments[0].spiketrains[0]
    assert st.array_annotations["source_index"].tolist() == [2, 0, 2]
    assert st.array_annotations["circuit_copy"].tolist() == [2, 0, 2]
    assert st.array_annotations["coupling"].tolist() == ["thalamic", "0", "thalamic"]
