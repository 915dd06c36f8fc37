"""Segregation and integration of a modular spiking network from its activity (issue 17.2).

Plain NumPy measures on binned population rates of neuron groups (nodes), each group belonging
to one structural module:

* :func:`binned_rates` -- the nodes' population rates;
* :func:`correlation_matrix` -- Pearson correlations between nodes (a silent node gives NaN);
* :func:`within_between` -- mean correlation of node pairs in the same module and in different
  modules (segregation: within >> between; integration: between approaches within);
* :func:`participation_coefficient` -- Guimera & Amaral (2005, Nature 433:895) participation
  coefficient ``P_i = 1 - sum_s (k_is / k_i)^2`` of each node of the weighted functional
  network whose weights are the positive correlations (negative ones and the diagonal set to
  0), ``k_is`` the strength of node i towards module s and ``k_i`` its total strength; 0 when
  all its functional links stay in one module, ``1 - 1/M`` when they are spread evenly over
  the ``M`` modules (Shine et al. 2016/2021 use this form on the correlation network);
* :func:`synchrony_chi` -- Golomb's synchrony measure (Golomb & Rinzel 1993; Golomb 2007,
  Scholarpedia 2:1347): ``chi^2 = var_t(mean_i r_i(t)) / mean_i var_t(r_i(t))``, 1 for
  identical signals, about ``1/sqrt(N)`` for independent ones.
"""

from __future__ import annotations

import numpy as np

__all__ = ["binned_rates", "correlation_matrix", "within_between", "participation_coefficient",
           "synchrony_chi"]


def binned_rates(ids, times, node_of_cell, n_nodes, t0, t1, bin_s):
    """Population rate of each node in bins of ``bin_s`` over ``[t0, t1)``.

    Parameters
    ----------
    ids, times : array_like
        Spike cell indices and times (s).
    node_of_cell : array_like of int
        Node of every cell (-1: not in any node); spikes of cells beyond it are ignored.
    n_nodes : int
    t0, t1, bin_s : float
        Window and bin width, s.

    Returns
    -------
    numpy.ndarray
        ``(n_nodes, n_bins)`` rates in Hz per cell.

    Raises
    ------
    ValueError
        When the window holds no whole bin.

    Example
    -------
    >>> binned_rates([0, 1, 1], [0.01, 0.01, 0.03], [0, 1], 2, 0.0, 0.04, 0.02)
    array([[50.,  0.],
           [50., 50.]])
    """
    n_bins = int(np.floor((t1 - t0) / bin_s + 1e-9))
    if n_bins < 1:
        raise ValueError(f"window [{t0:g}, {t1:g}) s holds no bin of {bin_s:g} s")
    ids = np.asarray(ids, dtype=np.int64)
    times = np.asarray(times, float)
    node = np.asarray(node_of_cell, dtype=np.int64)
    size = np.bincount(node[node >= 0], minlength=n_nodes).astype(float)
    k = np.floor((times - t0) / bin_s + 1e-9).astype(np.int64)
    sel = (k >= 0) & (k < n_bins) & (ids >= 0) & (ids < node.size)
    nd = node[ids[sel]]
    ok = nd >= 0
    counts = np.zeros((n_nodes, n_bins))
    np.add.at(counts, (nd[ok], k[sel][ok]), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return counts / (size[:, None] * bin_s)


def correlation_matrix(rates):
    """Pearson correlation between the rows of ``rates``; rows without variance give NaN.

    Parameters
    ----------
    rates : array_like
        ``(n_nodes, n_bins)``.

    Returns
    -------
    numpy.ndarray
        ``(n_nodes, n_nodes)``, diagonal 1 (NaN for a constant row).

    Example
    -------
    >>> correlation_matrix([[1, 2, 3], [3, 2, 1], [1, 1, 1]]).round(2)
    array([[ 1., -1., nan],
           [-1.,  1., nan],
           [nan, nan, nan]])
    """
    x = np.asarray(rates, float)
    x = x - x.mean(axis=1, keepdims=True)
    norm = np.sqrt((x ** 2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x @ x.T) / np.outer(norm, norm)


def within_between(corr, module):
    """Mean correlation of node pairs within the same module and between different modules
    (off-diagonal pairs; NaN entries ignored).

    Parameters
    ----------
    corr : array_like
        ``(n, n)`` correlation matrix.
    module : array_like of int
        Module of every node.

    Returns
    -------
    (float, float)
        ``(within, between)``; NaN where there is no such pair.

    Example
    -------
    >>> c = [[1, .8, .1, .2], [.8, 1, .3, .0], [.1, .3, 1, .6], [.2, .0, .6, 1]]
    >>> tuple(round(v, 3) for v in within_between(c, [0, 0, 1, 1]))
    (0.7, 0.15)
    """
    c = np.asarray(corr, float)
    m = np.asarray(module)
    same = m[:, None] == m[None, :]
    off = ~np.eye(len(m), dtype=bool)
    w, b = c[same & off], c[~same]
    mean = lambda v: float(np.nanmean(v)) if np.any(np.isfinite(v)) else float("nan")  # noqa: E731
    return mean(w), mean(b)


def participation_coefficient(corr, module):
    """Guimera & Amaral (2005) participation coefficient of every node of the weighted
    functional network ``W = max(corr, 0)`` (diagonal and NaN set to 0).

    Parameters
    ----------
    corr : array_like
        ``(n, n)`` correlation matrix.
    module : array_like of int
        Module of every node.

    Returns
    -------
    numpy.ndarray
        ``P_i = 1 - sum_s (k_is/k_i)^2``; NaN for a node without positive links.

    Example
    -------
    >>> c = [[1, .8, .1, .2], [.8, 1, .3, .0], [.1, .3, 1, .6], [.2, .0, .6, 1]]
    >>> participation_coefficient(c, [0, 0, 1, 1]).round(4)
    array([0.3967, 0.3967, 0.48  , 0.375 ])
    """
    w = np.nan_to_num(np.asarray(corr, float), nan=0.0)
    w = np.clip(w, 0.0, None)
    np.fill_diagonal(w, 0.0)
    m = np.asarray(module)
    k = w.sum(axis=1)
    share = np.stack([w[:, m == s].sum(axis=1) for s in np.unique(m)], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 1.0 - ((share / k[:, None]) ** 2).sum(axis=1)
    p[k <= 0] = np.nan
    return p


def synchrony_chi(rates):
    """Golomb's synchrony ``chi = sqrt(var(mean_i r_i) / mean_i var(r_i))`` of the rows of
    ``rates`` (population rates of the nodes, or single-cell signals).

    Parameters
    ----------
    rates : array_like
        ``(n_nodes, n_bins)``.

    Returns
    -------
    float
        In [0, 1]; NaN when every row is constant.

    Example
    -------
    >>> round(synchrony_chi([[0, 1, 0, 1], [0, 1, 0, 1]]), 3)
    1.0
    >>> round(synchrony_chi([[0, 1, 0, 1], [1, 0, 1, 0]]), 3)
    0.0
    """
    x = np.asarray(rates, float)
    denom = x.var(axis=1).mean()
    if not denom > 0:
        return float("nan")
    return float(np.sqrt(x.mean(axis=0).var() / denom))
