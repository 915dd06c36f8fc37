"""Parameter sweeps as independent Dask tasks, resumable after any interruption.

A sweep runs one protocol at every point of a grid (times ``--seeds`` seeds). Grid keys are

* model parameters, written as in ``--set``: ``coupling.g_c=0,0.5,1``, ``soma.vt=-45mV,-40mV``
  (each value is checked like ``--set``: dimension, range);
* protocol options, prefixed ``opt:``: ``opt:i-dend=0,800`` runs ``--i-dend 0`` and
  ``--i-dend 800``.

Values are separated by commas, or by semicolons when a value itself holds commas
(``opt:i-soma=500,600;800,900``). Every point is validated before anything runs, so a bad grid
value is a one-line error with exit code 2 and nothing written.

Layout of ``--out DIR``::

    DIR/sweep.json             the sweep: protocol, grid, fixed protocol arguments, seeds
    DIR/points/<hash>/         one protocol output directory per point (provenance.json last)
    DIR/summary.csv            one row per point: grid values, seed, status, error, dir
    DIR/<name>_summary.csv     each protocol summary CSV, joined, grid columns prepended

``<hash>`` is the SHA-256 (first 16 hex digits) of the protocol name, its option values, the
resolved model parameters (``Model.sha256``), the device and the seed, so the same point always
lands in the same directory. A point is finished when its ``provenance.json`` exists (the
protocol runner moves it in last); a directory without one is a half-written point and is
removed and redone. Running the same command again therefore resumes: finished points are
skipped, interrupted or failed ones are run again. A point that raises is recorded in
``summary.csv`` with its error and the others go on.

Tasks run on a ``dask.distributed`` cluster: a :class:`~distributed.LocalCluster` of
``--workers`` single-threaded worker processes (Brian2's device state is per process), or the
scheduler at ``--scheduler ADDRESS``. A lost worker's task is rescheduled by Dask; a task that
kills workers repeatedly is recorded as failed.

Standalone builds are compiled once per sweep: the driver runs the first pending point itself in
``<build-dir>/shared`` (generating and compiling the whole project), and every worker starts its
own directory ``<build-dir>/<worker>`` as a copy of that build (modification times kept). A point
then only regenerates what its values change (the values live in ``main.cpp``), so a worker
recompiles one file and relinks instead of building every code object again.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import hashlib
import importlib.util
import itertools
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from spikemod.protocol import UsageError, apply_parameter_rule, build_parser
from spikemod.provenance import atomic_write, now, write_json

__all__ = ["GridAxis", "Point", "parse_grid", "plan_points", "run_point", "run_sweep",
           "write_summary", "point_status", "COMMON_DESTS"]

COMMON_DESTS = {"model", "device", "out", "seed", "set", "build_dir", "quiet"}


@dataclass
class GridAxis:
    """One ``--grid`` item: ``key`` (model key or ``opt:name``) and its values as text."""

    key: str
    values: list[str]

    @property
    def is_option(self) -> bool:
        return self.key.startswith("opt:")

    @property
    def option(self) -> str:
        return "--" + self.key[4:]


@dataclass
class Point:
    """One task: the grid values, seed, the protocol's argv (without --out) and its hash."""

    values: dict
    seed: int
    argv: list[str]
    hash: str = ""
    status: str = "pending"
    error: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def dirname(self) -> str:
        return f"points/{self.hash}"


