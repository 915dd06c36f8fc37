"""The Python half of ``scripts/gpu_check.sh``: install from wheels, plan, build/run/collect
one case, compare GPU and CPU results, write the BENCHMARKS fragment (issue 14).

Subcommands (each prints what it does; ``--dry-run`` only prints):

* ``install --wheels DIR --venv DIR``: a virtual environment that sees the system's packages
  (numpy, scipy, matplotlib, h5py on the GPU machine), then ``pip install --no-index
  --find-links DIR`` of spikemod and the dependencies the system lacks (no package index there);
* ``plan --sizes ...``: the cases and their commands (JSON);
* ``case --name NAME --out DIR``: ``spikemod build-cuda`` (timed), ``DIR/run.sh`` (timed, GPU
  memory polled with nvidia-smi), ``spikemod collect``; with ``--cpp`` the same network as a
  cpp_standalone run for comparison; one JSON record;
* ``report --records DIR --md FILE``: the comparison (population rates and spike counts within
  statistical tolerance) and the markdown fragment (build time, run time per simulated second,
  real-time factor, GPU memory, the GPU's name).

The microcircuit cases are the network-gain protocol on the sheet with N pyramidal, N/10 PV
and N/10 SOM cells, one copy, one drive step; above 10^4 cells the kernels shrink
(``spikemod.network.fixed_indegree_overrides``) so every cell keeps the 10^4 sheet's
in-degree: about 1.3e8 synapses at 10^6 cells.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: packages the GPU machine already has (not shipped as wheels: they are large)
SYSTEM_PACKAGES = ("numpy", "scipy", "matplotlib", "h5py", "pillow", "contourpy",
                   "fonttools", "kiwisolver")

#: the protocol arguments of a microcircuit case: one copy, one drive step
MC_ARGS = ["--dend-drive", "50", "--coupling", "thalamic", "--drive", "600"]


# ------------------------------------------------------------------------------ installation

def wheel_name(filename: str) -> str:
    """Normalised project name of a wheel or sdist file name.

    >>> wheel_name("Brian2-2.10.1-cp312-cp312-manylinux_2_17_x86_64.whl")
    'brian2'
    >>> wheel_name("dask-2024.1.0-py3-none-any.whl")
    'dask'
    """
    stem = filename
    for suffix in (".whl", ".tar.gz", ".zip"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    name = stem.split("-")[0]
    return name.lower().replace("_", "-").replace(".", "-")


def parent_site_packages(python: str = sys.executable) -> list[str]:
    """The site-packages folders of ``python``. A venv made from a venv (the GPU machine's
    ``python3`` is ``/opt/torch/.venv``) sees with ``--system-site-packages`` only the *base*
    interpreter's packages, so these are added to the new venv by a ``.pth`` file."""
    out = subprocess.run([python, "-c", "import site, json; print(json.dumps(site.getsitepackages()))"],
                         capture_output=True, text=True, check=True)
    return [p for p in json.loads(out.stdout) if Path(p).is_dir()]


def link_parent_packages(venv: Path, paths: list[str]) -> Path:
    """Write ``venv``'s ``spikemod_parent.pth``, which adds ``paths`` as site folders (after
    the venv's own packages on ``sys.path``, so the wheels installed there take precedence;
    their own ``.pth`` files run too, e.g. setuptools' ``distutils`` shim that Brian2 needs)."""
    site = sorted((venv / "lib").glob("python3*/site-packages"))
    if not site:
        raise RuntimeError(f"no site-packages folder in {venv}")
    pth = site[0] / "spikemod_parent.pth"
    pth.write_text("".join(f"import site; site.addsitedir({p!r})\n" for p in paths))
    return pth


def install_commands(wheels: Path, venv: Path, python: str = sys.executable,
                     editable: bool = False) -> list[list[str]]:
    """Commands that make ``venv`` (system packages visible) and install spikemod from
    ``wheels`` without a package index."""
    pip = str(venv / "bin" / "python")
    target = ["-e", str(ROOT)] if editable else [str(ROOT)]
    return [[python, "-m", "venv", "--system-site-packages", str(venv)],
            [pip, "-m", "pip", "install", "--no-index", "--find-links", str(wheels),
             "--no-build-isolation", *target]]


