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
# Cases that would start after the time budget (default 840 s) are recorded as skipped.
#
# Usage: scripts/gpu_check.sh [--dry-run] [--no-install] [--wheels DIR] [--out DIR]
#          [--sizes 10000,100000,1000000] [--T 1] [--cpp-max 10000] [--budget 840]
#          [--compute-capability 9.0] [--md benchmarks/gpu_check.md]
set -euo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)
DRY=0; INSTALL=1; WHEELS=wheels; OUT=gpu_check_out; SIZES=10000,100000,1000000; T=1
CPPMAX=10000; BUDGET=840; CC=9.0; MD=benchmarks/gpu_check.md
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
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
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
if [ "$DRY" = 0 ]; then
  nvidia-smi -L >/dev/null 2>&1 || die "no NVIDIA GPU here (nvidia-smi -L failed): run this on the GPU machine"
fi
export SPIKEMOD_BUILD_JOBS=${SPIKEMOD_BUILD_JOBS:-$(nproc)}
export SPIKEMOD_OBJECT_CACHE=${SPIKEMOD_OBJECT_CACHE:-$PWD/$OUT/object-cache}
export SPIKEMOD_BUILD_DIR=${SPIKEMOD_BUILD_DIR:-$PWD/$OUT/builds}
mkdir -p "$OUT"
PLAN=$("$PY" scripts/gpu_check.py plan --sizes "$SIZES" --T "$T" --cpp-max "$CPPMAX") || exit 2
NAMES=$("$PY" -c 'import json, sys; print(json.dumps([c["name"] for c in json.loads(sys.argv[1])]))' "$PLAN")
# 3. the cases, in order, while the budget lasts
"$PY" -c 'import json, sys; [print(json.dumps(c)) for c in json.loads(sys.argv[1])]' "$PLAN" |
while IFS= read -r CASE; do
  NOW=$(date +%s); LEFT=$(( BUDGET - (NOW - START) ))
  NAME=$("$PY" -c 'import json, sys; print(json.loads(sys.argv[1])["name"])' "$CASE")
  if [ "$LEFT" -lt 60 ]; then
    echo "gpu_check.sh: $NAME skipped (${LEFT} s of the budget left)"
    "$PY" scripts/gpu_check.py skip --case "$CASE" --out "$OUT" --reason "time budget ($BUDGET s) spent"
    continue
  fi
  echo "gpu_check.sh: $NAME (${LEFT} s of the budget left)"
  if ! timeout "$LEFT" "$PY" scripts/gpu_check.py case --case "$CASE" --out "$OUT" \
        --compute-capability "$CC" "${DRYFLAG[@]}"; then
    "$PY" scripts/gpu_check.py skip --case "$CASE" --out "$OUT" --reason "failed or timed out (see $OUT/${NAME}_*.log)"
  fi
done
# 4. comparison and the BENCHMARKS fragment
if [ "$DRY" = 1 ]; then
  echo "gpu_check.sh: dry run: would write $MD"
  exit 0
fi
"$PY" scripts/gpu_check.py report --records "$OUT" --md "$MD" --plan "$NAMES"
echo "gpu_check.sh: done in $(( $(date +%s) - START )) s; fragment $MD"
