"""Signal-detection and rivalry-dominance analysis (W25's LVTD_MainSim.m and
CalculateDominanceDurations.m) on constructed data with known answers."""

import numpy as np
import pytest

from spikemod.analysis.dominance import dominance_periods, gamma_fit, gausswin, smoothed_rate
from spikemod.analysis.psychometric import (detection_criterion, hit_rate, psychometric_threshold,
                                            roc_auc)


def test_criterion_minimises_misses_plus_false_alarms():
    # noise 1-3, signals 2-5 and 6-8: at c = 3 no false alarm and 1/6 mean miss rate
    assert detection_criterion([1, 2, 2, 3], [[2, 4, 5], [6, 7, 8]]) == 3.0
    assert detection_criterion([0, 0, 0], [[0, 0, 0]]) == 0.0   # nothing to detect: lowest
    with pytest.raises(ValueError, match="amplitude 0"):
        detection_criterion([], [[1]])


def test_hit_rate_and_auc():
    assert hit_rate([1, 2, 3, 4], 2) == 0.5
    assert roc_auc([0, 1, 2], [1, 2, 3]) == pytest.approx(7 / 9)
    assert roc_auc([0, 1], [5, 6]) == 1.0
    assert roc_auc([3, 3], [3, 3]) == 0.5          # identical distributions: chance


def test_psychometric_threshold_of_a_logistic():
    amps = np.arange(0, 601, 50.0)
    p = 0.02 + 0.96 / (1 + np.exp(-(amps - 250) / 30))
    out = psychometric_threshold(amps, p)
    assert out["threshold_pA"] == pytest.approx(250, abs=3)
    assert out["alpha_pA"] == pytest.approx(250, abs=1)
    assert np.isnan(psychometric_threshold(amps, np.zeros_like(amps))["threshold_pA"])


def test_gausswin_is_matlabs():
    # MATLAB gausswin(5) = exp(-0.5*(2.5*[-2 -1 0 1 2]/2).^2)
    np.testing.assert_allclose(gausswin(5), [0.0439369, 0.4578333, 1, 0.4578333, 0.0439369],
                               rtol=1e-6)


def test_dominance_periods_of_alternating_populations():
    t = np.arange(0, 8, 0.002)                    # one "cell" per side at 500 Hz while on
    left = t[(t % 2.0) < 1.0]
    right = t[(t % 2.0) >= 1.0]
    d = dominance_periods(left, right, 1, 1, 8.0)
    # 4 left and 4 right periods of ~1 s; the last of each eye dropped (W25)
    assert len(d["left"]) == 3 and len(d["right"]) == 3 and d["alternations"] == 6
    for start, dur in d["left"][1:] + d["right"]:
        assert dur == pytest.approx(1.0, abs=0.01)
    assert d["left"][1][0] == pytest.approx(2.0, abs=0.01)
    assert smoothed_rate(left, 1, 8.0).max() == pytest.approx(500, rel=0.01)


def test_gamma_fit_recovers_shape():
    rng = np.random.default_rng(0)
    g = gamma_fit(rng.gamma(3.0, 0.8, size=4000))
    assert g["shape"] == pytest.approx(3.0, rel=0.08)
    assert g["scale_s"] == pytest.approx(0.8, rel=0.08)
    assert np.isnan(gamma_fit([1.0])["shape"])
