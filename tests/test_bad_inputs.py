"""Bad-input corpus: every validation rule answered by one line, exit code 2, nothing written.

Rules covered: known keys only (with a suggestion), known sections/populations, right physical
dimension, units present and known, allowed ranges (positive capacitances and time constants,
probabilities in [0, 1], non-negative counts), choices, readable TOML, existing model file and
base, devices that exist, protocols and protocol options that exist, grid option values,
output paths, sweep grids/seeds/workers, rerun directories, and a diffusion time step or
voxel size beyond the stability limit of the explicit scheme (checked on every model load).
Issue 15: physically meaningful bounds (membrane potentials within -150..100 mV, vr < vt <
v_peak, reset below v_peak, sim.dt <= 0.2 ms for the Euler-integrated cells), a protocol
option and --set/--grid of the same parameter, --set of a parameter the protocol fixes, and an
existing result directory without --force.

Most cases run ``spikemod.cli.main`` in-process; three go through a real subprocess.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from spikemod.cli import main
from spikemod.params import load_model

FAST = ["--device", "runtime", "--i-soma", "800", "--i-dend", "0", "--coupling", "1",
        "--duration", "0.01", "--burn-in", "0"]
#: a sweep's --grid coupling.g_c takes the place of --coupling (giving both is an error)
SWEEP_FAST = [a for a in FAST if a not in ("--coupling", "1")]

# (id, model file text or None, argv after 'spikemod', text the error line must contain)
MODEL_FILES = [
    ("unknown-key", 'soma.Cm = { value = 150, unit = "pF" }', "soma.Cm"),
    ("unknown-population", 'pvv.C = { value = 20, unit = "pF" }', "pvv"),
    ("wrong-dimension", 'soma.C = { value = 150, unit = "mV" }', "soma.C"),
    ("missing-unit", "soma.C = { value = 150 }", "soma.C"),
    ("unknown-unit", 'soma.C = { value = 150, unit = "pFF" }', "pFF"),
    ("negative-capacitance", 'soma.C = { value = -150, unit = "pF" }', "-150"),
    ("zero-time-constant", 'synapses.tau_ampa = { value = 0, unit = "ms" }', "tau_ampa"),
    ("probability-above-1", 'coupling.g_c = { value = 1.5, unit = "1" }', "1.5"),
    ("bad-choice", 'sim.method = { value = "rk9" }', "rk9"),
    ("bad-bool", 'stdp.enabled = { value = "maybe" }', "maybe"),
    ("invalid-toml", "soma.C = { value = 150, unit = ", "not valid TOML"),
    ("bad-base", '[meta]\nbase = "other.toml"', "other.toml"),
]

SETS = [
    ("rk4-with-semi-implicit-soma", "sim.method=rk4", "sim.semi_implicit"),
    ("no-unit", "soma.a=0.02", "0.02"),
    ("negative-rate", "soma.a=-0.01/ms", "-0.01/ms"),
    ("negative-probability", "coupling.g_c=-0.1", "-0.1"),
    ("probability-2", "coupling.g_c=2", "2"),
    ("zero-dend-capacitance", "dend.C_d=0pF", "0pF"),
    ("tau-in-mV", "soma.tau_adapt=5mV", "5mV"),
    ("zero-dt", "sim.dt=0ms", "0ms"),
    ("no-equals", "soma.C", "soma.C"),
    ("unreadable", "soma.vt=abc mV", "abc"),
    ("unknown-key-set", "soma.vtt=-40mV", "soma.vtt"),
    ("unknown-population-set", "som2.C=100pF", "som2"),
    ("negative-count", "connectivity.n_pv=-1", "-1"),
    ("nan", "soma.vt=nan", "nan"),
    ("negative-tau-stdp", "stdp.tau_plus=-20ms", "-20ms"),
    ("unstable-diffusion-dt", "diffusion.dt=500ms", "unstable"),
    ("unstable-diffusion-dx", "diffusion.dx=1um", "unstable"),
    ("absurd-threshold", "soma.vt=1e9mV", "1e9mV"),
    ("threshold-below-rest", "soma.vt=-80mV", "soma.vr"),
    ("dt-too-large", "sim.dt=5ms", "0.2 ms"),
    ("peak-below-threshold", "pv.v_peak=-50mV", "pv.vt"),
    ("reset-above-peak", "soma.c_burst=60mV", "soma.v_peak"),
    ("rest-absurd", "som.vr=-1volt", "-150 mV"),
]

MODEL_FILES.append(("unstable-diffusion-file", 'diffusion.dt = { value = 1, unit = "second" }',
                    "unstable"))
MODEL_FILES.append(("threshold-below-rest-file", 'soma.vt = { value = -80, unit = "mV" }',
                    "soma.vr"))
MODEL_FILES.append(("dt-too-large-file", 'sim.dt = { value = 5, unit = "ms" }', "0.2 ms"))

OPTIONS = [
    ("unknown-device", ["--device", "gpu"], "gpu"),
    ("bad-seed", ["--seed", "abc"], "abc"),
    ("reversed-range", ["--i-soma", "500:100:50"], "500:100:50"),
    ("coupling-above-1", ["--coupling", "0,1.5"], "0,1.5"),
    ("zero-duration", ["--duration", "0"], "0"),
    ("wrong-unit", ["--i-soma", "1 kV"], "kV"),
    ("unknown-option", ["--i-somaa", "800"], "--i-somaa"),
    ("missing-model-file", ["--model", "no_such_model.toml"], "no_such_model.toml"),
    ("option-and-set", ["--set", "coupling.g_c=0"], "--coupling 1 and --set coupling.g_c=0"),
]


def _snapshot(root: Path):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _call(argv, capsys):
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse errors
        rc = exc.code
    err = capsys.readouterr().err
    return rc, [ln for ln in err.splitlines() if ln.strip()]


def _check(rc, lines, needle):
    assert rc == 2, lines
    assert len(lines) == 1, lines
    assert needle in lines[0], lines


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("text,needle", [c[1:] for c in MODEL_FILES],
                         ids=[c[0] for c in MODEL_FILES])
def test_bad_model_file(workdir, capsys, text, needle):
    (workdir / "bad.toml").write_text(text + "\n")
    before = _snapshot(workdir)
    rc, lines = _call(["run", "fi-gain", "--model", "bad.toml", "--out", "out/x"] + FAST, capsys)
    _check(rc, lines, needle)
    assert _snapshot(workdir) == before


@pytest.mark.parametrize("item,needle", [c[1:] for c in SETS], ids=[c[0] for c in SETS])
def test_bad_set(workdir, capsys, item, needle):
    rc, lines = _call(["run", "fi-gain", "--set", item, "--out", "out/x"] + FAST, capsys)
    _check(rc, lines, needle)
    assert _snapshot(workdir) == []


@pytest.mark.parametrize("extra,needle", [c[1:] for c in OPTIONS], ids=[c[0] for c in OPTIONS])
def test_bad_option(workdir, capsys, extra, needle):
    rc, lines = _call(["run", "fi-gain", "--out", "out/x"] + FAST + extra, capsys)
    _check(rc, lines, needle)
    assert _snapshot(workdir) == []


def test_unknown_protocol(workdir, capsys):
    rc, lines = _call(["run", "fi-gian", "--out", "out"], capsys)
    _check(rc, lines, "fi-gian")
    assert "fi-gain" in lines[0]  # the suggestion
    assert _snapshot(workdir) == []


def test_out_is_a_file(workdir, capsys):
    (workdir / "taken").write_text("not a directory")
    rc, lines = _call(["run", "fi-gain", "--out", "taken"] + FAST, capsys)
    _check(rc, lines, "taken")
    assert _snapshot(workdir) == ["taken"]


def test_failed_run_leaves_no_parent_dirs(workdir, capsys, monkeypatch):
    """A run that stops with a user error inside ``run`` removes the --out parents it made."""
    from spikemod.protocol import UsageError, load_protocol
    module = load_protocol("fi-gain")

    def boom(ctx, args):
        raise UsageError("stopped inside run")
    monkeypatch.setattr(module, "run", boom)
    rc, lines = _call(["run", "fi-gain", "--out", "a/b/c"] + FAST, capsys)
    _check(rc, lines, "stopped inside run")
    assert _snapshot(workdir) == []


SWEEPS = [
    ("grid-and-option", ["--grid", "coupling.g_c=0,0.5", "--coupling", "1"],
     "--coupling 1 and --set coupling.g_c=0"),
    ("grid-below-rest", ["--grid", "soma.vt=-45mV,-80mV"], "soma.vr"),
    ("grid-unknown-key", ["--grid", "soma.vtt=-45mV,-40mV"], "soma.vtt"),
    ("grid-unknown-option", ["--grid", "opt:i-dnd=0,800"], "opt:i-dnd"),
    ("grid-out-of-range", ["--grid", "coupling.g_c=0,1.5"], "1.5"),
    ("grid-wrong-dimension", ["--grid", "soma.vt=-45mV,-40pA"], "-40pA"),
    ("grid-no-values", ["--grid", "coupling.g_c"], "coupling.g_c"),
    ("grid-unstable-diffusion", ["--grid", "diffusion.dt=1ms,200ms"], "unstable"),
    ("grid-bad-option-value", ["--grid", "opt:duration=0.1,-1"], "-1"),
    ("grid-no-section", ["--grid", "g_c=0,1"], "g_c"),
    ("no-grid", [], "--grid"),
    ("seeds-zero", ["--grid", "coupling.g_c=0,1", "--seeds", "0"], "--seeds 0"),
    ("workers-zero", ["--grid", "coupling.g_c=0,1", "--workers", "0"], "--workers 0"),
]


@pytest.mark.parametrize("extra,needle", [c[1:] for c in SWEEPS], ids=[c[0] for c in SWEEPS])
def test_bad_sweep(workdir, capsys, extra, needle):
    rc, lines = _call(["sweep", "fi-gain", "--out", "sw"] + SWEEP_FAST + extra, capsys)
    _check(rc, lines, needle)
    assert _snapshot(workdir) == []


def test_sweep_out_is_a_file(workdir, capsys):
    (workdir / "sw").write_text("x")
    rc, lines = _call(["sweep", "fi-gain", "--out", "sw", "--grid", "coupling.g_c=0"]
                      + SWEEP_FAST, capsys)
    _check(rc, lines, "sw")
    assert _snapshot(workdir) == ["sw"]


def test_set_of_a_parameter_the_protocol_fixes(workdir, capsys):
    rc, lines = _call(["run", "stdp-burst", "--device", "runtime", "--set", "coupling.g_c=0.3",
                       "--out", "o"], capsys)
    _check(rc, lines, "stdp-burst sets coupling.g_c itself")
    assert _snapshot(workdir) == []


def test_existing_result_needs_force(workdir, capsys):
    """A second run into a result directory is refused; the first result stays untouched."""
    assert _call(["run", "fi-gain", "--out", "res", "--quiet"] + FAST, capsys)[0] == 0
    before = {p: (workdir / p).read_bytes() for p in _snapshot(workdir) if (workdir / p).is_file()}
    rc, lines = _call(["run", "fi-gain", "--out", "res", "--quiet"] + FAST, capsys)
    _check(rc, lines, "--force")
    after = {p: (workdir / p).read_bytes() for p in _snapshot(workdir) if (workdir / p).is_file()}
    assert after == before


def test_out_holding_other_files_is_refused_even_with_force(workdir, capsys):
    (workdir / "mine").mkdir()
    (workdir / "mine" / "notes.txt").write_text("keep")
    rc, lines = _call(["run", "fi-gain", "--out", "mine", "--force"] + FAST, capsys)
    _check(rc, lines, "not a spikemod result")
    assert _snapshot(workdir) == ["mine", "mine/notes.txt"]


def test_rerun_without_provenance(workdir, capsys):
    (workdir / "empty").mkdir()
    rc, lines = _call(["rerun", "empty"], capsys)
    _check(rc, lines, "empty")
    assert _snapshot(workdir) == ["empty"]


def test_every_time_constant_and_capacitance_has_a_positive_range():
    """Schema rule: capacitances and time-like entries of the default model carry a range."""
    from brian2 import ms, pF
    from brian2.units.fundamentalunits import get_dimensions
    m = load_model()
    missing = [k for k, e in m.entries.items()
               if hasattr(e.value, "dim") and get_dimensions(e.value) in
               (get_dimensions(ms), get_dimensions(pF), get_dimensions(1 / ms))
               and e.range not in ("positive", "nonnegative")]
    assert missing == []
    assert m.entries["coupling.g_c"].range == "probability"


@pytest.mark.parametrize("argv,needle", [
    (["run", "fi-gain", "--device", "gpu"], "gpu"),
    (["run", "fi-gain", "--set", "coupling.g_c=3"], "coupling.g_c"),
    (["sweep", "fi-gain", "--grid", "opt:i-dnd=0"], "opt:i-dnd"),
    (["run", "fi-gain", "--set", "coupling.g_c=0", "--coupling", "1"], "--coupling 1"),
    (["run", "fi-gain", "--set", "sim.dt=5ms"], "sim.dt"),
], ids=["device", "set", "sweep-grid", "option-and-set", "dt"])
def test_subprocess(tmp_path, argv, needle):
    exe = Path(sys.executable).with_name("spikemod")
    r = subprocess.run([str(exe)] + argv + ["--out", "o"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2, r.stderr
    assert len(lines) == 1 and needle in lines[0], r.stderr
    assert list(tmp_path.iterdir()) == []
