"""Benchmark (d): CUDA build time and generated code size of the 10k microcircuit (no GPU).

``spikemod build-cuda`` compiles the network-gain protocol on the 2-D sheet with N pyramidal,
N/10 PV and N/10 SOM cells (one copy: one dendritic drive, one coupling value) for sm_90,
and, for comparison, the same project as a C++ build (``--device cpp_standalone``). Each
build runs in a fresh process into a fresh directory (median of ``--repeats``), then once more
into the same directory unchanged (cached: nothing to recompile). Code size = generated
source files (.cu/.cpp/.h), their lines and bytes, and the binary. GPU run times need a GPU.

Usage: .venv/bin/python scripts/bench_cuda_build.py [--n-exc 10000] [--repeats 2]
       [--md benchmarks/devices_cuda.md]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchutil import save_fragment, ROOT, machine, markdown_table, med  # noqa: E402


def build(device, out, n, cc, env=None, extra_sets=()):
    cmd = [str(ROOT / ".venv" / "bin" / "spikemod"), "build-cuda", "--protocol", "network-gain",
           "--device", device, "--compute-capability", str(cc), "--quiet", "--out", str(out),
           "--set", "connectivity.geometry=sheet", "--set", f"connectivity.n_exc={n}",
           "--set", f"connectivity.n_pv={n // 10}", "--set", f"connectivity.n_som={n // 10}",
           *[x for s in extra_sets for x in ("--set", s)],
           "--", "--dend-drive", "0", "--coupling", "1", "--drive", "800,1200", "--step", "0.5"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    info = json.loads((Path(out) / "spikemod-build.json").read_text())
    return {"device": device, "wall_s": wall, "build_s": info["build_wall_s"], **info["code"],
            "command": " ".join(cmd[1:])}


def cache_series(n, cc, jobs):
    """CUDA only, object cache of issue 14: a fresh build with an empty object cache, the same
    build again unchanged (same directory), a fresh directory with the warm cache, and a fresh
    directory with one model parameter changed (``soma.a``: only the files that hold it)."""
    import os
    tmp = Path(tempfile.mkdtemp(prefix="bench_cuda_cache_"))
    env = dict(os.environ, SPIKEMOD_OBJECT_CACHE=str(tmp / "objects"),
               SPIKEMOD_BUILD_JOBS=str(jobs))
    rows = []
    for label, out, sets in (("fresh directory, empty object cache", tmp / "b1", ()),
                             ("unchanged rebuild, same directory", tmp / "b1", ()),
                             ("fresh directory, warm object cache", tmp / "b2", ()),
                             ("fresh directory, warm cache, soma.a changed", tmp / "b3",
                              ("soma.a=0.021/ms",))):
        r = build("cuda_standalone", out, n, cc, env=env, extra_sets=sets)
        r["label"] = label
        rows.append(r)
        print(label, r, file=sys.stderr, flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-exc", type=int, default=10000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--compute-capability", default="9.0")
    ap.add_argument("--devices", default="cuda_standalone,cpp_standalone")
    ap.add_argument("--keep", default=None, help="keep the last CUDA build here")
    ap.add_argument("--md", default=None)
    ap.add_argument("--cache-series", action="store_true",
                    help="CUDA only: empty cache, unchanged rebuild, warm cache, changed parameter")
    ap.add_argument("--jobs", type=int, default=None, help="compiler processes (default all cores)")
    a = ap.parse_args()
    if a.cache_series:
        import os
        jobs = a.jobs or len(os.sched_getaffinity(0))
        rows = cache_series(a.n_exc, a.compute_capability, jobs)
        n = a.n_exc
        load = os.getloadavg()
        text = (f"### CUDA build of the {n // 1000}k microcircuit: parallel make and object cache "
                f"(issue 14)\n\n"
                f"Command: `.venv/bin/python scripts/bench_cuda_build.py --n-exc {n} "
                f"--cache-series`: `spikemod {rows[0]['command']}` with "
                f"`SPIKEMOD_BUILD_JOBS={jobs}` and a fresh `SPIKEMOD_OBJECT_CACHE`; sm_"
                f"{a.compute_capability.replace('.', '')}, nvcc 13.0, no GPU. One series "
                f"(a cold CUDA build takes tens of minutes on 2 shared cores).\n\n"
                + markdown_table(["build", "spikemod build-cuda wall (s)",
                                  "generate+compile (s)", "source files", "binary MB"],
                                 [[r["label"], r["wall_s"], r["build_s"], r["source_files"],
                                   r["binary_bytes"] / 1e6] for r in rows])
                + f"\n\nLoad average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}.\n\n"
                + machine() + "\n")
        save_fragment(a.md, text, rows)
        return
    rows, raw = [], []
    for device in a.devices.split(","):
        fresh = []
        for _ in range(a.repeats):
            tmp = Path(tempfile.mkdtemp(prefix="bench_cuda_build_"))
            out = tmp / "build"
            fresh.append(build(device, out, a.n_exc, a.compute_capability))
            print(fresh[-1], file=sys.stderr, flush=True)
            cached = build(device, out, a.n_exc, a.compute_capability)
            print("cached", cached, file=sys.stderr, flush=True)
            if a.keep and device == "cuda_standalone":
                shutil.rmtree(a.keep, ignore_errors=True)
                shutil.move(str(out), a.keep)
            shutil.rmtree(tmp, ignore_errors=True)
        raw.append({"device": device, "fresh": fresh, "cached": cached})
        f = fresh[-1]
        rows.append([device, med([r["wall_s"] for r in fresh]), med([r["build_s"] for r in fresh]),
                     cached["wall_s"], f["source_files"], f["source_lines"],
                     f["source_bytes"] / 1e6, f["binary_bytes"] / 1e6])
    n = a.n_exc
    text = (f"### CUDA build of the {n // 1000}k microcircuit (no GPU here)\n\n"
            f"Command: `.venv/bin/python scripts/bench_cuda_build.py --n-exc {n} --repeats "
            f"{a.repeats}`, i.e. `spikemod {raw[0]['fresh'][0]['command']}`: network-gain "
            f"protocol, sheet, {n} pyramidal + {n // 10} PV + {n // 10} SOM cells, target "
            f"compute capability {a.compute_capability} (sm_{a.compute_capability.replace('.', '')}), "
            f"nvcc 13.0. Fresh directory per repeat (median), then the same build again "
            f"unchanged (cached). GPU run times: not measured (no GPU).\n\n"
            + markdown_table(["device", "spikemod build-cuda wall (s)", "generate+compile (s)",
                              "unchanged rebuild wall (s)", "source files", "source lines",
                              "source MB", "binary MB"], rows)
            + "\n\n" + machine() + "\n")
    save_fragment(a.md, text, raw)


if __name__ == "__main__":
    main()