def parse_grid(items, module) -> list[GridAxis]:
    """Read ``--grid key=v1,v2`` items; model keys are checked later, options here."""
    axes, seen = [], set()
    parser = build_parser(module)
    options = {s for a in parser._actions for s in a.option_strings if s.startswith("--")}
    for item in items or []:
        if "=" not in item:
            raise UsageError(f"--grid {item!r}: expected key=v1,v2,... (model key, e.g. "
                             "coupling.g_c=0,0.5,1, or protocol option, e.g. opt:i-dend=0,800)")
        key, text = (s.strip() for s in item.split("=", 1))
        sep = ";" if ";" in text else ","
        values = [v.strip() for v in text.split(sep) if v.strip()]
        if not key or not values:
            raise UsageError(f"--grid {item!r}: needs a key and at least one value")
        if key in seen:
            raise UsageError(f"--grid {key!r} is given twice (one --grid per key)")
        seen.add(key)
        axis = GridAxis(key, values)
        if axis.is_option:
            if axis.option in ("--out", "--seed", "--build-dir", "--quiet", "--set", "--model"):
                raise UsageError(f"--grid {key!r}: {axis.option} cannot be swept (use --seeds "
                                 "for seeds and model keys for parameters)")
            if axis.option not in options:
                close = difflib.get_close_matches(axis.option, sorted(options), n=1)
                hint = f"did you mean 'opt:{close[0][2:]}'? " if close else ""
                raise UsageError(f"--grid {key!r}: protocol {module.NAME} has no option "
                                 f"{axis.option} ({hint}see spikemod run {module.NAME} --help)")
        elif "." not in key:
            raise UsageError(f"--grid {key!r}: expected a model key section.name (e.g. "
                             "coupling.g_c) or a protocol option opt:name (e.g. opt:i-dend)")
        axes.append(axis)
    if not axes:
        raise UsageError("no --grid given (e.g. --grid coupling.g_c=0,0.5,1)")
    return axes


