"""Rate-model reductions checked against the spiking model [MODEL.md s6; CC22, TS, S21].

Short versions of the protocols meanfield, rnn-neuromod, transfer-fit and neural-mass; the
RNN's gradient against finite differences and its Brian2 forward pass against NumPy.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import DEVICES

SPIKEMOD = [sys.executable, "-m", "spikemod.cli"]


def run_cli(*args, timeout=300):
    return subprocess.run([*SPIKEMOD, *args], capture_output=True, text=True, timeout=timeout)


# -- exact mean field [CC22] ---------------------------------------------------------------------
def test_meanfield_dimensionless_constants_are_cc22s():
    """The Table 1 set maps onto CC22's dimensionless parameters."""
    from spikemod.rates.meanfield import dimensionless_constants, population_params
    p = population_params()
    pop = p["pops"][0]
    sc = dimensionless_constants(pop)
    assert sc["alpha"] == pytest.approx(0.6215, abs=1e-4)
    assert sc["b"] == pytest.approx(-0.0062, abs=1e-4)
    assert 1 / (pop["tau_w"] * sc["omega"]) == pytest.approx(0.0077, abs=1e-4)      # a
    assert pop["w_jump"] / sc["i_unit"] == pytest.approx(0.0189, abs=1e-4)
    assert p["G"][0][0] / (pop["k"] * abs(pop["vr"])) == pytest.approx(1.2308, abs=1e-4)
    assert p["tau_s"][0] * sc["omega"] == pytest.approx(2.6)


def test_meanfield_tonic_fixed_point_and_bursting():
    """High drive: a stable fixed point (tonic); no drive: an adaptation-driven oscillation."""
    from spikemod.rates.meanfield import MeanField
    mf = MeanField()
    out = mf.run(3000, steps=[(0, 1000.0), (1500, 0.0)], dt_out_ms=1.0)
    t, r = out["t_ms"], out["r_Hz"][0]
    tonic, burst = r[(t > 1000) & (t < 1500)], r[t > 2200]
    assert tonic.std() < 0.01 * tonic.mean() and 40 < tonic.mean() < 60
    assert burst.max() > 3 * burst.min()
    # at the tonic fixed point the right-hand side vanishes
    y = mf.state
    assert np.abs(mf._rhs_factory([0.0])(0, y)).max() < 1.0


def test_meanfield_one_population_matches_network_runtime():
    """Tonic state: the network's mean rate within 10 % of the mean field at N = 500."""
    from spikemod.experiments.meanfield import run_network
    from spikemod.rates.meanfield import MeanField, population_params
    p = population_params()
    net = run_network(p, 500, 400, steps=[(0, 1000.0)], dt_ms=0.01, bin_ms=1.0, seed=1)
    out = MeanField(p).run(400, steps=[(0, 1000.0)], dt_out_ms=1.0)
    sel = net.t_ms > 200
    r_mf = np.interp(net.t_ms, out["t_ms"], out["r_Hz"][0])[sel].mean()
    assert net.r_Hz[0][sel].mean() == pytest.approx(r_mf, rel=0.1)


@pytest.mark.skipif("cpp_standalone" not in DEVICES, reason="standalone builds disabled")
def test_meanfield_two_populations_match_network(build_root):
    """E and I populations, tonic then bursting: time-averaged rates within 15 % at N = 2000."""
    from spikemod.experiments.meanfield import run_network
    from spikemod.rates.meanfield import MeanField, two_population_params
    p = two_population_params()
    steps = [(0, [1000.0, 0.0]), (600, [0.0, 0.0])]
    net = run_network(p, 2000, 1200, steps=steps, device="cpp_standalone", seed=1,
                      build_dir=build_root / "mf2")
    out = MeanField(p).run(1200, steps=steps, dt_out_ms=0.5)
    for k in range(2):
        r_mf = np.interp(net.t_ms, out["t_ms"], out["r_Hz"][k])
        for t0, t1 in ((300, 600), (800, 1200)):
            sel = (net.t_ms >= t0) & (net.t_ms < t1)
            assert net.r_Hz[k][sel].mean() == pytest.approx(r_mf[sel].mean(), rel=0.15)


