"""The microcircuit builder (spikemod.network) and the paper's network claims (MODEL.md s3).

Builder tests run in runtime mode on tiny circuits. The claims run through the CLI, one
protocol each with short runs in C++ standalone (the default device), and read their CSVs, so
they check the user-facing contract too. Each claim test fails if the model stops showing it.
"""

import json

import numpy as np
import pytest
from brian2 import SpikeGeneratorGroup, Synapses, Hz, ms, nS

from spikemod.cli import main
from spikemod.device import simulation
from spikemod.experiments import (gain_pulse, inhibition_gain, network_gain, ring_gating,
                                  stdp_burst)
from spikemod.network import build_microcircuit, ring_kernel
from csvfiles import header as _header, rows as _rows




# -- builder ----------------------------------------------------------------------------------
def test_ring_is_w25_all_to_all_with_gaussian_weights(model):
    with simulation("runtime", seed=1, dt=model["sim.dt"]):
        mc = build_microcircuit(model, n_exc=12, n_pv=6, n_som=4, copies=2)
        ee = mc.synapses["EE"]
        i, j = np.asarray(ee.i[:]), np.asarray(ee.j[:])
        # all-to-all within each copy, self-connections kept (W25), nothing across copies
        assert len(ee) == 2 * 12 * 12
        assert np.all(i // 12 == j // 12) and np.sum(i == j) == 24
        theta = np.tile(np.linspace(0, 2 * np.pi, 12), 2)     # W25: linspace(0, 2 pi, n)
        chord = 2 * np.abs(np.sin((theta[i] - theta[j]) / 2))
        expected = float(model["connectivity.EE_ampa_scale"]) * ring_kernel(
            chord, float(model["connectivity.EE_A"] / nS), float(model["connectivity.EE_sigma"]))
        assert np.allclose(np.asarray(ee.w[:] / nS), expected, rtol=1e-9)
        assert float(ee.r_nmda[:]) == pytest.approx(0.35 / 1.75)
        for key, n_pre, n_post in (("EPV", 12, 6), ("ESOM", 12, 4), ("PVE", 6, 12),
                                   ("SOME", 4, 12)):
            assert len(mc.synapses[key]) == 2 * n_pre * n_post, key
        # W25's matrix thalamus: one cell per pocket of 9 pyramidal cells, both directions
        assert mc.sizes["thal"] == 2 and len(mc.thal) == 4
        assert len(mc.synapses["ETh"]) == len(mc.synapses["ThD"]) == 24
        assert np.array_equal(np.asarray(mc.synapses["ETh"].j[:]),
                              np.repeat([0, 1, 2, 3], [9, 3, 9, 3]))


def test_synapses_land_on_their_compartment(model):
    """E->E and PV onto the soma, SOM onto the apical dendrite, feedback drive on the dendrite."""
    with simulation("runtime", seed=1, dt=model["sim.dt"]):
        mc = build_microcircuit(model, n_exc=2, n_pv=1, n_som=1, stdp=False)
        code = {k: s.pre.code for k, s in mc.synapses.items()}
        assert "g_ampa_s_post" in code["EE"] and "g_nmda_s_post" in code["EE"]
        assert "g_gaba_s_post" in code["PVE"] and "g_gaba_d_post" in code["SOME"]
        net = mc.network()
        for src in mc.drive.values():
            src.rates = 0 * Hz
        mc.drive["fb_pyr"].rates = 2000 * Hz
        net.run(20 * ms)
        assert np.all(mc.pyr.g_ampa_d[:] > 0) and np.all(mc.pyr.g_ampa_s[:] == 0)
        # the NMDA gate uses each compartment's own voltage
        v_d = np.asarray(mc.pyr.v_d[:])
        x = (v_d + 0.080) / 0.060
        assert np.allclose(mc.pyr.B_mg_d[:], x ** 2 / (1 + x ** 2))


def test_sheet_is_sparse_and_keeps_the_ring_input(model):
    with simulation("runtime", seed=3, dt=model["sim.dt"]):
        mc = build_microcircuit(model, geometry="sheet", n_exc=1500, n_pv=0, n_som=0,
                                rng_seed=3)
        ee = mc.synapses["EE"]
        per_post = np.bincount(np.asarray(ee.j[:]), minlength=1500)
        summed = np.bincount(np.asarray(ee.j[:]), weights=np.asarray(ee.w[:] / nS),
                             minlength=1500)
    sigma, p = float(model["sheet.EE_sigma"]), float(model["sheet.EE_p"])
    # expected in-degree: N p 2 pi sigma^2 (Gaussian kernel on the periodic unit square)
    assert per_post.mean() == pytest.approx(1500 * p * 2 * np.pi * sigma ** 2, rel=0.1)
    assert per_post.mean() < 0.05 * 1500                                  # sparse
    theta = 2 * np.pi * np.arange(90) / 90
    ring = float(model["connectivity.EE_ampa_scale"]) * ring_kernel(
        2 * np.abs(np.sin(theta / 2)), float(model["connectivity.EE_A"] / nS),
        float(model["connectivity.EE_sigma"])).sum()
    assert summed.mean() == pytest.approx(ring, rel=0.15)


def _pairing(model, three_factor, modulator, order):
    """One E->E synapse, pre and post spikes 10 ms apart in ``order``; returns (w0, w1)."""
    with simulation("runtime", seed=1, dt=model["sim.dt"]):
        mc = build_microcircuit(model, n_exc=2, n_pv=0, n_som=0, stdp=True,
                                three_factor=three_factor)
        for src in mc.drive.values():
            src.rates = 0 * Hz
        ee = mc.synapses["EE"]
        k = np.flatnonzero((ee.i[:] == 0) & (ee.j[:] == 1))[0]
        w0 = float(ee.w[k] / nS)
        mc.pyr.modulator = modulator
        t_pre, t_post = (10, 20) if order == "pre_post" else (20, 10)
        # drive the two cells with strong current pulses through spike generators
        gen = SpikeGeneratorGroup(2, [0, 1], [t_pre, t_post] * ms)
        kick = Synapses(gen, mc.pyr, on_pre="v_post = 60*mV")
        kick.connect(j="i")
        net = mc.network(gen, kick)
        net.run(300 * ms)
        w1 = float(ee.w[k] / nS)
    return w0, w1


def test_stdp_pair_rule_and_three_factor_gate(model):
    w0, w_ltp = _pairing(model, False, 0.0, "pre_post")
    assert w_ltp > w0                                   # pre before post: potentiation
    w0, w_ltd = _pairing(model, False, 0.0, "post_pre")
    assert w_ltd < w0                                   # post before pre: depression
    w0, w_gated = _pairing(model, True, 0.0, "pre_post")
    assert w_gated == pytest.approx(w0)                 # no modulator: eligibility only
    w0, w_mod = _pairing(model, True, 1.0, "pre_post")
    assert w_mod > w0                                   # modulator turns eligibility into dw


# -- the paper's network claims, through the CLI ----------------------------------------------
@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("network_claims")
    return root


def _run(root, name, *args):
    out = root / name
    assert main(["run", name, "--quiet", "--seed", "1", "--out", str(out), *args]) == 0
    return out


def test_claims_1_2_network_gain_on_the_published_circuit(runs):
    """The published W25 circuit responds gradedly to its drive (no E->E scaling), and dendritic
    drive and coupling put it into burst mode. Whether the population gain (a slope) rises with
    them is the claim the claims table reports (yes or no, with numbers), not an assertion."""
    out = _run(runs, "network-gain", "--drive", "400,600,900,1200", "--dend-drive", "50,600",
               "--coupling", "thalamic,0,1", "--step", "0.4")
    assert _header(out / "network_gain.csv") == ["drive_Hz", "dend_drive_Hz", "coupling",
                                                 "rate_Hz", "burst_mode_fraction"]
    gain = {(float(r["dend_drive_Hz"]), r["coupling"]): float(r["gain_Hz_per_Hz"])
            for r in _rows(out / "network_gain_summary.csv")}
    assert set(gain) == {(d, c) for d in (50.0, 600.0) for c in ("thalamic", "0.0", "1.0")}
    claims = network_gain.claims_from_results(out)      # the claims table's criterion
    assert [c["claim"] for c in claims] == ["1 dendritic drive raises gain (thalamic coupling)",
                                            "1 dendritic drive raises gain (g_c 1)",
                                            "2 coupling raises gain"]
    assert all(isinstance(c["reproduced"], bool) for c in claims)
    rows = _rows(out / "network_gain.csv")
    rate = {(float(r["drive_Hz"]), float(r["dend_drive_Hz"]), r["coupling"]): float(r["rate_Hz"])
            for r in rows}
    burst = {(float(r["drive_Hz"]), float(r["dend_drive_Hz"]), r["coupling"]):
             float(r["burst_mode_fraction"]) for r in rows}
    for (drive, dend, c), r in rate.items():
        assert r < 45                                   # graded: no runaway to saturation
        if drive == 1200:
            assert r > rate[(600.0, dend, c)] > rate[(400.0, dend, c)] - 1e-9
    # dendritic drive and coupling raise the share of time in burst mode; g_c = 0 never bursts
    assert burst[(900.0, 600.0, "1.0")] > burst[(900.0, 50.0, "1.0")]
    assert burst[(900.0, 600.0, "thalamic")] > burst[(900.0, 50.0, "thalamic")] > 0
    assert burst[(900.0, 600.0, "0.0")] == 0 == burst[(900.0, 50.0, "0.0")]
    assert (out / "network_gain.png").exists() and (out / "spikes.h5").exists()


def test_claims_3_4_som_divides_gain_pv_shifts_rheobase(runs):
    out = _run(runs, "inhibition-gain", "--i-soma", "500:1500:100", "--duration", "1")
    assert _header(out / "inhibition_gain.csv") == ["condition", "I_soma_pA", "rate_Hz"]
    s = {r["condition"]: r for r in _rows(out / "inhibition_gain_summary.csv")}
    assert list(s) == ["control", "som", "pv"]
    claims = inhibition_gain.claims_from_results(out)  # the claims table's criterion
    assert [c["claim"] for c in claims] == ["3 SOM inhibition divides gain",
                                            "4 PV inhibition raises threshold"]
    assert all(c["reproduced"] for c in claims)        # SOM divides gain, PV shifts rheobase
    # fixed values of this design (seed 1): rheobase on the 100 pA grid, gains
    g = {c: float(s[c]["gain_Hz_per_pA"]) for c in s}
    rb = {c: float(s[c]["rheobase_pA"]) for c in s}
    assert rb == {"control": 700.0, "som": 700.0, "pv": 900.0}
    assert g["control"] == pytest.approx(0.0553, rel=0.05)
    assert g["som"] == pytest.approx(0.0342, rel=0.05)


def test_claim_4_pv_gates_the_neighbours_of_a_stimulus(runs):
    out = _run(runs, "ring-gating", "--duration", "0.5", "--burn-in", "0.2")
    rows = _rows(out / "ring_gating.csv")
    assert _header(out / "ring_gating.csv") == ["neuron", "distance_rad", "condition", "rate_Hz"]
    rate = {c: np.array([float(r["rate_Hz"]) for r in rows if r["condition"] == c])
            for c in ("pv_on", "pv_off")}
    dist = np.array([float(r["distance_rad"]) for r in rows if r["condition"] == "pv_on"])
    (gating,) = ring_gating.claims_from_results(out)   # the claims table's criterion
    assert gating["reproduced"]
    assert gating["value"] < 0.25 * gating["reference"]     # margin: the neighbours are silenced
    far = dist > ring_gating.FAR_RAD
    near = dist < 0.3
    assert rate["pv_on"][near].mean() > 3 * rate["pv_on"][far].mean()   # the stimulus still gets through


def test_claim_5_stdp_with_and_without_bursting(runs):
    """Both plastic copies learn; the burst copy fires more. Whether bursting speeds up the mean
    weight change (claim 5) is reported by the claims table with its numbers."""
    out = _run(runs, "stdp-burst", "--duration", "3")
    s = {r["condition"]: r for r in _rows(out / "stdp_burst_summary.csv")}
    assert _header(out / "stdp_burst.csv") == ["condition", "time_s", "mean_weight"]
    for cond in ("burst", "no_burst"):
        assert abs(float(s[cond]["dw_per_s"])) > 0.01
    claims = stdp_burst.claims_from_results(out)       # the claims table's criterion
    assert [c["claim"] for c in claims] == ["5 bursting accelerates STDP",
                                            "5 bursting speeds convergence"]
    assert claims[0]["value"] == pytest.approx(abs(float(s["burst"]["dw_per_s"])))
    assert all(isinstance(c["reproduced"], bool) for c in claims)
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["burst"]["rate_Hz"] > prov["no_burst"]["rate_Hz"] > 0


def test_claim_6_gain_pulse_speeds_weight_change_during_the_pulse(runs):
    """The gain-pulse protocol measures |dw/dt| before, during and after the coupling pulse and
    the claims table reports claim 6 from exactly those numbers. Whether the pulse speeds up
    weight change depends on the seed on the published circuit (seed 1: 0.049 before, 0.029
    during, 0.139 after; seed 3: 0.052, 0.151, 0.443 nS/s; README), so it is reported, not
    asserted; what holds for every seed is that weights keep changing after the pulse."""
    out = _run(runs, "gain-pulse", "--after", "2")
    assert _header(out / "gain_pulse.csv") == ["time_s", "coupling", "mean_weight", "dw_dt"]
    prov = json.loads((out / "provenance.json").read_text())
    before, during, after = (prov[f"mean_abs_dw_dt_{k}"] for k in ("before", "pulse", "after"))
    (pulse,) = gain_pulse.claims_from_results(out)     # the claims table's criterion
    assert (pulse["value"], pulse["reference"]) == pytest.approx((during, before))
    assert isinstance(pulse["reproduced"], bool)
    assert pulse["reproduced"] == (during > before and after < during)
    assert min(before, during, after) > 0


@pytest.mark.parametrize("args, needle", [
    (["network-gain", "--coupling", "0,1.5"], "--coupling"),
    (["network-gain", "--drive", "-5"], "--drive"),
    (["inhibition-gain", "--inh-rate", "fast"], "--inh-rate"),
    (["ring-gating", "--duration", "0"], "--duration"),
    (["stdp-burst", "--ee-scale", "-1"], "--ee-scale"),
    (["gain-pulse", "--pulse", "0", "--baseline", "0"], "--pulse"),
    (["ring-gating", "--set", "connectivity.geometry=torus"], "torus"),
])
def test_network_protocols_refuse_bad_options(tmp_path, capsys, args, needle):
    out = tmp_path / "never"
    assert main(["run", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]
    assert not out.exists()


def test_claims_table_over_the_saved_results(runs):
    """analysis/claims.py reads the claim protocols' outputs (run above) into claims.csv."""
    import subprocess
    import sys
    from pathlib import Path
    done = [d for d in runs.iterdir() if (d / "provenance.json").exists()]
    if len(done) < 5:
        pytest.skip("runs after the claim tests of this module (run the whole file)")
    script = Path(__file__).resolve().parent.parent / "analysis" / "claims.py"
    proc = subprocess.run([sys.executable, str(script), str(runs)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    table = _rows(runs / "claims.csv")
    assert {r["protocol"] for r in table} == {"network-gain", "inhibition-gain", "ring-gating",
                                              "stdp-burst", "gain-pulse"}
    assert len(table) == 9                 # 3 network-gain, 2 inhibition, 1 gating, 2 STDP, 1 pulse
    for r in table:
        assert r["reproduced"] in ("yes", "no") and np.isfinite(float(r["value"]))
    # what the published circuit reproduces robustly: SOM divides gain, PV shifts the
    # threshold and gates the neighbours of a stimulus (claims 3 and 4)
    for r in table:
        if r["protocol"] in ("inhibition-gain", "ring-gating"):
            assert r["reproduced"] == "yes", r
