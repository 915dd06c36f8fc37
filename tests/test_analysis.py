"""Spike statistics against Elephant train by train, bursts on constructed trains, spectra and
correlations on constructed populations, and ``spikemod analyze``."""

import numpy as np
import pytest

from spikemod.analysis import spiketrains as sa
from spikemod.analysis.bursts import burst_stats, detect_bursts
from spikemod.analysis.fi import burst_spike_fraction
from spikemod.cli import main as cli
from spikemod.io import write_spikes


def _poisson(rng, n, rate, T):
    k = rng.poisson(n * rate * T)
    return rng.integers(0, n, k), rng.random(k) * T


def _gamma(rng, n, rate, T, shape):
    """Regular (shape > 1) renewal trains: CV = 1/sqrt(shape)."""
    ids, times = [], []
    for i in range(n):
        isi = rng.gamma(shape, 1 / (rate * shape), int(rate * T * 2) + 10)
        t = np.cumsum(isi)
        t = t[t < T]
        ids.append(np.full(t.size, i))
        times.append(t)
    return np.concatenate(ids), np.concatenate(times)


def test_cv_lv_match_elephant_per_train():
    import elephant.statistics as es
    rng = np.random.default_rng(0)
    ids, t = _gamma(rng, 30, 8.0, 3.0, 4.0)
    ids = np.concatenate([ids, [30, 31, 31, 32, 32, 32]])    # 1 spike, 2 spikes, 3 spikes
    t = np.concatenate([t, [0.5, 0.1, 0.4, 0.1, 0.3, 0.35]])
    perm = rng.permutation(ids.size)                          # order must not matter
    cv = sa.isi_cv(ids[perm], t[perm], 34)
    lv = sa.isi_lv(ids[perm], t[perm], 34)
    for i in range(34):
        isi = np.diff(np.sort(t[ids == i]))
        if isi.size >= 2:
            assert cv[i] == pytest.approx(es.cv(isi), rel=1e-9)
            assert lv[i] == pytest.approx(es.lv(isi), rel=1e-9)
        else:
            assert np.isnan(cv[i]) and np.isnan(lv[i])
    assert np.nanmean(cv[:30]) == pytest.approx(0.5, abs=0.07)   # gamma shape 4
    assert np.nanmean(lv[:30]) == pytest.approx(3 / (2 * 4 + 1), abs=0.07)  # LV = 3/(2k+1)


def test_fano_matches_elephant_and_poisson():
    import elephant.statistics as es
    rng = np.random.default_rng(1)
    ids, t = _poisson(rng, 50, 20.0, 10.0)
    ff = sa.fano_factor(ids, t, 50, 0.0, 10.0, counting_window=0.1)
    for i in (0, 17, 49):
        pieces = [t[(ids == i) & (t >= b * 0.1) & (t < (b + 1) * 0.1)] for b in range(100)]
        assert ff[i] == pytest.approx(es.fanofactor(pieces), rel=1e-9)
    assert np.mean(ff) == pytest.approx(1.0, abs=0.06)
    reg_ids, reg_t = _gamma(rng, 20, 20.0, 10.0, 20.0)
    assert np.nanmean(sa.fano_factor(reg_ids, reg_t, 20, 0, 10)) < 0.3


def test_detect_bursts_constructed_trains():
    ids = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 2])
    t = np.array([0.100, 0.105, 0.112, 0.300, 0.500, 0.510,   # 0: burst of 3, single, burst of 2
                  0.200, 0.215, 0.250,                          # 1: 15.0 ms counts (<=), 35 does not
                  0.9])
    b = detect_bursts(ids, t, max_isi=0.015, min_spikes=2)
    np.testing.assert_array_equal(b["neuron"], [0, 0, 1])
    np.testing.assert_array_equal(b["n_spikes"], [3, 2, 2])
    np.testing.assert_allclose(b["start_s"], [0.100, 0.500, 0.200])
    np.testing.assert_allclose(b["stop_s"], [0.112, 0.510, 0.215])
    b3 = detect_bursts(ids, t, max_isi=0.015, min_spikes=3)
    np.testing.assert_array_equal(b3["n_spikes"], [3])
    b_tight = detect_bursts(ids, t, max_isi=0.006)
    np.testing.assert_array_equal(b_tight["n_spikes"], [2])    # only 100 -> 105 ms
    s = burst_stats(ids, t, 4, 0.0, 1.0)
    assert s["burst_rate_Hz"] == pytest.approx(3 / 4)
    assert s["burst_spike_fraction"] == pytest.approx(7 / 10)
    np.testing.assert_array_equal(s["bursts_per_neuron"], [2, 1, 0, 0])
    with pytest.raises(ValueError):
        detect_bursts(ids, t, min_spikes=1)


def test_burst_fraction_agrees_with_fi_definition():
    rng = np.random.default_rng(2)
    ids, t = _poisson(rng, 40, 30.0, 2.0)
    s = burst_stats(ids, t, 40, 0.0, 2.0)
    per = burst_spike_fraction(ids, t, 40, 0.0, 2.0)
    counts = np.bincount(ids, minlength=40)
    assert s["burst_spike_fraction"] == pytest.approx(np.nansum(per * counts) / counts.sum())
    # Poisson 30 Hz: a spike has a neighbour within 15 ms with p = 1 - exp(-2 * 0.45)
    assert s["burst_spike_fraction"] == pytest.approx(1 - np.exp(-0.9), abs=0.03)


