"""Benchmark of spike data out (issue 6): 100,000 neurons x 10 s at 5 Hz (5 M spikes).

Synthetic Poisson spikes (seeded) are written once as input arrays; then every step runs in a
fresh Python process that reports its wall time (the step only, imports excluded) and its peak
resident memory (ru_maxrss, whole process: interpreter + imports + data):

* write:   ``write_spikes`` of the 5 M spikes (one-shot, sorted by time) -> spikes.h5
* stream:  ``SpikeFileWriter.append`` in 100 time-ordered chunks of 100 ms
* nwb, sonata, npz, csv: ``spikemod.io.export.export`` of that spikes.h5
* to_neo:  ``to_neo`` of the results directory, then one Elephant statistic
           (``instantaneous_rate`` of the pooled population train, 5 ms Gaussian kernel,
           from ``segment.spiketrains.multiplexed``: no per-train objects)
* analyze: ``spikemod analyze`` (all metrics + figure)
* neo_all: building all 100,000 SpikeTrains (what the lazy list avoids; once)
* nix N:   NIX export of N trains x 25 spikes (once per N) to measure the NIX limit

Usage: .venv/bin/python scripts/bench_io.py [--repeats 3] [--out benchmarks/io.md]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchutil import child, emit, machine, markdown_table, med, self_peak_rss_MB  # noqa: E402

N, T, RATE, SEED = 100_000, 10.0, 5.0, 1
STEPS = ["write", "stream", "nwb", "sonata", "npz", "csv", "to_neo", "analyze"]


def _input(d: Path):  # noqa: D103
    import numpy as np
    z = np.load(d / "input.npz")
    return z["ids"], z["times"]


def run_step(step: str, d: Path, arg=None) -> dict:
    import numpy as np
    res = d / "results"
    if step == "gen":
        rng = np.random.default_rng(SEED)
        k = rng.poisson(N * RATE * T)
        times = np.sort(rng.random(k) * T)
        ids = rng.integers(0, N, k)
        np.savez(d / "input.npz", ids=ids, times=times)
        return {"n_spikes": int(k)}
    if step == "write":
        from spikemod.io import write_spikes
        ids, times = _input(d)
        t0 = time.perf_counter()
        write_spikes(res / "spikes.h5", {"pyr": (ids, times)}, 0.0, T, sizes={"pyr": N})
        return {"wall_s": time.perf_counter() - t0,
                "size_MB": (res / "spikes.h5").stat().st_size / 1e6}
    if step == "stream":
        from spikemod.io import SpikeFileWriter
        ids, times = _input(d)
        edges = np.searchsorted(times, np.linspace(0, T, 101))
        t0 = time.perf_counter()
        with SpikeFileWriter(d / "stream.h5", 0.0, T, sizes={"pyr": N}) as w:
            for a, b in zip(edges[:-1], edges[1:]):
                w.append("pyr", ids[a:b], times[a:b])
        return {"wall_s": time.perf_counter() - t0}
    if step in ("nwb", "sonata", "npz", "csv"):
        from spikemod.io.export import export
        out = d / f"out.{step}"
        import pynwb  # noqa: F401  (import outside the timed region for every format)
        t0 = time.perf_counter()
        export(res, step, out, force=True)
        return {"wall_s": time.perf_counter() - t0, "size_MB": out.stat().st_size / 1e6}
    if step == "to_neo":
        import elephant.statistics  # noqa: F401
        import quantities as pq
        from elephant.kernels import GaussianKernel
        from elephant.statistics import instantaneous_rate
        from neo import SpikeTrain

        from spikemod.io import to_neo
        t0 = time.perf_counter()
        block = to_neo(res)
        t1 = time.perf_counter()
        seg = block.segments[0]
        _, spk = seg.spiketrains.multiplexed
        pooled = SpikeTrain(np.sort(spk.rescale("s").magnitude), units="s", t_start=0, t_stop=T)
        rate = instantaneous_rate(pooled, 1 * pq.ms, kernel=GaussianKernel(5 * pq.ms))
        t2 = time.perf_counter()
        return {"wall_s": t2 - t0, "to_neo_s": t1 - t0, "elephant_s": t2 - t1,
                "mean_rate_Hz": float(rate.magnitude.mean() / N),
                "lazy": seg.spiketrains._items is None}
    if step == "neo_all":
        from spikemod.io import to_neo
        block = to_neo(res)
        t0 = time.perf_counter()
        n = len(list(block.segments[0].spiketrains))
        return {"wall_s": time.perf_counter() - t0, "trains": n}
    if step == "analyze":
        import shutil

        from spikemod.commands.analyze import analyze
        work = d / "an"
        work.mkdir(exist_ok=True)
        if not (work / "spikes.h5").exists():
            shutil.copy(res / "spikes.h5", work / "spikes.h5")
        t0 = time.perf_counter()
        analyze(work)
        return {"wall_s": time.perf_counter() - t0}
    if step == "nix":
        from spikemod.io import write_spikes
        from spikemod.io.export import export
        n = int(arg)
        rng = np.random.default_rng(0)
        k = n * 25
        src = d / f"nix{n}"
        write_spikes(src / "spikes.h5", {"pyr": (rng.integers(0, n, k), rng.random(k) * T)},
                     0.0, T, sizes={"pyr": n})
        t0 = time.perf_counter()
        export(src, "nix", d / f"out{n}.nix", force=True)
        return {"wall_s": time.perf_counter() - t0,
                "size_MB": (d / f"out{n}.nix").stat().st_size / 1e6}
    raise SystemExit(f"unknown step {step}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--step")
    p.add_argument("--dir")
    p.add_argument("--arg")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--nix", default="250,500,1000,2000")
    p.add_argument("--out", default="benchmarks/io.md")
    a = p.parse_args()
    if a.step:
        r = run_step(a.step, Path(a.dir), a.arg)
        r["peak_rss_MB"] = self_peak_rss_MB()
        emit(r)
        return
    me = str(Path(__file__).resolve())
    with tempfile.TemporaryDirectory(prefix="bench_io.") as tmp:
        d = Path(tmp)
        gen = child(me, "--step", "gen", "--dir", d)
        results = {s: [] for s in STEPS}
        for rep in range(a.repeats):          # interleaved repeats: load changes hit all steps
            for s in STEPS:
                r = child(me, "--step", s, "--dir", d)
                results[s].append(r)
                print(s, rep, json.dumps(r), file=sys.stderr, flush=True)
        neo_all = child(me, "--step", "neo_all", "--dir", d)
        print("neo_all", json.dumps(neo_all), file=sys.stderr, flush=True)
        nix = []
        for n in [int(x) for x in a.nix.split(",") if x]:
            r = child(me, "--step", "nix", "--dir", d, "--arg", n)
            nix.append((n, r))
            print("nix", n, json.dumps(r), file=sys.stderr, flush=True)

    what = {"write": "write spikes.h5 (write_spikes, sorted by time)",
            "stream": "stream spikes.h5 in 100 chunks (SpikeFileWriter)",
            "nwb": "export NWB (pynwb Units table)",
            "sonata": "export SONATA (copy of spikes.h5)",
            "npz": "export NPZ", "csv": "export BMTK CSV",
            "to_neo": "to_neo + Elephant instantaneous_rate (pooled)",
            "analyze": "spikemod analyze (all metrics + PNG)"}
    rows = []
    for s in STEPS:
        rs = results[s]
        rows.append([what[s], med([r["wall_s"] for r in rs]),
                     ", ".join(f"{r['wall_s']:.2f}" for r in rs),
                     med([r["peak_rss_MB"] for r in rs]),
                     med([r.get("size_MB") for r in rs])])
    tn = results["to_neo"]
    lines = [
        "## Spike data out: 100,000 neurons x 10 s at 5 Hz (issue 6)",
        "",
        f"Machine:\n{machine()}",
        "",
        f"Command: `.venv/bin/python scripts/bench_io.py --repeats {a.repeats}`",
        "",
        f"Synthetic Poisson spikes: {N:,} neurons, {T:g} s, {RATE:g} Hz, seed {SEED}: "
        f"{gen['n_spikes']:,} spikes, one population. Every step runs in a fresh process; "
        "wall time of the step alone (imports excluded), peak RSS of the whole process "
        "(interpreter + imports + data; the input arrays alone are 80 MB). "
        f"Medians of {a.repeats} interleaved repeats.",
        "",
        markdown_table(["step", "wall (s, median)", "runs (s)", "peak RSS (MB)", "file (MB)"],
                       rows),
        "",
        f"to_neo alone: {med([r['to_neo_s'] for r in tn]):.3f} s (median), the Elephant "
        f"statistic on the pooled train: {med([r['elephant_s'] for r in tn]):.3f} s; the "
        f"SpikeTrainList stays lazy ({all(r['lazy'] for r in tn)}); mean rate from it "
        f"{tn[0]['mean_rate_Hz']:.3f} Hz. Building all {neo_all['trains']:,} SpikeTrain "
        f"objects instead (touching every train): {neo_all['wall_s']:.1f} s, "
        f"peak RSS {neo_all['peak_rss_MB']:.0f} MB (once).",
        "",
        "NIX (neo.NixIO, one DataArray + metadata per spike train; 25 spikes per train, once "
        "each):",
        "",
        markdown_table(["spike trains", "wall (s)", "ms per train", "file (MB)", "peak RSS (MB)"],
                       [[n, r["wall_s"], 1e3 * r["wall_s"] / n, r["size_MB"], r["peak_rss_MB"]]
                        for n, r in nix]),
        "",
        "NIX export writes one spike train per population with per-spike neuron ids (the "
        "per-neuron layout timed above grows linearly with the number of trains); NWB, NIX and "
        "SONATA hold any size.",
        "",
    ]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
