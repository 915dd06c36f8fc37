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

A missing nvcc or cuRAND raises :class:`spikemod.device.DeviceError` whose one-line message says
what to install. :func:`restore_cpp_prefs` undoes the changes to the C++ compiler flags so later
``cpp_standalone`` builds in the same process use Brian2's defaults again.
"""

from __future__ import annotations

import glob
import os
import shutil
import sys
from pathlib import Path

__all__ = ["configure_cuda", "set_cuda_target", "TARGET", "gpu_available", "require_gpu", "restore_cpp_prefs", "find_nvcc", "find_curand", "CudaToolchain"]

_SAVED_PREFS: dict = {}

#: target used when configure_cuda() is called without arguments (e.g. by device.simulation)
TARGET = {"compute_capability": 9.0, "gpu_id": 0}


class CudaToolchain(dict):
    """What :func:`configure_cuda` found: ``nvcc``, ``cuda_path``, ``curand_include``,
    ``curand_lib`` (the directory that holds ``libcurand.so``), ``curand_runtime_dir``
    (the directory of the real ``libcurand.so.N``) and ``compute_capability``."""


def _device_error(msg):
    from spikemod.device import DeviceError
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
    from spikemod.device import default_build_dir
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
                   gpu_id: int | None = None) -> CudaToolchain:
    """Set Brian2/brian2cuda preferences for a cross build of ``cuda_standalone``.

    Parameters
    ----------
    compute_capability : float, optional
        Target GPU architecture (9.0 = sm_90, H100/H200; 8.0 = A100; 8.9 = L4/RTX 40xx).
        Default: :data:`TARGET` (9.0 unless :func:`set_cuda_target` changed it).
    gpu_id : int, optional
        GPU the generated program uses on the machine that runs it (default 0).

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
                    "codegen.cpp.library_dirs", "codegen.cpp.runtime_library_dirs"):
            _SAVED_PREFS[key] = list(prefs[key])
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
    return CudaToolchain(nvcc=str(nvcc), cuda_path=str(root), curand_include=str(inc),
                         curand_lib=str(libdir), curand_runtime_dir=str(lib.parent),
                         compute_capability=compute_capability, gpu_id=int(gpu_id))


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
        prefs[key] = list(value)
    _SAVED_PREFS.clear()
