"""Metaplasticity (issue 17 part 1): the calcium-control rule, the PKA -> theta_M link and the
`metaplasticity` protocol through the CLI (files, columns, the mechanism and its switch).

The protocol runs are small (runtime device, DA at 0 and 3 uM, three frequencies, 8 pulses)
and shared by the tests of this module. The expected numbers were measured with this set-up
(seed 1, runtime/numpy); the qualitative assertions state what must hold whatever the numbers.
"""

import json

import numpy as np
import pytest

from spikemod.cli import main
from spikemod.gpcr import receptor_densities, steady_state
from spikemod.experiments.metaplasticity import claim as metaplasticity_claim
from spikemod.experiments.metaplasticity import crossover_frequency, summarize
from spikemod.metaplasticity import omega, theta_scale
from csvfiles import header as _header, rows as _rows

SMALL = ["--device", "runtime", "--quiet", "--modulator", "DA", "--concentrations", "0,3000",
         "--frequencies", "2,4,8", "--pulses", "8", "--settle", "0.2"]


# -- the rule and the link, without simulation ----------------------------------------------
def test_omega_has_the_sbc02_windows(model):
    # rest: omega_0 (the resting weight is a fixed point); LTD window: ~0; above theta_p: ~1
    assert omega(model, 0.0) == pytest.approx(0.25, abs=1e-9)
    assert omega(model, 0.45) == pytest.approx(0.0, abs=1e-3)
    assert omega(model, 1.0) == pytest.approx(1.0, abs=1e-3)
    # lowering the thresholds (scale 0.8) turns 0.5 uM from depression into potentiation
    assert omega(model, 0.5, scale=1.0) < 0.25 < omega(model, 0.5, scale=0.8)


def test_pka_lowers_theta_only_through_the_switch(model):
    dens = receptor_densities(model, "pyr")
    pka = steady_state(model, {"DA": np.array([0.0, 3.0])}, dens)["PKA"]
    s = theta_scale(model, pka)
    assert s[0] == pytest.approx(1.0)
    assert s[1] == pytest.approx(np.exp(-(0.6143 - 0.4177)), rel=1e-3)   # 0.822
    off = model.copy()
    off.set("metaplasticity.pka_theta", "false")
    np.testing.assert_allclose(theta_scale(off, pka), 1.0)


def test_crossover_interpolates_in_log_frequency():
    x, note = crossover_frequency([1, 10, 100], [-20, -10, 30])
    assert x == pytest.approx(10 ** 1.25) and note == ""
    assert np.isnan(crossover_frequency([1, 10], [5, 30])[0])
    assert crossover_frequency([1, 10], [-5, -30])[1] == "no LTP at any frequency"
    # unsorted input, first LTD -> LTP crossing
    assert crossover_frequency([10, 1, 3], [50, -10, 10])[0] == pytest.approx(10 ** (np.log10(3) / 2))


def test_claim_needs_a_fall_for_every_modulator():
    rows = [{"modulator": "NE", "concentration_nM": "0", "crossover_Hz": "4"},
            {"modulator": "NE", "concentration_nM": "10000", "crossover_Hz": "3"},
            {"modulator": "DA", "concentration_nM": "0", "crossover_Hz": "4"},
            {"modulator": "DA", "concentration_nM": "10000", "crossover_Hz": "nan"}]
    c = metaplasticity_claim(rows)
    assert c["reproduced"] == "no" and c["reference"] == 4.0
    rows[-1]["crossover_Hz"] = "2"
    c = metaplasticity_claim(rows)
    assert c["reproduced"] == "yes" and c["value"] == pytest.approx(2.5)
    assert c["numbers"]["DA"] == {0.0: 4.0, 10000.0: 2.0}


# -- the protocol --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("metaplasticity")
    out = {"on": base / "on", "off": base / "off"}
    assert main(["run", "metaplasticity", *SMALL, "--out", str(out["on"])]) == 0
    assert main(["run", "metaplasticity", *SMALL, "--set", "metaplasticity.pka_theta=false",
                 "--out", str(out["off"])]) == 0
    return out


def _table(path):
    return {(r["concentration_nM"], r["frequency_Hz"]): float(r["dw_percent"])
            for r in _rows(path / "metaplasticity.csv")}


