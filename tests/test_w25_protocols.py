"""W25's own experiments through the CLI: threshold-detection and rivalry (cpp_standalone)."""

import json

import numpy as np

from csvfiles import header as _header, rows as _rows
from spikemod.cli import main


def test_threshold_detection_psychometric_curve_and_lesions(tmp_path):
    out = tmp_path / "td"
    assert main(["run", "threshold-detection", "--quiet", "--seed", "1", "--out", str(out),
                 "--amplitudes", "0,150,600", "--magnitudes", "400", "--trials", "4"]) == 0
    assert _header(out / "detection.csv") == ["lesion", "lesion_pA", "amplitude_pA", "trial",
                                             "spike_count", "detected"]
    assert _header(out / "detection_summary.csv") == ["lesion", "lesion_pA", "amplitude_pA",
                                                     "hit_rate", "auc"]
    trials = _rows(out / "detection.csv")
    assert len(trials) == 3 * 4 + 3 * 3 * 4          # none once, three lesions at 400 pA
    hit = {(r["lesion"], float(r["amplitude_pA"])): float(r["hit_rate"])
           for r in _rows(out / "detection_summary.csv")}
    auc = {(r["lesion"], float(r["amplitude_pA"])): float(r["auc"])
           for r in _rows(out / "detection_summary.csv")}
    # a rising psychometric curve; the unlesioned no-stimulus AUC is chance by construction
    assert hit[("none", 600.0)] == 1.0 and hit[("none", 0.0)] <= 0.25
    assert auc[("none", 0.0)] == 0.5 and auc[("none", 600.0)] > 0.9
    # baclofen and thalamic inhibition lower detection near threshold, opto raises it
    for les in ("baclofen", "thalamus"):
        assert hit[(les, 150.0)] + auc[(les, 150.0)] < hit[("none", 150.0)] + auc[("none", 150.0)]
    assert auc[("opto", 0.0)] > 0.75                 # depolarised dendrites: false alarms
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["copies"] == len(trials) and prov["criterion_spikes"] > 0
    assert (out / "detection.png").exists() and (out / "spikes.h5").exists()


def test_rivalry_alternates_and_writes_dominance(tmp_path):
    out = tmp_path / "riv"
    assert main(["run", "rivalry", "--quiet", "--seed", "2", "--out", str(out), "--right", "1200",
                 "--both", "1350,1500", "--trials", "2", "--duration", "15"]) == 0
    assert _header(out / "dominance.csv") == ["left_Hz", "right_Hz", "trial", "eye", "start_s",
                                             "duration_s"]
    assert _header(out / "rivalry_summary.csv") == ["left_Hz", "right_Hz",
                                                   "alternations_per_min", "mean_left_s",
                                                   "mean_right_s", "cv"]
    summary = {(float(r["left_Hz"]), float(r["right_Hz"])): r
               for r in _rows(out / "rivalry_summary.csv")}
    assert set(summary) == {(1350.0, 1200.0), (1350.0, 1350.0), (1500.0, 1500.0)}
    for pair in ((1350.0, 1350.0), (1500.0, 1500.0)):
        assert float(summary[pair]["alternations_per_min"]) > 0     # alternation at equal drive
    periods = _rows(out / "dominance.csv")
    assert {p["eye"] for p in periods} == {"left", "right"}
    d = np.array([float(p["duration_s"]) for p in periods])
    assert np.all(d > 0) and np.all(d < 15)
    gamma = json.loads((out / "rivalry_gamma.json").read_text())
    assert "pooled_equal_drive" in gamma and gamma["pooled_equal_drive"]["n"] >= 3
