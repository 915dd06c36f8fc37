"""Rate-model reductions of the spiking model, each checked against it [MODEL.md s6].

- :mod:`spikemod.rates.transfer`: sigmoid population transfer functions fitted to spiking f-I
  sweeps, per modulation mechanism [S21 Fig. 4].
- :mod:`spikemod.rates.meanfield`: exact mean field of Izhikevich populations with adaptation
  and the matching Brian2 network [CC22].
- :mod:`spikemod.rates.neural_mass`: E / PV / SOM Wilson-Cowan model with fitted transfer
  functions.
- :mod:`spikemod.rates.rnn`: neuromodulated rate RNN trained with BPTT + Adam in NumPy, and its
  forward dynamics as a Brian2 rate network [TS].
"""
