"""Experiments: one module per experiment, owning its CSV columns, its defaults, ``simulate()``,
``summarize()``, ``claim()`` (the one criterion ``analysis/claims.py`` and the tests call) and
``figure()``. The protocol scripts in ``protocols/`` read their options' defaults from here.

* :mod:`spikemod.experiments.detection` - W25 threshold detection (``threshold-detection``);
* :mod:`spikemod.experiments.rivalry` - W25 binocular rivalry (``rivalry``);
* :mod:`spikemod.experiments.modulated_detection`, :mod:`spikemod.experiments.modulated_rivalry`
  - the two under NE / ACh baths (``--modulator``);
* :mod:`spikemod.experiments.integration` - segregation vs integration of coupled rings;
* :mod:`spikemod.experiments.common` - what they share (``CircuitRun``, ``scaled_recurrence`` ...).
"""
