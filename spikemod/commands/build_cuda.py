"""``spikemod build-cuda --protocol NAME [--model FILE] [--set ...] [--compute-capability 9.0]
--out DIR [-- PROTOCOL OPTIONS]``: compile a protocol for a GPU, here, without a GPU.

The protocol's network is generated with brian2cuda (``cuda_standalone``) and compiled for the
given compute capability (cross build: no GPU detection, C++17, cuRAND from the
``nvidia-curand`` wheel or the toolkit). Nothing is simulated. ``DIR`` then holds:

* ``main``: the compiled simulation, with its ``static_arrays/`` and sources;
* ``run.sh``: runs ``main`` on a GPU machine, results into ``DIR/results/``;
* ``README.md``: the steps, and ``spikemod-build.json`` (protocol, options, seed, target,
  toolchain, build time, code size) with a copy of the model file (``model.toml``);
* afterwards ``spikemod collect DIR --out RESULTS`` turns the results into the protocol's usual
  CSV/PNG/spikes/provenance outputs.

``--device cpp_standalone`` makes the same kind of directory for a C++ build (to run on another
CPU machine). An existing build directory of the same kind is reused: an unchanged rebuild
recompiles nothing. A new ``DIR`` is built beside it and renamed into place when complete.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from spikemod.device import BuildFinished, DeviceError, finish_mode
from spikemod.params import DEFAULT_MODEL
from spikemod.protocol import (Context, UsageError, _options, list_protocols, load_protocol,
                               prepare, run_module)
from spikemod.provenance import now, versions, write_json

NAME = "build-cuda"
HELP = "generate and compile a protocol for a GPU (cuda_standalone) without running it"
ORDER = 30

BUILD_INFO = "spikemod-build.json"
_DEVICES = ("cuda_standalone", "cpp_standalone")
_SOURCES = (".cu", ".cpp", ".h", ".cuh")


def add_arguments(p):
    p.add_argument("--protocol", required=True, help=f"one of: {', '.join(list_protocols())}")
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="model file (default %(default)s)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a model parameter (repeatable)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default %(default)s)")
    p.add_argument("--compute-capability", default="9.0",
                   help="GPU architecture, e.g. 9.0 (H100/H200, default), 8.0 (A100), 8.9 (L4)")
    p.add_argument("--gpu-id", type=int, default=0, help="GPU to use on the GPU machine (default 0)")
    p.add_argument("--device", default="cuda_standalone", choices=_DEVICES,
                   help="cuda_standalone (default) or cpp_standalone (a C++ build to run elsewhere)")
    p.add_argument("--out", required=True, help="build directory to create (or reuse)")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.add_argument("--verbose", action="store_true",
                   help="show Brian2's and brian2cuda's INFO messages")
    p.add_argument("--jobs", type=int, default=None,
                   help="parallel compiler processes (default: all cores, $SPIKEMOD_BUILD_JOBS)")
    p.add_argument("--no-object-cache", action="store_true",
                   help="compile every file (do not reuse objects of earlier builds)")
    p.add_argument("args", nargs=argparse.REMAINDER,
                   help="the protocol's own options, after '--'")


def _compute_capability(text) -> float:
    try:
        cc = float(text)
    except ValueError:
        cc = float("nan")
    if not (cc >= 3.5 and cc < 20):
        raise UsageError(f"--compute-capability {text!r} is not allowed (a number such as 9.0 "
                         "for H100, 8.0 for A100; at least 3.5)")
    return cc


def code_size(directory: Path) -> dict:
    """Generated source files and bytes, and the size of the compiled binary."""
    files = [p for p in directory.rglob("*") if p.suffix in _SOURCES and p.is_file()]
    binary = directory / "main"
    return {"source_files": len(files), "source_bytes": sum(p.stat().st_size for p in files),
            "source_lines": sum(p.read_bytes().count(b"\n") for p in files),
            "binary_bytes": binary.stat().st_size if binary.exists() else 0}


RUN_SH = """#!/bin/sh
# Run the compiled spikemod simulation ({device}); results go to ./results/.
# Then copy this directory back and run:  spikemod collect {dirname} --out RESULTS
set -e
cd "$(dirname "$0")"
# cuRAND / CUDA runtime: a CUDA toolkit's lib64, or the nvidia-curand wheel of a Python
# (set CURAND_LIB_DIR to the directory holding libcurand.so.10 if it is elsewhere).
WHEEL_LIB=$(python3 -c 'import glob, nvidia, os; print(":".join(glob.glob(os.path.join(list(nvidia.__path__)[0], "*", "lib"))))' 2>/dev/null || true)
export LD_LIBRARY_PATH="${{CURAND_LIB_DIR:+$CURAND_LIB_DIR:}}${{CUDA_HOME:-/usr/local/cuda}}/lib64:${{WHEEL_LIB:+$WHEEL_LIB:}}${{LD_LIBRARY_PATH:-}}"
mkdir -p results
exec ./main --results_dir "$PWD/results/" "$@"
"""

README = """# spikemod {device} build of `{protocol}`

Built {built} with spikemod {version} for {target}, without running it.

Protocol command: `spikemod run {protocol} {argv}`
(model file copied to `model.toml`; everything is recorded in `spikemod-build.json`).

## Run on the {machine}

