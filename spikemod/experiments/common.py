"""What the experiment modules share: the result of a circuit run, the ``--ee-scale`` model copy,
one spike monitor per population, and the reader of per-modulator result tables.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from brian2 import SpikeMonitor, nS

__all__ = ["CircuitRun", "scaled_recurrence", "population_monitors", "population_sizes",
           "coupling_label", "read_modulator_table", "read_table", "claims_reader"]


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


def _value(text: str):
    try:
        return float(text)
    except ValueError:
        return text


def read_table(directory, filename) -> list[dict]:
    """Rows of a saved result CSV: every cell that reads as a number becomes a float, the rest
    (condition names, ``thalamic`` ...) stays text.

    Parameters
    ----------
    directory : str or pathlib.Path
        A protocol's output directory.
    filename : str
        The CSV file in it.

    Returns
    -------
    list of dict

    Raises
    ------
    FileNotFoundError
        Without ``filename`` in ``directory``.

    Example
    -------
    >>> read_table("results/fi-gain", "fi_gain_summary.csv")[0]["gain_Hz_per_pA"]  # doctest: +SKIP
    0.058
    """
    with open(Path(directory) / filename, newline="") as f:
        return [{k: _value(v) for k, v in r.items()} for r in csv.DictReader(f)]


def read_modulator_table(directory, filename) -> list[dict]:
    """:func:`read_table` with the ``modulator`` column kept as text."""
    rows = read_table(directory, filename)
    for r in rows:
        r["modulator"] = str(r["modulator"])
    return rows


def claims_reader(claim, *filenames, read=read_table):
    """An experiment's ``claims_from_results(directory)``: its ``claim`` applied to the tables
    of its saved CSV files, in order (``claim(read(directory, f) for f in filenames)``), for
    ``analysis/claims.py``.

    Parameters
    ----------
    claim : callable
        The experiment's criterion, taking one list of row dicts per file.
    *filenames : str
        The CSV files the claim reads.
    read : callable
        The table reader (default :func:`read_table`).

    Returns
    -------
    callable
        ``claims_from_results(directory) -> list of dict`` (``claim, measure, value, reference,
        reproduced``); it raises FileNotFoundError when a file is missing.

    Example
    -------
    >>> claims_from_results = claims_reader(claim, "ring_gating.csv")   # doctest: +SKIP
    """
    def claims_from_results(directory) -> list[dict]:
        return claim(*(read(directory, f) for f in filenames))
    claims_from_results.__doc__ = (f":func:`claim` on a finished run's {', '.join(filenames)} "
                                   "(for analysis/claims.py); FileNotFoundError when missing.")
    return claims_from_results
