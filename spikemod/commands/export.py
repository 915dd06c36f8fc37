"""``spikemod export RESULTS_DIR --format nwb|nix|sonata|npz|csv --out FILE``."""

from spikemod.protocol import UsageError

NAME = "export"
HELP = "export a protocol's spikes (spikes.h5) to NWB, NIX, SONATA, NPZ or BMTK CSV"
ORDER = 40

FORMATS = ("nwb", "nix", "sonata", "npz", "csv")


def add_arguments(p):
    p.add_argument("results_dir", help="a protocol's output directory (holding spikes.h5)")
    p.add_argument("--format", required=True, choices=FORMATS,
                   help="nwb (Units table), nix (Neo NixIO), sonata (spike file), "
                        "npz (<pop>/times_s, <pop>/ids, t_start_s, t_stop_s), "
                        "csv (BMTK: timestamps population node_ids)")
    p.add_argument("--out", required=True, help="file to write")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")


def main(args):
    from spikemod.io.export import ExportError, export
    try:
        out = export(args.results_dir, args.format, args.out, force=args.force)
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    print(f"spikemod export: wrote {out}")
    return 0
