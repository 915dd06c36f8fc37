"""Running protocols: common options, validation, outputs and provenance.

A protocol is a short script in ``protocols/<name>.py`` that defines ``NAME``, a methods-section
docstring, ``add_arguments(parser)`` and ``run(ctx, args)``; it ends with::

    if __name__ == "__main__":
        protocol_main(__name__)

``python protocols/fi-gain.py ...`` and ``spikemod run fi-gain ...`` run the same code through
:func:`protocol_main`. Every protocol accepts ``--model FILE``, ``--device``, ``--out DIR``,
``--force``, ``--seed N``, ``--set key=value`` (repeatable), ``--quiet`` and ``--verbose``.

One rule for parameters: a protocol option that sets a model parameter is declared with
``p.add_argument("--coupling", ..., sets="coupling.g_c")`` (a protocol that fixes a parameter
itself lists it in a module-level ``FIXES = {"coupling.g_c": "why"}``). Giving such an option
and ``--set`` (or a sweep's ``--grid``) of the same parameter is a one-line error naming both;
``--set`` alone replaces the option's default, so the value given is the value used.
``provenance.json`` records the parameters as they were applied.

Order of work: parse and validate everything (model file, overrides, protocol options); then
create a staging directory beside ``--out`` (an unwritable place fails here, before any
simulation), run, and move the staging directory onto ``--out`` when the protocol has finished,
so ``--out`` holds the complete files of a finished run or nothing new. An existing result in
``--out`` is replaced only with ``--force``. Bad input ends in one line on stderr and exit code
2; a full disk in one line and exit code 1; Ctrl-C stops at once with exit code 130, leaving
nothing half-written.
"""

from __future__ import annotations

import argparse
import csv
import errno
import importlib.resources
import importlib.util
import logging
import math
import os
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from spikemod.device import (DEVICES, DeviceError, build_progress, check_device,
                             default_build_dir, float_precision, simulation)
from spikemod.params import DEFAULT_MODEL, ModelError, load_model, parse_quantity
from spikemod.provenance import atomic_write, now, provenance_record, publish_mode, write_json

__all__ = ["UsageError", "Context", "protocol_main", "guarded", "load_protocol", "list_protocols",
           "PROTOCOLS_DIR", "parse_values", "USER_ERRORS", "parameter_options", "quiet_logging"]

#: the protocols: package data ``spikemod.protocols`` (``protocols/`` of the repository, mapped
#: in by setup.py), or ``$SPIKEMOD_PROTOCOLS``
PROTOCOLS_DIR = Path(os.environ.get("SPIKEMOD_PROTOCOLS",
                                    str(importlib.resources.files("spikemod.protocols"))))


from spikemod.errors import UsageError  # noqa: E402  (one home for the user errors)


#: exceptions that are user mistakes: one line, exit code 2, never a traceback
USER_ERRORS = (UsageError, ModelError, DeviceError)


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad option as one line (``prog: error: ...``) and exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


class _Default(str):
    """The default text of an option that sets a model parameter (tells 'not given' apart)."""


class _ProtocolOptions:
    """The argument group a protocol's ``add_arguments`` gets: ``add_argument`` also takes
    ``sets="section.key"`` (the option's value is that model parameter) or
    ``scales="section.key"`` (the option is a factor on it: ``--set`` of the parameter and the
    factor combine, and provenance records the product)."""

    def __init__(self, group, declared: dict, scaled: dict):
        self._group = group
        self._declared = declared
        self._scaled = scaled

    def add_argument(self, *names, sets: str | None = None, scales: str | None = None,
                     **kwds):
        if sets is not None and kwds.get("help"):
            kwds["help"] += f"; sets {sets} (--set {sets}=VALUE instead replaces this option)"
        if scales is not None and kwds.get("help"):
            kwds["help"] += f"; multiplies {scales} (after any --set)"
        if sets is not None and not isinstance(kwds.get("default"), (str, type(None))):
            raise TypeError(f"{names[0]}: an option with sets= needs a text default or None "
                            "(to tell a given value from the default)")
        action = self._group.add_argument(*names, **kwds)
        if sets is not None:
            if isinstance(action.default, str):
                action.default = _Default(action.default)
            self._declared[action.dest] = (action.option_strings[-1], sets)
        if scales is not None:
            self._scaled[action.dest] = (action.option_strings[-1], scales)
        return action

    def __getattr__(self, name):
        return getattr(self._group, name)


