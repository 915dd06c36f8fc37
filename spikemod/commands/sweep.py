"""``spikemod sweep PROTOCOL --grid KEY=V1,V2 [...] --out DIR [protocol options]``.

Grid keys: model parameters as in ``--set`` (``--grid coupling.g_c=0,0.5,1``) or protocol
options prefixed ``opt:`` (``--grid opt:i-dend=0,800``). Every other option is passed to the
protocol unchanged (``--device``, ``--model``, ``--set``, ``--i-soma 800,1200``, ...). Running the
same command again resumes the sweep. See :mod:`spikemod.sweep`.
"""

import argparse
import os
import sys
from pathlib import Path

from spikemod.protocol import OneLineParser, UsageError, list_protocols, load_protocol

NAME = "sweep"
HELP = ("run a protocol over a parameter grid as Dask tasks, resumable "
        "(spikemod sweep PROTOCOL --grid key=v1,v2 --out DIR [protocol options])")
ORDER = 10


def _sweep_parser(protocol):
    p = OneLineParser(prog=f"spikemod sweep {protocol}", add_help=False, allow_abbrev=False)
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...")
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default=None)
    p.add_argument("--scheduler", default=None)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--build-dir", default=None)
    p.add_argument("--quiet", action="store_true")
    return p


def add_arguments(p):
    p.description = (
        "Sweep options: --grid KEY=V1,V2,... (repeatable; KEY a model parameter such as "
        "coupling.g_c or soma.vt, or opt:NAME for a protocol option such as opt:i-dend; values "
        "split on ',' or on ';' when a value holds commas), --seeds N (seeds --seed .. --seed+N-1), "
        "--seed S (default 1), --out DIR (required), --scheduler ADDRESS (a running dask "
        "scheduler, e.g. tcp://host:8786; default: a local cluster), --workers N (local cluster "
        "size, default min(2, cpus)), --build-dir DIR (standalone builds, one subdirectory per "
        "worker; default DIR/build), --quiet. All other options go to the protocol.")
    p.add_argument("protocol", help=f"one of: {', '.join(list_protocols())}")
    p.add_argument("args", nargs=argparse.REMAINDER, help="sweep and protocol options")


def main(args):
    from spikemod.sweep import parse_grid, plan_points, run_sweep

    module = load_protocol(args.protocol)
    opts, proto_argv = _sweep_parser(module.NAME).parse_known_args(args.args)
    if opts.out is None:
        raise UsageError("--out DIR is required (the sweep's directory; rerun the same command "
                         "to resume)")
    out = Path(opts.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {str(out)!r} exists and is not a directory")
    if opts.seeds < 1:
        raise UsageError(f"--seeds {opts.seeds}: must be at least 1")
    if opts.workers is not None and opts.workers < 1:
        raise UsageError(f"--workers {opts.workers}: must be at least 1")
    if opts.workers is not None and opts.scheduler:
        raise UsageError("--workers sizes the local cluster; with --scheduler start "
                         "'dask worker ADDRESS' processes instead")
    if opts.build_dir and Path(opts.build_dir).exists() and not Path(opts.build_dir).is_dir():
        raise UsageError(f"--build-dir {opts.build_dir!r} exists and is not a directory")
    axes = parse_grid(opts.grid, module)
    seeds = list(range(opts.seed, opts.seed + opts.seeds))
    points = plan_points(module, axes, proto_argv, seeds)
    workers = opts.workers or max(1, min(2, os.cpu_count() or 1))
    points = run_sweep(module, axes, points, out, scheduler=opts.scheduler, workers=workers,
                       build_dir=opts.build_dir, quiet=opts.quiet,
                       log=lambda m: print(m, file=sys.stderr))
    failed = [p for p in points if p.status != "done"]
    if not opts.quiet:
        print(f"spikemod sweep {module.NAME}: {len(points) - len(failed)}/{len(points)} points "
              f"done; summary in {out / 'summary.csv'}", file=sys.stderr)
    return 1 if failed else 0
