"""``spikemod collect DIR --out RESULTS``: protocol outputs from a build run elsewhere.

``DIR`` is a ``spikemod build-cuda`` directory whose ``run.sh`` has been run (on a GPU
machine), leaving the monitors' data in ``DIR/results/``. The protocol recorded in
``DIR/spikemod-build.json`` runs again with the same model (``DIR/model.toml``), overrides,
seed and options, but its simulation is not built or run: the monitors read the result files
(``device.finish_mode("load")``), and the protocol's own analysis writes the same CSV, PNG,
spike file and provenance.json as ``spikemod run``. No CUDA toolkit is needed here.
"""

from __future__ import annotations

import json
from pathlib import Path

from spikemod.commands.build_cuda import BUILD_INFO
from spikemod.device import finish_mode
from spikemod.protocol import UsageError, load_protocol, prepare, run_protocol

NAME = "collect"
HELP = "turn the results of a build-cuda directory run on a GPU into the protocol's outputs"
ORDER = 31


def add_arguments(p):
    p.add_argument("dir", help="build-cuda directory after run.sh ran (holds results/)")
    p.add_argument("--out", required=True, help="output directory for CSV/PNG/provenance")
    p.add_argument("--quiet", action="store_true", help="no progress display")


def read_build(directory: Path) -> dict:
    path = directory / BUILD_INFO
    if not path.is_file():
        raise UsageError(f"{str(directory)!r} is not a build-cuda directory "
                         f"(no {BUILD_INFO}; make one with spikemod build-cuda)")
    try:
        info = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise UsageError(f"{str(path)!r} is not valid JSON ({exc})") from None
    missing = [k for k in ("protocol", "argv", "device") if k not in info]
    if missing:
        raise UsageError(f"{str(path)!r} lacks {', '.join(missing)}")
    if not (directory / "results" / "last_run_info.txt").is_file():
        raise UsageError(f"{str(directory)!r} has no results (results/last_run_info.txt): "
                         f"run {directory / 'run.sh'} on the GPU machine first")
    if not (directory / "model.toml").is_file():
        raise UsageError(f"{str(directory)!r} lacks model.toml (copy the whole build directory)")
    return info


def main(args) -> int:
    directory = Path(args.dir)
    info = read_build(directory)
    module = load_protocol(info["protocol"])
    argv = (["--model", str(directory / "model.toml"), "--device", info["device"],
             "--out", str(args.out), "--build-dir", str(directory)]
            + ["--quiet"] * bool(args.quiet) + list(info["argv"]))
    parsed, model = prepare(module, argv, prog=f"spikemod collect ({module.NAME})")
    run_info = (directory / "results" / "last_run_info.txt").read_text().split()
    extra = {"collected_from": str(directory.resolve()),
             "build": {k: info.get(k) for k in ("built", "device", "target", "code",
                                                "build_wall_s", "versions")},
             "simulation_wall_s": float(run_info[0]) if run_info else None}
    with finish_mode("load", directory / "results"):
        run_protocol(module, parsed, model, argv, extra_provenance=extra)
    return 0
