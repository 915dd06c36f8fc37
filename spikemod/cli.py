"""The ``spikemod`` command.

Subcommands live one per module in ``spikemod/commands/``; each module defines ``NAME``,
``HELP``, ``add_arguments(parser)`` and ``main(args) -> int``. A user mistake (any of
``spikemod.protocol.USER_ERRORS``) ends in one line on stderr and exit code 2.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from spikemod import __version__
from spikemod import commands as _commands
from spikemod.protocol import OneLineParser, guarded

__all__ = ["main"]


def _command_modules():
    mods = []
    for info in pkgutil.iter_modules(_commands.__path__):
        if not info.name.startswith("_"):
            mods.append(importlib.import_module(f"spikemod.commands.{info.name}"))
    return sorted(mods, key=lambda m: getattr(m, "ORDER", 50))


def build_parser():
    parser = OneLineParser(prog="spikemod",
                           description="Neuromodulated layer-5 microcircuits in Brian2.")
    parser.add_argument("--version", action="version", version=f"spikemod {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=OneLineParser)
    for mod in _command_modules():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_main=mod.main, _name=mod.NAME)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    return guarded(f"spikemod {args._name}", args._main, args)


if __name__ == "__main__":
    raise SystemExit(main())
