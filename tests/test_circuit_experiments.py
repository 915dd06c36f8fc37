"""RG25's network-claim experiments (spikemod.experiments.network_gain, inhibition_gain,
ring_gating, stdp_burst, gain_pulse) without simulating: their summaries, their one claim
criterion (the one analysis/claims.py reports), the CSV round trip through
claims_from_results, and their figures. The simulations themselves run in tests/test_network.py
through the CLI.
"""

import csv

import numpy as np
import pytest

from spikemod.experiments import (gain_pulse, inhibition_gain, network_gain, ring_gating,
                                  stdp_burst)


def _write(path, rows, columns):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, columns)
        w.writeheader()
        w.writerows(rows)


def _network_rows(gain):
    """network_gain rows: rate = gain (drive - 400) above 400 Hz, per (dend, coupling)."""
    return [{"drive_Hz": d, "dend_drive_Hz": dd, "coupling": c,
             "rate_Hz": max(0.0, g * (d - 400.0)), "burst_mode_fraction": 0.1}
            for (dd, c), g in gain.items() for d in (300.0, 500.0, 700.0, 900.0)]


def test_network_gain_summary_claim_and_csv_round_trip(tmp_path):
    gain = {(50.0, "thalamic"): 0.02, (600.0, "thalamic"): 0.03, (50.0, 0.0): 0.01,
            (600.0, 0.0): 0.012, (50.0, 1.0): 0.02, (600.0, 1.0): 0.015}
    rows = _network_rows(gain)
    summary = network_gain.summarize(rows)
    assert [(s["dend_drive_Hz"], s["coupling"]) for s in summary] == [
        (50.0, "thalamic"), (50.0, 0.0), (50.0, 1.0),
        (600.0, "thalamic"), (600.0, 0.0), (600.0, 1.0)]
    for s in summary:
        assert s["gain_Hz_per_Hz"] == pytest.approx(gain[(s["dend_drive_Hz"], s["coupling"])])
    claims = network_gain.claim(summary)
    assert [(c["claim"], c["reproduced"]) for c in claims] == [
        ("1 dendritic drive raises gain (thalamic coupling)", True),     # 0.03 > 0.02
        ("1 dendritic drive raises gain (g_c 1)", False),                # 0.015 < 0.02
        ("2 coupling raises gain", True)]                                # 0.015 > 0.012
    assert (claims[2]["value"], claims[2]["reference"]) == pytest.approx((0.015, 0.012))
    _write(tmp_path / "network_gain_summary.csv", summary, network_gain.SUMMARY_COLUMNS)
    assert network_gain.claims_from_results(tmp_path) == claims    # CSV floats round-trip
    network_gain.figure(rows, summary)


def _fi_rows(cond, rheobase, gain):
    return [{"condition": cond, "I_soma_pA": i, "rate_Hz": gain * (i - rheobase + 100)
             if i >= rheobase else 0.0} for i in np.arange(500.0, 1501.0, 100.0)]


def test_inhibition_gain_claim_is_the_claims_table_criterion(tmp_path):
    rows = (_fi_rows("control", 700, 0.05) + _fi_rows("som", 700, 0.045)
            + _fi_rows("pv", 900, 0.05))
    summary = inhibition_gain.summarize(rows)
    assert [(s["condition"], s["rheobase_pA"]) for s in summary] == [
        ("control", 700.0), ("som", 700.0), ("pv", 900.0)]
    assert summary[1]["gain_Hz_per_pA"] == pytest.approx(0.045)
    # a 10 % drop counts (gs < gc): the criterion is analysis/claims.py's, not gs < 0.8 gc
    assert [c["reproduced"] for c in inhibition_gain.claim(summary)] == [True, True]
    # SOM that moves the rheobase by more than 100 pA does not divide the gain; equal PV
    moved = _fi_rows("control", 700, 0.05) + _fi_rows("som", 900, 0.03) + _fi_rows("pv", 700, 0.05)
    assert [c["reproduced"] for c in
            inhibition_gain.claim(inhibition_gain.summarize(moved))] == [False, False]
    _write(tmp_path / "inhibition_gain_summary.csv", summary, inhibition_gain.SUMMARY_COLUMNS)
    assert inhibition_gain.claims_from_results(tmp_path) == inhibition_gain.claim(summary)
    inhibition_gain.figure(rows, summary)