def test_oscillation_period_and_rate_bins():
    """The segment analysis of the meanfield experiment: a 100 ms oscillation is found, a flat
    rate is tonic (None); per-step rates average into whole bins, centred."""
    from spikemod.experiments.meanfield import oscillation_period_ms
    from spikemod.rates.meanfield import bin_rate
    t = np.arange(0.0, 1000.0, 0.5)
    assert oscillation_period_ms(t, 20 + 10 * np.sin(2 * np.pi * t / 100)) == pytest.approx(100.0)
    assert oscillation_period_ms(t, np.full(t.size, 20.0)) is None
    tb, rb = bin_rate(np.array([[0.0, 2.0, 4.0, 6.0, 8.0], [1.0, 1.0, 1.0, 1.0, 1.0]]), 0.1, 0.2)
    np.testing.assert_allclose(tb, [0.1, 0.3])
    np.testing.assert_allclose(rb, [[1.0, 5.0], [1.0, 1.0]])


def test_meanfield_protocol_cli(tmp_path):
    out = tmp_path / "mf"
    res = run_cli("run", "meanfield", "--device", "runtime", "--n", "300", "--segment", "0.2",
                  "--currents", "1000", "--set", "meanfield.dt=0.01ms", "--out", str(out),
                  "--quiet")
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "meanfield_summary.json").read_text())
    assert summary["N"] == 300 and summary["speedup"] > 1
    assert summary["rel_error_steady"] < 0.1
    head = (out / "meanfield_vs_network.csv").read_text().splitlines()[0]
    assert head == "t_ms,r_network_Hz,r_meanfield_Hz"
    assert (out / "meanfield.png").exists()


@pytest.mark.parametrize("option,value", [("--populations", "3"), ("--n", "abc"), ("--n", "5"),
                                          ("--segment", "0")])
def test_meanfield_protocol_refuses_bad_options(tmp_path, option, value):
    res = run_cli("run", "meanfield", option, value, "--out", str(tmp_path / "x"))
    assert res.returncode == 2 and option in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


# -- neuromodulated rate RNN [TS] ---------------------------------------------------------------
@pytest.fixture(scope="module")
def small_rnn():
    from spikemod.rates.rnn import RateRNN, RNNConfig
    cfg = RNNConfig.from_model(None, N=20, T=30, stim_on=3, stim_off=10, t_test=20, t_ec50=15)
    return RateRNN(cfg, seed=3)


def test_rnn_dale_sparsity_and_tau_range():
    from spikemod.rates.rnn import RateRNN, RNNConfig
    net = RateRNN(RNNConfig.from_model(), seed=0)
    W = net.W()
    assert W.shape == (200, 200)
    assert np.all(W[:, :160] >= 0) and np.all(W[:, 160:] <= 0)      # Dale: sign by column
    assert 0.78 < (W != 0).mean() < 0.82                            # p = 0.8 (no autapses)
    tau = net.tau_ms()
    assert tau.min() > 20 and tau.max() < 100
    assert net.target.sum() == 40


def test_rnn_gradient_matches_finite_differences(small_rnn):
    from spikemod.rates.rnn import task_trials
    net = small_rnn
    u, f, z, _ = task_trials(net.cfg, 9.0)
    noise = np.random.default_rng(0).normal(0, 0.1, (u.shape[0], net.cfg.T, net.cfg.N))
    o, cache = net.forward(u, f, noise)
    grads = net.backward(net.loss(o, z)[1], cache)
    rng = np.random.default_rng(1)
    for name in net.PARAMS:
        P = getattr(net, name)
        for _ in range(4):
            idx = tuple(int(rng.integers(0, s)) for s in P.shape)
            if name == "A" and net.mask[idx] == 0:
                assert grads[name][idx] == 0
                continue
            old, h = P[idx], 1e-6
            P[idx] = old + h
            lp = net.loss(net.forward(u, f, noise)[0], z)[0]
            P[idx] = old - h
            lm = net.loss(net.forward(u, f, noise)[0], z)[0]
            P[idx] = old
            assert grads[name][idx] == pytest.approx((lp - lm) / (2 * h), rel=1e-4, abs=1e-8)


@pytest.mark.parametrize("device", DEVICES)
def test_rnn_brian2_forward_matches_numpy(device, build_root):
    from spikemod.rates.rnn import RateRNN, RNNConfig, brian2_forward, task_trials
    cfg = RNNConfig.from_model(None, T=60, stim_on=5, stim_off=20)
    net = RateRNN(cfg, seed=2)
    u, f, _, _ = task_trials(cfg, 9.0)
    noise = np.random.default_rng(5).normal(0, 0.1, (1, cfg.T, cfg.N))
    o_np, _ = net.forward(u[2:3], f[2:3], noise)
    o_b2 = brian2_forward(net, u[2], f[2], noise[0], device=device,
                          build_dir=build_root / f"rnn-{device}")
    assert np.abs(o_np[0] - o_b2).max() < 1e-9


