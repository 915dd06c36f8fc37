"""Neuromodulated rate RNNs trained on the positive-negative task, and the EC50 of the
neuromodulation factor [TS; MODEL.md s6].

Rate RNNs (:class:`spikemod.rates.rnn.RateRNN`: N = 200 units, 80 % excitatory, Dale's law,
connection probability 0.8, g = 1.5, trainable time constants 20-100 ms, dt = 5 ms, 200 steps,
sigmoid rates, noise s.d. 0.1; model section ``rnn``) are trained by backpropagation through
time with Adam (:func:`spikemod.rates.rnn.train`) on the positive-negative task: without
modulation a "+" stimulus must drive the output to +1 and no stimulus to 0; with the
neuromodulator, which multiplies the outgoing weights of a target subpopulation (20 % of the
units) by f = 9, "+" must give 0 and no stimulus -1. Training stops when a network passes both
states (output at step 120, averaged over 20 noisy trials, within the target +-0.2 for both
stimuli) or after ``max_iter`` iterations; network k has seed ``seed + k``. Every network is
then tested on fresh trials (:func:`spikemod.rates.rnn.evaluate`), and its output 0.5 s after
"+" is measured for every f of ``f_values`` (:func:`spikemod.rates.rnn.sweep_f`, 10 trials
each) and fitted with 1 - 1/(1 + exp(a f + b)) (:func:`spikemod.analysis.fits.fit_ec50`); EC50
= -b/a, slope = a [TS report EC50 2.1-6.5 across 29 networks]. The first network's forward pass
also runs as a Brian2 rate network (:func:`spikemod.rates.rnn.brian2_forward`) and is compared
with NumPy (largest output difference in the summary).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spikemod.analysis.fits import fit_ec50
from spikemod.rates.rnn import RNNConfig, brian2_forward, evaluate, sweep_f, task_trials, train

__all__ = ["NAME", "COLUMNS", "SWEEP_COLUMNS", "PAPER_EC50_RANGE", "DEFAULTS", "RNNRun",
           "simulate", "summarize", "figure"]

NAME = "rnn-neuromod"
COLUMNS = ["network", "ec50", "slope", "pass_unmodulated", "pass_modulated"]   # rnn_ec50.csv
SWEEP_COLUMNS = ["network", "f", "output"]                                      # rnn_f_sweep.csv
#: the EC50 range TS report over 29 networks trained with f = 9
PAPER_EC50_RANGE = (2.1, 6.5)

DEFAULTS = {
    "networks": 8,                                 # networks trained
    "max_iter": 1500,                              # Adam iterations at most per network
    "f_values": tuple(1.0 + 0.5 * np.arange(19)),  # f of the EC50 sweep: 1, 1.5, ..., 10
}


@dataclass
class RNNRun:
    """Per network: ``rows`` (:data:`COLUMNS`), ``sweep_rows`` (:data:`SWEEP_COLUMNS`),
    ``curves`` {network: output per f}; training iterations and times; the Brian2 vs NumPy
    difference; the first network's outputs of the four task conditions (for the figure)."""

    rows: list
    sweep_rows: list
    curves: dict
    f_values: np.ndarray
    iterations: list
    train_s: list
    brian2_vs_numpy: float
    outputs_example: np.ndarray
    cfg: RNNConfig


def simulate(model, *, networks=DEFAULTS["networks"], max_iter=DEFAULTS["max_iter"],
             f_values=DEFAULTS["f_values"], seed=0, device="runtime", build_dir=None,
             log=None) -> RNNRun:
    """Train ``networks`` RNNs, test them, sweep f and fit each network's EC50.

    Parameters
    ----------
    model : spikemod.params.Model
        The ``rnn`` section.
    networks, max_iter
        The design (defaults: :data:`DEFAULTS`).
    f_values : sequence of float
        Factors of the EC50 sweep (default :data:`DEFAULTS`).
    seed : int
        Network k trains with ``seed + k`` (tests with ``10000 + seed + k``, sweeps with
        ``20000 + seed + k``).
    device, build_dir
        Of the Brian2 forward pass (see :func:`spikemod.device.simulation`).
    log : callable, optional
        Progress messages (one line each).

    Returns
    -------
    RNNRun

    Example
    -------
    >>> run = simulate(load_model(), networks=1, max_iter=400, seed=1)     # doctest: +SKIP
    >>> summarize(run)["pass_both"]                                       # doctest: +SKIP
    1
    """
    cfg = RNNConfig.from_model(model)
    f_values = np.asarray(f_values, float)
    rows, sweep_rows, nets, curves, train_s, iters = [], [], [], {}, [], []
    for k in range(networks):
        res = train(cfg, seed=seed + k, max_iter=max_iter, log=log)
        ev = evaluate(res.net, seed=10_000 + seed + k)
        out = sweep_f(res.net, f_values, seed=20_000 + seed + k)
        try:
            ec50, a, _ = fit_ec50(f_values, out)
        except RuntimeError:
            ec50, a = float("nan"), float("nan")
        rows.append({"network": k, "ec50": ec50, "slope": a,
                     "pass_unmodulated": ev["pass_unmodulated"],
                     "pass_modulated": ev["pass_modulated"]})
        sweep_rows += [{"network": k, "f": fv, "output": o} for fv, o in zip(f_values, out)]
        curves[k] = out
        nets.append(res.net)
        train_s.append(res.wall_s)
        iters.append(res.iterations)
        if log:
            log(f"network {k}: {res.iterations} iterations, {res.wall_s:.1f} s, pass "
                f"{ev['pass_unmodulated']}/{ev['pass_modulated']}, EC50 {ec50:.2f}")
    # the Brian2 rate network reproduces the NumPy forward pass (modulated "+" trial, with noise)
    u, f, _, _ = task_trials(cfg, cfg.f_train)
    noise = np.random.default_rng(seed).normal(0.0, cfg.noise, (1, cfg.T, cfg.N))
    o_np, _ = nets[0].forward(u[2:3], f[2:3], noise)
    o_b2 = brian2_forward(nets[0], u[2], f[2], noise[0], device=device, seed=seed,
                          build_dir=build_dir)
    o_all, _ = nets[0].forward(u, f, np.random.default_rng(seed + 1).normal(
        0.0, cfg.noise, (u.shape[0], cfg.T, cfg.N)))
    return RNNRun(rows, sweep_rows, curves, f_values, iters, train_s,
                  float(np.abs(o_np[0] - o_b2).max()), o_all, cfg)


