"""``spikemod protocols``: list the protocols with their one-line descriptions.

Exit code 0 when at least one protocol was found, 1 (and one line on stderr naming the
directory searched) when none was: an install without its protocols must not look like success.
"""

import sys

from spikemod import protocol
from spikemod.protocol import list_protocols, load_protocol

NAME = "protocols"
HELP = "list the available protocols"
ORDER = 1


def add_arguments(p):
    pass


def main(args):
    names = list_protocols()
    if not names:
        print(f"spikemod protocols: no protocols found in {protocol.PROTOCOLS_DIR} (a broken install, or "
              "$SPIKEMOD_PROTOCOLS names a directory without protocols/<name>.py files)",
              file=sys.stderr)
        return 1
    for name in names:
        doc = (load_protocol(name).__doc__ or "").strip().splitlines()
        print(f"{name:22s} {doc[0].split(':', 1)[-1].strip() if doc else ''}")
    return 0
