"""Memory estimate of a network before it is built, and a one-line refusal when it cannot fit.

A network too large for the machine used to end in the kernel's out-of-memory kill (exit 137,
no message; e.g. ``spikemod run network-gain --set connectivity.n_exc=100000000``: a 10^8-cell
all-to-all ring is 10^16 synapses). :func:`check_fits` compares :func:`estimate_memory` with
the memory available and raises :class:`MemoryLimitError` (a :class:`spikemod.params.ModelError`,
so the CLI prints one line and exits with code 2) naming the estimate, what is available and
what to change.

The per-item costs are measured on the cpp_standalone microcircuit (BENCHMARKS.md, issue 5
microcircuit table: peak resident memory of the binary 87 MB with 12,000 neurons and 1.29 M
synapses, 750 MB with 120,000 neurons and 12.9 M synapses, i.e. 58-68 MB per million synapses
including Brian2's spike queues), rounded up:

* :data:`BYTES_PER_SYNAPSE` = 64 (indices, weight, delay, plasticity traces, queue share);
* :data:`BYTES_PER_NEURON` = 2048 (the two-compartment cell's ~40 state variables, its Poisson
  drive source and one-to-one drive synapses, position variables);
* :data:`BYTES_PER_SPIKE` = 12 (a SpikeMonitor entry: int32 index + float64 time);
* :data:`BUILD_BYTES_PER_SYNAPSE` = 40: the NumPy pair generation of
  :mod:`spikemod.connectivity` (int64 pairs + sort key while the pairs are made);
* :data:`BASE_BYTES` = 200 MB: Python, Brian2 and the compiled program.

A Brian2 runtime (numpy) network holds its synapses in Python, about twice the cost
(:data:`RUNTIME_FACTOR`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from spikemod.params import ModelError

__all__ = ["MemoryEstimate", "MemoryLimitError", "estimate_memory", "available_memory",
           "check_fits", "microcircuit_synapses", "check_microcircuit", "BYTES_PER_SYNAPSE",
           "BYTES_PER_NEURON", "BYTES_PER_SPIKE"]

BYTES_PER_SYNAPSE = 64
BYTES_PER_NEURON = 2048
BYTES_PER_SPIKE = 12
BUILD_BYTES_PER_SYNAPSE = 40
BASE_BYTES = 200 * 2 ** 20
RUNTIME_FACTOR = 2.0


class MemoryLimitError(ModelError):
    """The network would not fit in memory; the message is one line for the user."""


@dataclass
class MemoryEstimate:
    """Bytes needed by a network: neurons, synapses, monitors, construction and base."""

    neurons: int
    synapses: float
    neuron_bytes: float
    synapse_bytes: float
    monitor_bytes: float
    build_bytes: float
    base_bytes: float

    @property
    def total(self) -> float:
        """Peak bytes: the simulation's state plus the transient construction arrays."""
        return (self.neuron_bytes + self.synapse_bytes + self.monitor_bytes
                + self.build_bytes + self.base_bytes)

    def describe(self) -> str:
        """``'12 GB (1.2e+08 neurons, 1.0e+10 synapses, monitors 1 GB)'``."""
        return (f"{_human(self.total)} ({self.neurons:.2g} neurons, {self.synapses:.2g} "
                f"synapses, monitors {_human(self.monitor_bytes)})")


def _human(nbytes: float) -> str:
    for unit, size in (("TB", 2 ** 40), ("GB", 2 ** 30), ("MB", 2 ** 20)):
        if nbytes >= size:
            return f"{nbytes / size:.3g} {unit}"
    return f"{nbytes / 2 ** 20:.2g} MB"