def test_rnn_ec50_fit_recovers_known_curve():
    from spikemod.analysis.fits import fit_ec50
    f = np.arange(1, 10.5, 0.5)
    y = 1 - 1 / (1 + np.exp(-1.5 * f + 6.0))
    ec50, a, b = fit_ec50(f, y)
    assert ec50 == pytest.approx(4.0, rel=1e-4) and a == pytest.approx(-1.5, rel=1e-4)


def test_rnn_neuromod_protocol_cli(tmp_path):
    """One network trained to pass both states; its EC50 lies inside the sweep."""
    out = tmp_path / "rnn"
    res = run_cli("run", "rnn-neuromod", "--device", "runtime", "--networks", "1",
                  "--max-iter", "400", "--out", str(out), "--quiet")
    assert res.returncode == 0, res.stderr
    lines = (out / "rnn_ec50.csv").read_text().splitlines()
    assert lines[0] == "network,ec50,slope,pass_unmodulated,pass_modulated"
    summary = json.loads((out / "rnn_summary.json").read_text())
    assert summary["pass_both"] == 1
    assert 1 < summary["ec50_mean"] < 10
    assert summary["brian2_vs_numpy_max_abs_diff"] < 1e-9


def test_rnn_protocol_refuses_bad_networks(tmp_path):
    res = run_cli("run", "rnn-neuromod", "--networks", "0", "--out", str(tmp_path / "x"))
    assert res.returncode == 2 and "--networks" in res.stderr
    assert not (tmp_path / "x").exists()


# -- population transfer functions [S21 Fig. 4] ---------------------------------------------------
def test_fit_sigmoid_recovers_parameters():
    from spikemod.analysis.fits import fit_sigmoid, sigmoid
    I = np.linspace(0, 600, 13)
    fit = fit_sigmoid(I, sigmoid(I, 200.0, 0.01, 300.0))
    assert fit["r_max_Hz"] == pytest.approx(200, rel=1e-3)
    assert fit["gain_per_pA"] == pytest.approx(0.01, rel=1e-3)
    assert fit["threshold_pA"] == pytest.approx(300, rel=1e-3)
    assert fit["rmse_Hz"] < 1e-3


def test_transfer_fit_protocol_cli(tmp_path):
    """PV population: receptor scaling raises and refractoriness lowers the transfer function."""
    import csv
    out = tmp_path / "tf"
    res = run_cli("run", "transfer-fit", "--device", "runtime", "--populations", "pv",
                  "--levels", "5", "--per-point", "4", "--burn-in", "0.05", "--duration", "0.3",
                  "--out", str(out), "--quiet")
    assert res.returncode == 0, res.stderr
    with open(out / "transfer_functions.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["population", "condition", "r_max_Hz", "gain_per_pA",
                             "threshold_pA", "rmse_Hz"]
    assert {r["condition"] for r in rows} == {"control", "receptor_scaling", "ampa_nmda_ratio",
                                              "resting_potential", "refractoriness",
                                              "threshold", "heterogeneity"}
    with open(out / "transfer_curves.csv") as fh:
        curves = list(csv.DictReader(fh))

    def total(cond):
        return sum(float(r["rate_Hz"]) for r in curves if r["condition"] == cond)
    assert total("receptor_scaling") > 1.1 * total("control")
    assert total("refractoriness") < 0.95 * total("control")
    fits = {r["condition"]: r for r in rows}
    assert float(fits["control"]["rmse_Hz"]) < 0.15 * max(float(r["rate_Hz"]) for r in curves)


def test_transfer_fit_refuses_unknown_population(tmp_path):
    res = run_cli("run", "transfer-fit", "--populations", "vip", "--out", str(tmp_path / "x"))
    assert res.returncode == 2 and "--populations" in res.stderr
    assert not (tmp_path / "x").exists()


