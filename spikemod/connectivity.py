"""Distance-dependent random connectivity in time proportional to the synapses created.

The microcircuit connects a presynaptic cell ``i`` to a postsynaptic cell ``j`` independently
with probability ``p K(d_ij)``, ``K(d) = exp(-0.5 (d/sigma)^2)`` (MODEL.md s3; W25's Gaussian
ring kernel, the sheet's periodic 2-D form). Brian2's ``connect(condition=..., p=...)`` draws
that Bernoulli variable for every candidate pair: ``n_pre x n_post`` work, 1.2e10 pairs and
178 s at 10^5 cells with ~100 inputs per cell.

:func:`gaussian_pairs` draws the same random graph with work proportional to the synapses
it creates, in NumPy, as explicit ``(i, j)`` arrays that every Brian2 device accepts
(``connect(i=..., j=...)``; runtime, cpp_standalone, cuda_standalone):

1. cells are binned on a periodic grid (bin width ~ sigma/2, ring: angle; sheet: x and y);
2. for each bin offset ``o`` the bound ``q_o = p K(d_min(o))``, ``d_min`` the smallest
   distance two cells in bins that far apart can have, holds for every pair at that offset;
3. over all bin pairs at offset ``o`` (``L_o`` cell pairs) a Binomial(``L_o``, ``q_o``) number
   of distinct pairs is chosen uniformly (each pair is a candidate with probability ``q_o``,
   independently: the Bernoulli(``q_o``) subset of the ``L_o`` pairs);
4. a candidate at distance ``d`` is kept with probability ``p K(d) / q_o`` (thinning), so every
   pair is connected with probability exactly ``p K(d)``, independently of all others.

Offsets whose ``d_min`` exceeds a cutoff ``c sigma`` are skipped; ``c`` is chosen so that the
expected number of synapses the skipped pairs would have carried in the whole population is
below ``tol`` (default 1e-3: ``p n_pre n_post exp(-c^2/2) <= tol``, c ~ 8 at 10^6 cells), i.e.
the graph is exact up to a less-than-1-in-1000 chance of one missing synapse. With bins of
sigma/2 about two candidates are drawn per synapse.

``p >= 1`` keeps the project's convention (``spikemod.network``): all pairs are connected
(W25's all-to-all ring), whose cost is again the number of synapses.

Geometry (as :mod:`spikemod.network`):

* ``"sheet"``: positions ``(x, y)`` as fractions of the side in ``[0, 1)``, periodic,
  distance ``sqrt(dx^2 + dy^2)`` with ``dx = min(|x_i - x_j|, 1 - |x_i - x_j|)``; sigma in
  fractions of the side;
* ``"ring"``: positions ``(cos theta, sin theta)`` on the unit circle, distance = chord
  ``2 sin(|theta_i - theta_j| / 2)``; sigma in the same units (W25's ``sd``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["gaussian_pairs", "expected_synapses", "cutoff_sigmas", "pair_distance"]

#: bin width as a fraction of sigma: ~2 candidates per synapse, few empty bins
BIN_SIGMA = 0.5


def cutoff_sigmas(p: float, n_pre: int, n_post: int, tol: float = 1e-3) -> float:
    """Kernel cutoff ``c`` (in sigmas) with ``p n_pre n_post exp(-c^2/2) <= tol``.

    Parameters
    ----------
    p : float
        Peak connection probability.
    n_pre, n_post : int
        Population sizes.
    tol : float
        Allowed expected number of synapses lost beyond the cutoff, whole population.

    Returns
    -------
    float
        ``c >= 3``.

    Example
    -------
    >>> round(cutoff_sigmas(0.5, 10**6, 10**6), 2)
    8.23
    """
    x = float(p) * float(n_pre) * float(n_post) / float(tol)
    return max(3.0, float(np.sqrt(2 * np.log(x))) if x > 1 else 3.0)


def _coords(geometry, xy):
    """Periodic coordinates in [0, 1)^D: sheet (x, y); ring the angle / 2 pi."""
    xy = np.asarray(xy, dtype=float)
    if geometry == "ring":
        u = (np.arctan2(xy[:, 1], xy[:, 0]) / (2 * np.pi)) % 1.0
        return u[:, None]
    if geometry == "sheet":
        return np.mod(xy[:, :2], 1.0)
    raise ValueError(f"geometry {geometry!r} is not allowed (allowed: 'ring', 'sheet')")


def _distance_from_delta(geometry, delta):
    """Distance from periodic coordinate differences ``delta`` in [0, 1/2] (last axis)."""
    if geometry == "ring":
        return 2 * np.sin(np.pi * delta[..., 0])
    return np.sqrt((delta ** 2).sum(axis=-1))


def pair_distance(geometry, pre_xy, post_xy, i, j):
    """Distances of the pairs ``(i[k], j[k])`` (ring: chord; sheet: periodic, side 1).

    Example
    -------
    >>> xy = np.array([[0.05, 0.5], [0.95, 0.5]])
    >>> float(pair_distance("sheet", xy, xy, np.array([0]), np.array([1]))[0])   # doctest: +ELLIPSIS
    0.1...
    """
    u, v = _coords(geometry, pre_xy), _coords(geometry, post_xy)
    delta = np.abs(u[i] - v[j])
    delta = np.minimum(delta, 1.0 - delta)
    return _distance_from_delta(geometry, delta)


def _unit_sigma(geometry, sigma):
    """sigma in coordinate units (ring: chord -> fraction of the turn, small-angle)."""
    if geometry == "ring":
        return float(sigma) / (2 * np.pi)
    return float(sigma)


def _axis_offsets(nb, k_max):
    """Bin offsets along one periodic axis of ``nb`` bins and their minimal separation in bins
    (``max(|k| - 1, 0)``), each distinct offset once."""
    if 2 * k_max + 1 >= nb:
        offs = np.arange(nb)
        sep = np.minimum(offs, nb - offs)
    else:
        ks = np.arange(-k_max, k_max + 1)
        offs, sep = ks % nb, np.abs(ks)
    return offs, np.maximum(sep - 1, 0)


def _bernoulli_positions(rng, total, q):
    """Sorted positions in ``range(total)``, each included independently with probability
    ``q`` (geometric gaps: work proportional to the positions returned)."""
    if q >= 1:
        return np.arange(total, dtype=np.int64)
    chunks, last = [], -1
    while True:
        k = int((total - 1 - last) * q + 6 * np.sqrt((total - last) * q) + 16)
        pos = last + np.cumsum(rng.geometric(q, size=k), dtype=np.int64)
        if pos[-1] >= total:
            chunks.append(pos[pos < total])
            return np.concatenate(chunks)
        chunks.append(pos)
        last = int(pos[-1])


def gaussian_pairs(geometry, pre_xy, post_xy, p, sigma, *, self_conn=True, rng=None,
                   tol: float = 1e-3, sort=True):
    """Random pairs with ``P(i -> j) = p exp(-0.5 (d_ij/sigma)^2)``, in O(synapses) time.

    Parameters
    ----------
    geometry : {'sheet', 'ring'}
        Sheet: positions are fractions of the side, periodic; ring: points on the unit circle,
        chord distance (see the module docstring).
    pre_xy, post_xy : array (n, 2)
        Positions of the presynaptic and postsynaptic cells.
    p : float
        Peak connection probability; ``p >= 1`` connects all pairs.
    sigma : float
        Kernel width, in the units of the distance.
    self_conn : bool
        False when pre and post are the same population: no ``i -> i`` synapse.
    rng : numpy.random.Generator, optional
        Source of randomness (default: a fresh unseeded generator).
    tol : float
        Expected number of synapses, whole population, lost by the kernel cutoff
        (:func:`cutoff_sigmas`).
    sort : bool
        Return pairs ordered by ``i``, then ``j`` (as Brian2's ``connect(condition=...)``).

    Returns
    -------
    i, j : int32 arrays
        Presynaptic and postsynaptic indices of the synapses.

    Raises
    ------
    ValueError
        Unknown geometry, negative ``p``, non-positive ``sigma``.

    Example
    -------
    >>> rng = np.random.default_rng(1)
    >>> xy = rng.uniform(size=(2000, 2))
    >>> i, j = gaussian_pairs("sheet", xy, xy, 0.5, 0.05, self_conn=False, rng=rng)
    >>> 13 < len(i) / 2000 < 18      # expected in-degree 2000 * 0.5 * 2 pi 0.05^2 = 15.7
    True
    """
    if not p >= 0:
        raise ValueError(f"connection probability {p!r} is not allowed (allowed: >= 0)")
    if not sigma > 0:
        raise ValueError(f"kernel width sigma = {sigma!r} is not allowed (allowed: > 0)")
    rng = np.random.default_rng() if rng is None else rng
    u_pre, u_post = _coords(geometry, pre_xy), _coords(geometry, post_xy)
    n_pre, n_post = len(u_pre), len(u_post)
    if n_pre == 0 or n_post == 0 or p == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    if p >= 1:
        i = np.repeat(np.arange(n_pre, dtype=np.int32), n_post)
        j = np.tile(np.arange(n_post, dtype=np.int32), n_pre)
        if not self_conn:
            keep = i != j
            i, j = i[keep], j[keep]
        return i, j
    dim = u_pre.shape[1]
    s_u = _unit_sigma(geometry, sigma)
    # bins per axis: width ~ BIN_SIGMA sigma, no more bins than cells
    nb = int(max(1, min(np.floor(1.0 / (BIN_SIGMA * s_u)),
                        np.floor(max(n_pre, n_post) ** (1.0 / dim)))))
    w = 1.0 / nb
    c = cutoff_sigmas(p, n_pre, n_post, tol)
    if geometry == "ring":
        half = c * float(sigma) / 2
        cut_u = np.arcsin(half) / np.pi if half < 1 else 0.5
    else:
        cut_u = c * s_u
    k_max = int(np.ceil(cut_u / w)) + 1
    offs, seps = _axis_offsets(nb, k_max)

    def binned(u):
        b = np.minimum((u * nb).astype(np.int64), nb - 1)          # (n, dim)
        flat = b[:, 0] if dim == 1 else b[:, 0] * nb + b[:, 1]
        order = np.argsort(flat, kind="stable").astype(np.int64)
        counts = np.bincount(flat, minlength=nb ** dim).astype(np.int64)
        start = np.cumsum(counts) - counts
        return order, counts, start

    order_pre, cnt_pre, st_pre = binned(u_pre)
    order_post, cnt_post, st_post = binned(u_post)
    su_pre, su_post = u_pre[order_pre], u_post[order_post]     # coordinates in bin order
    a_bins = np.arange(nb ** dim)
    a_axes = [a_bins] if dim == 1 else [a_bins // nb, a_bins % nb]
    if dim == 1:
        combos = [((o,), (s,)) for o, s in zip(offs, seps)]
    else:
        combos = [((ox, oy), (sx, sy)) for ox, sx in zip(offs, seps)
                  for oy, sy in zip(offs, seps)]
    # pairs per offset for all offsets at once: circular cross-correlation of the bin counts
    grid = (nb,) * dim
    axes = tuple(range(dim))
    f_pre = np.fft.rfftn(cnt_pre.reshape(grid).astype(float), axes=axes)
    f_post = np.fft.rfftn(cnt_post.reshape(grid).astype(float), axes=axes)
    totals = np.rint(np.fft.irfftn(np.conj(f_pre) * f_post, s=grid, axes=axes)).astype(np.int64)
    ii, jj = [], []
    for off, sep in combos:
        delta_min = np.minimum(np.asarray(sep, float) * w, 0.5)
        d_min = float(_distance_from_delta(geometry, delta_min))
        if d_min >= c * sigma and d_min > 0:
            continue
        q = p * np.exp(-0.5 * (d_min / sigma) ** 2)
        total = int(totals[tuple(off)])
        if total == 0:
            continue
        pos = _bernoulli_positions(rng, total, q)
        m = len(pos)
        if m == 0:
            continue
        if dim == 1:
            b_bins = (a_axes[0] + off[0]) % nb
        else:
            b_bins = ((a_axes[0] + off[0]) % nb) * nb + (a_axes[1] + off[1]) % nb
        n_pairs = cnt_pre * cnt_post[b_bins]
        cum = np.cumsum(n_pairs)
        a = np.searchsorted(cum, pos, side="right")
        local = pos - (cum[a] - n_pairs[a])
        b = b_bins[a]
        ncol = cnt_post[b]
        # slots in bin order: nearby in memory for neighbouring candidates
        s_pre = st_pre[a] + local // ncol
        s_post = st_post[b] + local % ncol
        delta = np.abs(su_pre[s_pre] - su_post[s_post])
        delta = np.minimum(delta, 1.0 - delta)
        d = _distance_from_delta(geometry, delta)
        keep = rng.random(m) * q < p * np.exp(-0.5 * (d / sigma) ** 2)
        pre, post = order_pre[s_pre[keep]], order_post[s_post[keep]]
        if not self_conn:
            ok = pre != post
            pre, post = pre[ok], post[ok]
        ii.append(pre)
        jj.append(post)
    i = np.concatenate(ii) if ii else np.zeros(0, np.int64)
    j = np.concatenate(jj) if jj else np.zeros(0, np.int64)
    if sort and len(i):
        key = np.sort(i * n_post + j)
        i, j = key // n_post, key % n_post
    return i.astype(np.int32), j.astype(np.int32)


def expected_synapses(geometry, n_pre, n_post, p, sigma, *, self_conn=True) -> float:
    """Expected number of synapses of :func:`gaussian_pairs` for uniformly placed cells
    (sheet: ``p n_pre n_post 2 pi sigma^2``, periodic images ignored; ring: the sum over the
    evenly spaced chords); used by :mod:`spikemod.memory`.

    Example
    -------
    >>> round(expected_synapses("sheet", 10000, 10000, 0.5, 0.05))
    785398
    """
    if p >= 1:
        return float(n_pre * n_post - (0 if self_conn else min(n_pre, n_post)))
    if geometry == "ring":
        m = min(n_pre, 100_000)             # evenly spaced sample of the ring's chords
        theta = 2 * np.pi * np.arange(m) / m
        chord = 2 * np.abs(np.sin(theta / 2))
        per_post = float(np.sum(p * np.exp(-0.5 * (chord / sigma) ** 2))) * n_pre / m
        return per_post * n_post - (0 if self_conn else p * min(n_pre, n_post))
    # periodic sheet: the plane's Gaussian integral, capped at all pairs
    return float(min(p * n_pre * n_post * 2 * np.pi * sigma ** 2, p * n_pre * n_post))
