"""Model files: TOML parameter sets whose values carry Brian2 units.

A model file is a TOML document of sections (``[soma]``, ``[dend]``, ...) whose entries are
inline tables ``{value = 150, unit = "pF", source = "W25 (Ce)"}``. The default model
(``models/l5_default.toml``) is also the schema: any other model file names it as
``[meta] base = "l5_default.toml"`` and may only override keys that exist there, with the same
physical dimension. Overrides on the command line (``--set soma.a=0.02/ms``) obey the same rules.

Rules of an entry: its physical dimension, an optional ``range`` (sign, probability),
``min``/``max`` in the entry's unit and ``above``/``below`` another key (``vr < vt < v_peak``),
with ``why``, the reason given in the message; ``sim.dt`` has a maximum for the Euler-integrated
cells. Relations are checked after the model file and all overrides are applied.

Every rule violation raises :class:`ModelError`, whose message is one line naming the key, the
bad value and what is allowed.
"""

from __future__ import annotations

import ast
import copy
import difflib
import hashlib
import importlib.resources
import json
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from brian2 import Quantity, Unit, ms, second, umetre
import brian2.units as _brian_units
from brian2.units import allunits as _allunits
from brian2.units.fundamentalunits import DIMENSIONLESS, get_dimensions, get_unit

__all__ = ["ModelError", "Model", "load_model", "parse_quantity", "DEFAULT_MODEL", "MODELS_DIR"]

#: the model files: package data ``spikemod.models`` (``models/`` of the repository, mapped in
#: by setup.py), found the same way in a wheel and in an editable install
MODELS_DIR = Path(str(importlib.resources.files("spikemod.models")))
DEFAULT_MODEL = MODELS_DIR / "l5_default.toml"

RANGES = {
    "positive": (lambda x: x > 0, "> 0"),
    "nonnegative": (lambda x: x >= 0, ">= 0"),
    "negative": (lambda x: x < 0, "< 0"),
    "nonpositive": (lambda x: x <= 0, "<= 0"),
    "probability": (lambda x: 0 <= x <= 1, "in [0, 1]"),
}

_UNITS = {n: u for n, u in {**vars(_allunits), **vars(_brian_units)}.items()
          if isinstance(u, Unit) and not n.startswith("_")}
_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load,
                  ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)


#: fields of an entry of the default model (the schema); ``min``/``max`` are in the entry's
#: unit, ``above``/``below`` name another key (``"vr"`` = same section, or ``"soma.vr"``) that
#: the value must exceed / stay under, ``why`` is the reason shown when a bound is broken
_SCHEMA_FIELDS = {"value", "unit", "source", "range", "choices", "min", "max", "above", "below",
                  "why"}


from spikemod.errors import ModelError  # noqa: E402  (one home for the user errors)


