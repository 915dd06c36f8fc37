"""Rate-model reductions of the spiking model: the models, their equations and fits
[MODEL.md s6]. The experiments that run them against the spiking model (and their protocols'
tables and figures) are in :mod:`spikemod.experiments` (``transfer_fit``, ``neural_mass``,
``meanfield``, ``rnn_neuromod``).

- :mod:`spikemod.rates.transfer`: the modulation mechanisms as cell-parameter changes and the
  nominal-current input axis of the population transfer functions [S21 Fig. 4].
- :mod:`spikemod.rates.meanfield`: exact mean field of Izhikevich populations with adaptation
  [CC22].
- :mod:`spikemod.rates.neural_mass`: E / PV / SOM Wilson-Cowan model with fitted transfer
  functions, its couplings from the circuit's synapses and its calibration.
- :mod:`spikemod.rates.rnn`: neuromodulated rate RNN trained with BPTT + Adam in NumPy, and its
  forward dynamics as a Brian2 rate network [TS].
"""
