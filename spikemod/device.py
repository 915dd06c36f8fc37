"""One device switch for every simulation: Brian2 runtime, C++ standalone or CUDA standalone.

Usage::

    with simulation("cpp_standalone", seed=1, dt=model["sim.dt"], build_dir=d) as sim:
        G = make_pyramidal(...)
        net = Network(G, mon)
        net.run(1 * second)
        sim.finish()          # standalone: generate, compile, run; runtime: nothing to do
        rates = mon.count / second   # read monitors after finish(), inside the block
    # after the block the device is reset: on cpp_standalone reading ``mon`` here raises
    # NotImplementedError, so take what you need (arrays, or spikemod.monitors_to_neo) inside

Standalone devices are set with ``build_on_run=False`` so a protocol may call ``run`` several
times; ``finish`` builds the project once. On leaving the block the device is reset to runtime
mode, so several simulations can follow each other in one process (tests, sweeps).

C++ standalone projects are compiled by :func:`compile_cpp`, which says what it compiles and
how far it is (one line per project, a progress bar on a terminal; silenced by
:func:`build_progress` with ``quiet=True``), and stops ``make`` cleanly on Ctrl-C: ``make``
deletes the half-written object file, so the build directory stays a usable cache.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

DEVICES = ("runtime", "cpp_standalone", "cuda_standalone")

__all__ = ["DEVICES", "DeviceError", "simulation", "check_device", "default_build_dir",
           "finish_mode", "float_precision", "PRECISIONS", "BuildFinished", "build_progress",
           "compile_cpp", "build_project"]


from spikemod.errors import DeviceError  # noqa: E402  (one home for the user errors)


class BuildFinished(Exception):
    """Raised by ``Simulation.finish`` in ``finish_mode("build")`` once the project compiled."""

    def __init__(self, build_dir):
        super().__init__(f"standalone project built in {build_dir}")
        self.build_dir = build_dir


#: what ``Simulation.finish`` does with a standalone project (see :func:`finish_mode`)
_FINISH = {"mode": "run", "results_dir": None}


@contextmanager
def finish_mode(mode: str, results_dir: str | Path | None = None):
    """Make ``finish()`` build without running, or load results of a run made elsewhere.

    ``"build"``: generate and compile the project, do not run it, raise :class:`BuildFinished`
    (``spikemod build-cuda``). ``"load"``: neither compile nor run; monitors read the result
    files in ``results_dir`` written by the compiled binary, e.g. on a GPU machine
    (``spikemod collect``). In load mode a cuda_standalone simulation is set up as
    cpp_standalone (same array file names, no CUDA toolkit needed).
    """
    if mode not in ("run", "build", "load"):
        raise ValueError(f"finish mode {mode!r} (allowed: run, build, load)")
    with _overriding(_FINISH, mode=mode, results_dir=results_dir):
        yield


#: floating-point type of state variables: model key ``sim.precision`` (``--float32``)
PRECISIONS = {"double": "float64", "single": "float32"}
_PRECISION = {"precision": "double"}


@contextmanager
def float_precision(precision: str = "double"):
    """Store the state variables of networks built inside the block as ``float64``
    (``'double'``, default) or ``float32`` (``'single'``: Brian2's
    ``prefs.core.default_float_dtype``; the clock's time stays double). The protocol runner
    applies the model's ``sim.precision`` this way; :func:`simulation` also takes it
    directly.
    """
    with _overriding(_PRECISION, precision=_checked_precision(precision)):
        yield


def _checked_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise DeviceError(f"precision {precision!r} is not allowed (choices: "
                          f"{', '.join(PRECISIONS)})")
    return precision


#: who is building (shown in progress lines) and whether to show progress
_PROGRESS = {"label": "spikemod", "quiet": False}


@contextmanager
def build_progress(label: str, quiet: bool = False):
    """Label (e.g. the protocol name) and on/off of the compile progress inside the block."""
    with _overriding(_PROGRESS, label=label, quiet=quiet):
        yield


@contextmanager
def _overriding(state: dict, **values):
    """``state`` updated with ``values`` inside the block, restored after it."""
    old = dict(state)
    state.update(values)
    try:
        yield
    finally:
        state.update(old)


_SOURCE = re.compile(r"(\S+\.(?:cpp|c|cu))\b")


def _compile_commands(make: list, directory: Path) -> list[str]:
    """The source files ``make`` would compile now (``make -n``: nothing is run)."""
    dry = subprocess.run(make + ["-n"], cwd=directory, capture_output=True, text=True)
    files = []
    for line in dry.stdout.splitlines():
        if " -c " in f" {line} " and " -MM" not in line:
            m = _SOURCE.search(line)
            if m:
                files.append(m.group(1))
    return files


def compile_cpp(directory, label: str | None = None, quiet: bool | None = None) -> int:
    """Compile a generated C++ standalone project with ``make``, reporting progress.

    Prints what is compiled (``fi-gain: compiling 24 C++ files in DIR``) and a progress bar
    (``k/n``, current file) on stderr unless ``quiet``; an up-to-date build says so in one line.
    On Ctrl-C ``make`` (which gets the signal too) is waited for, so it removes the object file
    it was writing, and KeyboardInterrupt propagates.

    Parameters
    ----------
    directory : path
        The project directory written by Brian2 (holds ``makefile``).
    label, quiet : optional
        Prefix of the progress lines and silence (default: :func:`build_progress`'s).

    Returns
    -------
    int
        The number of files compiled.

    Raises
    ------
    RuntimeError
        ``make`` failed (the last lines of its output in the message).

    Example
    -------
    >>> compile_cpp("build/fi-gain-cpp_standalone", label="fi-gain")   # doctest: +SKIP
    """
    from brian2 import prefs

    directory = Path(directory)
    label = _PROGRESS["label"] if label is None else label
    quiet = _PROGRESS["quiet"] if quiet is None else quiet
    make = [prefs.devices.cpp_standalone.make_cmd_unix,
            *prefs.devices.cpp_standalone.extra_make_args_unix]
    todo = _compile_commands(make, directory)
    bar = None
    t0 = time.perf_counter()
    if not quiet:
        if todo:
            print(f"{label}: compiling {len(todo)} C++ file{'s' * (len(todo) != 1)} in "
                  f"{directory}", file=sys.stderr)
            if sys.stderr.isatty():
                from tqdm import tqdm
                bar = tqdm(total=len(todo), desc=f"{label}: compiling", unit="file",
                           file=sys.stderr, leave=False)
        else:
            print(f"{label}: C++ build in {directory} is up to date", file=sys.stderr)
    proc = subprocess.Popen(make, cwd=directory, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")
    tail: list[str] = []
    done = 0
    try:
        for line in proc.stdout:
            tail = (tail + [line.rstrip()])[-15:]
            m = _SOURCE.search(line) if " -c " in line and " -MM" not in line else None
            if m:
                done += 1
                if bar is not None:
                    bar.set_postfix_str(Path(m.group(1)).name, refresh=False)
                    bar.update(1)
                elif not quiet:                  # a log, not a terminal: one line per file
                    print(f"{label}: compiling [{done}/{max(len(todo), done)}] "
                          f"{Path(m.group(1)).name}", file=sys.stderr, flush=True)
        code = proc.wait()
    except BaseException:          # Ctrl-C: make (told too) deletes its half-written target
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise
    finally:
        if bar is not None:
            bar.close()
    if code:
        raise RuntimeError(f"C++ compilation failed in {directory} (make exit {code}): "
                           + " | ".join(tail[-5:]))
    if todo and not quiet:
        print(f"{label}: compiled {done} C++ file{'s' * (done != 1)} in "
              f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return done


def build_project(directory, run: bool, run_args=None):
    """Brian2's ``device.build`` for cpp_standalone, compiling with :func:`compile_cpp`
    (progress, clean Ctrl-C); other devices go through Brian2 unchanged."""
    from brian2 import get_device

    dev = get_device()
    if type(dev).__name__ != "CPPStandaloneDevice":
        dev.build(directory=str(directory), compile=True, run=run, with_output=False,
                  run_args=run_args)
        return
    dev.build(directory=str(directory), compile=False, run=False, with_output=False)
    compile_cpp(directory)
    if run:
        dev.run(str(directory), "results", False, run_args)


def check_device(name: str) -> str:
    if name not in DEVICES:
        raise DeviceError(f"device {name!r} is not allowed (allowed: {', '.join(DEVICES)})")
    return name


from spikemod.paths import default_build_dir  # noqa: E402  (re-exported)


class Simulation:
    """Handle of one simulation on one device (see module docstring)."""

    def __init__(self, device: str, build_dir: Path | None):
        self.device = device
        self.build_dir = build_dir
        self.finished = False
        self.timers: dict = {}

    @property
    def standalone(self) -> bool:
        return self.device != "runtime"

    def finish(self, run_args=None):
        """Build and run the standalone project (no-op in runtime mode)."""
        if self.standalone and not self.finished and _FINISH["mode"] == "build":
            from brian2 import device
            build_project(self.build_dir, run=False)
            self.timers = dict(getattr(device, "timers", {}))
            raise BuildFinished(self.build_dir)
        if self.standalone and not self.finished and _FINISH["mode"] == "load":
            from brian2 import get_device
            dev = get_device()
            dev.results_dir = os.path.join(os.path.abspath(_FINISH["results_dir"]), "")
            dev.has_been_run = True
        elif self.standalone and not self.finished:
            from brian2 import device
            build_project(self.build_dir, run=True, run_args=run_args)
            self.timers = dict(getattr(device, "timers", {}))
        self.finished = True


@contextmanager
def simulation(device: str = "runtime", seed: int | None = None, dt=None,
               build_dir: str | Path | None = None, runtime_target: str | None = None,
               precision: str | None = None):
    """Select ``device`` for the simulation built inside the ``with`` block.

    Parameters
    ----------
    device : {'runtime', 'cpp_standalone', 'cuda_standalone'}
    seed : int, optional
        Seeds Brian2's random numbers (NumPy in runtime mode, the generated code's RNG in
        standalone mode).
    dt : Quantity, optional
        Integration time step of the default clock.
    build_dir : path, optional
        Standalone project directory (default: :func:`default_build_dir` of ``'spikemod'``).
    runtime_target : {'numpy', 'cython'}, optional
        Code generation target in runtime mode (default ``$SPIKEMOD_RUNTIME_TARGET`` or numpy,
        which needs no compiler and no warm cache).
    precision : {'double', 'single'}, optional
        Floating-point type of the state variables (default: that of the enclosing
        :func:`float_precision`, else double).

    Returns
    -------
    contextmanager of Simulation
        ``with simulation(...) as sim``: build the network inside the block, call
        ``sim.finish()`` after the last ``run`` (standalone: generate, compile and run; runtime:
        nothing), then read the monitors, still inside the block.

    Raises
    ------
    DeviceError
        For an unknown device, or ``cuda_standalone`` without a GPU or CUDA toolkit (one line
        naming what is missing).

    Example
    -------
    >>> from brian2 import NeuronGroup, SpikeMonitor, Network, ms
    >>> with simulation("runtime", seed=1) as sim:
    ...     G = NeuronGroup(2, "dv/dt = (1.1 - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0")
    ...     mon = SpikeMonitor(G)
    ...     Network(G, mon).run(50 * ms)
    ...     sim.finish()
    ...     counts = mon.count[:].tolist()
    >>> counts
    [2, 2]
    """
    import brian2
    import numpy as np
    from brian2 import defaultclock, prefs, set_device
    from brian2.devices.device import reinit_devices

    check_device(device)
    precision = _checked_precision(_PRECISION["precision"] if precision is None else precision)
    reinit_devices()
    old_dtype = prefs.core.default_float_dtype
    prefs.core.default_float_dtype = getattr(np, PRECISIONS[precision])
    if device == "runtime":
        set_device("runtime")
        prefs.codegen.target = runtime_target or os.environ.get("SPIKEMOD_RUNTIME_TARGET", "numpy")
        build = None
    else:
        build = Path(build_dir) if build_dir else default_build_dir("spikemod", device)
        build.mkdir(parents=True, exist_ok=True)
        if device == "cuda_standalone" and _FINISH["mode"] != "load":
            from spikemod.cuda import configure_cuda, require_gpu
            if _FINISH["mode"] == "run":
                require_gpu()        # a full run needs a GPU; build-cuda compiles without
            configure_cuda()         # imports brian2cuda before setting its prefs
        target = "cpp_standalone" if _FINISH["mode"] == "load" else device
        set_device(target, build_on_run=False, directory=str(build))
    if dt is not None:
        defaultclock.dt = dt
    brian2.seed(seed)
    sim = Simulation(device, build)
    try:
        with warnings.catch_warnings():
            if precision == "single":   # Brian2's check |v| > 1e50 casts 1e50 to float32
                warnings.filterwarnings("ignore", "overflow encountered in cast",
                                        RuntimeWarning, "brian2.groups.group")
            yield sim
    finally:
        reinit_devices()
        set_device("runtime")
        prefs.core.default_float_dtype = old_dtype
        if device == "cuda_standalone":
            from spikemod.cuda import restore_cpp_prefs
            restore_cpp_prefs()
