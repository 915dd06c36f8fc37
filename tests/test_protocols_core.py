"""The core protocols through the CLI: files, columns and provenance of their contract."""

import csv
import json
import subprocess
import sys

import pytest

from spikemod.cli import main
from csvfiles import header as _header

FI_ARGS = ["--device", "runtime", "--quiet", "--i-soma", "600:1400:200", "--i-dend", "0,800",
           "--coupling", "0,1", "--burn-in", "0.1", "--duration", "0.5"]



@pytest.fixture(scope="module")
def fi_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("fi") / "run"
    assert main(["run", "fi-gain", *FI_ARGS, "--out", str(out)]) == 0
    return out


def test_fi_gain_writes_its_contract(fi_out):
    assert _header(fi_out / "fi_gain.csv") == [
        "I_soma_pA", "I_dend_pA", "coupling", "rate_Hz", "burst_mode_fraction",
        "burst_spike_fraction", "window_start_s", "window_stop_s"]
    assert _header(fi_out / "fi_gain_summary.csv") == [
        "I_dend_pA", "coupling", "rheobase_pA", "gain_Hz_per_pA"]
    with open(fi_out / "fi_gain.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 5 * 2 * 2
    assert {r["window_start_s"] for r in rows} == {"0.1"}
    assert (fi_out / "fi_gain.png").stat().st_size > 10_000
    assert (fi_out / "spikes.h5").exists()
    prov = json.loads((fi_out / "provenance.json").read_text())
    for key in ("model_file", "model_file_sha256", "model_sha256", "versions", "device", "seed",
                "command", "start_time", "end_time"):
        assert key in prov, key
    assert prov["device"] == "runtime" and prov["versions"]["brian2"] == "2.10.1"
    assert not [p for p in fi_out.parent.iterdir() if p.name.startswith(".")]   # no staging left


def test_bac_writes_its_contract(tmp_path):
    out = tmp_path / "bac"
    assert main(["run", "bac", "--device", "runtime", "--quiet", "--out", str(out)]) == 0
    with open(out / "bac.csv") as f:
        rows = {r["condition"]: r for r in csv.DictReader(f)}
    assert _header(out / "bac.csv") == ["condition", "somatic_spikes", "plateau_ms",
                                        "peak_v_dend_mV"]
    assert float(rows["both"]["plateau_ms"]) > 10
    assert float(rows["soma"]["plateau_ms"]) == 0 == float(rows["dend"]["plateau_ms"])
    assert (out / "bac.png").exists() and (out / "provenance.json").exists()


def test_script_and_cli_are_the_same_code(tmp_path):
    """python protocols/fi-gain.py gives the same numbers as spikemod run fi-gain."""
    out = tmp_path / "script"
    res = subprocess.run([sys.executable, "protocols/fi-gain.py", *FI_ARGS, "--out", str(out)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    ref = tmp_path / "cli"
    assert main(["run", "fi-gain", *FI_ARGS, "--out", str(ref)]) == 0
    assert (out / "fi_gain.csv").read_text() == (ref / "fi_gain.csv").read_text()


@pytest.mark.parametrize("argv, needle", [
    (["run", "fi-gain", "--set", "soma.C=-3 pF"], "soma.C"),
    (["run", "fi-gain", "--set", "soma.aa=1/ms"], "soma.aa"),
    (["run", "fi-gain", "--set", "soma.a=0.02"], "has no unit"),
    (["run", "fi-gain", "--device", "gpu"], "gpu"),
    (["run", "fi-gain", "--coupling", "0,2"], "--coupling"),
    (["run", "fi-gain", "--i-soma", "1500:500:50"], "--i-soma"),
    (["run", "fi-gainz"], "fi-gainz"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, argv, needle):
    out = tmp_path / "never"
    code = main([*argv, "--out", str(out)] if argv[1] != "fi-gainz" else argv)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and needle in err, err
    assert not out.exists()