def parameter_options(parser, scaling: bool = False) -> dict:
    """``{dest: (option, model key)}`` of the options that set a model parameter (with
    ``scaling``: of those that scale one)."""
    return dict(getattr(parser, "_spikemod_scales" if scaling else "_spikemod_sets", {}))


def add_ee_scale(parser, default: str = "1") -> None:
    """The ``--ee-scale`` option of the circuit protocols: a factor on the E->E amplitude
    ``connectivity.EE_A``. Default 1: the published W25 circuit (E->E 3.5 nS), which responds
    gradedly to its drive (E->I NMDA at W25's full kernel)."""
    parser.add_argument("--ee-scale", default=default, scales="connectivity.EE_A",
                        help="factor on the E->E amplitude connectivity.EE_A (default "
                             "%(default)s = the published W25 circuit)")


def ee_scale(args) -> float:
    """The validated ``--ee-scale`` value (a factor >= 0)."""
    return float(parse_values(args.ee_scale, "1", "--ee-scale", minimum=0)[0])


def parse_count(text: str, what: str, minimum: int = 1, maximum: int | None = None) -> int:
    """A whole-number option (cells, trials, seeds ...).

    Parameters
    ----------
    text : str
        The option's text, e.g. ``"3000"`` (``"3e3"`` and ``"3000.0"`` are whole numbers too).
    what : str
        The option's name for the error, e.g. ``"--n-exc"``.
    minimum, maximum : int, optional
        Allowed range (inclusive; default at least 1, no maximum).

    Returns
    -------
    int

    Raises
    ------
    UsageError
        One line naming the option, the bad text and the allowed range.

    Example
    -------
    >>> parse_count("3000", "--n-exc", 4, 20000)
    3000
    """
    allowed = (f"a whole number >= {minimum}" if maximum is None
               else f"a whole number in [{minimum}, {maximum}]")
    try:
        value = float(str(text).strip())
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not {allowed}") from None
    if (not np.isfinite(value) or value != int(value) or value < minimum
            or (maximum is not None and value > maximum)):
        raise UsageError(f"{what}: {text!r} is not {allowed}")
    return int(value)


def format_values(values, ranges: bool = False) -> str:
    """Option text for a default (the inverse of :func:`parse_values`): ``a,b,c`` (numbers as
    ``%g``, text as it is), a single number as ``a``; with ``ranges`` an evenly spaced list of 3
    or more numbers as ``start:stop:step``.

    Parameters
    ----------
    values : float, str or sequence of them
        The default value(s).
    ranges : bool
        Write evenly spaced numbers as a range (default False).

    Returns
    -------
    str

    Example
    -------
    >>> format_values([500.0, 750.0, 1000.0]), format_values([0, 0.5, 1], ranges=True)
    ('500,750,1000', '0:1:0.5')
    >>> format_values(600.0), format_values(["thalamic", 1.0])
    ('600', 'thalamic,1')
    """
    if isinstance(values, str) or np.ndim(values) == 0:
        values = [values]
    values = list(values)
    text = [v if isinstance(v, str) else f"{float(v):g}" for v in values]
    if ranges and len(values) > 2 and not any(isinstance(v, str) for v in values):
        step = np.diff(np.asarray(values, dtype=float))
        if np.allclose(step, step[0]) and step[0] != 0:
            return f"{text[0]}:{text[-1]}:{float(step[0]):g}"
    return ",".join(text)