def estimate_memory(neurons: int, synapses: float, *, recorded_neurons: int = 0,
                    rate_Hz: float = 0.0, duration_s: float = 0.0, state_samples: float = 0.0,
                    device: str = "cpp_standalone") -> MemoryEstimate:
    """Estimate the peak memory of a network.

    Parameters
    ----------
    neurons : int
        Neurons of all groups.
    synapses : float
        Expected synapses of all pathways.
    recorded_neurons, rate_Hz, duration_s : optional
        Spike monitors: neurons recorded, their expected rate and the simulated duration.
    state_samples : float, optional
        State monitor values (variables x neurons x recorded steps), 8 bytes each.
    device : str
        ``runtime`` holds synapses in Python (x :data:`RUNTIME_FACTOR`).

    Returns
    -------
    MemoryEstimate

    Example
    -------
    >>> e = estimate_memory(120_000, 12.9e6)
    >>> round(e.total / 2 ** 20)        # MB; the binary measured 750 MB without construction
    1714
    """
    factor = RUNTIME_FACTOR if device == "runtime" else 1.0
    spikes = float(recorded_neurons) * float(rate_Hz) * float(duration_s)
    return MemoryEstimate(
        neurons=int(neurons), synapses=float(synapses),
        neuron_bytes=float(neurons) * BYTES_PER_NEURON * factor,
        synapse_bytes=float(synapses) * BYTES_PER_SYNAPSE * factor,
        monitor_bytes=spikes * BYTES_PER_SPIKE + 8.0 * float(state_samples),
        build_bytes=float(synapses) * BUILD_BYTES_PER_SYNAPSE,
        base_bytes=float(BASE_BYTES))


def available_memory() -> int:
    """Bytes this process may still use: ``MemAvailable`` of /proc/meminfo, capped by a cgroup
    limit when one is set (``$SPIKEMOD_MEMORY_LIMIT`` in bytes overrides both)."""
    env = os.environ.get("SPIKEMOD_MEMORY_LIMIT")
    if env:
        return int(float(env))
    avail = None
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemAvailable:"):
                avail = int(line.split()[1]) * 1024
                break
    except OSError:
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError):
            avail = 2 ** 62
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = open(path).read().strip()
        except OSError:
            continue
        if text.isdigit():
            usage = 0
            for upath in ("/sys/fs/cgroup/memory.current",
                          "/sys/fs/cgroup/memory/memory.usage_in_bytes"):
                try:
                    usage = int(open(upath).read().strip())
                    break
                except (OSError, ValueError):
                    continue
            avail = min(avail, int(text) - usage)
    return int(avail)


def check_fits(estimate: MemoryEstimate, *, available: int | None = None,
               change: str = "fewer neurons or synapses") -> MemoryEstimate:
    """Raise :class:`MemoryLimitError` when ``estimate`` exceeds the available memory.

    Parameters
    ----------
    estimate : MemoryEstimate
    available : int, optional
        Bytes available (default :func:`available_memory`).
    change : str
        What the user can change, for the message.

    Returns
    -------
    MemoryEstimate
        ``estimate``, when it fits.

    Raises
    ------
    MemoryLimitError
        One line: the estimate, the memory available, what to change.

    Example
    -------
    >>> check_fits(estimate_memory(100, 1e4), available=2 ** 30).neurons
    100
    """
    available = available_memory() if available is None else int(available)
    if estimate.total > available:
        raise MemoryLimitError(
            f"the network needs about {estimate.describe()} but {_human(max(available, 0))} "
            f"of memory is available here: {change}")
    return estimate