def _eval_unit_expr(text: str, what: str):
    """Evaluate ``text`` (numbers, Brian2 unit names, + - * / **) without ``eval``'s reach."""
    # '150 pF' and '150pF' both mean 150*pF (a number, then a unit name, with or without space)
    src = re.sub(r"(?<![A-Za-z_0-9.])(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)(?![eE][+-]?\d)\s*(?=[A-Za-z_(])",
                 r"\1*", text.strip())
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError:
        raise ModelError(f"{what}: cannot read {text!r} as a number with a unit "
                         "(write e.g. '150 pF', '0.02/ms', '2.5 nS/mV')") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ModelError(f"{what}: {text!r} is not a number with a unit (only numbers, unit "
                             "names and + - * / ** are allowed)")
        if isinstance(node, ast.Name) and node.id not in _UNITS:
            close = difflib.get_close_matches(node.id, _UNITS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ModelError(f"{what}: unknown unit {node.id!r} in {text!r}{hint}")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise ModelError(f"{what}: {text!r} is not a number with a unit")

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return _UNITS[node.id]
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        left, right = ev(node.left), ev(node.right)
        op = node.op
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            return left * right
        if isinstance(op, ast.Div):
            return left / right
        return left ** right

    try:
        return ev(tree)
    except Exception as exc:  # dimension mismatch in a sum, division by zero, ...
        raise ModelError(f"{what}: cannot evaluate {text!r}: {exc}".splitlines()[0]) from None


def parse_quantity(text: str, what: str = "value") -> Quantity:
    """Parse ``'150 pF'``, ``'0.02/ms'`` or ``'1'`` into a Brian2 quantity."""
    return Quantity(_eval_unit_expr(str(text), what))


def _dim_name(q) -> str:
    dim = get_dimensions(q)
    return "dimensionless" if dim is DIMENSIONLESS else f"units of {get_unit(dim)!s}"


@dataclass
class Entry:
    """One parameter: its value (a Quantity, bool or str), source and rules."""

    value: object
    source: str
    unit: str | None = None
    range: str | None = None
    choices: list | None = None
    bounds: dict | None = None     # {'min', 'max' (SI floats), 'above', 'below' (keys), 'why'}


def _is_entry(d) -> bool:
    return isinstance(d, dict) and "value" in d


def _flatten(doc: dict, prefix: str = "") -> dict:
    out = {}
    for key, val in doc.items():
        path = f"{prefix}{key}"
        if _is_entry(val) or not isinstance(val, dict):
            out[path] = val
        else:
            out.update(_flatten(val, path + "."))
    return out


def _entry_from_schema(key: str, raw) -> Entry:
    """Build an entry of the schema (the default model): units and sources are required."""
    if not _is_entry(raw):
        raise ModelError(f"{key}: every entry of the default model needs value, unit and source")
    if "source" not in raw:
        raise ModelError(f"{key}: missing 'source' (every parameter names where it comes from)")
    val = raw["value"]
    rng, choices = raw.get("range"), raw.get("choices")
    if rng is not None and rng not in RANGES:
        raise ModelError(f"{key}: unknown range {rng!r} (allowed: {', '.join(RANGES)})")
    unknown = set(raw) - _SCHEMA_FIELDS
    if unknown:
        raise ModelError(f"{key}: unknown field(s) {', '.join(sorted(unknown))} (allowed: "
                         f"{', '.join(sorted(_SCHEMA_FIELDS))})")
    if isinstance(val, bool) or isinstance(val, str):
        return Entry(val, raw["source"], None, rng, choices)
    if "unit" not in raw:
        raise ModelError(f"{key}: missing unit (write e.g. unit = \"mV\", or \"1\" if dimensionless)")
    unit = parse_quantity(raw["unit"], f"{key}.unit")
    q = float(val) * unit
    bounds = {k: raw[k] for k in ("above", "below", "why") if k in raw}
    for k in ("min", "max"):
        if k in raw:
            bounds[k] = float(raw[k] * unit)
    for k in ("above", "below"):
        if k in bounds and "." not in bounds[k]:      # a key of the same section
            bounds[k] = f"{key.rsplit('.', 1)[0]}.{bounds[k]}"
    return Entry(Quantity(q), raw["source"], raw["unit"], rng, choices, bounds or None)


class Model:
    """A resolved parameter set: ``model['soma.C']`` is ``150*pF``.

    Attributes: ``path`` (the model file), ``file_sha256`` (hash of its bytes, and of its base
    file's), ``overrides`` (the ``--set`` strings applied), ``sha256`` (hash of the resolved
    parameters, so two runs with the same hash used the same numbers).
    """

    def __init__(self, entries: dict, path: Path, file_sha256: str, meta: dict):
        self.entries = entries
        self.path = Path(path)
        self.file_sha256 = file_sha256
        self.meta = meta
        self.overrides: list[str] = []

    # -- access ----------------------------------------------------------------------------
    def __getitem__(self, key: str):
        if key not in self.entries:
            raise ModelError(f"unknown parameter {key!r}{_suggest(key, self.entries)}")
        return self.entries[key].value

    def __contains__(self, key):
        return key in self.entries

    def keys(self):
        return self.entries.keys()

    def section(self, name: str) -> dict:
        """All parameters of a section as ``{short_name: value}``."""
        pre = name + "."
        out = {k[len(pre):]: e.value for k, e in self.entries.items() if k.startswith(pre)}
        if not out:
            raise ModelError(f"unknown section {name!r} (sections: {', '.join(self.sections())})")
        return out

    def sections(self):
        return sorted({k.split(".")[0] for k in self.entries})

    def source(self, key: str) -> str:
        return self.entries[key].source

    # -- changes ---------------------------------------------------------------------------
    def copy(self) -> "Model":
        new = Model(copy.deepcopy(self.entries), self.path, self.file_sha256, dict(self.meta))
        new.overrides = list(self.overrides)
        return new

    def set(self, key: str, value, source: str = "override") -> None:
        """Set ``key`` from a string (``'0.02/ms'``) or a value, checking dimension and range."""
        if key not in self.entries:
            raise ModelError(f"unknown parameter {key!r}{_suggest(key, self.entries)}")
        self.entries[key] = _checked(key, value, self.entries[key], source)

    def apply_overrides(self, items) -> "Model":
        """Apply ``['soma.a=0.02/ms', ...]`` in order; returns self."""
        for item in items or []:
            if "=" not in item:
                raise ModelError(f"--set {item!r}: expected key=value, e.g. soma.a=0.02/ms")
            key, value = (s.strip() for s in item.split("=", 1))
            self.set(key, value, source=f"--set {item}")
            self.overrides.append(item)
        return self

    # -- identity --------------------------------------------------------------------------
    def as_strings(self) -> dict:
        """``{key: 'value'}`` in the model file's own units (``'-75 mV'``), as written to
        provenance; every string reads back (``--set key=...``) to the same value."""
        out = {}
        for k, e in self.entries.items():
            v = e.value
            if isinstance(v, (bool, str)):
                out[k] = repr(v)
            else:
                out[k] = _in_unit(float(v), e.unit)
        return out

    def format(self, key: str) -> str:
        """The value of ``key`` as text in its model-file unit (``'-75 mV'``)."""
        e = self.entries[key]
        if isinstance(e.value, (bool, str)):
            return str(e.value)
        return _in_unit(float(e.value), e.unit)

    @property
    def sha256(self) -> str:
        # SI base-unit strings: the hash does not depend on how units are written
        blob = json.dumps({k: repr(e.value) if isinstance(e.value, (bool, str))
                           else _quantity_str(e.value) for k, e in self.entries.items()},
                          sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()

    @property
    def name(self) -> str:
        return self.meta.get("name", self.path.stem)


def _quantity_str(q) -> str:
    """A string with a unit that ``parse_quantity`` reads back to the same float."""
    q = Quantity(q)
    dim = get_dimensions(q)
    if dim is DIMENSIONLESS:
        return repr(float(q))
    # the SI value times SI base units, so that the text reads back to the very same float
    base = ("metre", "kilogram", "second", "amp", "kelvin", "mole", "candela")
    unit = " * ".join(f"{n}**{p:g}" if p != 1 else n for n, p in zip(base, dim._dims) if p)
    return f"{float(q)!r} * {unit}"


def _in_unit(si_value: float, unit: str | None) -> str:
    """``-0.075`` in ``'mV'`` -> ``'-75 mV'``: the shortest text that reads back to the float
    (``parse_quantity``), else 17 significant digits (equal to within rounding of the unit)."""
    if unit is None:
        return repr(si_value)
    scale = float(parse_quantity(unit))
    x = si_value / scale
    if not math.isfinite(x):
        return repr(x) if unit == "1" else f"{x!r} {unit}"
    for digits in (12, 15, 17):
        text = f"{x:.{digits}g}"
        full = (text if unit == "1" else f"{text}{unit[1:]}" if unit.startswith("1/")
                else f"{text} {unit}")
        if float(parse_quantity(full)) == si_value:
            return full
    return full


def _suggest(key, keys) -> str:
    close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else "see models/l5_default.toml for the keys"
    sections = sorted({k.split(".")[0] for k in keys})
    section = key.split(".")[0] if "." in key else None
    if section is not None and section not in sections:  # a population/section that does not exist
        return f" (no section or population {section!r}; sections: {', '.join(sections)}; {hint})"
    return f" ({hint})"


def _checked(key: str, raw, schema: Entry, source: str) -> Entry:
    """Validate a new value for ``key`` against its schema entry and return the new Entry."""
    if _is_entry(raw):
        src = raw.get("source", source)
        if isinstance(raw["value"], (bool, str)) or schema.unit is None:
            value = raw["value"]
        else:
            if "unit" not in raw:
                raise ModelError(f"{key}: missing unit (expected {_dim_name(schema.value)}, "
                                 f"e.g. unit = \"{schema.unit}\")")
            value = float(raw["value"]) * parse_quantity(raw["unit"], f"{key}.unit")
    else:
        src, value = source, raw
    if isinstance(schema.value, bool):
        if isinstance(value, str):
            if value.lower() not in ("true", "false"):
                raise ModelError(f"{key}: {value!r} is not allowed (expected true or false)")
            value = value.lower() == "true"
        if not isinstance(value, bool):
            raise ModelError(f"{key}: {value!r} is not allowed (expected true or false)")
        return Entry(value, src, None, None, None)
    if isinstance(schema.value, str):
        value = str(value).strip().strip("'\"")
        if schema.choices and value not in schema.choices:
            raise ModelError(f"{key}: {value!r} is not allowed (choices: {', '.join(schema.choices)})")
        return Entry(value, src, None, None, schema.choices)
    if isinstance(value, str):
        text = value
        value = parse_quantity(value, key)
    else:
        text = str(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = Quantity(value)
    if not isinstance(value, Quantity):
        raise ModelError(f"{key}: {raw!r} is not a number with a unit")
    want, got = get_dimensions(schema.value), get_dimensions(value)
    if want is not got:
        if got is DIMENSIONLESS:
            raise ModelError(f"{key}: {text!r} has no unit (expected {_dim_name(schema.value)}, "
                             f"e.g. '{float(schema.value / parse_quantity(schema.unit)):g} {schema.unit}')")
        raise ModelError(f"{key}: {text!r} has {_dim_name(value)}, expected "
                         f"{_dim_name(schema.value)} (e.g. '{float(schema.value / parse_quantity(schema.unit)):g} {schema.unit}')")
    x = float(value)
    # infinity only where the default is infinite (a bound that is off, e.g. an uncapped NMDA)
    if not math.isfinite(x) and not (math.isinf(x) and math.isinf(float(schema.value))):
        raise ModelError(f"{key}: {text!r} is not finite")
    if schema.range:
        ok, desc = RANGES[schema.range]
        if not ok(x):
            raise ModelError(f"{key}: {text!r} is not allowed (must be {desc})")
    b = schema.bounds or {}
    why = f": {b['why']}" if b.get("why") else ""
    if "min" in b and x < b["min"]:
        raise ModelError(f"{key}: {text!r} is not allowed (must be >= "
                         f"{_in_unit(b['min'], schema.unit)}{why})")
    if "max" in b and x > b["max"]:
        raise ModelError(f"{key}: {text!r} is not allowed (must be <= "
                         f"{_in_unit(b['max'], schema.unit)}{why})")
    return Entry(Quantity(value), src, schema.unit, schema.range, schema.choices, schema.bounds)


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ModelError(f"model file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ModelError(f"model file {str(path)!r} is a directory, expected a .toml file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"model file {str(path)!r} is not valid TOML: {exc}") from None


def _schema() -> tuple[dict, dict, str]:
    doc = _read_toml(DEFAULT_MODEL)
    meta = doc.pop("meta", {})
    flat = _flatten(doc)
    entries = {k: _entry_from_schema(k, v) for k, v in flat.items()}
    return entries, meta, hashlib.sha256(DEFAULT_MODEL.read_bytes()).hexdigest()


def load_model(path=None, overrides=None) -> Model:
    """Load a model file (default: ``models/l5_default.toml``) and apply ``--set`` overrides.

    Parameters
    ----------
    path : str or Path, optional
        A TOML model file. Files other than the default are read as overrides of their base
        (``[meta] base``, default ``l5_default.toml``): they may list only some keys.
    overrides : list of str, optional
        ``'section.key=value'`` strings, e.g. ``'soma.a=0.02/ms'``, ``'coupling.g_c=0.5'``.

    Returns
    -------
    Model
        The resolved parameters: ``model["soma.C"]`` is a Brian2 quantity with its unit,
        ``model.section("soma")`` a dict of one section.

    Raises
    ------
    ModelError
        One line naming the key, the bad value and what is allowed: an unknown key, a missing
        or wrong unit, a value out of range, a bad override, an unstable diffusion step, a
        model file that does not exist or is not valid TOML.

    Example
    -------
    >>> model = load_model(overrides=["coupling.g_c=0.5"])
    >>> float(model["coupling.g_c"])
    0.5
    """
    entries, meta, digest = _schema()
    path = Path(path) if path is not None else DEFAULT_MODEL
    if path.resolve() != DEFAULT_MODEL.resolve():
        doc = _read_toml(path)
        meta_over = doc.pop("meta", {})
        base = meta_over.get("base", DEFAULT_MODEL.name)
        if (path.parent / base).resolve() != DEFAULT_MODEL.resolve() and \
                (MODELS_DIR / base).resolve() != DEFAULT_MODEL.resolve():
            raise ModelError(f"{path}: meta.base {base!r} is not allowed (the only base is "
                             f"{DEFAULT_MODEL.name!r})")
        for key, raw in _flatten(doc).items():
            if key not in entries:
                raise ModelError(f"{path.name}: unknown parameter {key!r}{_suggest(key, entries)}")
            entries[key] = _checked(key, raw, entries[key], source=f"{path.name}")
        meta = {**meta, **meta_over}
        digest = hashlib.sha256(digest.encode() + path.read_bytes()).hexdigest()
    model = Model(entries, path, digest, meta)
    model.apply_overrides(overrides)
    _check_cross_parameter_rules(model)
    return model


def _check_cross_parameter_rules(model: Model) -> None:
    """Rules that involve several parameters, checked before anything is built.

    The explicit diffusion scheme of the modulator grid must be stable for the model's
    ``diffusion.dt`` and ``diffusion.dx`` (MODEL.md s5; :func:`check_stability`).
    """
    for key, e in model.entries.items():
        b = e.bounds or {}
        for rel, ok in (("above", lambda x, y: x > y), ("below", lambda x, y: x < y)):
            other = b.get(rel)
            if other is None or other not in model.entries:
                continue
            x, y = float(model[key]), float(model[other])
            if not ok(x, y):
                why = f": {b['why']}" if b.get("why") else ""
                raise ModelError(f"{key} = {model.format(key)} is not allowed (must be {rel} "
                                 f"{other} = {model.format(other)}{why})")
    if "diffusion.dt" in model.entries:
        checked_diffusion_params(model)
    if ("sim.semi_implicit" in model.entries and bool(model["sim.semi_implicit"])
            and model["sim.method"] != "euler"):
        raise ModelError(f"sim.method = {model['sim.method']} is not allowed with "
                         "sim.semi_implicit = true (W25's semi-implicit soma is a forward-Euler "
                         "step): use sim.method=euler or set sim.semi_implicit=false")


# ---------------------------------------------------------------------------------------------
# The modulator grid's diffusion section and the stability of its explicit scheme (MODEL.md s5).
# Here rather than in spikemod.diffusion because load_model checks them and spikemod.diffusion
# imports this module (no import cycle); spikemod.diffusion re-exports them.
def stability_limit(dx, D_star, ndim: int = 3, decay=0 / second, uptake_rate=0 / second):
    """Largest stable FTCS step ``dx^2 / (2 ndim D* + k dx^2/2)`` with ``k = decay + uptake``."""
    k = decay + uptake_rate
    return dx ** 2 / (2 * ndim * D_star + k * dx ** 2 / 2)


def check_stability(dt, dx, D_star, ndim: int = 3, decay=0 / second, uptake_rate=0 / second,
                    what: str = "diffusion.dt"):
    """Refuse a time step that makes the explicit diffusion scheme unstable.

    Raises :class:`ModelError` naming the step and the limit
    ``dt <= dx^2/(2 ndim D*)`` (lower with decay/uptake, see :func:`stability_limit`).
    Returns the limit.
    """
    if int(ndim) not in (2, 3):
        raise ModelError(f"diffusion.ndim: {ndim!r} is not allowed (allowed: 2, 3)")
    limit = stability_limit(dx, D_star, ndim, decay, uptake_rate)
    if float(dt) > float(limit) * (1 + 1e-12):
        k = float((decay + uptake_rate) * second)
        extra = f" + (lambda + V_max/K_m) dx^2/2 with lambda + V_max/K_m = {k:g}/s" if k else ""
        raise ModelError(
            f"{what}: {float(dt / ms):g} ms is unstable for the explicit diffusion scheme "
            f"(need dt <= dx^2/(2*ndim*D*{extra}) = {float(limit / ms):.4g} ms with "
            f"dx = {float(dx / umetre):g} um, ndim = {int(ndim)}, "
            f"D* = {float(D_star / (umetre ** 2 / second)):.4g} um^2/s)")
    return limit


def diffusion_section(model, overrides: dict | None = None) -> dict:
    """The ``diffusion`` section (with overrides) as a dict, ``D_star`` added, not checked."""
    p = dict(model.section("diffusion"))
    p.update(overrides or {})
    p["ndim"] = int(round(float(p["ndim"])))
    p["n_side"] = int(round(float(p["n_side"])))
    p["D_star"] = p["D"] / float(p["tortuosity"]) ** 2
    return p


def checked_diffusion_params(model, overrides: dict | None = None) -> dict:
    """The ``diffusion`` section (with overrides), ``D_star`` added, stability checked."""
    p = diffusion_section(model, overrides)
    uptake_rate = p["V_max"] / p["K_m"] if p["uptake"] else 0 / second
    check_stability(p["dt"], p["dx"], p["D_star"], p["ndim"], p["decay"], uptake_rate)
    if p["n_side"] < 1:
        raise ModelError(f"diffusion.n_side: {p['n_side']} is not allowed (at least 1)")
    return p