def check_wheels(wheels: Path) -> dict:
    """What the wheel folder holds, and which of spikemod's requirements it lacks (those
    the system Python must provide)."""
    files = sorted(p.name for p in wheels.glob("*") if p.suffix in (".whl", ".gz", ".zip"))
    have = {wheel_name(f) for f in files}
    reqs = requirements()
    missing = [r for r in reqs if r not in have and r not in SYSTEM_PACKAGES]
    return {"wheels": files, "requirements": reqs, "missing": missing}


def requirements() -> list[str]:
    """spikemod's direct requirements (setup.cfg install_requires), normalised names."""
    import configparser
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    out = []
    for line in cfg.get("options", "install_requires", fallback="").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name = line
        for sep in ("[", "=", ">", "<", "!", "~", ";", " "):
            name = name.split(sep)[0]
        out.append(name.lower().replace("_", "-"))
    return out


def cmd_install(a) -> int:
    wheels, venv = Path(a.wheels), Path(a.venv)
    if not wheels.is_dir():
        print(f"gpu_check: wheel folder {str(wheels)!r} not found: run scripts/fetch_wheels.sh "
              "on a machine with a package index and bring wheels/ along", file=sys.stderr)
        return 2
    info = check_wheels(wheels)
    print(f"gpu_check: {len(info['wheels'])} wheels in {wheels}; requirements not among them "
          f"(the system must provide): {', '.join(info['missing']) or 'none'}")
    make_venv, pip_install = install_commands(wheels, venv, editable=a.editable)
    print("+ " + " ".join(shlex.quote(c) for c in make_venv), flush=True)
    if a.dry_run:
        print("+ " + " ".join(shlex.quote(c) for c in pip_install))
        return 0
    if subprocess.run(make_venv).returncode:
        # e.g. a Debian/Ubuntu base Python without ensurepip: a venv without pip, filled
        # by this interpreter's pip (pip >= 22.3 installs into another environment)
        shutil.rmtree(venv, ignore_errors=True)
        make_venv = make_venv + ["--without-pip"]
        pip_install = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                       *pip_install[3:]]
        print("+ (retry) " + " ".join(shlex.quote(c) for c in make_venv), flush=True)
        if subprocess.run(make_venv).returncode:
            print(f"gpu_check: could not make a virtual environment in {venv}", file=sys.stderr)
            return 2
    parents = parent_site_packages()
    try:
        pth = link_parent_packages(venv, parents)
    except RuntimeError as exc:
        print(f"gpu_check: {exc} (the virtual environment was not made as expected)",
              file=sys.stderr)
        return 2
    print(f"+ {pth} adds {', '.join(parents)}", flush=True)
    print("+ " + " ".join(shlex.quote(c) for c in pip_install), flush=True)
    if subprocess.run(pip_install).returncode:
        print(f"gpu_check: installation failed: {' '.join(pip_install)}", file=sys.stderr)
        return 2
    check = [str(venv / "bin" / "python"), "-c",
             "import brian2, brian2cuda, neo, elephant, spikemod; print('gpu_check: installed "
             "spikemod', spikemod.__version__, 'brian2', brian2.__version__)"]
    if subprocess.run(check).returncode:
        print("gpu_check: spikemod does not import after installation", file=sys.stderr)
        return 2
    return 0


# ------------------------------------------------------------------------------ plan

def mc_overrides(n: int) -> list[str]:
    """``--set`` values of the microcircuit case with ``n`` pyramidal cells."""
    sets = ["connectivity.geometry=sheet", f"connectivity.n_exc={n}",
            f"connectivity.n_pv={n // 10}", f"connectivity.n_som={n // 10}"]
    if n > 10000:
        from spikemod.network import fixed_indegree_overrides
        from spikemod.params import load_model
        sets += fixed_indegree_overrides(load_model(), n, 10000)
    return sets


