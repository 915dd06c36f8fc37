"""spikemod: neuromodulation of gain, bursting and plasticity in layer-5 cortical microcircuits.

Brian2 models of the two-compartment L5 pyramidal cell [W25, NS18], PV and SOM interneurons,
their microcircuit and its neuromodulation, with protocols that reproduce the claims of
Rodriguez-Garcia et al. (2025) [RG25]. The science, with sources: ``shared/spec/MODEL.md``.
"""

__version__ = "0.1.0"