def _point_hash(module, args, model, seed) -> str:
    opts = {k: v for k, v in sorted(vars(args).items())
            if k not in COMMON_DESTS and not k.startswith("_")}
    blob = json.dumps({"protocol": module.NAME, "options": opts, "model_sha256": model.sha256,
                       "device": args.device, "seed": seed}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def plan_points(module, axes, base_argv, seeds) -> list[Point]:
    """All points (grid x seeds), each parsed and validated like ``spikemod run``.

    A bad value raises the protocol's one-line user error (exit 2) before anything is run.
    """
    from spikemod.device import check_device
    from spikemod.params import load_model

    parser = build_parser(module, prog=f"spikemod sweep {module.NAME}")
    points, seen = [], {}
    for combo in itertools.product(*[a.values for a in axes]):
        for seed in seeds:
            argv = list(base_argv)
            for axis, value in zip(axes, combo):
                argv += [axis.option, value] if axis.is_option else ["--set", f"{axis.key}={value}"]
            argv += ["--seed", str(seed)]
            args = parser.parse_args(argv)
            check_device(args.device)
            model = load_model(args.model, args.set)
            apply_parameter_rule(module, parser, args, model)   # --grid key vs its option
            raw = {k: str(v) if isinstance(v, str) else v      # before validate adds arrays
                   for k, v in vars(args).items() if not k.startswith("_")}
            if hasattr(module, "validate"):
                module.validate(args, model)
            h = _point_hash(module, argparse.Namespace(**raw), model, seed)
            if h in seen:  # e.g. '0.5' and '0.50': the same point
                continue
            p = Point(dict(zip([a.key for a in axes], combo)), seed, argv, h)
            seen[h] = p
            points.append(p)
    return points


# -- worker side --------------------------------------------------------------------------
_MODULES: dict = {}


def _load_protocol_file(path: str):
    if path not in _MODULES:
        name = "spikemod_sweep_protocol_" + re.sub(r"\W", "_", Path(path).stem)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _MODULES[path] = module
    return _MODULES[path]


def point_status(point_dir: Path) -> str:
    """``'done'`` (provenance.json present), ``'partial'`` (files without it) or ``'pending'``."""
    point_dir = Path(point_dir)
    if (point_dir / "provenance.json").is_file():
        return "done"
    return "partial" if point_dir.exists() else "pending"


def _worker_tag() -> str:
    try:
        from distributed import get_worker
        name = str(get_worker().name)
    except Exception:  # not on a dask worker
        name = f"pid{os.getpid()}"
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


SHARED_BUILD = "shared"


def _worker_build(build_root: Path, worker: str) -> Path:
    """This worker's build directory, started from the sweep's shared build when it exists."""
    target = build_root / worker
    shared = build_root / SHARED_BUILD
    if not target.exists() and worker != SHARED_BUILD and shared.is_dir():
        tmp = build_root / f".{worker}.copy-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(shared, tmp, symlinks=True)   # copy2: object files stay up to date
        try:
            os.replace(tmp, target)
        except OSError:                               # another process got there first
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def run_point(protocol_file: str, argv: list, point_dir: str, build_root: str,
              worker: str | None = None) -> dict:
    """Run one point (a Dask task). Returns ``{'status', 'error', 'worker', 'wall_s'}``.

    A half-written point directory is removed first; the protocol runner stages the outputs
    beside ``point_dir`` and moves them in with ``provenance.json`` last.
    """
    from spikemod.protocol import USER_ERRORS, prepare, run_protocol

    t0 = time.time()
    point_dir = Path(point_dir)
    worker = worker or _worker_tag()
    if point_status(point_dir) == "done":
        return {"status": "done", "error": "", "worker": worker, "wall_s": 0.0, "skipped": True}
    build = _worker_build(Path(build_root), worker)
    argv = list(argv) + ["--out", str(point_dir), "--quiet", "--build-dir", str(build)]
    try:
        if point_dir.exists():  # half-written by an interrupted run: redo from scratch
            shutil.rmtree(point_dir)
        module = _load_protocol_file(protocol_file)
        args, model = prepare(module, argv)
        run_protocol(module, args, model, argv)
    except USER_ERRORS as exc:
        return {"status": "failed", "error": str(exc), "worker": worker,
                "wall_s": round(time.time() - t0, 3)}
    except Exception as exc:  # a crash of this point must not stop the sweep
        msg = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return {"status": "failed", "error": msg, "worker": worker,
                "wall_s": round(time.time() - t0, 3)}
    return {"status": "done", "error": "", "worker": worker, "wall_s": round(time.time() - t0, 3)}


# -- driver side --------------------------------------------------------------------------
def _clean_stale(points_dir: Path):
    """Remove staging directories left by a killed run (``.<hash>.partial-*``)."""
    if points_dir.is_dir():
        for p in points_dir.glob(".*.partial-*"):
            shutil.rmtree(p, ignore_errors=True)
        for p in points_dir.glob(".*.tmp"):
            p.unlink(missing_ok=True)


def _client(scheduler: str | None, workers: int):
    import logging

    from distributed import Client, LocalCluster
    if scheduler:
        try:
            return Client(scheduler, timeout="10s"), None
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"--scheduler {scheduler!r}: cannot connect ({exc})".splitlines()[0]
                             ) from None
        except ValueError as exc:
            raise UsageError(f"--scheduler {scheduler!r}: not a scheduler address ({exc}; e.g. "
                             "tcp://host:8786)".splitlines()[0]) from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


def run_sweep(module, axes, points, out: Path, scheduler=None, workers=2, build_dir=None,
              quiet=False, log=print) -> list[Point]:
    """Run the points not yet finished; write summary files; returns the points."""
    out = Path(out)
    points_dir = out / "points"
    points_dir.mkdir(parents=True, exist_ok=True)
    _clean_stale(points_dir)
    build_root = Path(build_dir) if build_dir else out / "build"
    write_json(out / "sweep.json", {
        "protocol": module.NAME, "protocol_file": str(Path(module.__file__).resolve()),
        "grid": {a.key: a.values for a in axes}, "seeds": sorted({p.seed for p in points}),
        "argv_of_first_point": points[0].argv if points else [], "points": len(points),
        "updated": now()})
    todo = []
    for p in points:
        p.status = point_status(out / p.dirname)
        if p.status != "done":
            todo.append(p)
    n_done = len(points) - len(todo)
    if not quiet:
        log(f"sweep {module.NAME}: {len(points)} points, {n_done} already done, "
            f"{len(todo)} to run")
    try:
        if todo:
            _execute(module, todo, out, scheduler, workers, build_root, quiet, n_done,
                     len(points))
    finally:
        write_summary(out, axes, points)
    return points