def parse_values(text: str, unit: str, what: str, minimum=None, maximum=None) -> np.ndarray:
    """Read a grid option: ``'0,200,400'`` or ``'500:1500:50'`` (start:stop:step, stop included).

    Values are in ``unit`` unless the text ends with another unit of the same dimension
    (``'0.5:1.5:0.05 nA'``).

    Parameters
    ----------
    text : str
        The option's value as typed.
    unit : str
        The unit of the result (``'1'``: dimensionless).
    what : str
        The option's name, for the error message (``'--i-soma'``).
    minimum, maximum : float, optional
        Allowed range, in ``unit``.

    Returns
    -------
    numpy.ndarray
        Floats in ``unit``.

    Raises
    ------
    UsageError
        One line naming ``what``, the bad text and what is allowed (not a list or range, a
        unit of another dimension, a value out of range); a protocol turns it into exit code 2.

    Example
    -------
    >>> parse_values("0.5:1.5:0.5 nA", "pA", "--i-soma")
    array([ 500., 1000., 1500.])
    """
    text = str(text).strip()
    in_unit = "" if unit == "1" else f" {unit}"       # dimensionless: no unit in messages
    scale = 1.0
    head, _, tail = text.rpartition(" ")
    if head and any(ch.isalpha() for ch in tail):
        try:
            scale = float(parse_quantity(tail) / parse_quantity(unit))
        except Exception:
            raise UsageError(f"{what}: unit {tail!r} in {text!r} is not allowed "
                             f"(expected {unit})") from None
        text = head.strip()
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) != 3 or parts[2] <= 0 or parts[1] < parts[0]:
                raise ValueError
            start, stop, step = parts
            n = int(math.floor((stop - start) / step + 1e-9)) + 1
            values = start + step * np.arange(n)
        else:
            values = np.array([float(p) for p in text.split(",") if p.strip() != ""])
            if values.size == 0:
                raise ValueError
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not a list 'a,b,c' or a range 'start:stop:step' "
                         f"(step > 0) of numbers{' in' + in_unit if in_unit else ''}") from None
    values = values * scale
    if not np.all(np.isfinite(values)):
        raise UsageError(f"{what}: {text!r} has values that are not finite")
    if minimum is not None and np.any(values < minimum):
        raise UsageError(f"{what}: {text!r} has values below {minimum:g}{in_unit} (not allowed)")
    if maximum is not None and np.any(values > maximum):
        raise UsageError(f"{what}: {text!r} has values above {maximum:g}{in_unit} (not allowed)")
    return values