def test_population_rate_and_spectrum_find_oscillation():
    rng = np.random.default_rng(3)
    n, T, f0 = 500, 4.0, 20.0
    # inhomogeneous Poisson by thinning: rate 10 (1 + 0.8 sin(2 pi f0 t)) Hz
    ids, t = _poisson(rng, n, 18.0, T)
    keep = rng.random(t.size) < (10 * (1 + 0.8 * np.sin(2 * np.pi * f0 * t))) / 18.0
    ids, t = ids[keep], t[keep]
    ts, rate = sa.population_rate(t, n, 0.0, T)
    assert ts.size == 4000
    assert np.mean(rate) == pytest.approx(10.0, rel=0.05)
    freqs, psd = sa.rate_power_spectrum(rate)
    nz = freqs > 0
    assert freqs[nz][np.argmax(psd[nz])] == pytest.approx(f0, abs=2.0)
    m, _ = sa.summarize(ids, t, n, 0.0, T)
    assert m["pop_rate_peak_frequency_Hz"] == pytest.approx(f0, abs=2.0)
    flat_ids, flat_t = _poisson(rng, n, 10.0, T)
    m_flat, _ = sa.summarize(flat_ids, flat_t, n, 0.0, T)
    assert m["pop_rate_peak_power"] > 20 * m_flat["pop_rate_peak_power"]


def test_pairwise_correlation_independent_vs_shared():
    rng = np.random.default_rng(4)
    ids, t = _poisson(rng, 300, 10.0, 5.0)
    cc = sa.pairwise_correlation(ids, t, 300, 0.0, 5.0, n_sample=50)
    assert cc.size == 50 * 49 // 2 and abs(cc.mean()) < 0.01
    # every neuron copies one mother train (jitter 1 ms): strong correlation in 5 ms bins
    mother = np.sort(rng.random(50) * 5.0)
    sh_ids = np.repeat(np.arange(30), mother.size)
    sh_t = np.clip(np.tile(mother, 30) + rng.normal(0, 1e-3, 30 * mother.size), 0, 4.999)
    cc2 = sa.pairwise_correlation(sh_ids, sh_t, 30, 0.0, 5.0, n_sample=100)
    assert cc2.size == 30 * 29 // 2 and cc2.mean() > 0.4
    assert sa.pairwise_correlation([0], [0.1], 5, 0, 1).size == 0


@pytest.fixture(scope="module")
def two_pop_dir(tmp_path_factory):
    rng = np.random.default_rng(5)
    out = tmp_path_factory.mktemp("an") / "run"
    e = _poisson(rng, 400, 5.0, 3.0)
    write_spikes(out / "spikes.h5", {"pyr": e, "pv": _poisson(rng, 40, 20.0, 3.0)},
                 t_start=0.0, t_stop=3.0, sizes={"pyr": 400, "pv": 40})
    return out


def test_analyze_writes_csv_and_figure(two_pop_dir, capsys):
    assert cli(["analyze", str(two_pop_dir)]) == 0
    import csv
    with open(two_pop_dir / "analysis.csv") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["population", "metric", "value"]
    assert [r["metric"] for r in rows if r["population"] == "pyr"] == list(sa.METRICS)
    v = {(r["population"], r["metric"]): float(r["value"]) for r in rows}
    assert v[("pyr", "rate_mean_Hz")] == pytest.approx(5.0, rel=0.05)
    assert v[("pv", "rate_mean_Hz")] == pytest.approx(20.0, rel=0.05)
    assert v[("pyr", "isi_cv_mean")] == pytest.approx(1.0, abs=0.15)
    assert v[("pyr", "fano_factor_mean")] == pytest.approx(1.0, abs=0.1)
    assert (two_pop_dir / "analysis.png").stat().st_size > 10_000


@pytest.mark.parametrize("argv, msg", [
    (["--max-isi", "0"], "--max-isi"),
    (["--min-burst-spikes", "1"], "--min-burst-spikes"),
    (["--t-start", "2", "--t-stop", "1"], "is empty"),
])
def test_analyze_bad_options_write_nothing(two_pop_dir, tmp_path, argv, msg, capsys):
    import shutil
    d = tmp_path / "r"
    d.mkdir()
    shutil.copy(two_pop_dir / "spikes.h5", d / "spikes.h5")
    assert cli(["analyze", str(d), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert msg in err and "\n" not in err
    assert sorted(p.name for p in d.iterdir()) == ["spikes.h5"]


def test_analyze_missing_results(tmp_path, capsys):
    assert cli(["analyze", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli(["analyze", str(tmp_path)]) == 2
    assert "no spikes.h5" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_spectrum_of_short_signal_uses_one_segment():
    t = np.arange(200) * 1e-3                      # 0.2 s: shorter than a 2 Hz segment
    freqs, psd = sa.rate_power_spectrum(5 + np.sin(2 * np.pi * 50 * t))
    assert freqs[1] - freqs[0] == pytest.approx(5.0)
    assert freqs[np.argmax(psd)] == pytest.approx(50.0)
    assert sa.rate_power_spectrum(np.ones(5))[0].size == 0
