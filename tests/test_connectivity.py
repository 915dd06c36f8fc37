"""spikemod.connectivity: linear-time Gaussian connectivity, statistically the same graph as
Brian2's all-pairs ``connect(condition=..., p=...)`` (the construction it replaces)."""

import numpy as np
import pytest
from scipy import stats

from spikemod.connectivity import (cutoff_sigmas, expected_synapses, gaussian_pairs,
                                   pair_distance)


def _sheet(n, seed):
    return np.random.default_rng(seed).uniform(size=(n, 2))


def _ring(n):
    theta = 2 * np.pi * np.arange(n) / n
    return np.column_stack([np.cos(theta), np.sin(theta)])


def _brian2_pairs(geometry, xy, p, sigma, seed):
    """The all-pairs construction of spikemod.network (Brian2 runtime, numpy target)."""
    from brian2 import NeuronGroup, Synapses, seed as b2seed
    from spikemod.device import simulation
    from spikemod.network import _distance_expr
    with simulation("runtime", seed=seed):
        b2seed(seed)
        g = NeuronGroup(len(xy), "x : 1\ny : 1", name="conn_cells")
        g.x, g.y = xy[:, 0], xy[:, 1]
        s = Synapses(g, g, name="conn_syn")
        d = _distance_expr(geometry)
        s.connect(condition="i != j", p=f"{p!r}*exp(-0.5*({d}/{sigma!r})**2)")
        return np.array(s.i[:], copy=True), np.array(s.j[:], copy=True)


@pytest.mark.parametrize("geometry", ["sheet", "ring"])
def test_same_statistics_as_all_pairs_construction(geometry):
    n, p = 1500, 0.5
    sigma = 0.05 if geometry == "sheet" else 0.15
    xy = _sheet(n, 4) if geometry == "sheet" else _ring(n)
    i_new, j_new = gaussian_pairs(geometry, xy, xy, p, sigma, self_conn=False,
                                  rng=np.random.default_rng(5))
    i_old, j_old = _brian2_pairs(geometry, xy, p, sigma, seed=5)
    assert not np.any(i_new == j_new)
    # totals: both Poisson-binomial around the same mean (sd ~ sqrt(mean))
    mean = len(i_old)
    assert abs(len(i_new) - mean) < 4 * np.sqrt(mean)
    # in-degree distributions and distance profiles: two-sample tests cannot tell them apart
    deg_new = np.bincount(j_new, minlength=n)
    deg_old = np.bincount(j_old, minlength=n)
    assert stats.mannwhitneyu(deg_new, deg_old).pvalue > 1e-3
    assert abs(deg_new.var() / deg_old.var() - 1) < 0.2
    d_new = pair_distance(geometry, xy, xy, i_new, j_new)
    d_old = pair_distance(geometry, xy, xy, i_old, j_old)
    assert stats.ks_2samp(d_new, d_old).pvalue > 1e-3
    # and both follow p K(d): nearest-neighbour pairs connect with probability ~ p
    assert d_new.max() < 10 * sigma


def test_distance_profile_matches_kernel():
    """Connected fraction per distance bin = p exp(-0.5 (d/sigma)^2) (fixed expected values)."""
    n, p, sigma = 3000, 0.4, 0.04
    xy = _sheet(n, 7)
    i, j = gaussian_pairs("sheet", xy, xy, p, sigma, self_conn=False,
                          rng=np.random.default_rng(8))
    # all pairs' distances for the denominators (n^2 = 9e6: fine in a test)
    delta = np.abs(xy[:, None, :] - xy[None, :, :])
    delta = np.minimum(delta, 1 - delta)
    d_all = np.sqrt((delta ** 2).sum(-1))[~np.eye(n, dtype=bool)]
    edges = np.array([0, 0.5, 1, 1.5, 2, 2.5, 3]) * sigma
    hit, _ = np.histogram(pair_distance("sheet", xy, xy, i, j), edges)
    cand, _ = np.histogram(d_all, edges)
    # expected per bin: mean of p K(d) over the candidate pairs in the bin
    k_all = p * np.exp(-0.5 * (d_all / sigma) ** 2)
    expect, _ = np.histogram(d_all, edges, weights=k_all)
    z = (hit - expect) / np.sqrt(expect * (1 - expect / cand))
    assert np.all(np.abs(z) < 4), z
    # the first bin connects with ~ p * 0.94 (mean of K over the disc of radius sigma/2)
    assert 0.35 < hit[0] / cand[0] < 0.40


def test_all_to_all_and_self_connections():
    xy = _ring(90)
    i, j = gaussian_pairs("ring", xy, xy, 1.0, 0.5, self_conn=False)
    assert len(i) == 90 * 89
    assert not np.any(i == j)
    i, j = gaussian_pairs("ring", xy, xy[:30], 1.0, 0.5, self_conn=True)
    assert len(i) == 90 * 30
    # sorted by (i, j) as Brian2's connect(condition=...)
    key = i.astype(np.int64) * 30 + j
    assert np.all(np.diff(key) > 0)


def test_pre_and_post_populations_differ():
    """E -> PV style: different sizes, every pair allowed, expected count from the kernel."""
    pre, post = _sheet(4000, 1), _sheet(400, 2)
    i, j = gaussian_pairs("sheet", pre, post, 0.2, 0.1, rng=np.random.default_rng(3))
    assert i.max() < 4000 and j.max() < 400
    exp = expected_synapses("sheet", 4000, 400, 0.2, 0.1)
    assert abs(len(i) - exp) < 5 * np.sqrt(exp)


def test_reproducible_with_seed_and_cutoff_values():
    xy = _sheet(500, 3)
    a = gaussian_pairs("sheet", xy, xy, 0.5, 0.05, rng=np.random.default_rng(11))
    b = gaussian_pairs("sheet", xy, xy, 0.5, 0.05, rng=np.random.default_rng(11))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert cutoff_sigmas(0.5, 10 ** 6, 10 ** 6) == pytest.approx(8.23, abs=0.01)
    assert cutoff_sigmas(0.5, 10, 10) == pytest.approx(4.65, abs=0.01)
    assert cutoff_sigmas(0.5, 10, 10, tol=100) == 3.0
    assert expected_synapses("sheet", 10000, 10000, 0.5, 0.05) == pytest.approx(785398, rel=1e-6)


def test_bad_inputs():
    xy = _sheet(10, 1)
    with pytest.raises(ValueError, match="geometry"):
        gaussian_pairs("torus", xy, xy, 0.5, 0.1)
    with pytest.raises(ValueError, match="sigma"):
        gaussian_pairs("sheet", xy, xy, 0.5, 0.0)
    with pytest.raises(ValueError, match="probability"):
        gaussian_pairs("sheet", xy, xy, -0.1, 0.1)