class Context:
    """What a protocol's ``run`` gets: model, device, seed, output helpers."""

    def __init__(self, name, model, device, seed, out: Path, staging: Path, options: dict,
                 quiet: bool = False, build_dir=None):
        self.name = name
        self.model = model
        self.device = device
        self.seed = seed
        self.out = out
        self.staging = staging
        self.options = options
        self.quiet = quiet
        self.build_dir = Path(build_dir) if build_dir else default_build_dir(name, device)
        self.files: list[str] = []
        self.extra_provenance: dict = {}

    # -- simulation ------------------------------------------------------------------------
    @property
    def sim_kwargs(self) -> dict:
        """``device``, ``seed`` and ``build_dir`` for the experiment functions of spikemod."""
        return {"device": self.device, "seed": self.seed, "build_dir": self.build_dir}

    def simulation(self):
        """``device.simulation`` with this run's device, seed, dt and build directory."""
        return simulation(dt=self.model["sim.dt"], **self.sim_kwargs)

    def report(self, duration_s: float | None = None):
        """A ``report`` argument for ``Network.run``: a progress bar unless ``--quiet``."""
        if self.quiet:
            return None
        if self.device != "runtime":
            return "stderr"
        from tqdm import tqdm
        bar = {"bar": None}

        def _report(elapsed, completed, start, duration):
            if bar["bar"] is None:
                bar["bar"] = tqdm(total=100, desc=f"{self.name}: simulating", unit="%",
                                  file=sys.stderr, leave=False)
            bar["bar"].n = int(round(100 * completed))
            bar["bar"].refresh()
            if completed >= 1:
                bar["bar"].close()
        return _report

    def log(self, msg: str):
        if not self.quiet:
            print(f"{self.name}: {msg}", file=sys.stderr)

    # -- outputs ---------------------------------------------------------------------------
    def path(self, filename: str) -> Path:
        """Staging path for an output file (moved to ``--out`` at the end)."""
        if filename not in self.files:
            self.files.append(filename)
        return self.staging / filename

    def write_csv(self, filename: str, rows, columns) -> Path:
        """Write ``rows`` (dicts or sequences) with exactly ``columns`` as the header."""
        path = self.path(filename)
        with atomic_write(path, newline="") as f:
            w = csv.writer(f)
            w.writerow(columns)
            for row in rows:
                if isinstance(row, dict):
                    row = [row[c] for c in columns]
                w.writerow([_fmt(x) for x in row])
        return path

    def write_json(self, filename: str, obj) -> Path:
        path = self.path(filename)
        write_json(path, obj)
        return path

    def save_spikes(self, populations: dict, t_stop: float, t_start: float = 0.0,
                    filename: str = "spikes.h5", state=None, sizes=None, units=None) -> Path:
        """Write ``{population: (ids, times_s)}`` as the canonical SONATA spike file.

        ``state``: recorded variables ``{population: StateMonitor or {var: dict}}``,
        ``sizes``: ``{population: n}`` and ``units``: per-neuron columns ``{population:
        {column: values}}`` such as the condition or circuit copy of each neuron (see
        :func:`spikemod.io.spikes.write_spikes`). Times are rounded to the model's ``sim.dt``.
        """
        from spikemod.io.spikes import write_spikes
        path = self.path(filename)
        dt = float(self.model["sim.dt"]) if "sim.dt" in self.model else None
        write_spikes(path, populations, t_start=t_start, t_stop=t_stop, state=state, sizes=sizes,
                     dt=dt, units=units)
        return path

    @staticmethod
    def copy_columns(cells_per_copy: dict, conditions, keys) -> dict:
        """Per-neuron columns of a simulation with one circuit copy per condition (copy ``c``
        holds neurons ``c n .. (c+1) n - 1`` of each population), for ``save_spikes(units=)``.

        Parameters
        ----------
        cells_per_copy : dict
            ``{population: n}`` per copy.
        conditions : sequence of dict
            The condition of each copy, in copy order (e.g. the first ``copies`` CSV rows).
        keys : sequence of str
            The condition's columns to keep.

        Returns
        -------
        dict
            ``{population: {"circuit_copy": ..., key: ...}}`` (mixed text and numbers as text).

        Example
        -------
        >>> Context.copy_columns({"pyr": 2}, [{"g": 0.0}, {"g": "thalamic"}], ["g"])["pyr"]["g"]
        array(['0.0', '0.0', 'thalamic', 'thalamic'], dtype='<U8')
        """
        conditions = list(conditions)
        out = {}
        for pop, n in cells_per_copy.items():
            if not n:
                continue
            cols = {"circuit_copy": np.repeat(np.arange(len(conditions)), n)}
            for key in keys:
                values = [c[key] for c in conditions]
                if any(isinstance(v, str) for v in values):
                    values = [str(v) for v in values]
                cols[key] = np.repeat(np.asarray(values), n)
            out[pop] = cols
        return out

    def save_figure(self, fig, filename: str) -> Path:
        from spikemod.plotting import save
        path = self.path(filename)
        save(fig, path)
        return path


def _fmt(x):
    if isinstance(x, (float, np.floating)):
        return "nan" if not np.isfinite(x) else repr(float(x))
    if isinstance(x, np.integer):
        return int(x)
    return x


# -- loading protocols ---------------------------------------------------------------------
def list_protocols() -> list[str]:
    if not PROTOCOLS_DIR.is_dir():
        return []
    return sorted(p.stem for p in PROTOCOLS_DIR.glob("*.py") if not p.stem.startswith("_"))


