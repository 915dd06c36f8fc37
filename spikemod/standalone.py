"""Compile once, run many: one standalone build re-run for many parameter values and seeds.

A C++ (or CUDA) standalone project is generated and compiled once; every further run starts the
compiled binary with new initial values on its command line (Brian2's ``run_args``: each value
is written into the variable just before the first ``run`` of the network, after everything the
script set) and, in ``cpp_standalone``, a new random seed read from the environment variable
``SPIKEMOD_SEED``. Runs go into separate results directories, so they may run in parallel.

Usage::

    def build():
        G = make_pyramidal(20, model)            # everything a run needs, in the usual way
        spikes = SpikeMonitor(G)
        net = Network(G, spikes)
        def collect():                           # read monitors of the current run
            return spikes.count[:].copy()
        return net, collect

    points = [{"pyr.I_soma": I * pA} for I in currents]   # values per run ("group.var")
    counts = run_many(build, points, duration=1 * second, device="cpp_standalone",
                      seeds=[1, 2], processes=2, build_dir=d, dt=model["sim.dt"])

``run_many`` gives ``len(points) * len(seeds)`` results in order (points outer, seeds inner).
On the ``runtime`` device the same call builds and runs the network once per run (nothing to
compile), so a protocol gets identical semantics on every device.

Only *values* may change between runs: a parameter swept this way must be a variable of a
group (an equation parameter such as ``I_soma : amp``), not a constant written into the code.
The build itself is cached (``build_dir``): an unchanged re-build leaves the compiled objects in
place and ``make`` recompiles nothing.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spikemod.device import DeviceError, build_project, check_device, simulation

__all__ = ["CompiledNetwork", "compiled", "run_many", "resolve_point", "SEED_ENV"]

#: environment variable with the random seed of one run of a compiled cpp_standalone binary
SEED_ENV = "SPIKEMOD_SEED"


def _seed_hook_code(nb_threads: int) -> str:
    """C++ for main(): re-seed Brian2's generators from ``$SPIKEMOD_SEED`` when it is set.

    Same formula as Brian2's own ``seed(s)`` (generator ``i`` gets ``s + i``), so a re-run
    with ``SPIKEMOD_SEED=s`` equals a fresh build with ``seed(s)``.
    """
    return (f'if (const char* _sm_seed = std::getenv("{SEED_ENV}")) {{\n'
            f"    const long _sm_s = std::stol(_sm_seed);\n"
            f"    for (int _i=0; _i<{nb_threads}; _i++)\n"
            f"        brian::_random_generators[_i].seed(_sm_s + _i);\n"
            f"}}")


def resolve_point(objects, point: dict) -> dict:
    """``{"group.var": value}`` -> ``{VariableView: value}`` for Brian2's ``run_args``.

    ``objects`` is a Network or an iterable of Brian2 objects. Unknown names raise DeviceError
    (one line naming the allowed groups/variables).
    """
    by_name = {obj.name: obj for obj in objects}
    out = {}
    for key, value in point.items():
        group, _, var = key.partition(".")
        if group not in by_name:
            raise DeviceError(f"run value {key!r}: no group {group!r} "
                              f"(groups: {', '.join(sorted(by_name))})")
        obj = by_name[group]
        if var not in getattr(obj, "variables", {}) or var.startswith("_"):
            raise DeviceError(f"run value {key!r}: {group!r} has no variable {var!r}")
        if obj.variables[var].constant or obj.variables[var].read_only:
            raise DeviceError(f"run value {key!r}: {var!r} is constant in {group!r} and cannot "
                              "change between runs (declare it as an equation parameter)")
        out[getattr(obj, var)] = value
    return out


@dataclass
class RunRecord:
    """One run of a compiled binary: its values, seed, results directory and wall time."""

    index: int
    point: dict
    seed: int | None
    results_dir: Path
    args: list = field(default_factory=list)
    wall_s: float = 0.0


@dataclass
class CompiledNetwork:
    """A built and compiled standalone project (see :func:`compiled`)."""

    device: str
    directory: Path
    net: object = None
    runs: list = field(default_factory=list)
    timers: dict = field(default_factory=dict)

    def _args(self, point: dict) -> list[str]:
        from brian2 import device
        args = []
        for view, value in resolve_point(self.net.objects, point).items():
            name, string_value, value_name, value_ar = device._prepare_variableview_run_arg(
                view, value)
            if value_name:
                fname = self.directory / "static_arrays" / value_name
                if not fname.exists():
                    tmp = fname.with_name(f".{fname.name}.{os.getpid()}")
                    value_ar.tofile(tmp)
                    os.replace(tmp, fname)  # atomic: parallel drivers never see half a file
            args.append(f"{name}={string_value}")
        return args

    def _results_dir(self, point: dict, seed) -> Path:
        text = repr(sorted((k, np.asarray(v).tobytes().hex(), str(getattr(v, "dim", "")))
                           for k, v in point.items())) + repr(seed)
        return self.directory / "runs" / hashlib.sha1(text.encode()).hexdigest()[:16]

    def _run_binary(self, rec: RunRecord):
        from brian2 import prefs
        cmd = prefs.devices.cpp_standalone.run_cmd_unix
        cmd = [cmd] if isinstance(cmd, str) else list(cmd)
        rec.results_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.pop(SEED_ENV, None)
        if rec.seed is not None:
            env[SEED_ENV] = str(int(rec.seed))
        t0 = time.perf_counter()
        with open(rec.results_dir / "stdout.txt", "w") as out:
            code = subprocess.call(cmd + ["--results_dir", str(rec.results_dir) + os.sep]
                                   + rec.args,
                                   cwd=self.directory, stdout=out, stderr=subprocess.STDOUT,
                                   env=env)
        rec.wall_s = time.perf_counter() - t0
        if code:
            tail = (rec.results_dir / "stdout.txt").read_text(errors="replace")[-500:]
            raise RuntimeError(f"standalone run {rec.index} failed (exit {code}) in "
                               f"{rec.results_dir}: {tail}")

    def load(self, rec: RunRecord):
        """Point Brian2's device at the results of ``rec`` (monitors then read that run)."""
        from brian2 import get_device
        device = get_device()  # the real device object (brian2.device is a read-only proxy)
        device.results_dir = str(rec.results_dir) + os.sep
        for var in list(device.array_cache):
            if not getattr(var, "constant", False):
                device.array_cache[var] = None
        device.has_been_run = True

    def run(self, points, seeds=None, collect=None, processes: int = 1):
        """Run the compiled binary once per ``(point, seed)``; returns ``collect()`` of each.

        ``points``: list of ``{"group.var": value}``; ``seeds``: list of ints (None: the build's
        seed). Runs execute ``processes`` at a time; results are read afterwards in order.
        """
        seeds = [None] if seeds is None else list(seeds)
        if self.device != "cpp_standalone" and seeds != [None]:
            raise DeviceError(f"seeds per run need cpp_standalone, not {self.device} "
                              "(rebuild with seed=...)")
        recs = []
        for point in points:
            for s in seeds:
                recs.append(RunRecord(len(recs), dict(point), s, self._results_dir(point, s),
                                      self._args(point)))
        t0 = time.perf_counter()
        if processes > 1 and len(recs) > 1:
            with ThreadPoolExecutor(max_workers=processes) as pool:
                list(pool.map(self._run_binary, recs))
        else:
            for rec in recs:
                self._run_binary(rec)
        self.timers["runs_s"] = time.perf_counter() - t0
        self.runs.extend(recs)
        out = []
        for rec in recs:
            self.load(rec)
            out.append(collect() if collect is not None else rec)
        return out


