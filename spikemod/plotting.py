"""One plotting module for every protocol figure: consistent style, readable at a glance.

Figures are built with :func:`figure` and written with :func:`save` (atomically, PNG at
150 dpi). Helpers draw the panels that recur across protocols: families of curves, voltage
traces, rasters.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["figure", "save", "family", "traces", "raster", "COLORS"]

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "lines.linewidth": 1.5,
}

#: colours by meaning, so a population or condition looks the same in every figure
COLORS = {"soma": "#4c6dac", "dend": "#c0504d", "both": "#6a3d9a", "pyr": "#4c6dac",
          "pv": "#db9437", "som": "#4d9f6f", "control": "#333333"}


def figure(nrows=1, ncols=1, width=None, height=None, **kwds):
    """A styled figure and its axes (always a 2-D array)."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                                 figsize=(width or 3.2 * ncols, height or 2.6 * nrows),
                                 constrained_layout=True, **kwds)
    return fig, axes


def save(fig, path) -> Path:
    """Write ``fig`` to ``path`` (PNG) atomically and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        with plt.rc_context(STYLE):
            fig.savefig(tmp)
        from spikemod.provenance import publish_mode
        publish_mode(tmp)               # the umask's mode (mkstemp makes 0600)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        plt.close(fig)
    return path


def family(ax, x, ys: dict, xlabel="", ylabel="", title="", cmap="viridis", legend_title=None,
           marker="o", legend=True):
    """Curves ``ys = {label: y}`` against a shared ``x``, coloured along ``cmap`` in order."""
    colors = plt.get_cmap(cmap)(np.linspace(0.05, 0.9, max(len(ys), 1)))
    for color, (label, y) in zip(colors, ys.items()):
        ax.plot(x, y, marker=marker, ms=2.5, color=color, label=str(label))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if ys and legend:
        ax.legend(title=legend_title, title_fontsize=7, fontsize=6.5, loc="best")
    return ax


def traces(ax, t_ms, signals: dict, ylabel="", title="", hline=None):
    """Voltage (or other) traces ``{label: y}`` against time in ms."""
    for label, y in signals.items():
        ax.plot(t_ms, y, label=label, color=COLORS.get(label))
    if hline is not None:
        ax.axhline(hline, color="0.6", lw=0.8, ls="--")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if len(signals) > 1:
        ax.legend()
    return ax


def raster(ax, times_s, ids, color="k", title="", ylabel="neuron"):
    """Spike raster from canonical (times, ids) arrays."""
    ax.plot(times_s, ids, "|", ms=2, color=color)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


# -- microcircuit figures (spikemod.microcircuit) ---------------------------------------------
def weight_figure(series: dict, ylabel="mean E->E weight (nS)", title="", shade=None,
                  second=None):
    """Weight trajectories ``{label: (t_s, w)}``; ``shade`` = (t_on, t_off) marks a pulse;
    ``second`` = (t_s, y, label) adds a lower panel (e.g. dw/dt)."""
    fig, axes = figure(2 if second else 1, 1, width=5.0, height=4.8 if second else 2.8,
                       sharex=True)
    palette = {"burst": COLORS["dend"], "no_burst": COLORS["soma"]}
    for label, (t, w) in series.items():
        axes[0, 0].plot(t, w, color=palette.get(label), label=label)
    axes[0, 0].set_ylabel(ylabel)
    if len(series) > 1:
        axes[0, 0].legend()
    if second:
        t, y, lab = second
        axes[1, 0].plot(t, y, color="k")
        axes[1, 0].axhline(0, color="0.6", lw=0.8)
        axes[1, 0].set_ylabel(lab)
    for ax in axes[:, 0]:
        if shade:
            ax.axvspan(*shade, color=COLORS["pv"], alpha=0.2, lw=0)
    axes[-1, 0].set_xlabel("time (s)")
    if title:
        fig.suptitle(title)
    return fig


# -- rate-model reductions (spikemod.rates) ----------------------------------------------------
def meanfield_figure(t_ms, r_net, r_mf, names, segments, segment_ms):
    """Population rate of the spiking network against the exact mean field [CC22], per population,
    with each segment's steady-state window shaded and its relative error written on it."""
    P = len(names)
    fig, axes = figure(P, 1, width=7.5, height=2.4 * P)
    for p, name in enumerate(names):
        ax = axes[p, 0]
        ax.plot(t_ms, r_net[p], color="0.55", lw=0.6, label="network")
        ax.plot(t_ms, r_mf[p], color=COLORS["dend"], lw=1.2, label="mean field")
        for seg in (s for s in segments if s["population"] == name):
            t0 = seg["segment"] * segment_ms
            ax.axvspan(t0 + segment_ms / 2, t0 + segment_ms, color="0.92", zorder=0)
            ax.text(t0 + 0.52 * segment_ms, 0.95, f"{seg['I_ext_pA']:g} pA, {seg['regime']}\n"
                    f"<r> {seg['rate_network_Hz']:.1f} vs {seg['rate_meanfield_Hz']:.1f} Hz, "
                    f"error {100 * seg['rel_error']:.1f} %", transform=ax.get_xaxis_transform(),
                    va="top", fontsize=7)
        ax.set_ylabel(f"rate {name} (Hz)")
        ax.set_xlabel("time (ms)")
        ax.legend(loc="upper left")
    axes[0, 0].set_title("exact mean field vs spiking network (CC22)")
    return fig


