"""The front door (issue 16): ``import spikemod`` gives the public API, lazily; each public
function documented (numpydoc); monitors -> Neo in memory; the template protocol
``protocols/example.py`` written against the public API only."""

import ast
import csv
import inspect
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import spikemod
from spikemod.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_import_spikemod_loads_no_simulator_and_resolves_every_public_name():
    code = ("import json, sys, spikemod; heavy = ('brian2', 'neo', 'elephant', 'h5py', "
            "'matplotlib', 'scipy'); before = [m for m in heavy if m in sys.modules]; "
            "spikemod.io.to_neo; print(json.dumps([before, spikemod.__all__]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT / "tests", timeout=120)
    assert proc.returncode == 0, proc.stderr                 # spikemod.io after a bare import
    loaded, names = json.loads(proc.stdout)
    assert loaded == []
    for name in ["load_model", "simulation", "build_microcircuit", "make_pyramidal",
                 "make_interneuron", "make_soma_only", "to_neo", "monitors_to_neo", "io",
                 "analysis", "fi_gain", "rheobase", "population_rate", "detect_bursts"]:
        assert name in names
    from spikemod.analysis import __all__ as analysis_names
    assert set(analysis_names) <= set(names)
    for name in names:
        assert getattr(spikemod, name) is not None
    assert spikemod.to_neo is spikemod.io.to_neo
    assert set(names) <= set(dir(spikemod))


def test_unknown_attribute_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="no_such_thing"):
        spikemod.no_such_thing  # noqa: B018


def _public_functions():
    return [n for n in spikemod.__all__
            if inspect.isfunction(getattr(spikemod, n, None))]


@pytest.mark.parametrize("name", _public_functions())
def test_public_function_has_a_numpydoc_docstring(name):
    doc = inspect.getdoc(getattr(spikemod, name)) or ""
    for section in ("Parameters", "Returns", "Raises", "Example"):
        assert f"\n{section}\n" in doc or f"\n{section}s\n" in doc, f"{name}: no {section}"


def test_py_typed_marker_ships_with_the_package():
    assert (Path(spikemod.__file__).parent / "py.typed").is_file()


# -- monitors -> Neo ----------------------------------------------------------------------------
def test_monitors_to_neo_from_arrays_fixed_layout():
    block = spikemod.monitors_to_neo(
        {"pyr": (np.array([0, 2, 0, 1]), np.array([0.1, 0.2, 0.3, 1.5])),
         "pv": (np.array([1]), np.array([0.05]))},
        t_stop=1.0, sizes={"pyr": 3, "pv": 2})
    seg = block.segments[0]
    assert [g.name for g in block.groups] == ["pyr", "pv"]
    assert [len(st) for st in seg.spiketrains] == [2, 0, 1, 0, 1]       # 1.5 s > t_stop: out
    st = seg.spiketrains[4]
    assert st.annotations["source_population"] == "pv" and st.annotations["source_index"] == 1
    assert st.annotations["channel_id"] == 4 and float(st.t_stop) == 1.0
    np.testing.assert_allclose(seg.spiketrains[0].magnitude, [0.1, 0.3])
    assert block.groups[1].spiketrains[1] is seg.spiketrains[4]          # shared, built once


def test_monitors_to_neo_equals_to_neo_of_the_written_file(tmp_path):
    from spikemod.io import to_neo, write_spikes
    rng = np.random.default_rng(5)
    spikes = {"pyr": (rng.integers(0, 20, 200), np.sort(rng.random(200) * 2.0)),
              "som": (rng.integers(0, 4, 30), np.sort(rng.random(30) * 2.0))}
    sizes = {"pyr": 20, "som": 4}
    write_spikes(tmp_path / "spikes.h5", spikes, t_start=0.0, t_stop=2.0, sizes=sizes)
    a = to_neo(tmp_path, t_start=0.0, t_stop=2.0).segments[0].spiketrains
    b = spikemod.monitors_to_neo(spikes, t_stop=2.0, sizes=sizes).segments[0].spiketrains
    assert len(a) == len(b) == 24
    for x, y in zip(a, b):
        np.testing.assert_allclose(x.magnitude, y.magnitude, rtol=1e-12)   # file: ms
        assert {k: x.annotations[k] for k in ("source_population", "source_index", "channel_id")} \
            == {k: y.annotations[k] for k in ("source_population", "source_index", "channel_id")}


