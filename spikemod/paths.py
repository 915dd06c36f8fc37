"""Where spikemod keeps its build cache (a leaf module: imports nothing of spikemod)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_build_dir"]


def default_build_dir(tag: str, device: str) -> Path:
    """Per-protocol build directory, reused so an unchanged re-run does not recompile.

    ``$SPIKEMOD_BUILD_DIR`` (default ``~/.cache/spikemod/builds``) / ``<tag>-<device>``.

    Example
    -------
    >>> default_build_dir("fi-gain", "cpp_standalone").name
    'fi-gain-cpp_standalone'
    """
    root = Path(os.environ.get("SPIKEMOD_BUILD_DIR",
                               Path.home() / ".cache" / "spikemod" / "builds"))
    return root / f"{tag}-{device}"
