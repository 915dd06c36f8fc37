"""The CPU-only parts of the GPU check (scripts/gpu_check.sh, scripts/gpu_check.py,
scripts/fetch_wheels.sh) and the parallel, cached CUDA compilation (spikemod.cuda.make_main).
No GPU is needed: argument handling, wheel installation logic (dry run), comparison and
report code, and the object cache on a small C++ project compiled with g++."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import gpu_check  # noqa: E402

SH = ROOT / "scripts" / "gpu_check.sh"
ENV = dict(os.environ, PYTHON=sys.executable)


def _sh(*args, env=None):
    return subprocess.run(["bash", str(SH), *args], capture_output=True, text=True,
                          env=env or ENV, cwd=ROOT, timeout=300)


# ------------------------------------------------------------------ gpu_check.sh arguments

def test_sh_help_and_bad_arguments():
    assert _sh("--help").returncode == 0
    bad = _sh("--frobnicate")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "gpu_check.sh: unknown option '--frobnicate' (see --help)"
    for args, word in ((["--budget", "ten"], "--budget"), (["--cpp-max", "-1"], "--cpp-max"),
                       (["--T", "x"], "--T"), (["--out"], "--out needs a value")):
        r = _sh(*args)
        assert r.returncode == 2 and word in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_sh_dry_run_plans_every_case(tmp_path):
    out = tmp_path / "gco"
    r = _sh("--dry-run", "--no-install", "--out", str(out), "--sizes", "10000,100000",
            "--T", "0.5", "--md", str(tmp_path / "frag.md"))
    assert r.returncode == 0, r.stderr
    assert "gpu_check.sh: fi-gain" in r.stdout and "gpu_check.sh: mc100000" in r.stdout
    assert "build-cuda --protocol network-gain --compute-capability 9.0" in r.stdout
    # 10^5 keeps the 10^4 sheet's in-degree; only 10^4 gets the C++ comparison
    assert "sheet.EE_sigma=0.0158113883008419" in r.stdout
    assert "cpp_mc10000" in r.stdout and "cpp_mc100000" not in r.stdout
    assert "would write" in r.stdout
    cpu = _sh("--dry-run", "--no-install", "--cpu-only", "--out", str(out), "--sizes", "1000")
    assert cpu.returncode == 0 and "build-cuda --protocol network-gain" in cpu.stdout
    assert "--device cpp_standalone --out" in cpu.stdout
    assert not (tmp_path / "frag.md").exists() and not list(out.glob("record_*.json"))


def test_sh_dry_run_install_uses_the_wheels_only(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for name in ("brian2-2.10.1-cp312-cp312-manylinux_2_17_x86_64.whl",
                 "Brian2cuda-1.0b1-py3-none-any.whl", "neo-0.14.4-py3-none-any.whl"):
        (wheels / name).write_bytes(b"")
    r = _sh("--dry-run", "--wheels", str(wheels), "--out", str(tmp_path / "o"),
            "--sizes", "10000")
    assert r.returncode == 0, r.stderr
    assert "venv --system-site-packages" in r.stdout
    assert f"pip install --no-index --find-links {wheels}" in r.stdout
    # requirements neither shipped nor on the GPU machine are named
    assert "elephant" in r.stdout and "brian2," not in r.stdout.split("provide):")[1]


def test_install_without_wheels_is_one_line(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "gpu_check.py"), "install",
                        "--wheels", str(tmp_path / "none"), "--venv", str(tmp_path / "v")],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert "fetch_wheels.sh" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "v").exists()


def test_fetch_wheels_dry_run():
    r = subprocess.run(["bash", str(ROOT / "scripts" / "fetch_wheels.sh"), "/tmp/wh-dry",
                        "--dry-run"], capture_output=True, text=True, env=ENV, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "pip wheel --wheel-dir /tmp/wh-dry ." in r.stdout
    assert not Path("/tmp/wh-dry").exists()
    assert "wheels/" in (ROOT / ".gitignore").read_text().split()


# ------------------------------------------------------------------ gpu_check.py logic

def test_wheel_names_and_requirements(tmp_path):
    assert gpu_check.wheel_name("Brian2-2.10.1-cp312-cp312-manylinux_2_17_x86_64.whl") == "brian2"
    assert gpu_check.wheel_name("python_dateutil-2.9.0-py2.py3-none-any.whl") == "python-dateutil"
    assert gpu_check.wheel_name("dask-2024.1.0.tar.gz") == "dask"
    reqs = gpu_check.requirements()
    assert "brian2" in reqs and "numpy" in reqs and "dask" in reqs
    (tmp_path / "brian2-2.10.1-py3-none-any.whl").write_bytes(b"")
    info = gpu_check.check_wheels(tmp_path)
    assert "brian2" not in info["missing"] and "neo" in info["missing"]
    assert "numpy" not in info["missing"]          # the GPU machine has it
    cmds = gpu_check.install_commands(tmp_path, tmp_path / "venv", python="python3")
    assert cmds[0] == ["python3", "-m", "venv", "--system-site-packages", str(tmp_path / "venv")]
    assert "--no-index" in cmds[1] and str(tmp_path) in cmds[1]


def test_new_venv_sees_the_parent_packages_and_their_pth_files(tmp_path):
    """A venv made from a venv sees only the base interpreter's packages: the .pth written by
    link_parent_packages adds the parent's site folders, whose own .pth files run too."""
    parent = tmp_path / "parent"
    (parent / "pkg_in_parent").mkdir(parents=True)
    (parent / "pkg_in_parent" / "__init__.py").write_text("X = 7\n")
    (parent / "extra").mkdir()
    (parent / "extra" / "mod_via_pth.py").write_text("Y = 3\n")
    (parent / "hook.pth").write_text(str(parent / "extra") + "\n")   # like distutils-precedence
    venv = tmp_path / "venv"
    (venv / "lib" / "python3.12" / "site-packages").mkdir(parents=True)
    pth = gpu_check.link_parent_packages(venv, [str(parent)])
    assert pth.parent == venv / "lib" / "python3.12" / "site-packages"
    code = (f"import site; site.addsitedir({str(pth.parent)!r}); "
            "import pkg_in_parent, mod_via_pth; print(pkg_in_parent.X, mod_via_pth.Y)")
    r = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["7", "3"]
    assert any(p.startswith(sys.prefix) for p in gpu_check.parent_site_packages())
    with pytest.raises(RuntimeError, match="no site-packages"):
        gpu_check.link_parent_packages(tmp_path / "not-a-venv", [str(parent)])