# -- spike analysis (spikemod analyze) --------------------------------------------------------
def analysis_figure(spikes: dict, series: dict, t_start, t_stop, max_raster_neurons=200,
                    seed=0):
    """spikemod analyze: raster (top; up to ``max_raster_neurons`` neurons per population,
    a random sample when larger) and instantaneous population rate (bottom), per population.

    ``spikes = {pop: (ids, times_s, n)}``; ``series = {pop: {'t_s', 'rate_Hz'}}``."""
    fig, axes = figure(2, 1, width=6.4, height=4.8, sharex=True,
                       gridspec_kw={"height_ratios": [2, 1]})
    rng = np.random.default_rng(seed)
    palette = plt.get_cmap("tab10")
    base, centers = 0, {}
    for k, (pop, (ids, times, n)) in enumerate(spikes.items()):
        color = COLORS.get(pop, palette(k % 10))
        shown = np.arange(n)
        if n > max_raster_neurons:
            shown = np.sort(rng.choice(n, max_raster_neurons, replace=False))
        row = np.full(max(n, 1), -1)
        row[shown] = np.arange(shown.size)
        sel = row[np.asarray(ids, dtype=np.int64)] >= 0 if len(ids) else np.zeros(0, bool)
        raster(axes[0, 0], np.asarray(times)[sel], base + row[np.asarray(ids)[sel]],
               color=color, ylabel="neuron (sampled)" if n > max_raster_neurons else "neuron")
        centers[pop] = base + (shown.size - 1) / 2
        base += shown.size
        s = series.get(pop)
        if s is not None and len(s["t_s"]):
            axes[1, 0].plot(s["t_s"], s["rate_Hz"], color=color, lw=1, label=pop)
    axes[0, 0].set_ylim(-0.5, max(base, 1) - 0.5)
    if len(centers) > 1:
        axes[0, 0].set_yticks(list(centers.values()), list(centers))
    axes[0, 0].set_xlabel("")
    axes[1, 0].set_xlim(t_start, t_stop)
    axes[1, 0].set_xlabel("time (s)")
    axes[1, 0].set_ylabel("population rate (Hz)")
    if len(series) > 1:
        axes[1, 0].legend(loc="upper right")
    fig.suptitle("Spikes and population rate (5 ms Gaussian kernel)")
    return fig


def rnn_neuromod_figure(f_values, curves, rows, o_example, cfg):
    """[TS] Trained rate RNNs: example outputs of the four task conditions, output at 0.5 s
    against f_nm with the fitted 1 - 1/(1 + exp(a f + b)), and the EC50 of each network."""
    fig, axes = figure(1, 3, width=10)
    ax = axes[0, 0]
    t = np.arange(o_example.shape[1]) * cfg.dt_ms
    labels = ["+ (unmodulated)", "null (unmodulated)", "+ (modulated)", "null (modulated)"]
    colors = [COLORS["pyr"], "0.5", COLORS["dend"], COLORS["som"]]
    for k in range(4):
        ax.plot(t, o_example[k::4].mean(axis=0), color=colors[k], label=labels[k])
    ax.axvline(cfg.t_test * cfg.dt_ms, color="0.7", ls="--", lw=0.8)
    ax.axvspan(cfg.stim_on * cfg.dt_ms, cfg.stim_off * cfg.dt_ms, color="0.93", zorder=0)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("output")
    ax.set_title("network 0: task conditions")
    ax.legend(fontsize=6)
    ax = axes[0, 1]
    cmap = plt.get_cmap("viridis")(np.linspace(0.05, 0.9, max(len(curves), 1)))
    fine = np.linspace(min(f_values), max(f_values), 200)
    for color, (k, out) in zip(cmap, curves.items()):
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
    ok = [r for r in rows if r["pass_unmodulated"] and r["pass_modulated"] and np.isfinite(r["ec50"])]
    bad = [r for r in rows if r not in ok and np.isfinite(r["ec50"])]
    ax.plot([r["ec50"] for r in ok], [r["network"] for r in ok], "o", color=COLORS["pyr"],
            label="passes both states")
    if bad:
        ax.plot([r["ec50"] for r in bad], [r["network"] for r in bad], "x", color="0.5",
                label="fails a state")
    ax.axvspan(2.1, 6.5, color="0.92", zorder=0, label="TS range 2.1-6.5")
    ax.set_xlabel("EC50 (f)")
    ax.set_ylabel("network")
    ax.set_title("EC50 per network")
    ax.legend(fontsize=6.5)
    return fig


