"""The figure style every experiment's ``figure()`` shares: consistent, readable at a glance.

Figures are built with :func:`figure` and written with :func:`save` (atomically, PNG at
150 dpi). Helpers draw the panels that recur across experiments: families of curves, voltage
traces, rasters. The figures themselves live with their experiments (spikemod.experiments).
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
