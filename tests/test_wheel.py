"""Install anywhere (issue 16): the wheel carries the model files and the protocols.

The source distribution of this checkout is built and its wheel installed, not editable and
without dependencies, into a fresh virtual environment. The dependencies come from the
environment running the tests: a ``.pth`` file appends its site-packages (and the import lines
of its ``.pth`` files, e.g. setuptools' distutils shim) but not its editable spikemod, so
spikemod can only come from the wheel. From a directory outside the repository the test runs
``spikemod protocols`` (every protocol listed), one protocol (``bac``) and the README's "Use it
from Python" example. Slow (tests/conftest.py): about a minute.
"""

import json
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(cmd, cwd, env, **kw):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, **kw)
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _deps_pth(deps: Path) -> str:
    """A .pth that appends ``deps`` and repeats its .pth files, except spikemod's own."""
    lines = [str(deps)]
    for pth in sorted(deps.glob("*.pth")):
        if "spikemod" in pth.name:
            continue
        for line in pth.read_text().splitlines():
            if line.startswith(("import ", "import\t")):
                lines.append(line)
            elif line.strip() and not line.startswith("#"):
                lines.append(str((deps / line.strip()).resolve()))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(python, spikemod command, environment, working directory outside the repository)."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "SPIKEMOD_PROTOCOLS", "VIRTUAL_ENV", "PYTHONHOME")}
    # sdist, then the wheel from the unpacked sdist (what `python -m build` does, offline)
    build = ("from setuptools import build_meta as b; import sys; "
             "print(b.build_sdist(sys.argv[1]))")
    sdist = _run([sys.executable, "-c", build, tmp / "dist"], ROOT, env).stdout.split()[-1]
    with tarfile.open(tmp / "dist" / sdist) as tar:
        tar.extractall(tmp / "src", filter="data")
    src = next((tmp / "src").iterdir())
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          "--wheel-dir", tmp / "dist", src], tmp, env)
    wheel = next((tmp / "dist").glob("spikemod-*.whl"))

    venv = tmp / "fresh"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp, env)
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     tmp, env).stdout.strip())
    (site / "zz_spikemod_test_deps.pth").write_text(_deps_pth(Path(sysconfig.get_paths()["purelib"])))
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
          "--no-index", wheel], tmp, env)
    work = tmp / "elsewhere"
    work.mkdir()
    env["SPIKEMOD_BUILD_DIR"] = str(tmp / "builds")
    return python, venv / "bin" / "spikemod", env, work


def test_spikemod_comes_from_the_wheel_with_its_data(installed):
    python, _, env, work = installed
    code = ("import json, spikemod, spikemod.params as p, spikemod.protocol as q; "
            "print(json.dumps([spikemod.__file__, str(p.DEFAULT_MODEL), str(q.PROTOCOLS_DIR)]))")
    files = [Path(f) for f in json.loads(_run([python, "-c", code], work, env).stdout)]
    venv = python.parent.parent
    for f in files:
        assert venv in f.parents and ROOT not in f.parents, f
    assert files[1].is_file() and (files[0].parent / "py.typed").is_file()


def test_spikemod_protocols_lists_every_protocol(installed):
    _, spikemod, env, work = installed
    out = _run([spikemod, "protocols"], work, env).stdout
    listed = {line.split()[0] for line in out.splitlines() if line.strip()}
    expected = {p.stem for p in (ROOT / "protocols").glob("*.py") if not p.stem.startswith("_")}
    assert listed == expected and "example" in listed


def test_a_protocol_runs_from_the_wheel(installed):
    _, spikemod, env, work = installed
    out = work / "bac"
    _run([spikemod, "run", "bac", "--device", "runtime", "--quiet", "--out", out], work, env)
    assert {p.name for p in out.iterdir()} == {"bac.csv", "bac.png", "provenance.json"}
    rows = (out / "bac.csv").read_text().splitlines()
    assert rows[0] == "condition,somatic_spikes,plateau_ms,peak_v_dend_mV" and len(rows) == 4
    prov = json.loads((out / "provenance.json").read_text())
    assert Path(prov["model_file"]).parent.name == "models"
    assert ROOT not in Path(prov["model_file"]).parents


def test_the_readme_python_example_runs_from_the_wheel(installed):
    python, _, env, work = installed
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Use it from Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    printed = re.search(r"It prints `([^`]*)`", section).group(1)
    proc = _run([python, "-"], work, env, input=code)
    assert proc.stdout.strip() == printed                 # the README states what it prints


def test_spikemod_protocols_fails_when_it_finds_none(installed, tmp_path):
    _, spikemod, env, work = installed
    proc = subprocess.run([str(spikemod), "protocols"], cwd=work, capture_output=True, text=True,
                          env={**env, "SPIKEMOD_PROTOCOLS": str(tmp_path)}, timeout=120)
    assert proc.returncode == 1 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and str(tmp_path) in proc.stderr