def transfer_fit_figure(curves, fits):
    """[S21 Fig. 4 style] Population transfer functions per mechanism: measured rates (dots)
    and fitted sigmoids (lines) against the control, one panel per population; bottom row: each
    mechanism's change of r_max, gain and threshold relative to control."""
    from spikemod.rates.transfer import sigmoid
    pops = list(dict.fromkeys(p for p, _ in curves))
    conds = list(dict.fromkeys(c for _, c in curves))
    cmap = dict(zip(conds, plt.get_cmap("tab10")(np.linspace(0, 0.9, 10))))
    cmap["control"] = (0.1, 0.1, 0.1, 1.0)
    fit = {(f["population"], f["condition"]): f for f in fits}
    fig, axes = figure(2, len(pops), width=3.6 * len(pops), height=6.2)
    for col, pop in enumerate(pops):
        ax = axes[0, col]
        for cond in conds:
            if (pop, cond) not in curves:
                continue
            x, r = curves[(pop, cond)]
            f = fit[(pop, cond)]
            ax.plot(x, r, "o", ms=2.5, color=cmap[cond])
            fine = np.linspace(x.min(), x.max(), 200)
            if np.isfinite(f["r_max_Hz"]):
                ax.plot(fine, sigmoid(fine, f["r_max_Hz"], f["gain_per_pA"], f["threshold_pA"]),
                        color=cmap[cond], lw=2.2 if cond == "control" else 1.0,
                        label=cond.replace("_", " "))
        ax.set_xlabel("nominal drive current (pA)")
        ax.set_ylabel("population rate (Hz)")
        ax.set_title(pop)
        if col == 0:
            ax.legend(fontsize=6)
        ax = axes[1, col]
        ctrl = fit[(pop, "control")]
        mech = [c for c in conds if c != "control" and (pop, c) in fit]
        xs = np.arange(len(mech))
        for k, (key, label) in enumerate((("r_max_Hz", "r_max"), ("gain_per_pA", "gain"),
                                          ("threshold_pA", "threshold"))):
            vals = [fit[(pop, c)][key] / ctrl[key] - 1 for c in mech]
            ax.bar(xs + (k - 1) * 0.27, np.multiply(vals, 100), width=0.27, label=label,
                   color=["#4c6dac", "#c0504d", "#4d9f6f"][k])
        ax.axhline(0, color="0.5", lw=0.8)
        ax.set_xticks(xs)
        ax.set_xticklabels([c.replace("_", " ") for c in mech], fontsize=6.5, rotation=35,
                           ha="right")
        ax.set_ylabel("change vs control (%)")
        if col == 0:
            ax.legend(fontsize=6.5)
    return fig


def neural_mass_figure(t_ms, r_spk, r_mass, segments, errors, segment_ms):
    """Spiking microcircuit against the E / PV / SOM neural mass through the protocol's steps,
    one panel per population, each step's relative error of the mean rate written on it."""
    pops = list(r_spk)
    fig, axes = figure(len(pops), 1, width=8, height=2.2 * len(pops))
    for row, pop in enumerate(pops):
        ax = axes[row, 0]
        ax.plot(t_ms / 1000, r_spk[pop], color=COLORS.get(pop, "k"), lw=1, label="spiking")
        ax.plot(t_ms / 1000, r_mass[pop], color="k", lw=1.4, ls="--", label="neural mass")
        for k, (seg, err) in enumerate(zip(segments, errors)):
            t0 = k * segment_ms / 1000
            ax.axvline(t0, color="0.8", lw=0.8)
            e = err[pop]["rel_error"]
            role = {"calibration": " (fit)", "held_out": " (held out)"}.get(err.get("role"), "")
            ax.text(t0 + 0.02 * segment_ms / 1000, 0.97, f"{seg.name}{role}\nerror "
                    + (f"{100 * e:.0f} %" if e is not None else "n/a"),
                    transform=ax.get_xaxis_transform(), va="top", fontsize=6.5)
        ax.set_ylabel(f"{pop} rate (Hz)")
        ax.set_xlabel("time (s)")
        if row == 0:
            ax.legend(loc="lower right", fontsize=6.5)
    axes[0, 0].set_title("neural mass vs spiking microcircuit")
    return fig
