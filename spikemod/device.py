"""One device switch for every simulation: Brian2 runtime, C++ standalone or CUDA standalone.

Usage::

    with simulation("cpp_standalone", seed=1, dt=model["sim.dt"], build_dir=d) as sim:
        G = make_pyramidal(...)
        net = Network(G, mon)
        net.run(1 * second)
        sim.finish()          # standalone: generate, compile, run; runtime: nothing to do
    rates = mon.count / second   # monitors are readable after finish()

Standalone devices are set with ``build_on_run=False`` so a protocol may call ``run`` several
times; ``finish`` builds the project once. On leaving the block the device is reset to runtime
mode, so several simulations can follow each other in one process (tests, sweeps).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

DEVICES = ("runtime", "cpp_standalone", "cuda_standalone")

__all__ = ["DEVICES", "DeviceError", "simulation", "check_device", "default_build_dir",
           "finish_mode", "BuildFinished"]


class DeviceError(ValueError):
    """An unknown device or a device that cannot be used here; one line for the user."""


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
    old = dict(_FINISH)
    _FINISH.update(mode=mode, results_dir=results_dir)
    try:
        yield
    finally:
        _FINISH.update(old)


def check_device(name: str) -> str:
    if name not in DEVICES:
        raise DeviceError(f"device {name!r} is not allowed (allowed: {', '.join(DEVICES)})")
    return name


def default_build_dir(tag: str, device: str) -> Path:
    """Per-protocol build directory, reused so an unchanged re-run does not recompile.

    ``$SPIKEMOD_BUILD_DIR`` (default ``~/.cache/spikemod/builds``) / ``<tag>-<device>``.
    """
    root = Path(os.environ.get("SPIKEMOD_BUILD_DIR",
                               Path.home() / ".cache" / "spikemod" / "builds"))
    return root / f"{tag}-{device}"


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
            device.build(directory=str(self.build_dir), compile=True, run=False,
                         with_output=False)
            self.timers = dict(getattr(device, "timers", {}))
            raise BuildFinished(self.build_dir)
        if self.standalone and not self.finished and _FINISH["mode"] == "load":
            from brian2 import get_device
            dev = get_device()
            dev.results_dir = os.path.join(os.path.abspath(_FINISH["results_dir"]), "")
            dev.has_been_run = True
        elif self.standalone and not self.finished:
            from brian2 import device
            device.build(directory=str(self.build_dir), compile=True, run=True,
                         with_output=False, run_args=run_args)
            self.timers = dict(getattr(device, "timers", {}))
        self.finished = True


@contextmanager
def simulation(device: str = "runtime", seed: int | None = None, dt=None,
               build_dir: str | Path | None = None, runtime_target: str | None = None):
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
    """
    import brian2
    from brian2 import defaultclock, prefs, set_device
    from brian2.devices.device import reinit_devices

    check_device(device)
    reinit_devices()
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
        yield sim
    finally:
        reinit_devices()
        set_device("runtime")
        if device == "cuda_standalone":
            from spikemod.cuda import restore_cpp_prefs
            restore_cpp_prefs()
