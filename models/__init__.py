"""Model parameter files (TOML), installed as the package data ``spikemod.models``.

This directory is mapped into the package by ``setup.py``; ``spikemod.params.MODELS_DIR`` finds
it through ``importlib.resources`` in a wheel and in an editable install alike.
"""