def test_monitors_to_neo_from_a_brian2_monitor():
    from brian2 import Network, SpikeGeneratorGroup, SpikeMonitor, ms
    with spikemod.simulation("runtime", seed=1):
        gen = SpikeGeneratorGroup(4, [0, 3, 3], [1, 2, 5] * ms, name="src")
        mon = SpikeMonitor(gen)
        Network(gen, mon).run(10 * ms)
        block = spikemod.monitors_to_neo([mon], t_stop=10 * ms)
    assert [g.name for g in block.groups] == ["src"]
    trains = block.segments[0].spiketrains
    assert [len(st) for st in trains] == [1, 0, 0, 2]
    np.testing.assert_allclose(trains[3].rescale("ms").magnitude, [2, 5])


@pytest.mark.parametrize("kwargs, error, needle", [
    (dict(monitors={"pyr": (np.array([0]), np.array([0.1]))}, t_stop=1.0), ValueError, "size"),
    (dict(monitors={"pyr": (np.array([3]), np.array([0.1]))}, t_stop=1.0, sizes={"pyr": 3}),
     ValueError, "outside 0..2"),
    (dict(monitors={"pyr": [0.1, 0.2, 0.3]}, t_stop=1.0), TypeError, "not allowed"),
    (dict(monitors={"pyr": (np.array([0]), np.array([0.1]))}, t_stop=0.5, t_start=1.0,
          sizes={"pyr": 1}), ValueError, "before t_start"),
    (dict(monitors={}, t_stop=1.0), ValueError, "no monitors"),
])
def test_monitors_to_neo_refuses_bad_input(kwargs, error, needle):
    with pytest.raises(error, match=needle):
        spikemod.monitors_to_neo(**kwargs)


def test_spikemod_protocols_lists_them_and_fails_in_one_line_when_there_are_none(
        tmp_path, monkeypatch, capsys):
    from spikemod import protocol
    assert main(["protocols"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert "example" in listed and "fi-gain" in listed and listed == sorted(listed)
    monkeypatch.setattr(protocol, "PROTOCOLS_DIR", tmp_path)
    assert main(["protocols"]) == 1
    out = capsys.readouterr()
    assert out.out == "" and len(out.err.strip().splitlines()) == 1 and str(tmp_path) in out.err


# -- the template protocol -----------------------------------------------------------------------
def test_example_protocol_uses_only_the_public_api():
    tree = ast.parse((ROOT / "protocols" / "example.py").read_text())
    imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for a in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"numpy", "brian2", "spikemod"}
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "spikemod"}
    assert used and used <= set(spikemod.__all__)
    n_lines = len((ROOT / "protocols" / "example.py").read_text().splitlines())
    assert n_lines <= 60


def test_example_protocol_runs_and_measures_the_f_i_curve(tmp_path):
    out = tmp_path / "example"
    assert main(["run", "example", "--device", "runtime", "--quiet", "--i-soma", "0:1000:100",
                 "--duration", "0.5", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "example.csv", "example_summary.csv", "provenance.json", "spikes.h5"]
    with open(out / "example.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["I_soma_pA", "rate_Hz", "cv_isi"] and len(rows) == 11
    rates = np.array([float(r["rate_Hz"]) for r in rows])
    assert np.all(np.diff(rates) >= 0) and rates[0] == 0 and rates[-1] > 10
    with open(out / "example_summary.csv", newline="") as f:
        summary = next(csv.DictReader(f))
    assert float(summary["rheobase_pA"]) == 700.0                    # README: 650 pA (fi-gain)
    assert float(summary["gain_Hz_per_pA"]) == pytest.approx(0.035, abs=0.002)
    block = spikemod.to_neo(out)
    in_window = sum(int(np.sum(st.magnitude >= 0.1)) for st in block.segments[0].spiketrains)
    assert in_window == round(rates.sum() * 0.4)                      # rates over 0.1-0.5 s


def test_example_protocol_refuses_a_bad_option_in_one_line(tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["run", "example", "--duration", "0", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--duration" in err[0]
    assert not out.exists()