def test_rate_tolerance_and_compare():
    assert gpu_check.rate_tolerance(10.0, 10000, 1.0) == pytest.approx(1.0)
    assert gpu_check.rate_tolerance(10.0, 10, 1.0) == pytest.approx(7.0711, rel=1e-4)
    same = gpu_check.compare({"spikes": 100000, "rate_Hz": [10.0]},
                             {"spikes": 102000, "rate_Hz": [10.3]}, 10000, 1.0)
    assert same["ok"] is True and len(same["checks"]) == 2
    off = gpu_check.compare({"spikes": 100000, "rate_Hz": [10.0]},
                            {"spikes": 150000, "rate_Hz": [15.0]}, 10000, 1.0)
    assert off["ok"] is False
    assert all(not c["ok"] for c in off["checks"])
    assert gpu_check.compare({}, {}, 10, 1.0)["ok"] is None


def _record(name, **kw):
    case = {"name": name, "neurons": 12000, "T": 1.0, "protocol": "network-gain"}
    rec = {"case": case, "build_s": 95.0, "run_wall_s": 20.0, "network_run_s": 4.0,
           "gpu_memory_peak_MiB": 1500.0, "gpu": {"spikes": 120000, "recorded_neurons": 12000,
                                                  "rate_Hz": [10.0]}}
    rec.update(kw)
    return rec


