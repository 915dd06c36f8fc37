"""Issue 15, part 3 and 5: clean failures and progress.

Unwritable output paths and a full disk end in one line (never a traceback or Brian2's bug
banner), nothing half-written; Ctrl-C stops at once with exit code 130; an existing result is
replaced only with --force, as a whole; files respect the umask; C++ builds say what they
compile and how far they are; third-party INFO logging only with --verbose.
"""

import errno
import logging
import os
import pathlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spikemod.cli import main as cli
from spikemod.protocol import load_protocol, protocol_main

TINY = ["--device", "runtime", "--i-soma", "800", "--i-dend", "0", "--coupling", "1",
        "--duration", "0.02", "--burn-in", "0", "--quiet"]
SPIKEMOD = str(Path(sys.executable).with_name("spikemod"))


def _tree(root: Path):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "Brian 2 encountered" not in err
    return lines[0]


def test_unwritable_out_is_one_line_before_simulating(tmp_path, capsys, monkeypatch):
    """Permission denied where --out goes (simulated: the tests may run as root)."""
    target = tmp_path / "locked"
    real_mkdir = pathlib.Path.mkdir

    def mkdir(self, *a, **k):
        if str(self).startswith(str(target)):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *a, **k)
    monkeypatch.setattr(pathlib.Path, "mkdir", mkdir)
    module = load_protocol("fi-gain")
    ran = []
    monkeypatch.setattr(module, "run", lambda ctx, args: ran.append(1))
    rc = protocol_main(module, TINY + ["--out", str(target / "res")])
    line = _one_line(capsys.readouterr().err)
    assert rc == 2 and "cannot write" in line and "Permission denied" in line
    assert ran == [] and _tree(tmp_path) == []


def test_out_below_a_file_subprocess(tmp_path):
    """A real unwritable place: --out below a regular file. One line, exit 2, no banner."""
    (tmp_path / "file").write_text("x")
    r = subprocess.run([SPIKEMOD, "run", "fi-gain", "--out", "file/res"] + TINY,
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    line = _one_line(r.stderr)
    assert r.returncode == 2 and "file/res" in line
    assert _tree(tmp_path) == ["file"]


def test_export_into_unwritable_directory(tmp_path, capsys, monkeypatch):
    from spikemod.io import export as ex
    from spikemod.io import write_spikes
    write_spikes(tmp_path / "run" / "spikes.h5", {"pyr": ([0], [0.1])}, t_stop=1.0)
    (tmp_path / "ro").mkdir()
    monkeypatch.setattr(ex.os, "access", lambda p, mode: Path(p) != tmp_path / "ro")
    rc = cli(["export", str(tmp_path / "run"), "--format", "nwb", "--out",
              str(tmp_path / "ro" / "s.nwb")])
    line = _one_line(capsys.readouterr().err)
    assert rc == 2 and "cannot write" in line
    assert list((tmp_path / "ro").iterdir()) == []


def test_permission_error_inside_a_writer_is_one_line(tmp_path, capsys, monkeypatch):
    """An access check that passes (root) but a write that is refused: still one line."""
    from spikemod.io import export as ex
    from spikemod.io import write_spikes
    write_spikes(tmp_path / "run" / "spikes.h5", {"pyr": ([0], [0.1])}, t_stop=1.0)

    def refused(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "x.tmp"))
    monkeypatch.setattr(ex.tempfile, "mkstemp", refused)
    rc = cli(["export", str(tmp_path / "run"), "--format", "csv", "--out",
              str(tmp_path / "s.csv")])
    line = _one_line(capsys.readouterr().err)
    assert rc == 2 and "Permission denied" in line and "x.tmp" in line
    assert _tree(tmp_path) == ["run", "run/spikes.h5"]


def _enospc(*a, **k):
    raise OSError(errno.ENOSPC, "No space left on device", "spikes.h5")


