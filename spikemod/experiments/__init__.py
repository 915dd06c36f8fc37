"""Experiments: one module per experiment, owning its CSV columns, its defaults, ``simulate()``,
``summarize()``, ``claim()`` (the one criterion ``analysis/claims.py`` and the tests call) and
``figure()``. The protocol scripts in ``protocols/`` read their options' defaults from here.

* :mod:`spikemod.experiments.detection` - W25 threshold detection (``threshold-detection``);
* :mod:`spikemod.experiments.rivalry` - W25 binocular rivalry (``rivalry``);
* :mod:`spikemod.experiments.modulated_detection`, :mod:`spikemod.experiments.modulated_rivalry`
  - the two under NE / ACh baths (``--modulator``);
* :mod:`spikemod.experiments.integration` - segregation vs integration of coupled rings.
"""

from __future__ import annotations

import csv
from pathlib import Path


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
