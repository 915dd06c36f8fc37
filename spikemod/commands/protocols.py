"""``spikemod protocols``: list the protocols with their one-line descriptions."""

from spikemod.protocol import list_protocols, load_protocol

NAME = "protocols"
HELP = "list the available protocols"
ORDER = 1


def add_arguments(p):
    pass


def main(args):
    for name in list_protocols():
        doc = (load_protocol(name).__doc__ or "").strip().splitlines()
        print(f"{name:22s} {doc[0].split(':', 1)[-1].strip() if doc else ''}")
    return 0