def test_full_disk_during_run(tmp_path, capsys, monkeypatch):
    """The spike writer hits ENOSPC: one line, exit 1, no --out, no staging directory left."""
    import spikemod.io.spikes as sp
    monkeypatch.setattr(sp, "write_spikes", _enospc)
    rc = protocol_main(load_protocol("fi-gain"), TINY + ["--out", str(tmp_path / "a" / "res")])
    line = _one_line(capsys.readouterr().err)
    assert rc == 1 and "no space left" in line
    assert _tree(tmp_path) == []


def test_full_disk_during_export(tmp_path, capsys, monkeypatch):
    from spikemod.io import export as ex
    from spikemod.io import write_spikes
    write_spikes(tmp_path / "run" / "spikes.h5", {"pyr": ([0], [0.1])}, t_stop=1.0)
    monkeypatch.setattr(ex.np, "savez", _enospc)
    rc = cli(["export", str(tmp_path / "run"), "--format", "npz", "--out",
              str(tmp_path / "s.npz")])
    line = _one_line(capsys.readouterr().err)
    assert rc == 1 and "no space left" in line
    assert _tree(tmp_path) == ["run", "run/spikes.h5"]


def test_force_replaces_the_whole_result(tmp_path, capsys):
    out = tmp_path / "res"
    assert protocol_main(load_protocol("fi-gain"), TINY + ["--out", str(out)]) == 0
    (out / "analysis.csv").write_text("stale\n")               # from an earlier analyze
    assert protocol_main(load_protocol("fi-gain"), TINY + ["--out", str(out), "--force"]) == 0
    assert not (out / "analysis.csv").exists()
    assert (out / "provenance.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["res"]     # no staging or old copy left


@pytest.mark.parametrize("mask,file_mode,dir_mode", [(0o022, 0o644, 0o755),
                                                     (0o077, 0o600, 0o700)])
def test_outputs_respect_the_umask(tmp_path, mask, file_mode, dir_mode):
    from spikemod.io import export as ex
    from spikemod.provenance import write_json
    old = os.umask(mask)
    try:
        out = tmp_path / "res"
        assert protocol_main(load_protocol("fi-gain"), TINY + ["--out", str(out)]) == 0
        for fmt in ex.FORMATS:
            ex.export(out, fmt, tmp_path / f"s.{fmt}")
        write_json(tmp_path / "sweep.json", {"a": 1})           # sweep files use the same writer
    finally:
        os.umask(old)
    assert (out.stat().st_mode & 0o777) == dir_mode
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} >= {".csv", ".png", ".json", ".h5", ".nwb", ".nix"}
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in files} == \
        {p.name: oct(file_mode) for p in files}


def _wait_for(pred, timeout):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if pred():
            return True
        time.sleep(0.2)
    return False


def test_ctrl_c_stops_a_multi_step_run_at_once(tmp_path):
    """network-gain runs one net.run per drive step; Brian2's own SIGINT handler only ended
    the current step and the next ones ran (then IndexError). Now: exit 130 at once."""
    cmd = [SPIKEMOD, "run", "network-gain", "--device", "runtime", "--drive", "300,400,500,600",
           "--dend-drive", "0", "--coupling", "1", "--step", "20", "--out", "res"]
    p = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        assert _wait_for(lambda: any(tmp_path.glob(".res.partial-*")), 120), "never started"
        time.sleep(3)                                            # inside the first step
        p.send_signal(signal.SIGINT)
        t0 = time.time()
        _, err = p.communicate(timeout=60)
        stopped_after = time.time() - t0
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err and "IndexError" not in err
    assert stopped_after < 30                    # not the remaining 3 steps of 20 s
    assert _tree(tmp_path) == []                 # nothing half-written, no staging left


# -- progress ----------------------------------------------------------------------------
MAKEFILE = """\
SRCS = a.cpp b.cpp c.cpp
OBJS = ${SRCS:.cpp=.o}
CXXFLAGS = -c -O0
main: $(OBJS)
\t$(CXX) $(OBJS) -o main
%.o : %.cpp makefile
\t$(CXX) $(CXXFLAGS) $< -o $@
"""


