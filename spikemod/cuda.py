"""CUDA standalone builds with brian2cuda, also on a machine without a GPU.

:func:`configure_cuda` sets brian2cuda's preferences so that a project is generated and
compiled for a given compute capability without GPU detection (cross build):

* ``import brian2cuda`` first (it registers its preferences and the ``cuda_standalone`` device);
* ``detect_gpus=False`` with an explicit ``gpu_id`` and ``compute_capability`` (9.0 = H100/H200);
* ``-std=c++17`` for nvcc and gcc: CUDA >= 12's Thrust/CUB refuse the C++11 default of the
  Brian2 templates;
* no ``-march=native`` (the binary is meant for another machine's CPU);
* cuRAND headers and library from the NVIDIA ``nvidia-curand`` wheel (``pip install
  'spikemod[cuda]'``) or from a CUDA toolkit that ships them. The wheel only holds
  ``libcurand.so.10``; the linker needs ``libcurand.so``, so a symlink is made in a library
  directory of the build cache.

Compilation (:func:`make_main`, run by Brian2 in place of ``make``): ``make -j N`` on all
cores (``jobs``), a content-addressed object cache shared by all builds (each ``.o`` keyed by
the SHA-256 of its source, the local headers it includes, the compiler flags and the nvcc
binary: a fresh build directory of an unchanged network, or the unchanged files of a changed
one, compile nothing), progress lines ``[n/N] file`` on the terminal unless quiet, and nvcc's
output in ``make.log`` of the build directory.

A missing nvcc or cuRAND raises :class:`spikemod.device.DeviceError` whose one-line message says
what to install. :func:`restore_cpp_prefs` undoes the changes to the C++ compiler flags so later
``cpp_standalone`` builds in the same process use Brian2's defaults again.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from spikemod.errors import DeviceError
from spikemod.paths import default_build_dir

__all__ = ["configure_cuda", "set_cuda_target", "TARGET", "gpu_available", "require_gpu",
           "restore_cpp_prefs", "find_nvcc", "find_curand", "CudaToolchain", "object_cache_dir",
           "make_main", "set_build_progress", "build_jobs"]

_SAVED_PREFS: dict = {}

#: target used when configure_cuda() is called without arguments (e.g. by device.simulation)
TARGET = {"compute_capability": 9.0, "gpu_id": 0}


class CudaToolchain(dict):
    """What :func:`configure_cuda` found: ``nvcc``, ``cuda_path``, ``curand_include``,
    ``curand_lib`` (the directory that holds ``libcurand.so``), ``curand_runtime_dir``
    (the directory of the real ``libcurand.so.N``) and ``compute_capability``."""


def _device_error(msg):
    return DeviceError(msg)


def find_nvcc() -> Path:
    """The nvcc compiler: ``$CUDA_PATH/bin/nvcc``, else ``nvcc`` on PATH."""
    candidates = []
    if os.environ.get("CUDA_PATH"):
        candidates.append(Path(os.environ["CUDA_PATH"]) / "bin" / "nvcc")
    which = shutil.which("nvcc")
    if which:
        candidates.append(Path(which))
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    raise _device_error(
        "cuda_standalone needs the CUDA compiler nvcc, which was not found on PATH or in "
        "$CUDA_PATH/bin: install the NVIDIA CUDA toolkit (>= 11, e.g. apt install "
        "nvidia-cuda-toolkit) or set CUDA_PATH")


def _cuda_root(nvcc: Path) -> Path:
    """Toolkit root of an nvcc (follows the small ``exec`` wrapper scripts some systems use)."""
    path = nvcc.resolve()
    try:
        text = path.read_text(errors="ignore") if path.stat().st_size < 4096 else ""
    except OSError:
        text = ""
    for word in text.split():
        if word.endswith("/bin/nvcc") and Path(word).is_file():
            path = Path(word).resolve()
            break
    return path.parent.parent


def _wheel_roots():
    """Candidate ``nvidia/...`` directories of pip-installed NVIDIA wheels."""
    roots = []
    for base in sys.path:
        for pattern in ("nvidia/curand", "nvidia/cu*"):
            roots.extend(Path(p) for p in glob.glob(os.path.join(base, pattern)))
    return roots


def find_curand(cuda_root: Path | None = None) -> tuple[Path, Path]:
    """``(include_dir, library_file)`` of cuRAND: the toolkit's, else the ``nvidia-curand`` wheel's."""
    roots = []
    if cuda_root is not None:
        roots.append(cuda_root)
    roots.extend(_wheel_roots())
    for root in roots:
        inc = root / "include"
        if not (inc / "curand.h").is_file():
            continue
        for libdir in (root / "lib64", root / "lib", root / "targets" / "x86_64-linux" / "lib"):
            libs = sorted(libdir.glob("libcurand.so*")) if libdir.is_dir() else []
            if libs:
                return inc, libs[0]
    raise _device_error(
        "cuda_standalone needs cuRAND (curand.h and libcurand.so), which was not found in the "
        "CUDA toolkit or in Python's site-packages: pip install 'spikemod[cuda]' "
        "(the nvidia-curand wheel) or install the toolkit's cuRAND (libcurand-dev)")


def _linkable_libdir(lib: Path) -> Path:
    """A directory with ``libcurand.so`` (a symlink to the versioned library if needed)."""
    if lib.name == "libcurand.so":
        return lib.parent
    if (lib.parent / "libcurand.so").exists():
        return lib.parent
    libdir = default_build_dir("cuda", "lib").with_name("cuda-lib")
    libdir.mkdir(parents=True, exist_ok=True)
    link = libdir / "libcurand.so"
    if link.is_symlink() and Path(os.readlink(link)) != lib:
        link.unlink()
    if not link.exists():
        link.symlink_to(lib)
    return libdir


def set_cuda_target(compute_capability: float = 9.0, gpu_id: int = 0) -> None:
    """Target of later :func:`configure_cuda` calls without arguments (``spikemod build-cuda``)."""
    TARGET.update(compute_capability=float(compute_capability), gpu_id=int(gpu_id))


def configure_cuda(compute_capability: float | None = None,
                   gpu_id: int | None = None, jobs: int | None = None,
                   cache: bool = True) -> CudaToolchain:
    """Set Brian2/brian2cuda preferences for a cross build of ``cuda_standalone``.

    Parameters
    ----------
    compute_capability : float, optional
        Target GPU architecture (9.0 = sm_90, H100/H200; 8.0 = A100; 8.9 = L4/RTX 40xx).
        Default: :data:`TARGET` (9.0 unless :func:`set_cuda_target` changed it).
    gpu_id : int, optional
        GPU the generated program uses on the machine that runs it (default 0).
    jobs : int, optional
        Parallel compiler processes (default :func:`build_jobs`: all cores).
    cache : bool
        Use the shared object cache (:func:`object_cache_dir`; ``$SPIKEMOD_OBJECT_CACHE=off``
        disables it too).

    Returns
    -------
    CudaToolchain
        The paths found (recorded in build READMEs and provenance).

    Raises
    ------
    spikemod.device.DeviceError
        nvcc or cuRAND missing (one line naming what to install).
    """
    if compute_capability is None:
        compute_capability = TARGET["compute_capability"]
    if gpu_id is None:
        gpu_id = TARGET["gpu_id"]
    compute_capability = float(compute_capability)
    if compute_capability < 3.5:
        raise _device_error(f"compute capability {compute_capability:g} is not supported "
                            "(allowed: 3.5 or higher, e.g. 9.0 for H100)")
    nvcc = find_nvcc()
    root = _cuda_root(nvcc)
    inc, lib = find_curand(root)
    libdir = _linkable_libdir(lib)

    import brian2cuda  # noqa: F401  (registers the cuda_standalone device and its preferences)
    from brian2 import prefs

    if not _SAVED_PREFS:
        for key in ("codegen.cpp.extra_compile_args_gcc", "codegen.cpp.include_dirs",
                    "codegen.cpp.library_dirs", "codegen.cpp.runtime_library_dirs",
                    "devices.cpp_standalone.make_cmd_unix",
                    "devices.cpp_standalone.extra_make_args_unix"):
            value = prefs[key]
            _SAVED_PREFS[key] = list(value) if isinstance(value, list) else value
    gcc = [a for a in _SAVED_PREFS["codegen.cpp.extra_compile_args_gcc"]
           if not a.startswith(("-march", "-mtune", "-std="))]
    prefs["codegen.cpp.extra_compile_args_gcc"] = gcc + ["-std=c++17"]
    prefs["codegen.cpp.include_dirs"] = _SAVED_PREFS["codegen.cpp.include_dirs"] + [str(inc)]
    prefs["codegen.cpp.library_dirs"] = _SAVED_PREFS["codegen.cpp.library_dirs"] + [str(libdir)]
    prefs["codegen.cpp.runtime_library_dirs"] = (_SAVED_PREFS["codegen.cpp.runtime_library_dirs"]
                                                 + [str(lib.parent)])
    backend = prefs.devices.cuda_standalone.cuda_backend
    backend.detect_gpus = False
    backend.gpu_id = int(gpu_id)
    backend.compute_capability = compute_capability
    backend.cuda_path = str(root)
    backend.extra_compile_args_nvcc = ["-w", "-use_fast_math", "-std=c++17"]
    jobs = build_jobs() if jobs is None else max(1, int(jobs))
    prefs["devices.cpp_standalone.extra_make_args_unix"] = ["-j", str(jobs)]
    cache_on = cache and os.environ.get("SPIKEMOD_OBJECT_CACHE", "") != "off"
    prefs["devices.cpp_standalone.make_cmd_unix"] = (
        f"{shlex.quote(sys.executable)} -m spikemod.cuda make --nvcc {shlex.quote(str(nvcc))}"
        + ("" if cache_on else " --no-cache"))
    return CudaToolchain(nvcc=str(nvcc), cuda_path=str(root), curand_include=str(inc),
                         curand_lib=str(libdir), curand_runtime_dir=str(lib.parent),
                         compute_capability=compute_capability, gpu_id=int(gpu_id),
                         jobs=jobs, object_cache=str(object_cache_dir()) if cache_on else None)


def gpu_available() -> bool:
    """Whether this machine has an NVIDIA GPU with a loaded driver."""
    gpus = Path("/proc/driver/nvidia/gpus")
    if gpus.is_dir() and any(gpus.iterdir()):
        return True
    smi = shutil.which("nvidia-smi")
    if smi:
        import subprocess
        try:
            out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20)
            return out.returncode == 0 and "GPU" in out.stdout
        except (OSError, subprocess.SubprocessError):
            return False
    return False


def require_gpu() -> None:
    """Raise DeviceError (one line) when a cuda_standalone simulation cannot run here."""
    if not gpu_available():
        raise _device_error(
            "cuda_standalone needs an NVIDIA GPU to run and none was found here; compile "
            "with 'spikemod build-cuda --protocol NAME --out DIR', run DIR/run.sh on a GPU "
            "machine, then 'spikemod collect DIR --out RESULTS'")


def restore_cpp_prefs() -> None:
    """Give the C++ preferences changed by :func:`configure_cuda` their previous values."""
    if not _SAVED_PREFS:
        return
    from brian2 import prefs
    for key, value in _SAVED_PREFS.items():
        prefs[key] = list(value) if isinstance(value, list) else value
    _SAVED_PREFS.clear()


# --------------------------------------------------------------------------------------------
# Parallel, cached compilation with progress (run by Brian2 as its "make" command)

#: environment variable with a file descriptor for progress lines (Brian2 silences the
#: compiler's stdout/stderr while it builds; progress goes to the terminal's saved stderr)
PROGRESS_FD_ENV = "SPIKEMOD_PROGRESS_FD"
_OBJ_SUFFIXES = (".cu", ".cpp", ".c")


def build_jobs() -> int:
    """Compiler processes for a build: ``$SPIKEMOD_BUILD_JOBS``, else the cores this process
    may use."""
    env = os.environ.get("SPIKEMOD_BUILD_JOBS")
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:      # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def object_cache_dir() -> Path:
    """Shared object cache: ``$SPIKEMOD_OBJECT_CACHE``, else ``cuda-objects`` beside the build
    cache (:func:`spikemod.device.default_build_dir`)."""
    env = os.environ.get("SPIKEMOD_OBJECT_CACHE")
    if env and env != "off":
        return Path(env)
    return default_build_dir("cuda", "objects").with_name("cuda-objects")


def set_build_progress(enabled: bool) -> None:
    """Show (or hide) the ``[n/N] file`` lines of later builds in this process on stderr."""
    old = os.environ.pop(PROGRESS_FD_ENV, None)
    if old:
        try:
            os.close(int(old))
        except (OSError, ValueError):
            pass
    if enabled:
        fd = os.dup(2)
        os.set_inheritable(fd, True)
        os.environ[PROGRESS_FD_ENV] = str(fd)


def _makefile_sources(directory: Path) -> tuple[list, str]:
    """``(sources, flags)`` of a Brian2/brian2cuda makefile: SRCS and the compile flags."""
    text = (directory / "makefile").read_text()
    text = text.replace("\\\n", " ")
    srcs, flags = [], []
    for line in text.splitlines():
        if line.startswith("SRCS"):
            srcs = line.split("=", 1)[1].split()
        elif re.match(r"^(NVCC|NVCCFLAGS|CXXFLAGS|CFLAGS|CXX)\s*:?=", line):
            flags.append(line)
    return srcs, "\n".join(flags)


_INCLUDE = re.compile(rb'^\s*#\s*include\s*"([^"]+)"', re.M)


def _closure(path: Path, root: Path, seen: set) -> None:
    """Local files ``path`` includes (``#include "..."``), recursively, into ``seen``."""
    if path in seen or not path.is_file():
        return
    seen.add(path)
    data = path.read_bytes()
    for name in _INCLUDE.findall(data):
        name = name.decode()
        for base in (path.parent, root, root / "brianlib"):
            cand = (base / name).resolve()
            if cand.is_file():
                _closure(cand, root, seen)
                break


def object_key(directory: Path, source: str, flags: str, compiler_id: str) -> str:
    """SHA-256 of a source, the local headers it includes (recursively), the makefile's
    compiler flags and the compiler: equal keys give identical object files."""
    root = directory.resolve()
    files: set = set()
    _closure((root / source).resolve(), root, files)
    h = hashlib.sha256()
    h.update(compiler_id.encode() + b"\0" + flags.encode() + b"\0" + source.encode())
    for f in sorted(files):
        h.update(b"\0" + str(f.relative_to(root) if f.is_relative_to(root) else f).encode())
        h.update(b"\0" + f.read_bytes())
    return h.hexdigest()


def _compiler_id(nvcc: str | None) -> str:
    """Compiler identity for the cache key: path, size and mtime of nvcc and of g++."""
    parts = []
    for exe in (nvcc, shutil.which(os.environ.get("CXX", "g++"))):
        if exe and os.path.exists(exe):
            st = os.stat(os.path.realpath(exe))
            parts.append(f"{os.path.realpath(exe)}:{st.st_size}:{int(st.st_mtime)}")
    return "|".join(parts)


def _objects(srcs):
    return [os.path.splitext(s)[0] + ".o" for s in srcs if s.endswith(_OBJ_SUFFIXES)]


def _progress(msg: str) -> None:
    fd = os.environ.get(PROGRESS_FD_ENV)
    if not fd:
        return
    try:
        os.write(int(fd), (msg + "\n").encode())
    except (OSError, ValueError):
        pass


def make_main(argv=None) -> int:
    """``python -m spikemod.cuda make [--nvcc PATH] [--no-cache] [-j N] [make args]``: build
    a Brian2 standalone project in the current directory (Brian2's ``make_cmd_unix``).

    Restores object files whose :func:`object_key` is in the cache, runs ``make -j N`` with its
    output in ``make.log``, reports ``[n/N] file`` as objects appear (when progress is on,
    :func:`set_build_progress`), and stores the new objects in the cache. Returns make's exit
    status (the log's tail is printed on failure).
    """
    import argparse
    ap = argparse.ArgumentParser(prog="python -m spikemod.cuda make")
    ap.add_argument("--nvcc", default=None)
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("-j", dest="jobs", type=int, default=build_jobs())
    a, rest = ap.parse_known_args(argv)
    directory = Path.cwd()
    srcs, flags = _makefile_sources(directory)
    objs = _objects(srcs)
    cache = None if a.no_cache else object_cache_dir()
    keys = {}
    restored = 0
    t0 = time.time()
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        cid = _compiler_id(a.nvcc)
        for src, obj in zip([s for s in srcs if s.endswith(_OBJ_SUFFIXES)], objs):
            key = object_key(directory, src, flags, cid)
            keys[obj] = key
            cached = cache / key[:2] / f"{key}.o"
            target = directory / obj
            if cached.is_file() and not (target.is_file() and target.stat().st_mtime
                                         >= (directory / src).stat().st_mtime):
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_suffix(".o.tmp")
                shutil.copyfile(cached, tmp)
                os.replace(tmp, target)         # fresh mtime: newer than the source
                restored += 1
    todo = [o for o, s in zip(objs, [s for s in srcs if s.endswith(_OBJ_SUFFIXES)])
            if not ((directory / o).is_file()
                    and (directory / o).stat().st_mtime >= (directory / s).stat().st_mtime)]
    before = {o: (directory / o).stat().st_mtime if (directory / o).exists() else None
              for o in todo}
    _progress(f"spikemod: compiling {len(todo)} of {len(objs)} files with {a.jobs} jobs"
              + (f" ({restored} from the object cache {cache})" if cache is not None else ""))
    log = open(directory / "make.log", "w")
    proc = subprocess.Popen(["make", "-j", str(a.jobs), *rest], stdout=log,
                            stderr=subprocess.STDOUT)
    done: set = set()
    while True:
        rc = proc.poll()
        for o in todo:
            if o in done:
                continue
            p = directory / o
            if p.exists() and p.stat().st_mtime != before[o]:
                done.add(o)
                _progress(f"  [{len(done)}/{len(todo)}] {o} ({time.time() - t0:.0f} s)")
        if rc is not None:
            break
        time.sleep(0.5)
    log.close()
    if rc != 0:
        tail = (directory / "make.log").read_text(errors="replace").splitlines()[-30:]
        sys.stderr.write("\n".join(tail) + "\n")
        _progress("spikemod: compilation failed; see " + str(directory / "make.log"))
        return rc
    stored = 0
    if cache is not None:
        for obj, key in keys.items():
            cached = cache / key[:2] / f"{key}.o"
            if not cached.is_file() and (directory / obj).is_file():
                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_name(f".{key}.{os.getpid()}.tmp")
                shutil.copyfile(directory / obj, tmp)
                os.replace(tmp, cached)
                stored += 1
    _progress(f"spikemod: compiled and linked in {time.time() - t0:.1f} s "
              f"({len(todo)} compiled, {restored} from the cache, {stored} added to it)")
    return 0


if __name__ == "__main__":      # Brian2 runs "python -m spikemod.cuda make -j N"
    if len(sys.argv) > 1 and sys.argv[1] == "make":
        sys.exit(make_main(sys.argv[2:]))
    sys.exit("usage: python -m spikemod.cuda make [--nvcc PATH] [--no-cache] [-j N]")
