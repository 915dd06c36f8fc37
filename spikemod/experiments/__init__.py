"""Experiments: one module per experiment, owning its CSV columns, its defaults, ``simulate()``,
``summarize()``, ``claim()`` (the one criterion ``analysis/claims.py`` and the tests call) and
``figure()``. The protocol scripts in ``protocols/`` read their options' defaults from here.

* :mod:`spikemod.experiments.detection` - W25 threshold detection (``threshold-detection``);
* :mod:`spikemod.experiments.rivalry` - W25 binocular rivalry (``rivalry``);
* :mod:`spikemod.experiments.modulated_detection`, :mod:`spikemod.experiments.modulated_rivalry`
  - the two under NE / ACh baths (``--modulator``);
* :mod:`spikemod.experiments.integration` - segregation vs integration of coupled rings;
* :mod:`spikemod.experiments.fi_gain` - single-cell f-I gain under dendritic current and
  coupling (``fi-gain``; also compile-once ``simulate_many``);
* :mod:`spikemod.experiments.bac` - BAC firing (``bac``);
* :mod:`spikemod.experiments.ne_inverted_u` - gain over bath NE (``ne-inverted-u``);
* :mod:`spikemod.experiments.volume_transmission` - point release vs the analytic solution
  (``volume-transmission``);
* :mod:`spikemod.experiments.neuropeptide` - burst-gated peptide release (``neuropeptide``);
* :mod:`spikemod.experiments.lc_burst` - a phasic LC burst through volume transmission
  (``lc-burst``);
* :mod:`spikemod.experiments.ach_state` - ACh bath: band power and gain (``ach-state``);
* :mod:`spikemod.experiments.dose_response` - broadcast weight scaling, EC50 (``dose-response``);
* :mod:`spikemod.experiments.transfer_fit`, :mod:`spikemod.experiments.neural_mass`,
  :mod:`spikemod.experiments.meanfield`, :mod:`spikemod.experiments.rnn_neuromod` - the rate
  models of :mod:`spikemod.rates` against the spiking model (``transfer-fit``, ``neural-mass``,
  ``meanfield``, ``rnn-neuromod``);
* :mod:`spikemod.experiments.network_gain`, :mod:`spikemod.experiments.inhibition_gain`,
  :mod:`spikemod.experiments.ring_gating`, :mod:`spikemod.experiments.stdp_burst`,
  :mod:`spikemod.experiments.gain_pulse` - RG25's network claims 1-6 (``network-gain``,
  ``inhibition-gain``, ``ring-gating``, ``stdp-burst``, ``gain-pulse``; ``stdp_burst`` also
  holds the plastic circuit and weight figure that ``gain_pulse`` uses);
* :mod:`spikemod.experiments.metaplasticity` - the LTD -> LTP frequency response under Gs
  modulators (``metaplasticity``; the rule itself is :mod:`spikemod.metaplasticity`);
* :mod:`spikemod.experiments.common` - what they share (``CircuitRun``, ``scaled_recurrence`` ...).
"""
