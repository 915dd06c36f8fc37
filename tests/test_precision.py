"""Single precision (``--float32`` = ``--set sim.precision=single``, issue 14).

State variables become float32 (time stays double); the option is refused with a conflicting
``--set``; a single-cell f-I run gives the same spikes in both precisions (its currents are
deterministic), and the precision is written to provenance. BENCHMARKS.md (Single precision)
compares C++ runs of fi-gain and the W25 ring in both precisions.
"""

import csv
import json

import numpy as np
import pytest

from spikemod.cli import main
from spikemod.device import DeviceError, float_precision, simulation

FI = ["run", "fi-gain", "--device", "runtime", "--quiet", "--i-soma", "600,900,1200",
      "--i-dend", "0,540", "--coupling", "1", "--burn-in", "0.05", "--duration", "0.3"]


def _rates(path):
    with open(path / "fi_gain.csv") as f:
        return [(r["I_soma_pA"], r["I_dend_pA"], float(r["rate_Hz"])) for r in csv.DictReader(f)]


def test_state_variables_follow_the_precision_and_are_restored():
    from brian2 import NeuronGroup, prefs
    before = prefs.core.default_float_dtype
    with simulation("runtime", precision="single"):
        G = NeuronGroup(2, "dv/dt = -v/(10*ms) : volt")
        assert G.v[:].dtype == np.float32
    with float_precision("single"), simulation("runtime"):
        H = NeuronGroup(2, "dv/dt = -v/(10*ms) : volt")
        assert H.v[:].dtype == np.float32
    with simulation("runtime"):
        K = NeuronGroup(2, "dv/dt = -v/(10*ms) : volt")
        assert K.v[:].dtype == np.float64
    assert prefs.core.default_float_dtype is before
    with pytest.raises(DeviceError, match="'half' is not allowed \\(choices: double, single\\)"):
        with float_precision("half"):
            pass
    del G, H, K


@pytest.mark.parametrize("argv, needle", [
    (["--float32", "--set", "sim.precision=double"], "--float32 cannot be given with --set"),
    (["--set", "sim.precision=half"], "'half' is not allowed (choices: double, single)"),
])
def test_bad_precision_is_one_line_exit_2(tmp_path, capsys, argv, needle):
    code = main(FI + ["--out", str(tmp_path / "r"), *argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and needle in err[0]
    assert not (tmp_path / "r").exists()


def test_single_cell_spikes_are_the_same_in_single_precision(tmp_path):
    assert main(FI + ["--out", str(tmp_path / "d")]) == 0
    assert main(FI + ["--out", str(tmp_path / "s"), "--float32"]) == 0
    double, single = _rates(tmp_path / "d"), _rates(tmp_path / "s")
    assert double == single
    assert max(r for *_, r in double) > 10          # the cells fire: the comparison means something
    prov = json.loads((tmp_path / "s" / "provenance.json").read_text())
    assert prov["parameters"]["sim.precision"] == "'single'"   # as sim.method: repr
    assert json.loads((tmp_path / "d" / "provenance.json").read_text()
                      )["parameters"]["sim.precision"] == "'double'"


def test_rerun_of_a_float32_run_is_single_precision_again(tmp_path):
    assert main(FI + ["--out", str(tmp_path / "s"), "--float32"]) == 0
    assert main(["rerun", str(tmp_path / "s"), "--out", str(tmp_path / "r"), "--quiet"]) == 0
    prov = json.loads((tmp_path / "r" / "provenance.json").read_text())
    assert prov["parameters"]["sim.precision"] == "'single'"
    assert _rates(tmp_path / "r") == _rates(tmp_path / "s")
