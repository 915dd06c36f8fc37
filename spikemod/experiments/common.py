"""What the experiment modules share: the result of a circuit run, the ``--ee-scale`` model copy,
one spike monitor per population, and the reader of per-modulator result tables.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from brian2 import SpikeMonitor, nS

__all__ = ["CircuitRun", "scaled_recurrence", "population_monitors", "population_sizes",
           "coupling_label", "read_modulator_table"]


@dataclass
class CircuitRun:
    """Rows for the CSV, spikes in canonical form per population, and extras for provenance."""

    rows: list
    spikes: dict          # {population: (ids, times_s)}
    t_stop: float
    info: dict
    sizes: dict = None    # {population: number of cells}, so silent cells are kept


def scaled_recurrence(model, scale):
    """A copy of ``model`` with the E->E amplitude ``connectivity.EE_A`` multiplied by ``scale``
    (the protocols' ``--ee-scale``; default 1, the published W25 circuit, which responds
    gradedly to its drive). ``scale = 1`` returns an unchanged copy.

    Example
    -------
    >>> weak = scaled_recurrence(load_model(), 0.15)    # doctest: +SKIP
    """
    new = model.copy()
    if scale != 1:
        value = float(scale) * float(model["connectivity.EE_A"] / nS)
        new.set("connectivity.EE_A", f"{value!r} nS", source=f"EE_A x {scale:g} (protocol)")
    return new


def population_monitors(mc) -> dict:
    """One :class:`brian2.SpikeMonitor` per population of a built microcircuit ``mc``."""
    return {pop: SpikeMonitor(g, name=f"{g.name}_spikes") for pop, g in mc.populations.items()}


def population_sizes(mc) -> dict:
    """``{population: number of cells}`` of a built microcircuit (silent cells count too)."""
    return {pop: len(g) for pop, g in mc.populations.items()}


def coupling_label(value):
    """A coupling condition as written in CSVs: ``'thalamic'`` or the fixed ``g_c`` value."""
    return "thalamic" if isinstance(value, str) else float(value)


def read_modulator_table(directory, filename) -> list[dict]:
    """Rows of a saved per-modulator CSV (``modulator`` as text, every other column a float),
    for the experiments' ``claims_from_results``.

    Raises
    ------
    FileNotFoundError
        Without ``filename`` in ``directory``.
    """
    with open(Path(directory) / filename, newline="") as f:
        return [{k: (v if k == "modulator" else float(v)) for k, v in r.items()}
                for r in csv.DictReader(f)]
