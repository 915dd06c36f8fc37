"""Devices: compile once and re-run with new values; the build cache; one CUDA compile.

The compile-once tests build one small f-I grid in cpp_standalone (one compile, shared by the
module), re-run the binary for another current/coupling variant and seed, and compare with a
fresh build of the same values: same spikes, no recompilation (the binary is not rewritten and
the re-run takes a fraction of the build time). The CUDA test compiles a small project for
sm_90 without running it (no GPU here); it is skipped when nvcc is missing.
"""

import os
import shutil
import time

import numpy as np
import pytest
from brian2 import second

from conftest import DEVICES
from spikemod.device import DeviceError

needs_cpp = pytest.mark.skipif("cpp_standalone" not in DEVICES,
                               reason="cpp_standalone not in SPIKEMOD_TEST_DEVICES")

GRID = dict(I_soma_pA=[700.0, 1000.0, 1300.0], I_dend_pA=[0.0, 600.0], coupling=[0.5])
TIMES = dict(burn_in=0.05 * second, duration=0.3 * second)
VARIANTS = [{}, {"soma.a": "0.05/ms", "coupling.g_c": 1.0}]


@pytest.fixture(scope="module")
def compiled_grid(model, build_root):
    """One compile, three runs: two variants (seed 3), variant 0 again with seed 4."""
    from spikemod.experiments.fi_gain import simulate_many as fi_grid_many
    d = build_root / "fi-many"
    t0 = time.perf_counter()
    runs = fi_grid_many(model, **GRID, variants=VARIANTS, seeds=[3, 4], device="cpp_standalone",
                        build_dir=d, processes=2, **TIMES)
    first = time.perf_counter() - t0
    return d, runs, first


@needs_cpp
def test_rerun_with_new_values_equals_fresh_build(compiled_grid, model, build_root):
    """A re-run with run_args gives exactly the spikes of a fresh build with those values."""
    from spikemod.experiments.fi_gain import simulate as fi_grid
    _, runs, _ = compiled_grid
    varied = model.copy()
    for key, value in VARIANTS[1].items():
        varied.set(key, value)
    fresh = fi_grid(varied, GRID["I_soma_pA"], GRID["I_dend_pA"], [1.0], seed=3,
                    device="cpp_standalone", build_dir=build_root / "fresh", **TIMES)
    rerun = runs[2]                                   # variant 1, seed 3
    assert fresh.spike_ids.size > 20
    np.testing.assert_array_equal(rerun.spike_ids, fresh.spike_ids)
    np.testing.assert_allclose(rerun.spike_times_s, fresh.spike_times_s)
    np.testing.assert_array_equal(rerun.coupling, fresh.coupling)
    # the variant really changed something (adaptation a and coupling differ from variant 0)
    assert not np.array_equal(runs[0].rate_Hz, rerun.rate_Hz)


@needs_cpp
def test_seed_changes_without_rebuild(compiled_grid):
    """Seed 3 and 4 of the same values differ (stochastic coupling), both from one binary."""
    _, runs, _ = compiled_grid
    a, b = runs[0], runs[1]
    assert a.spike_ids.size > 0
    assert not (np.array_equal(a.spike_ids, b.spike_ids)
                and np.allclose(a.spike_times_s, b.spike_times_s))


@needs_cpp
def test_rerun_does_not_recompile(compiled_grid, model):
    """Same network again: the binary is not rebuilt (its time saving is a benchmark,
    scripts/bench_sweep.py, not a unit-test assertion)."""
    from spikemod.experiments.fi_gain import simulate_many as fi_grid_many
    d, runs, first = compiled_grid
    binary = d / "main"
    mtime = binary.stat().st_mtime_ns
    again = fi_grid_many(model, **GRID, variants=VARIANTS[1:], seeds=[3],
                         device="cpp_standalone", build_dir=d, **TIMES)
    assert binary.stat().st_mtime_ns == mtime, "unchanged network was recompiled"
    np.testing.assert_array_equal(again[0].spike_ids, runs[2].spike_ids)


def test_runtime_device_gives_same_values(model, compiled_grid):
    """run_many on the runtime device (rebuild per run) agrees with the compiled runs' rates
    for the deterministic part of the grid (no dendritic input, so no coupling draws matter)."""
    from spikemod.experiments.fi_gain import simulate_many as fi_grid_many
    res = fi_grid_many(model, GRID["I_soma_pA"], [0.0], [0.5], variants=VARIANTS[1:],
                       seeds=[3], device="runtime", **TIMES)[0]
    _, runs, _ = compiled_grid
    no_dend = runs[2].I_dend_pA == 0.0
    np.testing.assert_allclose(res.rate_Hz, runs[2].rate_Hz[no_dend])


FI_ARGS = ["--i-soma", "800,1200", "--i-dend", "0,600", "--coupling", "1",
           "--burn-in", "0.05", "--duration", "0.3"]