def plan(sizes, T: float, cpp_max: int) -> list[dict]:
    """The cases: fi-gain, then the microcircuit at each size (C++ comparison up to
    ``cpp_max`` pyramidal cells)."""
    cases = [{"name": "fi-gain", "protocol": "fi-gain", "sets": [], "neurons": None,
              "args": ["--i-soma", "500:1500:100", "--i-dend", "0,540", "--coupling", "0,1",
                       "--duration", str(T)],
              "T": T + 0.2, "cpp": True}]
    for n in sizes:
        cases.append({"name": f"mc{n}", "protocol": "network-gain", "sets": mc_overrides(n),
                      "neurons": n + 2 * (n // 10), "n_exc": n,
                      "args": MC_ARGS + ["--step", str(T)], "T": T, "cpp": n <= cpp_max})
    return cases


def cmd_plan(a) -> int:
    sizes = [int(float(x)) for x in a.sizes.split(",") if x.strip()]
    if not sizes or min(sizes) < 1:
        print(f"gpu_check: --sizes {a.sizes!r} is not allowed (comma-separated positive "
              "integers)", file=sys.stderr)
        return 2
    try:
        cases = plan(sizes, a.T, a.cpp_max)
    except ImportError as exc:
        print(f"gpu_check: the plan reads spikemod's model, which {sys.executable} cannot import "
              f"({exc}): install first (drop --dry-run) or use a Python that has spikemod "
              "(PYTHON=...)", file=sys.stderr)
        return 2
    print(json.dumps(cases))
    return 0


# ------------------------------------------------------------------------------ one case

def spikemod_cmd(*args) -> list[str]:
    return [sys.executable, "-m", "spikemod.cli", *args]


def case_commands(case: dict, out: Path, cc: str = "9.0",
                  device: str = "cuda_standalone") -> dict:
    """The build, run, collect (and C++ comparison) commands of one case. ``device``
    ``cpp_standalone`` builds the case for this CPU instead (the whole flow without a GPU)."""
    sets = [x for s in case["sets"] for x in ("--set", s)]
    build = out / f"build_{case['name']}"
    cmds = {"build": spikemod_cmd("build-cuda", "--protocol", case["protocol"],
                                  "--compute-capability", cc, "--device", device,
                                  "--out", str(build), *sets, "--", *case["args"]),
            "run": [str(build / "run.sh")],
            "collect": spikemod_cmd("collect", str(build), "--out", str(out / f"gpu_{case['name']}"),
                                    "--quiet")}
    if case.get("cpp"):
        cmds["cpp"] = spikemod_cmd("run", case["protocol"], "--device", "cpp_standalone",
                                   "--quiet", "--out", str(out / f"cpp_{case['name']}"),
                                   "--build-dir", str(out / f"cppbuild_{case['name']}"),
                                   *sets, *case["args"])
    return cmds


class GpuMemory:
    """Peak GPU memory in use (MiB, nvidia-smi) while a process runs."""

    def __init__(self, interval=0.5):
        self.peak = None
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._poll, args=(interval,), daemon=True)

    def _poll(self, interval):
        while not self._stop.is_set():
            mib = gpu_memory_used()
            if mib is not None:
                self.peak = mib if self.peak is None else max(self.peak, mib)
            self._stop.wait(interval)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join(timeout=5)


def gpu_memory_used():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=10)
        return float(out.stdout.split()[0]) if out.returncode == 0 and out.stdout.strip() else None
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def gpu_info() -> dict:
    """Name, total memory and driver of GPU 0 (empty without nvidia-smi)."""
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version",
                              "--format=csv,noheader"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return {}
    if out.returncode or not out.stdout.strip():
        return {}
    name, mem, driver = [x.strip() for x in out.stdout.splitlines()[0].split(",")][:3]
    return {"name": name, "memory_total": mem, "driver": driver}