def load_protocol(name: str):
    """Import ``protocols/<name>.py`` (``fi_gain`` and ``fi-gain`` both name ``fi-gain.py``)."""
    names = list_protocols()
    stem = name.replace("_", "-")
    if stem not in names:
        import difflib
        close = difflib.get_close_matches(stem, names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UsageError(f"unknown protocol {name!r} ({hint}available: {', '.join(names)})")
    path = PROTOCOLS_DIR / f"{stem}.py"
    mod_name = "spikemod_protocol_" + stem.replace("-", "_")
    if mod_name in sys.modules:
        return sys.modules[mod_name]
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    spec.loader.exec_module(module)
    return module


def build_parser(module, prog: str | None = None) -> argparse.ArgumentParser:
    doc = (module.__doc__ or "").strip()
    parser = OneLineParser(prog=prog or f"spikemod run {module.NAME}",
                           description=doc.split("\n\n")[0] if doc else None,
                           epilog="\n\n".join(doc.split("\n\n")[1:]) or None,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    g = parser.add_argument_group("common options")
    g.add_argument("--model", default=str(DEFAULT_MODEL),
                   help="model file (TOML), default %(default)s")
    g.add_argument("--device", default="cpp_standalone",
                   help=f"one of {', '.join(DEVICES)} (default %(default)s)")
    g.add_argument("--out", default=None,
                   help=f"output directory (default results/{module.NAME})")
    g.add_argument("--seed", type=int, default=1, help="random seed (default %(default)s)")
    g.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a model parameter, with its unit, e.g. --set soma.a=0.02/ms")
    g.add_argument("--build-dir", default=None,
                   help="standalone build directory (default: a per-protocol cache)")
    g.add_argument("--float32", action="store_true",
                   help="single-precision state variables (--set sim.precision=single)")
    g.add_argument("--force", action="store_true",
                   help="replace an earlier result in --out (default: refuse)")
    g.add_argument("--quiet", action="store_true", help="no progress display")
    g.add_argument("--verbose", action="store_true",
                   help="show the INFO messages of Brian2 and other libraries")
    parser._spikemod_sets, parser._spikemod_scales = {}, {}
    module.add_arguments(_ProtocolOptions(parser.add_argument_group(f"{module.NAME} options"),
                                          parser._spikemod_sets, parser._spikemod_scales))
    return parser


def _options(args) -> dict:
    return {k: v for k, v in vars(args).items() if not k.startswith("_")}


def _set_keys(items) -> dict:
    """``{key: 'key=value'}`` of ``--set`` items (malformed ones are left to load_model)."""
    return {item.split("=", 1)[0].strip(): item for item in items or [] if "=" in item}


def apply_parameter_rule(module, parser, args, model) -> dict:
    """One rule for parameters (module docstring): check ``--set`` against the options that
    set the same parameter and the parameters the protocol fixes; fill an option not given
    from its ``--set``. Returns ``{model key: (option, value used, origin)}``.

    Raises
    ------
    UsageError
        An option and ``--set`` of the same parameter, or ``--set`` of a parameter the
        protocol fixes (one line naming both).
    """
    given_sets = _set_keys(args.set)
    used = {}
    for key, why in getattr(module, "FIXES", {}).items():
        if key in given_sets:
            raise UsageError(f"--set {given_sets[key]}: {module.NAME} sets {key} itself ({why}), "
                             "so the value would be ignored")
        used[key] = (module.NAME, why, "fixed")
    for dest, (option, key) in parameter_options(parser).items():
        value = getattr(args, dest)
        given = value is not None and not isinstance(value, _Default)
        if key in given_sets:
            if given:
                raise UsageError(f"{option} {value} and --set {given_sets[key]} both set {key} "
                                 f"(give one of them)")
            value = model.format(key)
            setattr(args, dest, value)
            used[key] = (option, value, f"--set {given_sets[key]}")
        elif value is not None:
            used[key] = (option, str(value), "option" if given else "default")
    for dest, (option, key) in parameter_options(parser, scaling=True).items():
        value = getattr(args, dest)
        if value is not None and key in model:
            used[key] = (option, str(value), "scales")
    return used


def prepare(module, argv, prog=None):
    """Parse and validate; returns ``(args, model)`` or raises a USER_ERRORS exception."""
    parser = build_parser(module, prog)
    args = parser.parse_args(argv)
    check_device(args.device)
    overrides = list(args.set)
    if args.float32:         # args.set stays as given (provenance records the command)
        other = [item for item in overrides if item.split("=", 1)[0].strip() == "sim.precision"
                 and item.split("=", 1)[-1].strip() != "single"]
        if other:            # the same value twice (e.g. a rerun's recorded overrides) is fine
            raise UsageError(f"--float32 cannot be given with --set {other[0]} "
                             "(--float32 sets sim.precision=single)")
        overrides.append("sim.precision=single")
    model = load_model(args.model, overrides)
    args._set_by_options = apply_parameter_rule(module, parser, args, model)
    if hasattr(module, "validate"):
        try:
            module.validate(args, model)
        except UsageError as exc:
            filled = [f"{opt} {val!r} comes from {origin}" for opt, val, origin
                      in args._set_by_options.values() if origin.startswith("--set")]
            if filled:
                raise UsageError(f"{exc} ({'; '.join(filled)})") from None
            raise
    return args, model


class OutputError(UsageError):
    """An output path that cannot be written (one line, exit code 2)."""


def _writable(out: Path) -> str:
    """Check ``--out`` before anything runs; returns ``'new'``, ``'empty'`` or ``'result'``."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {str(out)!r} exists and is not a directory")
    if not out.exists():
        return "new"
    if not any(out.iterdir()):
        return "empty"
    if not (out / "provenance.json").is_file():
        raise OutputError(f"--out {str(out)!r} is a directory that holds other files, not a "
                          "spikemod result (choose a new or empty directory)")
    return "result"


@contextmanager
def _staging(out: Path, force: bool = False):
    """A fresh directory beside ``out`` that replaces ``out`` on success.

    ``out`` that holds an earlier result is refused unless ``force`` (then it is replaced as a
    whole: no stale files of the earlier run stay). The staging directory is made before
    anything runs, so an unwritable place fails at once; parent directories created for it
    are removed again if the run fails (nothing written).
    """
    state = _writable(out)
    if state == "result" and not force:
        raise OutputError(f"--out {str(out)!r} already holds a result (use --force to replace it)")
    created = [p for p in [out.parent, *out.parent.parents] if not p.exists()]
    staging = out.parent / f".{out.name}.partial-{os.getpid()}-{int(time.time() * 1e3)}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
    except OSError as exc:
        raise OutputError(f"--out {str(out)!r}: cannot write there "
                          f"({exc.strerror or exc})") from None
    ok = False
    try:
        yield staging
        for f in staging.rglob("*"):       # writers that used mkstemp (0600): as open() would
            if f.is_file() and not f.is_symlink():
                publish_mode(f)
        if out.exists():
            state = _writable(out)           # again: another process may have written it
            if state == "result" and not force:
                raise OutputError(f"--out {str(out)!r} already holds a result (use --force "
                                  "to replace it)")
            old = out.parent / f".{out.name}.replaced-{os.getpid()}-{int(time.time() * 1e3)}"
            os.replace(out, old)
            try:
                os.replace(staging, out)
            except BaseException:
                os.replace(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, out)
        ok = True
    finally:
        if not ok:
            shutil.rmtree(staging, ignore_errors=True)
            if not out.exists():
                for p in created:  # innermost first
                    try:
                        p.rmdir()
                    except OSError:
                        break


def _applied_parameters(model, set_by_options: dict) -> dict:
    """The model parameters as text in the file's units; a parameter that a protocol option
    set is recorded as that option's value."""
    from spikemod.params import _in_unit
    params = model.as_strings()
    for key, (option, value, origin) in (set_by_options or {}).items():
        if key not in params:
            continue
        if origin == "fixed":
            params[key] = f"{value} (set by {option} itself)"
        elif origin == "scales":
            try:
                factor = float(parse_quantity(value))
            except (ModelError, TypeError, ValueError):
                continue
            applied = _in_unit(float(model[key]) * factor, model.entries[key].unit)
            params[key] = f"{applied} (= {params[key]} x {value} by {option})"
        else:
            params[key] = f"{value} (by {option}, {origin})" if origin != "option" \
                else f"{value} (by {option})"
    return params


def run_module(module, ctx: Context, args) -> None:
    """``module.run(ctx, args)`` with the model's floating-point precision (``sim.precision``)."""
    with float_precision(ctx.model["sim.precision"]):
        module.run(ctx, args)


def run_protocol(module, args, model, argv=(), extra_provenance=None) -> Path:
    """Run a validated protocol and publish its outputs; returns the output directory.

    ``extra_provenance`` (optional) is merged into provenance.json (e.g. ``spikemod collect``
    records where the simulation ran)."""
    out = Path(args.out or Path("results") / module.NAME)
    started = now()
    t0 = time.time()
    set_by_options = getattr(args, "_set_by_options", {})
    quiet_logging(getattr(args, "verbose", False))
    with _staging(out, force=getattr(args, "force", False)) as staging, \
            build_progress(module.NAME, quiet=args.quiet):
        ctx = Context(module.NAME, model, args.device, args.seed, out, staging, _options(args),
                      quiet=args.quiet, build_dir=args.build_dir)
        ctx.extra_provenance.update(extra_provenance or {})
        run_module(module, ctx, args)
        prov = provenance_record(module.NAME, model, args.device, args.seed, ctx.options,
                                 started,
                                 extra={"protocol_args": list(argv),
                                        "parameters": _applied_parameters(model, set_by_options),
                                        "set_by_options": {k: {"option": o, "value": v,
                                                               "from": f}
                                                           for k, (o, v, f)
                                                           in set_by_options.items()},
                                        "wall_time_s": round(time.time() - t0, 3),
                                        "files": list(ctx.files), **ctx.extra_provenance})
        write_json(staging / "provenance.json", prov)
    ctx.log(f"wrote {', '.join(ctx.files + ['provenance.json'])} to {out}")
    return out


#: loggers of third-party libraries that print INFO lines unless --verbose
_CHATTY = ("brian2", "brian2cuda", "distributed", "numba", "matplotlib", "h5py", "hdmf",
           "pynwb", "neo", "nixio")


def quiet_logging(verbose: bool = False) -> None:
    """Show third-party INFO messages only with ``--verbose`` (warnings always)."""
    level = logging.INFO if verbose else logging.WARNING
    for name in _CHATTY:
        logging.getLogger(name).setLevel(level if name != "brian2" else logging.DEBUG)
    try:
        from brian2.utils.logger import BrianLogger
        if BrianLogger.console_handler is not None:
            BrianLogger.console_handler.setLevel(level)
    except ImportError:   # pragma: no cover - brian2 is a dependency
        pass


def protocol_main(module_or_name, argv=None, prog=None) -> int:
    """Entry point of ``python protocols/<name>.py`` and ``spikemod run <name>``.

    Parameters
    ----------
    module_or_name : module or str
        The protocol module (``NAME``, ``add_arguments``, optional ``validate``, ``run``), or
        its name in ``sys.modules`` (``__name__`` in a protocol script).
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``).
    prog : str, optional
        Program name in messages (default ``spikemod run NAME`` or ``protocols/<file>``).

    Returns
    -------
    int
        The exit code: 0 done, 2 a user mistake (one line), 1 a full disk (one line), 130
        interrupted (Ctrl-C).

    Raises
    ------
    Exception
        Anything that is not a user mistake (a bug) propagates with its traceback.

    Example
    -------
    The last lines of a protocol file (``protocols/example.py``)::

        if __name__ == "__main__":
            raise SystemExit(spikemod.protocol_main(__name__))
    """
    module = sys.modules[module_or_name] if isinstance(module_or_name, str) else module_or_name
    argv = sys.argv[1:] if argv is None else list(argv)
    prog = prog or (f"protocols/{Path(module.__file__).name}" if module.__name__ == "__main__"
                    else None)

    def _run():
        args, model = prepare(module, argv, prog)
        run_protocol(module, args, model, argv)
        return 0
    return guarded(prog or f"spikemod run {module.NAME}", _run)


@contextmanager
def interruptible():
    """Ctrl-C raises KeyboardInterrupt at once (Brian2's own handler would only stop the
    current ``run`` and let the next one start); restored on leaving."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


def guarded(prog: str, fn, *args) -> int:
    """Call ``fn(*args)``; a user mistake becomes one line on stderr and exit code 2.

    A full disk is one line and exit code 1, an unwritable file one line and exit code 2,
    Ctrl-C one line and exit code 130 (never a traceback, never Brian2's bug report banner).
    """
    try:
        with interruptible():
            return int(fn(*args) or 0)
    except USER_ERRORS as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; nothing more was written", file=sys.stderr)
        return 130
    except OSError as exc:
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        if exc.errno in _NO_SPACE:
            print(f"{prog}: error: no space left on the device{where}; nothing was written",
                  file=sys.stderr)
            return 1
        if exc.errno in _NOT_WRITABLE:
            print(f"{prog}: error: {exc.strerror}{where}; nothing was written", file=sys.stderr)
            return 2
        raise