def test_ring_gating_claim_uses_cells_beyond_a_quarter_ring(tmp_path):
    dist = np.array([0.0, 0.5, 1.0, 1.58, 2.0, 2.5, 3.0])
    off = [10.0 + 100 * (d > 1.0) for d in dist]                 # runaway beyond 1 rad
    on = [10.0, 5.0, 3.0, 200.0, 0.0, 0.0, 0.0]                  # 200 Hz at 1.58 rad only
    rows = [{"neuron": j, "distance_rad": float(d), "condition": c, "rate_Hz": r}
            for c, rates in (("pv_on", on), ("pv_off", off))
            for j, (d, r) in enumerate(zip(dist, rates))]
    (c,) = ring_gating.claim(rows)
    # beyond pi/2 (not beyond 1.6 rad as the test once had): the cell at 1.58 rad counts
    assert (c["value"], c["reference"], c["reproduced"]) == (50.0, 110.0, True)
    _write(tmp_path / "ring_gating.csv", rows, ring_gating.COLUMNS)
    assert ring_gating.claims_from_results(tmp_path) == [c]
    ring_gating.figure(rows)


def test_stdp_burst_summary_and_both_readings_of_claim_5(tmp_path):
    t = np.arange(0.0, 3.0, 0.1)
    rows = ([{"condition": "burst", "time_s": x, "mean_weight": 1.0 + 0.3 * min(x, 0.95)}
             for x in t] +
            [{"condition": "no_burst", "time_s": x, "mean_weight": 1.0 + 0.2 * x} for x in t])
    summary = stdp_burst.summarize(rows)
    s = {r["condition"]: r for r in summary}
    assert s["no_burst"]["dw_per_s"] == pytest.approx(0.2)
    # 90 % of the change: 0.3 x >= 0.9 * 0.285 from x = 0.9; 0.2 x >= 0.9 * 0.58 from x = 2.7
    assert (s["burst"]["t90_s"], s["no_burst"]["t90_s"]) == pytest.approx((0.9, 2.7))
    claims = stdp_burst.claim(summary)
    # the burst copy saturates: slower on average (|dw/dt|) but converges sooner (t90)
    assert [c["reproduced"] for c in claims] == [False, True]
    # |dw/dt| 20 % larger with bursting counts (b > n, not b > 1.5 n); equal t90 does not
    faster = [{"condition": "burst", "dw_per_s": -0.12, "t90_s": 1.0},
              {"condition": "no_burst", "dw_per_s": 0.1, "t90_s": 1.0}]
    assert [c["reproduced"] for c in stdp_burst.claim(faster)] == [True, False]
    _write(tmp_path / "stdp_burst_summary.csv", summary, stdp_burst.SUMMARY_COLUMNS)
    assert stdp_burst.claims_from_results(tmp_path) == claims
    stdp_burst.figure(rows)


def _pulse_rows(before, during, after, record_dt=0.05, on=2.0, width=1.0, end=5.0):
    t = np.round(np.arange(0.0, end, record_dt), 10)
    g = np.where((t >= on) & (t < on + width), 1.0, 0.0)
    dw = np.where(g > 0, during, np.where(t < on, before, after))
    return [{"time_s": a, "coupling": b, "mean_weight": 1.0, "dw_dt": c}
            for a, b, c in zip(t, g, dw)]


def test_gain_pulse_phases_and_claim_6(tmp_path):
    rows = _pulse_rows(before=0.05, during=0.12, after=0.2)
    assert gain_pulse.phase_speeds(rows) == pytest.approx(
        {"before": 0.05, "pulse": 0.12, "after": 0.2})
    (c,) = gain_pulse.claim(rows)
    # faster during the pulse, but no return afterwards: not reproduced (README)
    assert (c["value"], c["reference"], c["reproduced"]) == (pytest.approx(0.12),
                                                            pytest.approx(0.05), False)
    (c,) = gain_pulse.claim(_pulse_rows(before=0.05, during=0.12, after=0.06))
    assert c["reproduced"]
    _write(tmp_path / "gain_pulse.csv", rows, gain_pulse.COLUMNS)
    assert gain_pulse.claims_from_results(tmp_path)[0]["value"] == pytest.approx(0.12)
    gain_pulse.figure(rows)
    with pytest.raises(ValueError, match="no pulse"):
        gain_pulse.phase_speeds(_pulse_rows(0.1, 0.1, 0.1, width=0.0))