def spike_summary(result_dir: Path) -> dict:
    """Spike count, recorded neurons and duration from a result directory's spikes.h5
    (via spikemod.io) and the protocol's rate table when there is one."""
    out = {}
    try:
        from spikemod.io.spikes import read_spikes
        pops, meta = read_spikes(result_dir / "spikes.h5")
        out["spikes_by_population"] = {k: int(len(ids)) for k, (ids, _) in pops.items()}
        out["spikes"] = int(sum(out["spikes_by_population"].values()))
        out["recorded_neurons"] = int(sum(meta.get("sizes", {}).values()))
    except Exception as exc:      # report what could not be read, do not hide it
        out["spikes_error"] = f"{type(exc).__name__}: {exc}"
    csv = result_dir / "network_gain.csv"
    if csv.is_file():
        import csv as _csv
        rows = list(_csv.DictReader(open(csv)))
        out["rate_Hz"] = [float(r["rate_Hz"]) for r in rows]
    return out


def synapse_count(build_dir: Path):
    """Synapses created by a standalone run: the sizes of its ``_synaptic_pre`` result arrays
    (int32), None when the run wrote none."""
    files = list((build_dir / "results").glob("_dynamic_array_*__synaptic_pre_*"))
    return sum(f.stat().st_size for f in files) // 4 if files else None