def _standalone(module, argv) -> bool:
    """Does this point run on a standalone device (``--device``, else the protocol default)?"""
    for k, a in enumerate(argv):
        if a == "--device" and k + 1 < len(argv):
            return argv[k + 1] != "runtime"
        if a.startswith("--device="):
            return a.split("=", 1)[1] != "runtime"
    return build_parser(module).get_default("device") != "runtime"


def _record(p, res):
    p.status, p.error = res["status"], res["error"]
    p.extra = {"worker": res.get("worker", ""), "wall_s": res.get("wall_s", "")}


def _execute(module, todo, out, scheduler, workers, build_root, quiet, n_done, n_total):
    import signal
    import threading

    from distributed import as_completed
    from tqdm import tqdm

    # Ctrl-C in the driver must raise KeyboardInterrupt (Brian2's own SIGINT handler, installed
    # at import, fails when the previous handler was SIG_IGN, e.g. in a background job)
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    else:
        previous = None
    todo = list(todo)
    if todo and _standalone(module, todo[0].argv) and not (build_root / SHARED_BUILD).is_dir():
        first = todo.pop(0)   # compile once, here; the workers copy this build
        if not quiet:
            print(f"sweep {module.NAME}: compiling once in {build_root / SHARED_BUILD} "
                  f"(point {first.hash})", file=sys.stderr)
        _record(first, run_point(str(Path(module.__file__).resolve()), first.argv,
                                 str((out / first.dirname).resolve()),
                                 str(build_root.resolve()), worker=SHARED_BUILD))
        n_done += 1
    client, cluster = _client(scheduler, workers)
    bar = tqdm(total=n_total, initial=n_done, desc=f"sweep {module.NAME}", unit="point",
               file=sys.stderr, disable=quiet)
    try:
        futures = {}
        for p in todo:
            f = client.submit(run_point, str(Path(module.__file__).resolve()), p.argv,
                              str((out / p.dirname).resolve()), str(build_root.resolve()),
                              key=f"spikemod-point-{p.hash}-{time.time_ns()}", pure=False)
            futures[f] = p
        for f in as_completed(futures):
            p = futures[f]
            try:
                _record(p, f.result())
            except Exception as exc:  # KilledWorker (lost worker) and the like
                p.status = "failed"
                p.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
            if p.status == "failed":
                bar.write(f"sweep {module.NAME}: point {p.hash} {p.values} seed {p.seed} "
                          f"failed: {p.error}", file=sys.stderr)
            bar.update(1)
    finally:
        bar.close()
        client.close()
        if cluster is not None:
            cluster.close()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def write_summary(out: Path, axes, points) -> None:
    """``summary.csv`` (one row per point) and the joined protocol ``*_summary.csv`` files."""
    out = Path(out)
    keys = [a.key for a in axes]
    for p in points:  # the file system is the truth (another process may have finished it)
        if point_status(out / p.dirname) == "done":
            p.status, p.error = "done", ""
        elif p.status == "done":
            p.status = "pending"
    with atomic_write(out / "summary.csv", newline="") as f:
        w = csv.writer(f)
        w.writerow(keys + ["seed", "status", "error", "dir"])
        for p in points:
            w.writerow([p.values[k] for k in keys] + [p.seed, p.status, p.error, p.dirname])
    joined: dict[str, tuple[list, list]] = {}
    for p in points:
        if p.status != "done":
            continue
        for csv_path in sorted((out / p.dirname).glob("*_summary.csv")):
            with open(csv_path, newline="") as f:
                rows = list(csv.reader(f))
            if not rows:
                continue
            header, body = rows[0], rows[1:]
            cols, acc = joined.setdefault(csv_path.name, (header, []))
            if header != cols:
                continue
            for r in body:
                acc.append([p.values[k] for k in keys] + [p.seed, p.dirname] + r)
    for name, (header, rows) in joined.items():
        with atomic_write(out / name, newline="") as f:
            w = csv.writer(f)
            w.writerow(keys + ["seed", "dir"] + header)
            w.writerows(rows)
