"""Subcommands of the ``spikemod`` command, one module each (see ``spikemod.cli``)."""
