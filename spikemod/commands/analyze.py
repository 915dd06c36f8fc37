"""``spikemod analyze RESULTS_DIR``: spike statistics and a raster + rate figure.

Writes ``analysis.csv`` (columns ``population,metric,value``; metrics listed in
:data:`spikemod.analysis.spiketrains.METRICS`) and ``analysis.png`` into RESULTS_DIR. Everything
is computed before anything is written; each file appears atomically.
"""

from __future__ import annotations

import numpy as np

from spikemod.analysis.bursts import MAX_ISI_S

NAME = "analyze"
HELP = "spike statistics (analysis.csv) and a raster + rate figure (analysis.png) of a run"
ORDER = 41


def add_arguments(p):
    p.add_argument("results_dir", help="a protocol's output directory (holding spikes.h5)")
    p.add_argument("--t-start", type=float, default=None,
                   help="analysis window start, s (default: recording start)")
    p.add_argument("--t-stop", type=float, default=None,
                   help="analysis window stop, s (default: recording stop)")
    p.add_argument("--max-isi", type=float, default=MAX_ISI_S * 1e3,
                   help="burst criterion: largest ISI inside a burst, ms (default %(default)s)")
    p.add_argument("--min-burst-spikes", type=int, default=2,
                   help="burst criterion: fewest spikes in a burst (default %(default)s)")
    p.add_argument("--sample", type=int, default=100,
                   help="neurons sampled for pairwise correlations (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default %(default)s)")


def analyze(results_dir, t_start=None, t_stop=None, max_isi_ms=MAX_ISI_S * 1e3, min_burst_spikes=2,
            sample=100, seed=0):
    """Compute and write analysis.csv and analysis.png; returns the rows."""
    import csv
    import math
    from pathlib import Path

    from spikemod import plotting
    from spikemod.analysis.spiketrains import METRICS, summarize
    from spikemod.io.neo import spikes_path
    from spikemod.io.spikes import read_spikes
    from spikemod.protocol import UsageError
    from spikemod.provenance import atomic_write, publish_mode

    try:
        src = spikes_path(results_dir)
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None
    if src == Path(results_dir):
        raise UsageError(f"{str(results_dir)!r} is a file; give the results directory")
    if not (max_isi_ms > 0 and math.isfinite(max_isi_ms)):
        raise UsageError(f"--max-isi {max_isi_ms!r} is not allowed (a number of ms > 0)")
    if min_burst_spikes < 2:
        raise UsageError(f"--min-burst-spikes {min_burst_spikes!r} is not allowed (>= 2)")
    if sample < 2:
        raise UsageError(f"--sample {sample!r} is not allowed (>= 2)")
    try:
        spikes, meta = read_spikes(src)
    except (OSError, KeyError) as exc:
        raise UsageError(f"{str(src)!r} is not a spike file ({exc})") from None
    t0 = meta.get("t_start_s", 0.0) if t_start is None else float(t_start)
    last = max((float(t.max()) for _, t in spikes.values() if t.size), default=t0)
    t1 = meta.get("t_stop_s", last) if t_stop is None else float(t_stop)
    if not (math.isfinite(t0) and math.isfinite(t1) and t1 > t0):
        raise UsageError(f"window [{t0:g}, {t1:g}) s is empty (need --t-stop > --t-start)")

    rows, series, raster = [], {}, {}
    for pop, (ids, times) in spikes.items():
        n = meta["sizes"][pop]
        metrics, s = summarize(ids, times, n, t0, t1, max_isi=max_isi_ms * 1e-3,
                               min_spikes=min_burst_spikes, n_sample=sample, seed=seed)
        rows += [(pop, key, metrics[key]) for key in METRICS]
        series[pop] = s
        keep = (times >= t0) & (times < t1)
        raster[pop] = (ids[keep], times[keep], n)
    fig = overview_figure(raster, series, t0, t1, seed=seed)

    out = Path(results_dir)
    with atomic_write(out / "analysis.csv", newline="") as f:
        w = csv.writer(f)
        w.writerow(["population", "metric", "value"])
        for pop, key, value in rows:
            w.writerow([pop, key, value if isinstance(value, int) else repr(float(value))])
    plotting.save(fig, out / "analysis.png")
    publish_mode(out / "analysis.png")     # plotting.save writes through mkstemp (0600)
    return rows


def main(args):
    analyze(args.results_dir, args.t_start, args.t_stop, args.max_isi, args.min_burst_spikes,
            args.sample, args.seed)
    print(f"spikemod analyze: wrote analysis.csv, analysis.png to {args.results_dir}")
    return 0


def overview_figure(spikes: dict, series: dict, t_start, t_stop, max_raster_neurons=200,
                    seed=0):
    """spikemod analyze: raster (top; up to ``max_raster_neurons`` neurons per population,
    a random sample when larger) and instantaneous population rate (bottom), per population.

    ``spikes = {pop: (ids, times_s, n)}``; ``series = {pop: {'t_s', 'rate_Hz'}}``."""
    import matplotlib.pyplot as plt

    from spikemod.plotting import COLORS, figure, raster
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