def test_report_fragment(tmp_path):
    recs = [_record("mc10000", cpp={"spikes": 121000, "recorded_neurons": 12000,
                                     "rate_Hz": [10.1]}),
            _record("mc1000000", cpp_error="cpp failed (1) (see mc1000000_cpp.log)"),
            {"case": {"name": "mc9", "T": 1.0}, "skipped": "time budget"}]
    for r in recs:
        (tmp_path / f"record_{r['case']['name']}.json").write_text(json.dumps(r))
    md = tmp_path / "frag.md"
    code = gpu_check.main(["report", "--records", str(tmp_path), "--md", str(md),
                           "--plan", json.dumps(["mc10000", "mc1000000", "mc9"]),
                           "--gpu-json", json.dumps({"name": "NVIDIA H200",
                                                     "memory_total": "143771 MiB",
                                                     "driver": "580"})])
    assert code == 0
    text = md.read_text()
    assert "NVIDIA H200" in text and "143771 MiB" in text
    row = next(ln for ln in text.splitlines() if ln.startswith("| mc10000 "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3] == "95" and cells[6] == "4" and cells[8] == "4"     # build, loop, real-time factor
    assert cells[10] == "10" and cells[11] == "10.1"                  # rates: GPU, C++
    assert cells[-1] == "within tolerance"
    assert "not compared" in next(ln for ln in text.splitlines() if ln.startswith("| mc1000000 "))
    assert "skipped: time budget" in text
    assert "* mc1000000: cpp failed (1) (see mc1000000_cpp.log)" in text
    assert text.index("| mc10000 ") < text.index("| mc1000000 ") < text.index("| mc9 ")
    # a GPU/C++ disagreement makes the report fail
    bad = _record("mc10000", cpp={"spikes": 200000, "recorded_neurons": 12000, "rate_Hz": [16.7]})
    (tmp_path / "record_mc10000.json").write_text(json.dumps(bad))
    assert gpu_check.main(["report", "--records", str(tmp_path), "--gpu-json", "{}"]) == 1


def _fake_commands(slow=(), broken=(), broken_cpp=()):
    """case_commands stand-in: shell commands that make what the real ones make (a build
    directory with run.sh; run.sh writes last_run_info.txt and one synapse array)."""
    def commands(case, out, cc="9.0", device="cuda_standalone"):
        name = case["name"]
        b = out / f"build_{name}"
        nap = "30" if name in slow else "0.1"
        run_sh = (f"mkdir -p {b}/results; echo '0.5 1.0' > {b}/results/last_run_info.txt; "
                  f"head -c 40 /dev/zero > {b}/results/_dynamic_array_x__synaptic_pre_1")
        build = (f"sleep {nap}; {'exit 3; ' if name in broken else ''}mkdir -p {b}; "
                 f"printf '%s\\n' '#!/bin/sh' \"{run_sh}\" > {b}/run.sh; chmod +x {b}/run.sh; "
                 f"echo '{{\"code\": {{\"source_files\": 7}}}}' > {b}/spikemod-build.json; "
                 f"echo built {name} >> {out}/order.txt")
        cmds = {"build": ["bash", "-c", build], "run": [str(b / "run.sh")],
                "collect": ["bash", "-c", f"mkdir -p {out}/gpu_{name}; echo ran {name} >> {out}/order.txt"]}
        if case.get("cpp"):
            cmds["cpp"] = ["bash", "-c", "exit 4" if name in broken_cpp
                           else f"mkdir -p {out}/cpp_{name}"]
        return cmds
    return commands


def test_suite_builds_first_alone_then_in_parallel_and_runs_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(gpu_check, "case_commands", _fake_commands(slow={"mc300"},
                                                                   broken={"mc200"},
                                                                   broken_cpp={"fi-gain"}))
    cases = gpu_check.plan([100, 200, 300], 0.1, 100)
    import time
    t0 = time.time()
    recs = gpu_check.run_suite(cases, tmp_path, time.time() + 6, poll_s=0.05)
    assert time.time() - t0 < 20
    order = (tmp_path / "order.txt").read_text().split("\n")
    # the first microcircuit is built twice (fresh, then unchanged) before anything else
    assert order[:2] == ["built mc100", "built mc100"]
    first = recs["mc100"]
    assert first["build_s"] > 0 and first["rebuild_s"] > 0 and not first["build_concurrent"]
    assert first["network_run_s"] == 0.5 and first["synapses"] == 10
    assert first["code"] == {"source_files": 7} and "cpp" in first and "skipped" not in first
    assert recs["fi-gain"]["build_concurrent"] and "gpu" in recs["fi-gain"]
    # a failed C++ comparison is recorded; the GPU timings stay (not skipped)
    assert recs["fi-gain"]["cpp_error"].startswith("cpp failed (4)")
    assert "skipped" not in recs["fi-gain"] and recs["fi-gain"]["network_run_s"] == 0.5
    assert recs["mc200"]["skipped"].startswith("build failed (3)")
    assert recs["mc300"]["skipped"].startswith("time budget spent during build")
    on_disk = json.loads((tmp_path / "record_mc300.json").read_text())
    assert on_disk["skipped"] == recs["mc300"]["skipped"]
    # GPU runs follow the plan order among the cases built
    assert order.index("ran mc100") < order.index("ran fi-gain")


def test_report_without_records():
    assert "No case ran" in gpu_check.report([], {})


# ------------------------------------------------------------------ parallel cached make

MAKEFILE = """PROGRAM = main
SRCS = main.cpp code_objects/a.cpp code_objects/b.cpp
OBJS = ${SRCS:.cpp=.o}
CXXFLAGS = -I. -O0
all: $(PROGRAM)
$(PROGRAM): $(OBJS)
\t$(CXX) $(OBJS) -o $(PROGRAM)
%.o : %.cpp
\t$(CXX) $(CXXFLAGS) -c $< -o $@
"""


def _project(d: Path, b_value=2):
    (d / "code_objects").mkdir(parents=True)
    (d / "makefile").write_text(MAKEFILE)
    (d / "objects.h").write_text("int fa();\nint fb();\n")
    (d / "main.cpp").write_text('#include "objects.h"\nint main(){return fa() + fb() - 3;}\n')
    (d / "code_objects" / "a.cpp").write_text('#include "objects.h"\nint fa(){return 1;}\n')
    (d / "code_objects" / "b.cpp").write_text(f'#include "objects.h"\nint fb(){{return {b_value};}}\n')


def _make(d: Path, cache: Path, progress: Path):
    env = dict(os.environ, SPIKEMOD_OBJECT_CACHE=str(cache))
    with open(progress, "w") as f:
        fd = f.fileno()
        env["SPIKEMOD_PROGRESS_FD"] = str(fd)
        r = subprocess.run([sys.executable, "-m", "spikemod.cuda", "make", "-j", "2"], cwd=d,
                           env=env, capture_output=True, text=True, pass_fds=(fd,), timeout=300)
    return r, progress.read_text()


@pytest.mark.skipif(shutil.which("g++") is None or shutil.which("make") is None,
                    reason="needs make and g++")
def test_make_parallel_cache_and_progress(tmp_path):
    cache = tmp_path / "cache"
    first = tmp_path / "p1"
    _project(first)
    r, prog = _make(first, cache, tmp_path / "prog1.txt")
    assert r.returncode == 0, r.stderr
    assert subprocess.run(["./main"], cwd=first).returncode == 0
    assert "compiling 3 of 3 files with 2 jobs" in prog
    assert "[3/3]" in prog and "3 added to it" in prog
    assert "g++ -I. -O0 -c code_objects/a.cpp" in (first / "make.log").read_text()
    assert len(list(cache.rglob("*.o"))) == 3
    # a fresh directory with the same sources: every object from the cache, nothing compiled
    second = tmp_path / "p2"
    _project(second)
    r, prog = _make(second, cache, tmp_path / "prog2.txt")
    assert r.returncode == 0 and "compiling 0 of 3 files" in prog and "3 from the cache" in prog
    assert "-c " not in (second / "make.log").read_text()
    assert subprocess.run(["./main"], cwd=second).returncode == 0
    # one changed source: only that file compiles; a changed header recompiles its includers
    third = tmp_path / "p3"
    _project(third, b_value=5)
    r, prog = _make(third, cache, tmp_path / "prog3.txt")
    assert "compiling 1 of 3 files" in prog and "2 from the cache" in prog
    assert "code_objects/b.cpp" in (third / "make.log").read_text()
    assert subprocess.run(["./main"], cwd=third).returncode == 3     # 1 + 5 - 3
    (third / "objects.h").write_text("int fa();\nint fb();\n// changed\n")
    fourth = tmp_path / "p4"
    shutil.copytree(third, fourth, copy_function=shutil.copy)
    for o in fourth.rglob("*.o"):
        o.unlink()
    r, prog = _make(fourth, cache, tmp_path / "prog4.txt")
    assert "compiling 3 of 3 files" in prog


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_failure_reports_the_log(tmp_path):
    d = tmp_path / "bad"
    _project(d)
    (d / "code_objects" / "a.cpp").write_text("this is not C++\n")
    r, prog = _make(d, tmp_path / "cache", tmp_path / "prog.txt")
    assert r.returncode != 0
    assert "compilation failed" in prog and "a.cpp" in r.stderr


def test_configure_sets_parallel_make(monkeypatch):
    """configure_cuda puts the cached parallel make in Brian2's preferences and
    restore_cpp_prefs gives C++ builds Brian2's own make back."""
    from spikemod import cuda
    from spikemod.device import DeviceError
    try:
        cuda.find_nvcc()
        cuda.find_curand(cuda._cuda_root(cuda.find_nvcc()))
    except DeviceError:
        pytest.skip("no nvcc/cuRAND here")
    from brian2 import prefs
    before = prefs["devices.cpp_standalone.make_cmd_unix"]
    monkeypatch.setenv("SPIKEMOD_BUILD_JOBS", "3")
    tc = cuda.configure_cuda(9.0)
    try:
        assert prefs["devices.cpp_standalone.extra_make_args_unix"] == ["-j", "3"]
        assert "-m spikemod.cuda make" in prefs["devices.cpp_standalone.make_cmd_unix"]
        assert tc["jobs"] == 3 and tc["object_cache"]
    finally:
        cuda.restore_cpp_prefs()
    assert prefs["devices.cpp_standalone.make_cmd_unix"] == before
