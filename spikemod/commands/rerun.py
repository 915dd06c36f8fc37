"""``spikemod rerun DIR [--out NEW] [--force]``: reproduce a run from its ``provenance.json``.

The protocol, its option values, the seed, the device, the model file and the ``--set``
overrides are read back from ``DIR/provenance.json`` and the protocol is run again into
``--out`` (default ``DIR-rerun``, never over the original). If the model file changed since the
run (its SHA-256 differs from the recorded one) the rerun is refused unless ``--force``.
Build directories and ``--quiet`` are not part of a result and are not reused.
"""

import json
from pathlib import Path

from spikemod.protocol import UsageError, build_parser, load_protocol, run_protocol, prepare

NAME = "rerun"
HELP = "reproduce a run exactly from DIR/provenance.json (same protocol, options, seed, model, device)"
ORDER = 20

_NOT_REUSED = {"out", "build_dir", "quiet", "model", "set", "seed", "device", "force", "verbose"}


def add_arguments(p):
    p.add_argument("dir", help="output directory of an earlier run (holds provenance.json)")
    p.add_argument("--out", default=None, help="where to write the rerun (default DIR-rerun)")
    p.add_argument("--force", action="store_true",
                   help="rerun even if the model file changed since the run, and replace an "
                        "earlier result in --out")
    p.add_argument("--quiet", action="store_true", help="no progress display")


def read_provenance(run_dir: Path) -> dict:
    path = Path(run_dir) / "provenance.json"
    if not path.is_file():
        raise UsageError(f"{str(run_dir)!r} has no provenance.json (expected the output "
                         "directory of a finished spikemod run)")
    try:
        prov = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise UsageError(f"{str(path)!r} is not valid JSON ({exc})") from None
    missing = [k for k in ("protocol", "options", "seed", "device", "model_file",
                           "model_file_sha256", "overrides") if k not in prov]
    if missing:
        raise UsageError(f"{str(path)!r} lacks {', '.join(missing)} (not a spikemod provenance)")
    return prov


def rerun_argv(module, prov: dict) -> list[str]:
    """The protocol command line that reproduces ``prov`` (without ``--out``)."""
    parser = build_parser(module)
    opts = prov["options"]
    argv = ["--model", prov["model_file"], "--device", prov["device"],
            "--seed", str(prov["seed"])]
    for item in prov["overrides"]:
        argv += ["--set", item]
    # an option whose value came from --set is given again by that --set (not twice)
    from_set = {v["option"] for v in prov.get("set_by_options", {}).values()
                if str(v.get("from", "")).startswith("--set")}
    for action in parser._actions:
        if not action.option_strings or action.dest in _NOT_REUSED or action.dest == "help":
            continue
        if action.option_strings[-1] in from_set:
            continue
        if action.dest not in opts:
            continue
        value = opts[action.dest]
        flag = action.option_strings[-1]
        if action.nargs == 0:  # store_true / store_false
            if value != action.default:
                argv.append(flag)
        elif value is not None:
            if isinstance(value, list):
                for v in value:
                    argv += [flag, str(v)]
            else:
                argv += [flag, str(value)]
    return argv


def main(args):
    from spikemod.params import load_model

    run_dir = Path(args.dir)
    prov = read_provenance(run_dir)
    module = load_protocol(prov["protocol"])
    model_file = Path(prov["model_file"])
    if not model_file.is_file():
        raise UsageError(f"model file {str(model_file)!r} of the run no longer exists")
    current = load_model(model_file).file_sha256
    if current != prov["model_file_sha256"] and not args.force:
        raise UsageError(f"model file {str(model_file)!r} changed since the run (sha256 "
                         f"{prov['model_file_sha256'][:12]}... then, {current[:12]}... now); "
                         "use --force to rerun with the file as it is now")
    out = Path(args.out) if args.out else run_dir.with_name(run_dir.name + "-rerun")
    if out.resolve() == run_dir.resolve():
        raise UsageError(f"--out {str(out)!r} is the original run's directory (choose a new one)")
    argv = rerun_argv(module, prov) + ["--out", str(out)]
    if args.quiet:
        argv.append("--quiet")
    if args.force:
        argv.append("--force")
    ns, model = prepare(module, argv, prog=f"spikemod rerun {module.NAME}")
    if model.sha256 != prov.get("model_sha256", model.sha256) and not args.force:
        raise UsageError("the resolved parameters differ from the run's (model_sha256); "
                         "use --force to rerun anyway")
    run_protocol(module, ns, model, argv)
    return 0