class Step:
    """One command of a case running in the background (own process group, its output in
    ``log``); ``nice`` lowers its CPU priority (builds yield to the GPU run's host thread)."""

    def __init__(self, case: str, kind: str, cmd: list, log: Path, nice: int = 0):
        self.case, self.kind, self.log = case, kind, log
        self._f = open(log, "w")
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=self._f, stderr=subprocess.STDOUT,
                                     start_new_session=True,
                                     preexec_fn=(lambda: os.nice(nice)) if nice else None)
        self.wall = None

    def poll(self):
        """None while running, else the exit status (and ``wall`` in seconds)."""
        rc = self.proc.poll()
        if rc is not None and self.wall is None:
            self.wall = time.perf_counter() - self.t0
            self._f.close()
        return rc

    def kill(self):
        try:
            os.killpg(self.proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.poll()

    def tail(self, n=15) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


def _say(text):
    print(f"gpu_check.sh: {text}", flush=True)


def run_suite(cases: list, out: Path, deadline: float, cc: str = "9.0",
              device: str = "cuda_standalone", poll_s: float = 0.5) -> dict:
    """Build, run and collect every case before ``deadline`` (``time.time()``), one record
    per case in ``out/record_NAME.json``.

    Order: the first microcircuit case is built alone (its fresh build time on all cores),
    then rebuilt unchanged (the rebuild time: code generation + object cache); then every other
    build and the C++ comparison runs start together at low priority, while the built cases
    run on the GPU one at a time (plan order) at normal priority, each followed by its
    ``spikemod collect``. What has not finished at the deadline is stopped and recorded as
    skipped, with the stage it reached.
    """
    out.mkdir(parents=True, exist_ok=True)
    cmds = {c["name"]: case_commands(c, out, cc, device) for c in cases}
    recs = {c["name"]: {"case": c, "device": device,
                        "commands": {k: " ".join(v) for k, v in cmds[c["name"]].items()}}
            for c in cases}
    order = [c["name"] for c in cases]
    first = next((c["name"] for c in cases if c["protocol"] == "network-gain"), None)
    steps: list[Step] = []
    built, ran = [], set()
    gpu_step, mem = None, None

    def save(name):
        (out / f"record_{name}.json").write_text(json.dumps(recs[name], indent=1))

    def fail(step, what):
        # a failed build or GPU run skips the case; a failed collect or C++ comparison is
        # recorded beside the GPU timings, which stay in the report
        key = "skipped" if step.kind in ("build", "run") else f"{step.kind}_error"
        recs[step.case][key] = f"{step.kind} {what} (see {step.log.name})"
        _say(f"{step.case}: {step.kind} {what}\n{step.tail()}")
        save(step.case)

    def start(name, kind, nice=0):
        s = Step(name, kind, cmds[name][kind], out / f"{name}_{kind}.log", nice=nice)
        steps.append(s)
        _say(f"{name}: {kind} started ({deadline - time.time():.0f} s of the budget left)")
        return s

    def finished(step):
        name, rec = step.case, recs[step.case]
        if step.kind == "build":
            if "build_s" in rec and name == first and "rebuild_s" not in rec:
                rec["rebuild_s"] = step.wall
            else:
                rec["build_s"] = step.wall
                rec["build_concurrent"] = name != first
            build_dir = Path(cmds[name]["run"][0]).parent
            info = build_dir / "spikemod-build.json"
            if info.is_file():
                rec["code"] = json.loads(info.read_text()).get("code")
            if name != first or "rebuild_s" in rec:
                built.append(name)
        elif step.kind == "run":
            rec["run_wall_s"] = step.wall
            rec["gpu_memory_peak_MiB"] = mem.peak if mem else None
            rec["synapses"] = synapse_count(Path(cmds[name]["run"][0]).parent)
            info = Path(cmds[name]["run"][0]).parent / "results" / "last_run_info.txt"
            try:
                rec["network_run_s"] = float(info.read_text().split()[0])
            except (OSError, ValueError, IndexError) as exc:
                rec["network_run_s_error"] = f"{type(exc).__name__}: {exc}"
            start(name, "collect", nice=5)
        elif step.kind == "collect":
            rec["collect_s"] = step.wall
            rec["gpu"] = spike_summary(out / f"gpu_{name}")
        elif step.kind == "cpp":
            rec["cpp_wall_s"] = step.wall
            rec["cpp"] = spike_summary(out / f"cpp_{name}")
        _say(f"{name}: {step.kind} done in {step.wall:.1f} s")
        save(name)

    # 1. the first microcircuit alone, fresh, then rebuilt unchanged; 2. everything else
    later = [(n, "build", 10) for n in order if n != first]
    later += [(n, "cpp", 10) for n in order if "cpp" in cmds[n]]
    queue = [(first, "build", 0)] if first else []          # the rebuild, after the first
    active = start(first, "build") if first else None
    if active is None:                  # no microcircuit case: everything at once
        for item in later:
            start(*item)
        later = []
    while time.time() < deadline:
        for s in list(steps):
            rc = s.poll()
            if rc is None:
                continue
            steps.remove(s)
            if s is gpu_step:
                mem.__exit__(None, None, None)
                gpu_step = None
            if rc:
                fail(s, f"failed ({rc})")
            else:
                finished(s)
            if s is active:
                active = None
                if rc == 0 and queue:
                    active = start(*queue.pop(0))
                else:
                    queue = []
                    for item in later:
                        start(*item)
                    later = []
        if gpu_step is None:
            ready = [n for n in order if n in built and n not in ran]
            if ready:
                name = ready[0]
                ran.add(name)
                mem = GpuMemory().__enter__()
                gpu_step = start(name, "run")
        if not steps and active is None and not later and gpu_step is None:
            break
        time.sleep(poll_s)
    for s in steps:                      # the budget is spent
        s.kill()
        if s is gpu_step:
            mem.__exit__(None, None, None)
        recs[s.case].setdefault("skipped", f"time budget spent during {s.kind} "
                                f"({s.wall:.0f} s into it)")
        save(s.case)
        _say(f"{s.case}: {s.kind} stopped: time budget spent")
    for name in order:
        rec = recs[name]
        if "skipped" not in rec and "run_wall_s" not in rec:
            rec["skipped"] = "time budget spent before it ran"
        save(name)
    return recs


def cmd_suite(a) -> int:
    cases = json.loads(a.plan)
    out = Path(a.out)
    if a.dry_run:
        for c in cases:
            _say(c["name"])
            for kind, cmd in case_commands(c, out, a.compute_capability, a.device).items():
                print(f"  {kind}: {' '.join(cmd)}")
        return 0
    deadline = time.time() + a.budget
    run_suite(cases, out, deadline, a.compute_capability, a.device)
    return 0


# ------------------------------------------------------------------------------ comparison

def rate_tolerance(rate_Hz: float, neurons: int, T: float, rel=0.1, z=5.0) -> float:
    """Allowed difference of two population rates: ``z`` Poisson standard errors of the
    difference (``sqrt(2 r / (N T))``) or ``rel`` of the rate, whichever is larger (network
    rates fluctuate more than Poisson counts).

    >>> round(rate_tolerance(10.0, 10000, 1.0), 3)
    1.0
    >>> round(rate_tolerance(10.0, 10, 1.0), 3)
    7.071
    """
    poisson = z * math.sqrt(2 * max(rate_Hz, 0.0) / max(neurons * T, 1e-12))
    return max(poisson, rel * abs(rate_Hz))


def compare(gpu: dict, cpp: dict, neurons: int, T: float) -> dict:
    """GPU vs C++ spike counts and population rates of the same network (different random
    streams: statistical agreement, not identical spikes)."""
    res = {"ok": True, "checks": []}
    if "spikes" in gpu and "spikes" in cpp and neurons:
        r_g, r_c = gpu["spikes"] / (neurons * T), cpp["spikes"] / (neurons * T)
        tol = rate_tolerance((r_g + r_c) / 2, neurons, T)
        ok = abs(r_g - r_c) <= tol
        res["checks"].append({"what": "mean rate from spike counts (Hz)", "gpu": r_g, "cpp": r_c,
                              "tolerance": tol, "ok": ok})
        res["ok"] &= ok
    for k, (a, b) in enumerate(zip(gpu.get("rate_Hz", []), cpp.get("rate_Hz", []))):
        tol = rate_tolerance((a + b) / 2, neurons or 1, T)
        ok = abs(a - b) <= tol
        res["checks"].append({"what": f"pyramidal rate, step {k} (Hz)", "gpu": a, "cpp": b,
                              "tolerance": tol, "ok": ok})
        res["ok"] &= ok
    if not res["checks"]:
        res["ok"] = None
    return res


def _f(x, digits=3):
    if x is None or (isinstance(x, float) and x != x):
        return "n/a"
    return f"{x:.{digits}g}" if isinstance(x, float) else str(x)


def report(records: list[dict], gpu: dict, machine: str = "") -> str:
    """The BENCHMARKS.md fragment of a gpu_check run."""
    cpu_only = any(r.get("device") == "cpp_standalone" for r in records)
    title = ("cpp_standalone builds of the GPU cases on this CPU (--cpu-only) vs cpp_standalone"
             if cpu_only else "cuda_standalone on a GPU vs cpp_standalone")
    lines = [f"### GPU check: {title} (issue 14)", ""]
    if not records:
        return "\n".join(lines + ["No case ran (no GPU, or the time budget ended first).", ""])
    where = ("this CPU (no GPU)" if cpu_only else
             f"{gpu.get('name', 'an unnamed GPU')} ({gpu.get('memory_total', '?')}, driver "
             f"{gpu.get('driver', '?')}), {os.cpu_count()} CPU cores")
    lines += [f"Command: `scripts/gpu_check.sh` on {where}. Fresh build = `spikemod build-cuda` "
              "(code generation, synapse generation, parallel nvcc) into an empty directory; "
              "rebuild = the same build again, unchanged; run wall = `run.sh` (loading, synapse "
              "structures, time loop, writing results); real-time factor = time loop / "
              "simulated time; GPU memory = peak `nvidia-smi` memory.used during the run; "
              "rates = all recorded spikes / (recorded neurons x T). Builds marked * ran "
              "in parallel with other builds (low priority, beside the GPU runs).", "",
              "| case | neurons | synapses | fresh build (s) | rebuild (s) | run wall (s) | "
              "time loop (s) | T (s) | real-time factor | GPU memory (MiB) | rate, GPU (Hz) | "
              "rate, C++ (Hz) | agreement |", "|" + "---|" * 13]
    for r in records:
        case = r["case"]
        T = float(case["T"])
        n = r.get("gpu", {}).get("recorded_neurons") or case.get("neurons")
        cmp_ = r.get("comparison", {})
        verdict = ({True: "within tolerance", False: "OUTSIDE tolerance",
                    None: "not compared"}[cmp_.get("ok")] if cmp_ else "not compared")
        if r.get("skipped"):
            lines.append(f"| {case['name']} | {_f(n)} | skipped: {r['skipped']} |" + " |" * 10)
            continue
        loop = r.get("network_run_s")
        rates = [r[k]["spikes"] / (n * T) if n and "spikes" in r.get(k, {}) else None
                 for k in ("gpu", "cpp")]
        build = _f(r.get("build_s")) + ("*" if r.get("build_concurrent") else "")
        lines.append("| " + " | ".join([
            case["name"], _f(n), _f(r.get("synapses")), build, _f(r.get("rebuild_s")),
            _f(r.get("run_wall_s")), _f(loop), _f(T), _f(loop / T if loop else None),
            _f(r.get("gpu_memory_peak_MiB")), _f(rates[0]), _f(rates[1]), verdict]) + " |")
    lines.append("")
    for r in records:
        for c in r.get("comparison", {}).get("checks", []):
            lines.append(f"* {r['case']['name']}: {c['what']}: GPU {_f(c['gpu'])}, C++ "
                         f"{_f(c['cpp'])}, tolerance {_f(c['tolerance'])} -> "
                         f"{'ok' if c['ok'] else 'DIFFERS'}")
    for r in records:
        for key in ("collect_error", "cpp_error"):
            if r.get(key):
                lines.append(f"* {r['case']['name']}: {r[key]}")
    if machine:
        lines += ["", machine]
    return "\n".join(lines) + "\n"


def cmd_report(a) -> int:
    rec_dir = Path(a.records)
    records = []
    for p in sorted(rec_dir.glob("record_*.json")):
        r = json.loads(p.read_text())
        case = r["case"]
        if "gpu" in r and "cpp" in r:
            neurons = r["gpu"].get("recorded_neurons") or case.get("neurons") or 0
            r["comparison"] = compare(r["gpu"], r["cpp"], neurons, float(case["T"]))
        records.append(r)
    order = {c: k for k, c in enumerate(json.loads(a.plan))} if a.plan else {}
    records.sort(key=lambda r: order.get(r["case"]["name"], len(order)))
    text = report(records, gpu_info() if not a.gpu_json else json.loads(a.gpu_json))
    if a.md:
        Path(a.md).parent.mkdir(parents=True, exist_ok=True)
        Path(a.md).write_text(text)
        Path(a.md).with_suffix(".json").write_text(json.dumps(records, indent=1))
    print(text)
    bad = [r["case"]["name"] for r in records if r.get("comparison", {}).get("ok") is False]
    return 1 if bad else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="scripts/gpu_check.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("install")
    p.add_argument("--wheels", default=str(ROOT / "wheels"))
    p.add_argument("--venv", default=str(ROOT / ".gpu-venv"))
    p.add_argument("--editable", action="store_true")
    p.add_argument("--dry-run", action="store_true")
    p = sub.add_parser("plan")
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--T", type=float, default=1.0)
    p.add_argument("--cpp-max", type=int, default=10000)
    p = sub.add_parser("suite")
    p.add_argument("--plan", required=True, help="the cases of 'plan' (JSON)")
    p.add_argument("--out", required=True)
    p.add_argument("--budget", type=float, required=True, help="seconds from now")
    p.add_argument("--compute-capability", default="9.0")
    p.add_argument("--device", default="cuda_standalone",
                   choices=("cuda_standalone", "cpp_standalone"))
    p.add_argument("--dry-run", action="store_true")
    p = sub.add_parser("report")
    p.add_argument("--records", required=True)
    p.add_argument("--md", default=None)
    p.add_argument("--plan", default=None, help="case names in order (JSON list)")
    p.add_argument("--gpu-json", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    return {"install": cmd_install, "plan": cmd_plan, "suite": cmd_suite,
            "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
