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


def build(device, out, n, cc):
    cmd = [str(ROOT / ".venv" / "bin" / "spikemod"), "build-cuda", "--protocol", "network-gain",
           "--device", device, "--compute-capability", str(cc), "--quiet", "--out", str(out),
           "--set", "connectivity.geometry=sheet", "--set", f"connectivity.n_exc={n}",
           "--set", f"connectivity.n_pv={n // 10}", "--set", f"connectivity.n_som={n // 10}",
           "--", "--dend-drive", "0", "--coupling", "1", "--drive", "800,1200", "--step", "0.5"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    info = json.loads((Path(out) / "spikemod-build.json").read_text())
    return {"device": device, "wall_s": wall, "build_s": info["build_wall_s"], **info["code"],
            "command": " ".join(cmd[1:])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-exc", type=int, default=10000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--compute-capability", default="9.0")
    ap.add_argument("--devices", default="cuda_standalone,cpp_standalone")
    ap.add_argument("--keep", default=None, help="keep the last CUDA build here")
    ap.add_argument("--md", default=None)
    a = ap.parse_args()
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
