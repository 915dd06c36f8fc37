"""``spikemod run PROTOCOL [options]``: run a protocol from ``protocols/``."""

import argparse

from spikemod.protocol import list_protocols, load_protocol, protocol_main

NAME = "run"
HELP = "run a protocol (spikemod run PROTOCOL --help for its options)"
ORDER = 0


def add_arguments(p):
    p.add_argument("protocol", help=f"one of: {', '.join(list_protocols())}")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the protocol's options")


def main(args):
    module = load_protocol(args.protocol)
    return protocol_main(module, args.args, prog=f"spikemod run {module.NAME}")
