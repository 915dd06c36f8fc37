"""Sweeps on a local Dask cluster: kill -9 and resume, a failing point, two workers; rerun.

fi-gain grids are tiny (2 somatic currents, 0.2 s) on the runtime device.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from spikemod.cli import main

FI = ["--device", "runtime", "--i-soma", "800,1200", "--i-dend", "0", "--coupling", "1",
      "--duration", "0.2", "--burn-in", "0.05"]
GRID = ["--grid", "soma.vt=-45mV,-44mV,-43mV,-42mV", "--grid", "opt:i-dend=0,800"]  # 8 points


def _summary(out):
    with open(out / "summary.csv", newline="") as f:
        return list(csv.DictReader(f))


def _done(out):
    return {p.parent.name: p for p in (out / "points").glob("*/provenance.json")
            if not p.parent.name.startswith(".")}     # staging directories are hidden


def test_kill9_then_resume_every_point_once(tmp_path, capsys):
    """kill -9 a two-worker sweep part-way; the same command finishes it, each point once."""
    out = tmp_path / "sweep"
    argv = ["sweep", "fi-gain", "--out", str(out), "--workers", "2", "--quiet"] + GRID + FI
    exe = Path(sys.executable).with_name("spikemod")
    proc = subprocess.Popen([str(exe)] + argv, cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t_end = time.time() + 60
    while time.time() < t_end and len(_done(out)) < 2 and proc.poll() is None:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver, the scheduler and the worker processes
    proc.wait()
    before = {h: (p.stat().st_mtime_ns, p.read_text()) for h, p in _done(out).items()}
    assert 2 <= len(before) < 8, f"kill came too late: {len(before)} of 8 points done"

    # a half-written point: files without provenance.json (as a kill during the move leaves)
    from spikemod.protocol import load_protocol
    from spikemod.sweep import parse_grid, plan_points
    module = load_protocol("fi-gain")
    points = plan_points(module, parse_grid(GRID[1::2], module), FI, [1])
    assert len(points) == 8
    half = next(p for p in points if p.hash not in before)
    (out / half.dirname).mkdir(parents=True, exist_ok=True)
    (out / half.dirname / "fi_gain.csv").write_text("truncated")

    rc = main(argv)
    assert rc == 0, capsys.readouterr().err
    done = _done(out)
    assert sorted(done) == sorted(p.hash for p in points)  # every point, no extra directory
    for h, (mtime, text) in before.items():  # finished points were not recomputed
        assert done[h].stat().st_mtime_ns == mtime and done[h].read_text() == text
    assert (out / half.dirname / "fi_gain.csv").read_text() != "truncated"
    assert not list((out / "points").glob(".*"))  # no staging leftovers
    rows = _summary(out)
    assert len(rows) == 8 and {r["status"] for r in rows} == {"done"}
    assert len({r["dir"] for r in rows}) == 8
    assert {(r["soma.vt"], r["opt:i-dend"]) for r in rows} == \
        {(v, i) for v in ("-45mV", "-44mV", "-43mV", "-42mV") for i in ("0", "800")}
    # both workers of the local cluster ran points (one build directory per worker)
    workers = {json.loads(p.read_text())["options"]["build_dir"] for p in done.values()}
    assert len(workers) == 2
    # joined protocol summary: grid columns prepended; the dendritic drive reached the cells
    with open(out / "fi_gain_summary.csv", newline="") as f:
        joined = list(csv.DictReader(f))
    assert len(joined) == 8
    assert all(float(r["I_dend_pA"]) == float(r["opt:i-dend"]) for r in joined)


FAILING = '''"""failing: a protocol whose point x=bad raises (sweep test)."""
from spikemod.protocol import protocol_main

NAME = "failing"


def add_arguments(p):
    p.add_argument("--x", default="1")


def run(ctx, args):
    if args.x == "bad":
        raise RuntimeError("point x=bad cannot be computed")
    ctx.write_csv("failing_summary.csv", [[args.x, float(ctx.model["soma.vt"]) * 1e3]], ["x", "vt_mV"])


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
'''


def test_failing_point_is_recorded_and_others_finish(tmp_path, monkeypatch, capsys):
    import spikemod.protocol as protocol
    pdir = tmp_path / "protocols"
    pdir.mkdir()
    (pdir / "failing.py").write_text(FAILING)
    monkeypatch.setattr(protocol, "PROTOCOLS_DIR", pdir)
    out = tmp_path / "sw"
    argv = ["sweep", "failing", "--out", str(out), "--workers", "1", "--device", "runtime",
            "--grid", "opt:x=1,bad,3", "--grid", "soma.vt=-45mV"]
    assert main(argv) == 1  # not every point done
    err = capsys.readouterr().err
    assert "point x=bad cannot be computed" in err
    rows = {r["opt:x"]: r for r in _summary(out)}
    assert rows["1"]["status"] == rows["3"]["status"] == "done"
    assert rows["bad"]["status"] == "failed"
    assert "RuntimeError: point x=bad cannot be computed" == rows["bad"]["error"]
    assert not (out / rows["bad"]["dir"] / "provenance.json").exists()
    with open(out / "failing_summary.csv", newline="") as f:
        joined = list(csv.DictReader(f))
    assert sorted(r["x"] for r in joined) == ["1", "3"]
    assert all(float(r["vt_mV"]) == pytest.approx(-45) for r in joined)
    # resuming retries only the failed point
    stamps = {h: p.stat().st_mtime_ns for h, p in _done(out).items()}
    assert main(argv) == 1
    assert {h: p.stat().st_mtime_ns for h, p in _done(out).items()} == stamps


def _spikes(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset)
                     else None)
    return out


def test_rerun_gives_identical_spikes(tmp_path, capsys):
    model = tmp_path / "m.toml"
    model.write_text('[meta]\nbase = "l5_default.toml"\n[dend]\ng_s = { value = 1100, unit = "pA" }\n')
    first = tmp_path / "first"
    assert main(["run", "fi-gain", "--out", str(first), "--model", str(model), "--seed", "7",
                 "--set", "soma.vt=-44mV", "--quiet"] + FI) == 0
    again = tmp_path / "again"
    assert main(["rerun", str(first), "--out", str(again), "--quiet"]) == 0
    a, b = _spikes(first / "spikes.h5"), _spikes(again / "spikes.h5")
    assert a.keys() == b.keys() and sum(v.size for v in a.values()) > 0
    assert all(np.array_equal(a[k], b[k]) for k in a)
    pa, pb = (json.loads((d / "provenance.json").read_text()) for d in (first, again))
    for key in ("protocol", "seed", "device", "model_sha256", "model_file_sha256", "overrides"):
        assert pa[key] == pb[key]
    # a changed model file is refused (exit 2, nothing written) unless --force
    capsys.readouterr()
    model.write_text(model.read_text().replace("1100", "1000"))
    assert main(["rerun", str(first), "--out", str(tmp_path / "third")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "changed since the run" in err[0] and "--force" in err[0]
    assert not (tmp_path / "third").exists()


def test_standalone_sweep_compiles_once_and_workers_share_the_build(tmp_path, capsys):
    """cpp_standalone: the driver compiles the first point; workers copy that build, so their
    code objects are not compiled again (only main.cpp, which holds the values, changes)."""
    out = tmp_path / "sweep"
    fi = [a if a != "runtime" else "cpp_standalone" for a in FI]
    argv = ["sweep", "fi-gain", "--out", str(out), "--workers", "2", "--quiet",
            "--grid", "soma.vt=-45mV,-44mV,-43mV"] + fi
    assert main(argv) == 0, capsys.readouterr().err
    rows = _summary(out)
    assert len(rows) == 3 and {r["status"] for r in rows} == {"done"}
    build = out / "build"
    shared = build / "shared"
    objects = {p.relative_to(shared): p.stat().st_mtime_ns
               for p in (shared / "code_objects").glob("*.o")}
    assert objects
    workers = [d for d in build.iterdir() if d.is_dir() and d.name != "shared"]
    assert workers
    for d in workers:
        for rel, mtime in objects.items():
            assert (d / rel).stat().st_mtime_ns == mtime, f"{d.name}: {rel} was recompiled"
    # each point ran with its own threshold: a higher vt fires less at the same current
    rate = {}
    for r in rows:
        with open(out / r["dir"] / "fi_gain.csv", newline="") as f:
            rate[r["soma.vt"]] = sum(float(x["rate_Hz"]) for x in csv.DictReader(f))
    by_vt = [rate[k] for k in sorted(rate, key=lambda v: float(v.replace("mV", "").split()[0]))]
    assert by_vt[0] > by_vt[-1], rate
