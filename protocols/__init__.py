"""Runnable protocols (``spikemod run <name>``), installed as the package data ``spikemod.protocols``.

This directory is mapped into the package by ``setup.py``; ``spikemod.protocol.PROTOCOLS_DIR``
finds it through ``importlib.resources``. Files starting with ``_`` (like this one) are not
protocols.
"""