@pytest.mark.skipif(not any(Path(d, "g++").exists() for d in os.environ["PATH"].split(":")),
                    reason="needs g++")
def test_cpp_compile_says_what_and_how_far(tmp_path, capsys):
    """compile_cpp on a small project: names the count and directory, counts to the end, and
    says 'up to date' when nothing is left to compile."""
    from spikemod.device import build_progress, compile_cpp
    for name, body in [("a", "int main(){return 0;}"), ("b", "int b(){return 1;}"),
                       ("c", "int c(){return 2;}")]:
        (tmp_path / f"{name}.cpp").write_text(body + "\n")
    (tmp_path / "makefile").write_text(MAKEFILE)
    with build_progress("demo"):
        assert compile_cpp(tmp_path) == 3
    err = capsys.readouterr().err
    assert f"demo: compiling 3 C++ files in {tmp_path}" in err
    assert "3/3" in err
    with build_progress("demo"):
        assert compile_cpp(tmp_path) == 0
    assert "up to date" in capsys.readouterr().err
    with build_progress("demo", quiet=True):
        (tmp_path / "b.cpp").write_text("int b(){return 5;}\n")
        assert compile_cpp(tmp_path) == 1
    assert capsys.readouterr().err == ""
    (tmp_path / "c.cpp").write_text("this is not C++\n")
    with pytest.raises(RuntimeError, match="C\\+\\+ compilation failed"):
        compile_cpp(tmp_path, quiet=True)


def test_third_party_info_only_with_verbose():
    from brian2.utils.logger import BrianLogger

    from spikemod.protocol import quiet_logging
    try:
        quiet_logging(verbose=False)
        assert BrianLogger.console_handler.level == logging.WARNING
        assert logging.getLogger("distributed").getEffectiveLevel() == logging.WARNING
        quiet_logging(verbose=True)
        assert BrianLogger.console_handler.level == logging.INFO
        assert logging.getLogger("brian2cuda").getEffectiveLevel() == logging.INFO
    finally:
        quiet_logging(verbose=False)


def test_verbose_is_a_common_option():
    from spikemod.protocol import build_parser, list_protocols
    for name in list_protocols():
        args = build_parser(load_protocol(name)).parse_args(["--verbose"])
        assert args.verbose is True


@pytest.mark.slow
def test_ctrl_c_during_cpp_compile_leaves_a_usable_build_cache(tmp_path):
    """Ctrl-C (SIGINT to the process group, as a terminal sends it) while make compiles:
    exit 130 within seconds, nothing in --out; the same command then builds and runs."""
    env = {**os.environ, "SPIKEMOD_BUILD_DIR": str(tmp_path / "builds")}
    cmd = [SPIKEMOD, "run", "fi-gain", "--device", "cpp_standalone", "--i-soma", "800",
           "--i-dend", "0", "--coupling", "1", "--duration", "0.05", "--burn-in", "0",
           "--out", "res"]
    p = subprocess.Popen(cmd, cwd=tmp_path, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         text=True, env=env, start_new_session=True)
    try:
        for line in p.stderr:
            if "compiling [2/" in line:
                break
        os.killpg(p.pid, signal.SIGINT)
        t0 = time.time()
        err = p.stderr.read()
        p.wait(timeout=60)
        stopped_after = time.time() - t0
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    assert p.returncode == 130, err
    assert "Traceback" not in err and stopped_after < 30
    assert not (tmp_path / "res").exists() and not list(tmp_path.glob(".res.partial-*"))
    r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "res" / "provenance.json").is_file()


def test_analyze_outputs_respect_the_umask(tmp_path):
    out = tmp_path / "res"
    old = os.umask(0o022)
    try:
        assert protocol_main(load_protocol("fi-gain"), TINY + ["--out", str(out)]) == 0
        assert cli(["analyze", str(out)]) == 0
    finally:
        os.umask(old)
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in out.glob("analysis.*")} == \
        {"analysis.csv": "0o644", "analysis.png": "0o644"}