def _crossover(path):
    return {float(r["concentration_nM"]): float(r["crossover_Hz"])
            for r in _rows(path / "metaplasticity_summary.csv")}


def test_protocol_files_and_columns(runs):
    d = runs["on"]
    assert _header(d / "metaplasticity.csv") == ["modulator", "concentration_nM",
                                                 "frequency_Hz", "dw_percent"]
    assert _header(d / "metaplasticity_summary.csv") == ["modulator", "concentration_nM",
                                                         "crossover_Hz"]
    assert len(_rows(d / "metaplasticity.csv")) == 6
    for f in ("metaplasticity_detail.csv", "metaplasticity.png", "spikes.h5"):
        assert (d / f).exists()
    prov = json.loads((d / "provenance.json").read_text())
    assert prov["n_pulses"] == 8 and prov["pka_theta"] is True


def test_frequency_response_and_pka_shift_of_the_crossover(runs):
    dw = _table(runs["on"])
    x = _crossover(runs["on"])
    # basal cell: LTD at 2 Hz, LTP at 8 Hz (the classic shape)
    assert dw[("0.0", "2.0")] < 0 < dw[("0.0", "8.0")]
    # D1 -> PKA lowers theta_M (and theta_d): 4 Hz turns from LTD into LTP, more LTP at 8 Hz,
    # the crossover falls (at 2 Hz the lowered LTD threshold deepens LTD: the SBC02 window moves)
    assert dw[("0.0", "4.0")] < 0 < dw[("3000.0", "4.0")]
    assert dw[("3000.0", "8.0")] > dw[("0.0", "8.0")]
    assert x[3000.0] < 0.9 * x[0.0]
    # fixed numbers of this set-up (seed 1, runtime)
    assert x[0.0] == pytest.approx(EXPECTED["on_0"], rel=0.02)
    assert x[3000.0] == pytest.approx(EXPECTED["on_3000"], rel=0.02)
    detail = {r["concentration_nM"]: r for r in _rows(runs["on"] / "metaplasticity_detail.csv")}
    assert float(detail["0.0"]["theta_M_uM"]) == pytest.approx(0.55)
    assert float(detail["3000.0"]["theta_M_uM"]) == pytest.approx(0.55 * 0.822, rel=1e-3)


def test_without_the_pka_link_the_crossover_does_not_move(runs):
    x_on, x_off = _crossover(runs["on"]), _crossover(runs["off"])
    detail = _rows(runs["off"] / "metaplasticity_detail.csv")
    assert all(float(r["theta_M_uM"]) == pytest.approx(0.55) for r in detail)
    # basal cells are identical with the switch on or off (PKA at its basal level: scale 1)
    assert x_off[0.0] == pytest.approx(x_on[0.0], rel=1e-9)
    # the remaining effects of the D1 pool (leak, NMDA decay, ...) move the crossover far less
    # than the theta_M link does
    shift_on = abs(np.log(x_on[3000.0] / x_on[0.0]))
    shift_off = abs(np.log(x_off[3000.0] / x_off[0.0]))
    assert shift_off < 0.25 * shift_on
    assert x_off[3000.0] == pytest.approx(EXPECTED["off_3000"], rel=0.02)


def test_bad_modulator_is_refused_in_one_line(tmp_path, capsys):
    out = tmp_path / "bad"
    code = main(["run", "metaplasticity", "--device", "runtime", "--modulator", "ACh",
                 "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and not out.exists() and len(err.splitlines()) == 1
    assert "--modulator: 'ACh' is not allowed (allowed: a list of NE, DA)" in err
    code = main(["run", "metaplasticity", "--device", "runtime", "--pulses", "2.5",
                 "--out", str(out)])
    assert code == 2 and not out.exists()


def test_summarize_notes_a_missing_crossover():
    rows = [{"modulator": "NE", "concentration_nM": 0.0, "frequency_Hz": f, "dw_percent": d}
            for f, d in ((1, 5.0), (10, 20.0))]
    summary, notes = summarize(rows)
    assert np.isnan(summary[0]["crossover_Hz"]) and notes == ["NE 0 nM: crossover NaN (no LTD at "
                                                              "any frequency)"]


#: measured with SMALL (seed 1, runtime device)
EXPECTED = {"on_0": 4.391, "on_3000": 2.605, "off_3000": 4.539}
