"""spikemod.memory: estimate before building, refuse (one line, exit 2) what cannot fit."""

import numpy as np
import pytest

from spikemod.memory import (BYTES_PER_NEURON, BYTES_PER_SYNAPSE, MemoryLimitError,
                             available_memory, check_fits, check_microcircuit, estimate_memory,
                             microcircuit_synapses)
from spikemod.params import load_model
from spikemod.protocol import USER_ERRORS


def test_estimate_adds_neurons_synapses_monitors():
    e = estimate_memory(1000, 1e6, recorded_neurons=1000, rate_Hz=10, duration_s=2,
                        state_samples=5e5)
    assert e.neuron_bytes == 1000 * BYTES_PER_NEURON
    assert e.synapse_bytes == 1e6 * BYTES_PER_SYNAPSE
    assert e.monitor_bytes == 1000 * 10 * 2 * 12 + 8 * 5e5
    assert e.total == pytest.approx(2048e3 + 64e6 + 240e3 + 4e6 + 40e6 + 200 * 2 ** 20)
    # runtime holds synapses in Python: more memory for the same network
    assert estimate_memory(1000, 1e6, device="runtime").total > e.total
    # covers the measured binary (BENCHMARKS.md: 750 MB at 120k neurons, 12.9 M synapses)
    assert estimate_memory(120_000, 12.9e6).total > 750 * 2 ** 20


def test_check_fits_refuses_in_one_line():
    small = estimate_memory(100, 1e4)
    assert check_fits(small, available=2 ** 30) is small
    with pytest.raises(MemoryLimitError) as info:
        check_fits(estimate_memory(10 ** 9, 1e12), available=2 ** 34, change="use fewer cells")
    msg = str(info.value)
    assert "\n" not in msg
    assert "1e+12 synapses" in msg and "16 GB" in msg and "use fewer cells" in msg
    assert isinstance(info.value, USER_ERRORS)      # the CLI turns it into exit code 2


def test_microcircuit_synapse_count():
    model = load_model()
    # W25 ring, all-to-all with self-connections: 90*90 E->E + 90*90 E->PV + 90*90 PV->E
    # + 2*90 thalamic (E->thalamus, thalamus->dendrite)
    assert microcircuit_synapses(model, {"pyr": 90, "pv": 90, "som": 0}, "ring") == 24480
    assert microcircuit_synapses(model, {"pyr": 90, "pv": 90, "som": 0}, "ring",
                                 copies=3) == 3 * 24480
    # sheet: expected count agrees with a drawn sheet (connectivity.gaussian_pairs)
    from spikemod.connectivity import gaussian_pairs
    rng = np.random.default_rng(2)
    n = 3000
    xy = rng.uniform(size=(n, 2))
    i, _ = gaussian_pairs("sheet", xy, xy, float(model["sheet.EE_p"]),
                          float(model["sheet.EE_sigma"]), self_conn=False, rng=rng)
    expect = microcircuit_synapses(model, {"pyr": n, "pv": 0, "som": 0}, "sheet") - 2 * n
    expect -= float(model["sheet.EE_p"])      # the drawn sheet has no self-connections
    assert abs(len(i) - expect) / expect < 0.03


def test_check_microcircuit_suggests_a_size_that_fits():
    model = load_model()
    avail = 2 ** 33
    sizes = {"pyr": 10 ** 8, "pv": 90, "som": 0}
    with pytest.raises(MemoryLimitError) as info:
        check_microcircuit(model, sizes, "ring", available=avail, device="cpp_standalone")
    msg = str(info.value)
    assert "connectivity.n_exc to at most" in msg and "8 GB" in msg
    n_max = float(msg.split("at most ")[1].split()[0])
    assert 5000 < n_max < 20000     # all-to-all ring: ~1.1e4 cells in 8 GB
    assert check_microcircuit(model, dict(sizes, pyr=int(n_max)), "ring", available=avail,
                              device="cpp_standalone").total <= avail
    with pytest.raises(MemoryLimitError):
        check_microcircuit(model, dict(sizes, pyr=int(n_max * 1.1)), "ring", available=avail,
                           device="cpp_standalone")
    # runtime (Python holds the synapses) fits fewer; a build-only run (build-cuda) counts
    # only the construction arrays
    with pytest.raises(MemoryLimitError):
        check_microcircuit(model, dict(sizes, pyr=int(n_max)), "ring", available=avail,
                           device="runtime")
    built = check_microcircuit(model, dict(sizes, pyr=int(n_max)), "ring", available=avail,
                               device="build")
    assert built.synapse_bytes == 0 and built.build_bytes > 0
    # the sheet at fixed kernels fits far more cells than the ring
    est = check_microcircuit(model, {"pyr": 20000, "pv": 2000, "som": 2000}, "sheet",
                             available=avail, device="cpp_standalone")
    assert est.synapses > 1e6


def test_available_memory(monkeypatch):
    assert available_memory() > 2 ** 20
    monkeypatch.setenv("SPIKEMOD_MEMORY_LIMIT", "123456789")
    assert available_memory() == 123456789


def test_cli_refuses_a_network_too_large(tmp_path):
    """The issue's example: 10^8 ring cells used to end in an OOM kill (exit 137)."""
    import subprocess
    import sys
    out = tmp_path / "res"
    r = subprocess.run([sys.executable, "-m", "spikemod.cli", "run", "network-gain",
                        "--device", "runtime", "--out", str(out),
                        "--set", "connectivity.n_exc=100000000"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 2, r.stderr[-2000:]
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert "e+16 synapses" in lines[0] and "available" in lines[0]
    assert "connectivity.n_exc to at most" in lines[0]
    assert not out.exists()