@contextmanager
def compiled(device: str = "cpp_standalone", seed: int | None = None, dt=None,
             build_dir=None):
    """Context to build a network once: ``with compiled(...) as cn: ...; cn.build(net)``.

    Inside the block, create the objects and call ``net.run(duration)`` as usual, then
    ``cn.build(net)`` generates and compiles the project without running it, and
    ``cn.run(points, seeds, collect, processes)`` runs it as often as needed.
    """
    check_device(device)
    if device == "runtime":
        raise DeviceError("compiled() needs a standalone device (cpp_standalone or "
                          "cuda_standalone); use run_many() for the runtime device")
    with simulation(device, seed=seed, dt=dt, build_dir=build_dir) as sim:
        from brian2 import device as brian_device
        from brian2 import prefs
        if device == "cpp_standalone":
            threads = prefs.devices.cpp_standalone.openmp_threads or 1
            brian_device.insert_code("main", _seed_hook_code(threads))
        cn = CompiledNetwork(device, Path(sim.build_dir))

        def build(net):
            cn.net = net
            t0 = time.perf_counter()
            build_project(cn.directory, run=False)
            cn.timers["build_s"] = time.perf_counter() - t0
            cn.timers.update({f"brian_{k}": v for k, v in
                              dict(getattr(brian_device, "timers", {})).items()
                              if isinstance(v, (int, float))})
            return cn

        cn.build = build
        yield cn


def _run(net, duration, report):
    """``net.run`` from a frame without a local ``dt`` (Brian2 reads the caller's locals)."""
    net.run(duration, report=report)


def run_many(build, points, duration, *, device="cpp_standalone", seeds=None, dt=None,
             build_dir=None, processes: int = 1, seed: int | None = None, report=None):
    """Run the network made by ``build()`` for every point (and seed); compile once.

    Parameters
    ----------
    build : callable
        Called inside the simulation context; creates the objects and returns
        ``(net, collect)``, where ``collect()`` reads the monitors of the current run.
    points : list of dict
        Values per run, ``{"group.var": value}`` (assigned just before the run).
    duration : Quantity
        Simulated time of every run.
    seeds : list of int, optional
        Random seeds; each point runs once per seed (default: once with ``seed``).
    processes : int
        Standalone runs executed at the same time (separate results directories).

    Returns
    -------
    list
        ``collect()`` per run, points outer, seeds inner.
    """
    check_device(device)
    points = list(points)
    if device == "runtime":
        out = []
        for point in points:
            for s in (seeds if seeds is not None else [seed]):
                with simulation("runtime", seed=s, dt=dt) as _sim:
                    net, collect = build()
                    for view, value in resolve_point(net.objects, point).items():
                        view[:] = value
                    _run(net, duration, report)
                    out.append(collect())
        return out
    with compiled(device, seed=seed, dt=dt, build_dir=build_dir) as cn:
        net, collect = build()
        resolve_point(net.objects, points[0] if points else {})
        _run(net, duration, report)
        cn.build(net)
        return cn.run(points, seeds=seeds, collect=collect, processes=processes)
