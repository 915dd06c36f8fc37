"""Helpers shared by the device benchmarks (scripts/bench_*.py).

* every measurement runs in a fresh Python process (``child``), which prints one JSON line;
* :func:`run_binary` starts a compiled standalone ``main`` and returns its wall time and peak
  resident memory (VmHWM of that process, polled);
* :func:`machine` describes the machine (lscpu head, cores, RAM, load at start);
* :func:`median_table` formats medians as markdown.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def child(script: str, *args, timeout=3600) -> dict:
    """Run ``python script args`` and return the JSON of its last stdout line."""
    proc = subprocess.run([PY, script, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    if proc.returncode:
        raise RuntimeError(f"{script} {args} failed:\n{proc.stderr[-3000:]}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1])


def emit(result: dict):
    print(json.dumps(result), flush=True)


def run_binary(directory, args=(), env=None) -> dict:
    """Run ``directory/main`` (cwd ``directory``); wall time and peak RSS of that process."""
    directory = Path(directory)
    results = directory / "results"
    results.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(["./main", "--results_dir", str(results) + os.sep, *args],
                            cwd=directory, stdout=subprocess.DEVNULL, env=env)
    # peak memory: the kernel's high-water mark VmHWM of the binary, polled until it exits
    # (rusage ru_maxrss would include the forked Python parent's pages before exec)
    hwm = 0
    status_file = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for line in status_file.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    hwm = max(hwm, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.01)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"{directory}/main failed with status {proc.returncode}")
    info = (results / "last_run_info.txt").read_text().split()
    return {"binary_wall_s": wall, "network_run_s": float(info[0]),
            "peak_rss_MB": hwm / 1024}


def self_peak_rss_MB() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()[:14]
    except OSError:
        lscpu = [platform.processor()]
    mem = Path("/proc/meminfo").read_text().splitlines()[0] if Path("/proc/meminfo").exists() else ""
    load = os.getloadavg()
    return ("```\n" + "\n".join(lscpu) + f"\nnproc: {os.cpu_count()}\n{mem}\n"
            f"load average (1, 5, 15 min) when the table was written: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
            f"(other engineers share the 2 cores)\npython {platform.python_version()}\n```")


def write_markdown(path, lines) -> None:
    """Write a benchmark fragment (``lines`` joined) to ``path`` and echo it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    print("\n".join(lines))


def save_fragment(md_path, text: str, raw) -> None:
    """Print ``text``; with ``md_path`` also write it there and ``raw`` beside it as JSON."""
    print(text)
    if md_path:
        Path(md_path).write_text(text)
        Path(md_path).with_suffix(".json").write_text(json.dumps(raw, indent=1))


def med(values):
    values = [v for v in values if v is not None]
    return median(values) if values else float("nan")


def fmt(x, digits=3):
    if isinstance(x, float):
        if x != x:
            return "n/a"
        return f"{x:.{digits}g}"
    return str(x)


def markdown_table(header, rows) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        out.append("| " + " | ".join(fmt(x) for x in r) + " |")
    return "\n".join(out)