1. Copy this whole directory to the {machine} ({requirement}).
2. `./run.sh` (add `CURAND_LIB_DIR=/path/to/dir/with/libcurand.so.10` if cuRAND is not in the
   CUDA toolkit's `lib64` or in an installed `nvidia-curand` wheel). The results are
   written to `results/`; `results/last_run_info.txt` holds the simulation time.
3. Copy the directory (at least `results/`, `spikemod-build.json`, `model.toml`) back.

## Collect

    spikemod collect {dirname} --out RESULTS

writes the protocol's usual outputs (CSV, PNG, spikes.h5, provenance.json) from the results,
exactly as `spikemod run {protocol}` does after simulating.
"""


def build_project(module, argv: list, out: Path, device: str = "cuda_standalone",
                  compute_capability: float = 9.0, gpu_id: int = 0, quiet=False,
                  jobs: int | None = None, object_cache: bool = True) -> dict:
    """Generate and compile ``module`` with ``argv`` into ``out`` without running it.

    CUDA builds compile on ``jobs`` cores (default all) through the shared object cache
    (:func:`spikemod.cuda.make_main`) and, unless ``quiet``, print ``[n/N] file`` progress.
    """
    args, model = prepare(module, argv + ["--device", device],
                          prog=f"spikemod build-cuda --protocol {module.NAME}")
    if device == "cuda_standalone":
        from spikemod.cuda import configure_cuda, set_build_progress, set_cuda_target
        set_cuda_target(compute_capability, gpu_id)
        toolchain = dict(configure_cuda(jobs=jobs, cache=object_cache))  # fail fast: nvcc, cuRAND
        set_build_progress(not quiet)
        if jobs is not None:
            os.environ["SPIKEMOD_BUILD_JOBS"] = str(jobs)   # later configure_cuda() calls
        if not object_cache:
            os.environ["SPIKEMOD_OBJECT_CACHE"] = "off"
    else:
        toolchain = {}
    info_path = out / BUILD_INFO
    if out.exists():
        if not out.is_dir() or (any(out.iterdir()) and not info_path.is_file()):
            raise UsageError(f"--out {str(out)!r} exists and is not an empty directory or an "
                             "earlier build-cuda directory")
        if info_path.is_file() and json.loads(info_path.read_text()).get("device") != device:
            raise UsageError(f"--out {str(out)!r} holds a build for another device")
        build, fresh = out, False
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        build, fresh = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent)), True
    try:
        with tempfile.TemporaryDirectory() as staging:
            ctx = Context(module.NAME, model, device, args.seed, out, Path(staging),
                          _options(args), quiet=quiet, build_dir=build)
            t0 = time.perf_counter()
            try:
                with finish_mode("build"):
                    run_module(module, ctx, args)
            except BuildFinished:
                pass
            else:
                raise UsageError(f"protocol {module.NAME!r} ran no standalone simulation; "
                                 "nothing to build")
            build_s = time.perf_counter() - t0
        shutil.copyfile(args.model, build / "model.toml")
        info = {"protocol": module.NAME, "argv": _portable_argv(argv), "seed": args.seed,
                "overrides": list(args.set), "device": device, "built": now(),
                "build_wall_s": round(build_s, 3), "code": code_size(build),
                "target": ({"compute_capability": compute_capability, "gpu_id": gpu_id}
                           if device == "cuda_standalone" else {"cpu": "build machine"}),
                "toolchain": toolchain, "versions": versions()}
        (build / "run.sh").write_text(RUN_SH.format(device=device, dirname=out.name))
        os.chmod(build / "run.sh", 0o755)
        cuda = device == "cuda_standalone"
        (build / "README.md").write_text(README.format(
            device=device, protocol=module.NAME, built=info["built"],
            version=info["versions"].get("spikemod", "?"),
            target=(f"compute capability {compute_capability:g} (sm_"
                    f"{str(compute_capability).replace('.', '')})" if cuda else "this CPU"),
            argv=" ".join(argv), dirname=out.name,
            machine="GPU machine" if cuda else "other machine",
            requirement=("an NVIDIA GPU of that compute capability, driver and CUDA >= 12 "
                         "runtime" if cuda else "same CPU architecture")))
        write_json(build / BUILD_INFO, info)
        if fresh:
            os.replace(build, out)
    except BaseException:
        if fresh:
            shutil.rmtree(build, ignore_errors=True)
        raise
    return info


def _portable_argv(argv: list) -> list:
    """Protocol argv without --model/--device (collect uses DIR/model.toml)."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in ("--model", "--device", "--build-dir", "--out"):
            skip = True
            continue
        if a.startswith(("--model=", "--device=", "--build-dir=", "--out=")):
            continue
        out.append(a)
    return out


def main(args) -> int:
    module = load_protocol(args.protocol)
    cc = _compute_capability(args.compute_capability)
    rest = list(args.args)
    if rest and rest[0] == "--":
        rest = rest[1:]
    argv = ["--model", args.model, "--seed", str(args.seed)]
    for item in args.set:
        argv += ["--set", item]
    argv += ["--quiet"] * bool(args.quiet) + rest
    out = Path(args.out)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs} is not allowed (at least 1)")
    from spikemod.protocol import quiet_logging
    quiet_logging(args.verbose)
    info = build_project(module, argv, out, device=args.device, compute_capability=cc,
                         gpu_id=args.gpu_id, quiet=args.quiet, jobs=args.jobs,
                         object_cache=not args.no_object_cache)
    if not args.quiet:
        c = info["code"]
        print(f"spikemod build-cuda: compiled {module.NAME} for {args.device} in "
              f"{info['build_wall_s']:.1f} s ({c['source_files']} source files, "
              f"{c['source_lines']} lines, binary {c['binary_bytes'] / 1e6:.1f} MB) into {out}; "
              f"run {out / 'run.sh'} there, then: spikemod collect {out} --out RESULTS",
              file=sys.stderr)
    return 0


__all__ = ["build_project", "code_size", "BUILD_INFO", "DeviceError"]