@needs_cpp
def test_build_run_elsewhere_collect_equals_direct_run(tmp_path, build_root):
    """build (no run) -> run.sh -> collect gives the CSV of a direct ``spikemod run``; an
    unchanged rebuild into the same directory recompiles nothing."""
    import csv
    import subprocess
    from spikemod.cli import main
    out = tmp_path / "cpp-build"
    argv = ["build-cuda", "--protocol", "fi-gain", "--device", "cpp_standalone", "--quiet",
            "--out", str(out), "--"] + FI_ARGS
    assert main(argv) == 0
    assert not (out / "results" / "last_run_info.txt").exists()      # built, not run
    assert main(["collect", str(out), "--out", str(tmp_path / "r0")]) == 2  # no results yet
    subprocess.run([str(out / "run.sh")], check=True, capture_output=True)
    assert main(["collect", str(out), "--out", str(tmp_path / "collected"), "--quiet"]) == 0
    assert main(["run", "fi-gain", "--device", "cpp_standalone", "--quiet", "--build-dir",
                 str(build_root / "direct"), "--out", str(tmp_path / "direct")] + FI_ARGS) == 0
    rows = [list(csv.reader(open(tmp_path / d / "fi_gain.csv"))) for d in ("collected", "direct")]
    assert rows[0] == rows[1] and len(rows[0]) == 5
    assert float(rows[0][-1][3]) > 0                                  # something fired
    for name in ("fi_gain_summary.csv", "fi_gain.png", "spikes.h5", "provenance.json"):
        assert (tmp_path / "collected" / name).is_file()
    # rebuild: the first build was renamed into place, so main.cpp (which names its results
    # directory) compiles once more; a third, unchanged build recompiles nothing
    assert main(argv) == 0
    objects = sorted(out.rglob("*.o")) + [out / "main"]
    stamps = [p.stat().st_mtime_ns for p in objects]
    assert main(argv) == 0
    assert [p.stat().st_mtime_ns for p in objects] == stamps


def test_bad_run_value_is_one_line(model):
    from brian2 import Network, SpikeMonitor
    from spikemod.cells import make_pyramidal
    from spikemod.standalone import run_many

    def build():
        G = make_pyramidal(1, model)
        return Network(G, SpikeMonitor(G)), lambda: None
    with pytest.raises(DeviceError, match="no variable 'nope'"):
        run_many(build, [{"pyr.nope": 1}], 1e-3 * second, device="runtime")
    with pytest.raises(DeviceError, match="no group 'cortex'"):
        run_many(build, [{"cortex.a": 1}], 1e-3 * second, device="runtime")


def test_missing_nvcc_is_one_line_error(monkeypatch):
    from spikemod import cuda
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("CUDA_PATH", raising=False)
    with pytest.raises(DeviceError, match="nvcc.*install the NVIDIA CUDA toolkit") as exc:
        cuda.configure_cuda()
    assert "\n" not in str(exc.value)


def test_cuda_run_without_gpu_is_one_line_error(tmp_path, capsys):
    from spikemod import cuda
    from spikemod.cli import main
    if cuda.gpu_available():
        pytest.skip("this machine has a GPU")
    code = main(["run", "fi-gain", "--device", "cuda_standalone", "--quiet",
                 "--out", str(tmp_path / "r"), "--i-soma", "800", "--i-dend", "0",
                 "--coupling", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "spikemod build-cuda" in err[0]
    assert not (tmp_path / "r").exists()


def test_missing_curand_is_one_line_error(monkeypatch, tmp_path):
    from spikemod import cuda
    monkeypatch.setattr(cuda, "_wheel_roots", lambda: [])
    with pytest.raises(DeviceError, match=r"cuRAND.*spikemod\[cuda\]") as exc:
        cuda.find_curand(tmp_path)
    assert "\n" not in str(exc.value)


@pytest.mark.skipif(shutil.which("nvcc") is None and not os.environ.get("CUDA_PATH"),
                    reason="nvcc (CUDA toolkit) not installed: CUDA compile test skipped")
def test_build_cuda_compiles_for_sm90(tmp_path):
    """spikemod build-cuda generates and compiles fi-gain for sm_90 without a GPU."""
    from spikemod.cli import main
    out = tmp_path / "cuda-fi"
    code = main(["build-cuda", "--protocol", "fi-gain", "--compute-capability", "9.0",
                 "--out", str(out), "--", "--i-soma", "800,1200", "--i-dend", "0",
                 "--coupling", "1", "--burn-in", "0.01", "--duration", "0.05"])
    assert code == 0
    assert (out / "main").is_file() and os.access(out / "main", os.X_OK)
    assert "sm_90" in (out / "makefile").read_text()
    assert (out / "run.sh").is_file() and (out / "README.md").is_file()