def _passes_both(r):
    return r["pass_unmodulated"] and r["pass_modulated"] and np.isfinite(r["ec50"])


def summarize(run: RNNRun) -> dict:
    """Pass counts and the EC50 spread of the networks that pass both states.

    Parameters
    ----------
    run : RNNRun
        :func:`simulate`'s result.

    Returns
    -------
    dict
        rnn_summary.json: ``networks``, ``pass_unmodulated``, ``pass_modulated``, ``pass_both``,
        ``ec50_mean``, ``ec50_std``, ``ec50_min``, ``ec50_max`` (None without such networks),
        ``ec50_paper_range``, training iterations and times, ``brian2_vs_numpy_max_abs_diff``.

    Example
    -------
    >>> summarize(simulate(load_model(), networks=1))["networks"]     # doctest: +SKIP
    1
    """
    rows = run.rows
    ec = np.array([r["ec50"] for r in rows if _passes_both(r)])
    return {"networks": len(rows),
            "pass_unmodulated": sum(r["pass_unmodulated"] for r in rows),
            "pass_modulated": sum(r["pass_modulated"] for r in rows),
            "pass_both": int(ec.size),
            "ec50_mean": float(ec.mean()) if ec.size else None,
            "ec50_std": float(ec.std(ddof=1)) if ec.size > 1 else None,
            "ec50_min": float(ec.min()) if ec.size else None,
            "ec50_max": float(ec.max()) if ec.size else None,
            "ec50_paper_range": list(PAPER_EC50_RANGE),
            "training_iterations": run.iterations, "training_s": run.train_s,
            "brian2_vs_numpy_max_abs_diff": run.brian2_vs_numpy}


def figure(run: RNNRun):
    """[TS] Trained rate RNNs: example outputs of the four task conditions, output at 0.5 s
    against f_nm with the fitted 1 - 1/(1 + exp(a f + b)), and the EC50 of each network.

    Parameters
    ----------
    run : RNNRun
        :func:`simulate`'s result.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = figure(simulate(load_model(), networks=1))     # doctest: +SKIP
    """
    from spikemod import plotting
    import matplotlib.pyplot as plt
    cfg, rows, f_values, o_example = run.cfg, run.rows, run.f_values, run.outputs_example
    colors_of = plotting.COLORS
    fig, axes = plotting.figure(1, 3, width=10)
    ax = axes[0, 0]
    t = np.arange(o_example.shape[1]) * cfg.dt_ms
    labels = ["+ (unmodulated)", "null (unmodulated)", "+ (modulated)", "null (modulated)"]
    colors = [colors_of["pyr"], "0.5", colors_of["dend"], colors_of["som"]]
    for k in range(4):
        ax.plot(t, o_example[k::4].mean(axis=0), color=colors[k], label=labels[k])
    ax.axvline(cfg.t_test * cfg.dt_ms, color="0.7", ls="--", lw=0.8)
    ax.axvspan(cfg.stim_on * cfg.dt_ms, cfg.stim_off * cfg.dt_ms, color="0.93", zorder=0)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("output")
    ax.set_title("network 0: task conditions")
    ax.legend(fontsize=6)
    ax = axes[0, 1]
    cmap = plt.get_cmap("viridis")(np.linspace(0.05, 0.9, max(len(run.curves), 1)))
    fine = np.linspace(min(f_values), max(f_values), 200)
    for color, (k, out) in zip(cmap, run.curves.items()):
        ax.plot(f_values, out, "o", ms=2.5, color=color)
        row = rows[k]
        if np.isfinite(row["ec50"]):
            a = row["slope"]
            b = -a * row["ec50"]
            ax.plot(fine, 1 - 1 / (1 + np.exp(np.clip(a * fine + b, -50, 50))), color=color, lw=1)
    ax.set_xlabel("neuromodulation factor f")
    ax.set_ylabel("output at 0.5 s after +")
    ax.set_title("dose-response and fits")
    ax = axes[0, 2]
    ok = [r for r in rows if _passes_both(r)]
    bad = [r for r in rows if r not in ok and np.isfinite(r["ec50"])]
    ax.plot([r["ec50"] for r in ok], [r["network"] for r in ok], "o", color=colors_of["pyr"],
            label="passes both states")
    if bad:
        ax.plot([r["ec50"] for r in bad], [r["network"] for r in bad], "x", color="0.5",
                label="fails a state")
    lo, hi = PAPER_EC50_RANGE
    ax.axvspan(lo, hi, color="0.92", zorder=0, label=f"TS range {lo:g}-{hi:g}")
    ax.set_xlabel("EC50 (f)")
    ax.set_ylabel("network")
    ax.set_title("EC50 per network")
    ax.legend(fontsize=6.5)
    return fig