# -- E / PV / SOM neural mass -----------------------------------------------------------------------
def test_neural_mass_relaxes_to_its_fixed_point(model):
    """With the sigmoids and couplings given, the mass settles where r = F(I(r))."""
    from spikemod.analysis.fits import sigmoid
    from spikemod.rates.neural_mass import NeuralMass, Segment, drive_currents, dendritic_transfer
    F = {"pv": {"r_max_Hz": 200.0, "gain_per_pA": 0.01, "threshold_pA": 300.0},
         "som": {"r_max_Hz": 100.0, "gain_per_pA": 0.02, "threshold_pA": 200.0}}
    FE = {0.0: {"r_max_Hz": 100.0, "gain_per_pA": 0.004, "threshold_pA": 900.0},
          600.0: {"r_max_Hz": 100.0, "gain_per_pA": 0.006, "threshold_pA": 700.0}}
    W = {"EE": 2.0, "EPV": 3.0, "ESOM": 2.0, "PVE": 4.0, "SOME": 1.0}
    mass = NeuralMass({"tau_ms": {"pyr": 20.0, "pv": 10.0, "som": 20.0}, "W": W, "F": F,
                       "F_E": dendritic_transfer(FE),
                       "modulation": {"r_max": 1.0, "gain": 1.0, "threshold_shift": 0.0}})
    out = mass.run([Segment("baseline", 600.0)], model)
    rE, rP, rS = out["r_Hz"][:, -1]
    drv = drive_currents(model)
    fE = dendritic_transfer(FE)(-W["SOME"] * rS)
    assert rE == pytest.approx(sigmoid(W["EE"] * rE - W["PVE"] * rP + drv["pyr"], fE["r_max_Hz"],
                                       fE["gain_per_pA"], fE["threshold_pA"]), rel=1e-3)
    assert rP == pytest.approx(sigmoid(W["EPV"] * rE + drv["pv"], 200, 0.01, 300), rel=1e-3)
    assert rS == pytest.approx(sigmoid(W["ESOM"] * rE + drv["som"], 100, 0.02, 200), rel=1e-3)
    # the dendritic input interpolates E's parameters linearly, clamped at the ends
    f = dendritic_transfer(FE)
    assert f(300.0)["threshold_pA"] == pytest.approx(800.0)
    assert f(-50.0)["threshold_pA"] == pytest.approx(900.0)


def test_couplings_from_synapses_units(model):
    """1 nS summed GABA_A per neuron onto the soma: 6 ms x (E_gaba - (vr + vt)/2) = -90 pA/Hz."""
    from spikemod.rates.neural_mass import couplings_from_synapses
    W = couplings_from_synapses(model, {"PVE": (90e-9, 0.0)}, {"pyr": 90, "pv": 90, "som": 1})
    assert W["PVE"] == pytest.approx(6e-3 * 15e-3 * 1e-9 * 1e12)


def test_neural_mass_protocol_cli(tmp_path):
    """With the E->E amplitude at 0.15 of W25's (--ee-scale 0.15, a weakly recurrent ring) the
    couplings calibrated on the baseline step only keep the mass on the spiking ring's branch:
    held-out errors 41 / 9 / 46 % (drive, dendritic, modulator step; seed 1), bound here at
    60 %. On the published circuit (--ee-scale 1, the default) every held-out step sends the
    mass to its upper branch (errors 1400-1700 %, README)."""
    import csv
    out = tmp_path / "nm"
    res = run_cli("run", "neural-mass", "--device", "runtime", "--segment", "0.5", "--seed", "1",
                  "--ee-scale", "0.15", "--out", str(out), "--quiet", timeout=400)
    assert res.returncode == 0, res.stderr
    with open(out / "neural_mass_vs_spiking.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["condition", "t_s", "rate_spiking_Hz", "rate_mass_Hz"]
    assert [c for c in dict.fromkeys(r["condition"] for r in rows)] == \
        ["baseline", "ff_step", "dend_step", "modulator"]
    summary = json.loads((out / "neural_mass_summary.json").read_text())
    assert len(summary["errors"]) == 4 and summary["speedup"] > 0
    cal = summary["calibration"]
    assert cal["condition"] == "baseline" and cal["held_out"] == ["ff_step", "dend_step", "modulator"]
    assert [e["role"] for e in summary["errors"]] == ["calibration"] + ["held_out"] * 3
    assert summary["errors"][0]["pyr"]["rel_error"] < 0.02            # the fit itself converged
    held = [e["pyr"]["rel_error"] for e in summary["errors"][1:]]
    assert max(held) == pytest.approx(summary["max_rel_error_E_held_out"])
    assert max(held) < 0.6, held
    # the steps do move the spiking circuit, so the held-out check is not trivial
    base = summary["errors"][0]["pyr"]["rate_spiking_Hz"]
    assert summary["errors"][1]["pyr"]["rate_spiking_Hz"] > 1.2 * base


def test_neural_mass_refuses_bad_ee_scale(tmp_path):
    res = run_cli("run", "neural-mass", "--ee-scale", "-1", "--out", str(tmp_path / "x"))
    assert res.returncode == 2 and "--ee-scale" in res.stderr
    assert not (tmp_path / "x").exists()