def microcircuit_synapses(model, sizes: dict, geometry: str, copies: int = 1) -> float:
    """Expected synapses of :func:`spikemod.network.build_microcircuit` (all five pathways
    with W25's E->E self-connections, all copies, plus the matrix thalamus's two synapses per
    pyramidal cell when ``connectivity.n_thal > 0``).

    Example
    -------
    >>> from spikemod.params import load_model
    >>> microcircuit_synapses(load_model(), {"pyr": 90, "pv": 90, "som": 0}, "ring")
    24480.0
    """
    from spikemod.connectivity import expected_synapses
    total = 0.0
    for path, pre, post, self_conn in (("EE", "pyr", "pyr", True), ("EI", "pyr", "pv", True),
                                       ("EI", "pyr", "som", True), ("IE", "pv", "pyr", True),
                                       ("IE", "som", "pyr", True)):
        n_pre, n_post = int(sizes.get(pre, 0)), int(sizes.get(post, 0))
        if n_pre == 0 or n_post == 0:
            continue
        if geometry == "ring":
            p, sigma = float(model[f"connectivity.{path}_p"]), float(model[f"connectivity.{path}_sigma"])
        else:
            p, sigma = float(model[f"sheet.{path}_p"]), float(model[f"sheet.{path}_sigma"])
        total += expected_synapses(geometry, n_pre, n_post, p, sigma, self_conn=self_conn)
    thalamic = 2 * int(sizes.get("pyr", 0)) if int(model["connectivity.n_thal"]) > 0 else 0
    return float(copies) * (total + thalamic)


def _current_device() -> str:
    """'build' when only code is generated here (spikemod build-cuda), else Brian2's device."""
    try:
        from spikemod.device import _FINISH
        if _FINISH.get("mode") == "build":
            return "build"
        from brian2 import get_device
        return "runtime" if type(get_device()).__name__ == "RuntimeDevice" else "cpp_standalone"
    except ImportError:     # pragma: no cover - brian2 is a dependency
        return "cpp_standalone"


def check_microcircuit(model, sizes: dict, geometry: str, copies: int = 1, *,
                       device: str | None = None, available: int | None = None,
                       recorded_neurons: int = 0, rate_Hz: float = 0.0,
                       duration_s: float = 0.0) -> MemoryEstimate:
    """:func:`check_fits` for a microcircuit of ``sizes`` (``{"pyr": n, "pv": n, "som": n}``
    per copy); the message names the largest ``connectivity.n_exc`` that would fit (other
    sizes and kernels unchanged). ``device`` (default: the current Brian2 device) ``'build'``
    counts only the construction here (``spikemod build-cuda``: the program runs elsewhere).

    Raises
    ------
    MemoryLimitError
        The circuit would not fit (one line).

    Example
    -------
    >>> from spikemod.params import load_model
    >>> try:
    ...     check_microcircuit(load_model(), {"pyr": 10**8, "pv": 90, "som": 0}, "ring",
    ...                        device="cpp_standalone", available=2 ** 34)
    ... except MemoryLimitError as exc:
    ...     print(exc)      # doctest: +ELLIPSIS
    the network needs about ... TB (1e+08 neurons, 1e+16 synapses, monitors 0 MB) but 16 GB of memory is available here: set connectivity.n_exc to at most 1.26e+04 (copies = 1); ...
    """
    device = _current_device() if device is None else device

    def estimate(n_exc):
        s = dict(sizes, pyr=n_exc)
        neurons = copies * sum(int(v) for v in s.values())
        e = estimate_memory(neurons, microcircuit_synapses(model, s, geometry, copies),
                            recorded_neurons=recorded_neurons, rate_Hz=rate_Hz,
                            duration_s=duration_s, device=device)
        if device == "build":       # the simulation's state lives on the other machine
            e.neuron_bytes = e.synapse_bytes = e.monitor_bytes = 0.0
        return e

    available = available_memory() if available is None else int(available)
    est = estimate(int(sizes["pyr"]))
    if est.total <= available:
        return est
    lo, hi = 0, int(sizes["pyr"])           # largest n_exc that fits, by bisection
    while hi - lo > max(1, lo // 100):
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if estimate(mid).total <= available else (lo, mid)
    hint = (f"set connectivity.n_exc to at most {lo:.3g}" if lo >= 1 else
            "reduce the other populations (connectivity.n_pv, n_som) or copies")
    kernel = ("; on the ring every pair is connected (p = 1): the sheet geometry "
              "(connectivity.geometry=sheet) grows synapses with N times the in-degree"
              if geometry == "ring" else ", or narrow the kernels (sheet.*_sigma)")
    return check_fits(est, available=available,
                      change=f"{hint} (copies = {copies}){kernel}")
