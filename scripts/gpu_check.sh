#!/usr/bin/env bash
# GPU check (issue 14): on a machine with an NVIDIA GPU, build fi-gain and the sheet
# microcircuit at 10^4, 10^5 and 10^6 pyramidal cells with cuda_standalone, run them, collect
# them with `spikemod collect`, compare with cpp_standalone runs of the same networks where
# C++ is affordable (--cpp-max), and write a BENCHMARKS fragment (build time, run time per
# simulated second, real-time factor, GPU memory, the GPU's name).
#
# The GPU machine has no package index: spikemod and its missing dependencies are installed
# from wheels brought along (make them here with scripts/fetch_wheels.sh -> wheels/).
# Compilation uses all cores (SPIKEMOD_BUILD_JOBS) and an object cache shared by the cases.
# The first microcircuit is built alone (fresh), then rebuilt unchanged; the other builds and
# the C++ runs then go in parallel at low priority while built cases run on the GPU one at a
# time. What has not finished when the budget (default 840 s) is spent is recorded as skipped.
#
# Usage: scripts/gpu_check.sh [--dry-run] [--no-install] [--wheels DIR] [--out DIR]
#          [--sizes 10000,100000,1000000] [--T 1] [--cpp-max 10000] [--budget 840]
#          [--compute-capability 9.0] [--md benchmarks/gpu_check.md] [--cpu-only]
# --cpu-only builds the cases for this CPU (cpp_standalone) instead: the whole flow, no GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)
DRY=0; INSTALL=1; WHEELS=wheels; OUT=gpu_check_out; SIZES=10000,100000,1000000; T=1
CPPMAX=10000; BUDGET=840; CC=9.0; MD=benchmarks/gpu_check.md; DEVICE=cuda_standalone
die() { echo "gpu_check.sh: $*" >&2; exit 2; }
need() { [ $# -ge 2 ] || die "$1 needs a value"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1; shift ;;
    --no-install) INSTALL=0; shift ;;
    --wheels) need "$@"; WHEELS=$2; shift 2 ;;
    --out) need "$@"; OUT=$2; shift 2 ;;
    --sizes) need "$@"; SIZES=$2; shift 2 ;;
    --T) need "$@"; T=$2; shift 2 ;;
    --cpp-max) need "$@"; CPPMAX=$2; shift 2 ;;
    --budget) need "$@"; BUDGET=$2; shift 2 ;;
    --compute-capability) need "$@"; CC=$2; shift 2 ;;
    --md) need "$@"; MD=$2; shift 2 ;;
    --cpu-only) DEVICE=cpp_standalone; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ "$BUDGET" =~ ^[0-9]+$ ]] || die "--budget '$BUDGET' is not allowed (whole seconds)"
[[ "$CPPMAX" =~ ^[0-9]+$ ]] || die "--cpp-max '$CPPMAX' is not allowed (a cell count)"
[[ "$T" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--T '$T' is not allowed (simulated seconds, e.g. 1)"
PY3=${PYTHON:-python3}
DRYFLAG=(); [ "$DRY" = 1 ] && DRYFLAG=(--dry-run)

# 1. spikemod and its missing dependencies from the wheels (no package index)
if [ "$INSTALL" = 1 ]; then
  "$PY3" scripts/gpu_check.py install --wheels "$WHEELS" --venv .gpu-venv "${DRYFLAG[@]}"
  PY=.gpu-venv/bin/python
  [ "$DRY" = 1 ] && PY=$PY3
else
  PY=$PY3
fi
# 2. a GPU, all cores for nvcc, one object cache for all cases
if [ "$DRY" = 0 ] && [ "$DEVICE" = cuda_standalone ]; then
  nvidia-smi -L >/dev/null 2>&1 || die "no NVIDIA GPU here (nvidia-smi -L failed): run this on the GPU machine"
  if ! command -v nvcc >/dev/null && [ -z "${CUDA_PATH:-}" ]; then
    for d in /usr/local/cuda /usr/local/cuda-*; do
      if [ -x "$d/bin/nvcc" ]; then export PATH="$d/bin:$PATH"; break; fi
    done
  fi
  command -v nvcc >/dev/null || [ -n "${CUDA_PATH:-}" ] || die "no nvcc on PATH, in \$CUDA_PATH or /usr/local/cuda*/bin"
  echo "gpu_check.sh: $(nvidia-smi -L | head -1); $(nvcc --version | tail -1); $(nproc) cores;" \
       "$(awk '/MemTotal/ {printf "%.0f GB", $2 / 2^20}' /proc/meminfo); $("$PY" -V)"
fi
export SPIKEMOD_BUILD_JOBS=${SPIKEMOD_BUILD_JOBS:-$(nproc)}
mkdir -p "$OUT"
OUTABS=$(cd "$OUT" && pwd)            # --out may be relative or absolute
export SPIKEMOD_OBJECT_CACHE=${SPIKEMOD_OBJECT_CACHE:-$OUTABS/object-cache}
export SPIKEMOD_BUILD_DIR=${SPIKEMOD_BUILD_DIR:-$OUTABS/builds}
PLAN=$("$PY" scripts/gpu_check.py plan --sizes "$SIZES" --T "$T" --cpp-max "$CPPMAX") || exit 2
NAMES=$("$PY" -c 'import json, sys; print(json.dumps([c["name"] for c in json.loads(sys.argv[1])]))' "$PLAN")
# 3. the cases: builds in parallel, GPU runs one at a time, until the budget is spent
LEFT=$(( BUDGET - ($(date +%s) - START) - 20 ))
"$PY" scripts/gpu_check.py suite --plan "$PLAN" --out "$OUT" --budget "$LEFT" \
  --compute-capability "$CC" --device "$DEVICE" "${DRYFLAG[@]}"
# 4. comparison and the BENCHMARKS fragment
if [ "$DRY" = 1 ]; then
  echo "gpu_check.sh: dry run: would write $MD"
  exit 0
fi
"$PY" scripts/gpu_check.py report --records "$OUT" --md "$MD" --plan "$NAMES"
echo "gpu_check.sh: done in $(( $(date +%s) - START )) s; fragment $MD"
