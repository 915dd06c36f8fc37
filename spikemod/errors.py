"""The user-facing errors of spikemod, in one module that imports nothing of spikemod.

Each is a ``ValueError`` whose message is one line naming the bad value and what is allowed;
the command line turns them into that line on stderr and exit code 2
(:data:`spikemod.protocol.USER_ERRORS`).
"""

from __future__ import annotations

__all__ = ["ModelError", "UsageError", "DeviceError"]


class ModelError(ValueError):
    """A model file or override that breaks a rule; the message is one line for the user."""


class UsageError(ValueError):
    """A user mistake in a protocol option; the message is one line."""


class DeviceError(ValueError):
    """An unknown device or a device that cannot be used here; one line for the user."""
