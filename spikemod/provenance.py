"""Provenance written beside every result: what ran, on what, with which numbers.

``provenance.json`` holds the model file and its hash, the hash of the resolved parameters, the
``--set`` overrides, spikemod/Brian2/NumPy/Python versions, device, seed, the command line and
the protocol's options, start and end time. ``spikemod rerun DIR`` reads it back.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["versions", "provenance_record", "atomic_write", "write_json", "now", "file_mode",
           "publish_mode"]


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def versions() -> dict:
    import brian2
    import numpy

    import spikemod
    out = {"spikemod": spikemod.__version__, "brian2": brian2.__version__,
           "numpy": numpy.__version__, "python": platform.python_version()}
    try:
        from importlib.metadata import version
        out["brian2cuda"] = version("brian2cuda")
    except Exception:  # not installed
        pass
    commit = _git_commit()
    if commit:
        out["spikemod_git_commit"] = commit
    return out


def provenance_record(protocol: str, model, device: str, seed, options: dict, started: str,
                      argv=None, extra: dict | None = None) -> dict:
    rec = {
        "protocol": protocol,
        "model_file": str(Path(model.path).resolve()),
        "model_file_sha256": model.file_sha256,
        "model_sha256": model.sha256,
        "overrides": list(model.overrides),
        "parameters": model.as_strings(),
        "device": device,
        "seed": seed,
        "options": options,
        "command": list(argv if argv is not None else sys.argv),
        "cwd": os.getcwd(),
        "versions": versions(),
        "host": {"name": socket.gethostname(), "platform": platform.platform(),
                 "cpus": os.cpu_count()},
        "start_time": started,
        "end_time": now(),
    }
    if extra:
        rec.update(extra)
    return rec


def file_mode() -> int:
    """Permissions of a new regular file under the process umask (0644 for umask 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def publish_mode(path) -> None:
    """Give ``path`` the permissions an ordinary ``open()`` would (temporary files from
    ``tempfile.mkstemp`` are 0600, which would keep outputs from other users)."""
    os.chmod(path, file_mode())


@contextmanager
def atomic_write(path, mode: str = "w", **kwds):
    """Open a temporary file beside ``path``; on success rename it onto ``path``.

    A reader sees the whole file or none: an interrupted write leaves only a ``.tmp`` file,
    which is removed when the exception passes through here.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with open(tmp, mode, **kwds) as f:
            yield f
        publish_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json(path, obj) -> None:
    with atomic_write(path) as f:
        json.dump(obj, f, indent=2, sort_keys=False, default=str)
        f.write("\n")
