"""Issue 15, part 1: one rule for parameters, and provenance that records what was applied.

A protocol option that sets a model parameter (``sets="coupling.g_c"``) and ``--set``/``--grid``
of that parameter cannot both be given; ``--set`` alone takes the option's place, so the value
given is the value simulated. The README's sweep example varies g_c.
"""

import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

from spikemod.protocol import load_protocol, parameter_options, prepare, protocol_main

README = Path(__file__).resolve().parent.parent / "README.md"
TINY = ["--device", "runtime", "--i-soma", "800,1200", "--i-dend", "0", "--duration", "0.05",
        "--burn-in", "0", "--quiet"]


def test_every_protocol_option_that_sets_a_parameter_names_a_real_key(model):
    """Declarations point at keys of the model (a renamed key would silently stop the rule)."""
    from spikemod.protocol import build_parser, list_protocols
    declared = {}
    for name in list_protocols():
        parser = build_parser(load_protocol(name))
        for dest, (option, key) in parameter_options(parser).items():
            assert key in model, (name, option, key)
            declared[(name, option)] = key
    assert declared[("fi-gain", "--coupling")] == "coupling.g_c"
    assert declared[("network-gain", "--coupling")] == "coupling.g_c"
    assert declared[("network-gain", "--drive")] == "drive.rate_soma"


def test_set_alone_takes_the_options_place():
    module = load_protocol("fi-gain")
    args, model = prepare(module, TINY + ["--set", "coupling.g_c=0.25"])
    np.testing.assert_array_equal(args.g_c, [0.25])        # not the default 0,0.25,0.5,1
    args, _ = prepare(module, TINY)
    np.testing.assert_array_equal(args.g_c, [0, 0.25, 0.5, 1])
    args, _ = prepare(load_protocol("network-gain"),
                      ["--device", "runtime", "--set", "drive.rate_soma=0.7kHz"])
    np.testing.assert_allclose(args.drive_Hz, [700.0])


def test_option_and_set_of_the_same_parameter_is_one_line(tmp_path, capsys):
    rc = protocol_main(load_protocol("fi-gain"),
                       TINY + ["--coupling", "1", "--set", "coupling.g_c=0",
                               "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err
    assert "--coupling 1" in err and "--set coupling.g_c=0" in err
    assert list(tmp_path.iterdir()) == []


def test_provenance_records_what_was_applied(tmp_path):
    """The coupling simulated is the --set value; parameters are in the file's own units."""
    out = tmp_path / "run"
    assert protocol_main(load_protocol("fi-gain"),
                         TINY + ["--set", "coupling.g_c=0", "--out", str(out)]) == 0
    prov = json.loads((out / "provenance.json").read_text())
    rows = (out / "fi_gain.csv").read_text().splitlines()
    couplings = {r.split(",")[2] for r in rows[1:]}
    assert couplings == {"0.0"}                                 # applied, not g_c = 1
    assert prov["overrides"] == ["coupling.g_c=0"]
    assert prov["set_by_options"]["coupling.g_c"] == {
        "option": "--coupling", "value": "0", "from": "--set coupling.g_c=0"}
    assert prov["parameters"]["coupling.g_c"].startswith("0 (by --coupling")
    assert prov["parameters"]["soma.vr"] == "-75 mV"
    assert prov["parameters"]["soma.C"] == "150 pF"
    assert prov["parameters"]["soma.a"] == "0.01/ms"
    assert prov["parameters"]["sim.dt"] == "0.1 ms"
    assert not any("metre" in v for v in prov["parameters"].values())
    # the default grid of an option is recorded as what ran
    out2 = tmp_path / "run2"
    assert protocol_main(load_protocol("fi-gain"), TINY + ["--out", str(out2)]) == 0
    prov2 = json.loads((out2 / "provenance.json").read_text())
    assert prov2["parameters"]["coupling.g_c"] == "0,0.25,0.5,1 (by --coupling, default)"


def test_rerun_of_a_set_run_gives_the_option_once(tmp_path):
    from spikemod.commands.rerun import rerun_argv
    out = tmp_path / "run"
    assert protocol_main(load_protocol("fi-gain"),
                         TINY + ["--set", "coupling.g_c=0.5", "--out", str(out)]) == 0
    prov = json.loads((out / "provenance.json").read_text())
    module = load_protocol("fi-gain")
    argv = rerun_argv(module, prov)
    assert "--coupling" not in argv and "coupling.g_c=0.5" in argv
    args, _ = prepare(module, argv)
    np.testing.assert_array_equal(args.g_c, [0.5])


def test_model_parameters_read_back_from_provenance_text(model):
    """Every provenance string reads back (as --set) to the same value."""
    from spikemod.params import parse_quantity
    for key, text in model.as_strings().items():
        e = model.entries[key]
        if isinstance(e.value, (bool, str)) or not np.isfinite(float(e.value)):
            continue
        assert float(parse_quantity(text)) == pytest.approx(float(e.value), rel=1e-15, abs=0), key


def _readme_sweep_line() -> list[str]:
    for line in README.read_text().splitlines():
        if line.startswith("spikemod sweep fi-gain") and "coupling.g_c" in line:
            return shlex.split(line.split("#")[0])[2:]
    raise AssertionError("README has no fi-gain sweep example")


def test_readme_sweep_example_varies_g_c():
    """Every point of the README's sweep runs fi-gain at its own g_c (it used to run the
    --coupling default at every point and give identical files)."""
    from spikemod.commands.sweep import _sweep_parser
    from spikemod.sweep import parse_grid, plan_points
    argv = _readme_sweep_line()
    module = load_protocol(argv[0])
    opts, proto_argv = _sweep_parser(module.NAME).parse_known_args(argv[1:])
    axes = parse_grid(opts.grid, module)
    points = plan_points(module, axes, proto_argv, [1])
    assert len(points) == 6 and len({p.hash for p in points}) == 6
    seen = set()
    for p in points:
        args, _ = prepare(module, p.argv)
        assert args.g_c.tolist() == [float(p.values["coupling.g_c"])]
        seen.add((args.g_c[0], args.I_dend[0]))
    assert seen == {(g, i) for g in (0.0, 0.5, 1.0) for i in (0.0, 800.0)}
    assert re.search(r"--grid coupling\.g_c=0,0\.5,1", README.read_text())


def test_a_factor_option_combines_with_set_and_provenance_shows_the_product():
    """--ee-scale is a factor on connectivity.EE_A: --set EE_A and the factor both apply, and
    provenance records the product, not the unscaled --set value."""
    from spikemod.protocol import _applied_parameters
    module = load_protocol("network-gain")
    args, model = prepare(module, ["--device", "runtime", "--set", "connectivity.EE_A=2nS",
                                   "--ee-scale", "0.5"])
    assert args.ee == 0.5
    params = _applied_parameters(model, args._set_by_options)
    assert params["connectivity.EE_A"] == "1 nS (= 2 nS x 0.5 by --ee-scale)"


def test_a_parameter_the_protocol_fixes_is_recorded_as_such():
    from spikemod.protocol import _applied_parameters
    args, model = prepare(load_protocol("stdp-burst"), ["--device", "runtime"])
    params = _applied_parameters(model, args._set_by_options)
    assert params["coupling.g_c"] == "g_c = 1 in burst, 0 in no_burst (set by stdp-burst itself)"
    args, model = prepare(load_protocol("rivalry"), ["--device", "runtime"])
    assert "rivalry" in _applied_parameters(model, args._set_by_options)["synapses.nmda_cap"]
