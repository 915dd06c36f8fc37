#!/usr/bin/env bash
# Download the wheels scripts/gpu_check.sh installs on a GPU machine without a package index.
#
# Usage (here, with a package index):  scripts/fetch_wheels.sh [DIR] [--dry-run]
#   DIR defaults to wheels/ (gitignored). Builds a wheel of spikemod and downloads/builds wheels
#   of all its dependencies for this Python (3.12, x86_64 Linux, as on the GPU machine), then
#   removes the large packages the GPU machine already has (scripts/gpu_check.py
#   SYSTEM_PACKAGES: numpy, scipy, matplotlib, h5py and matplotlib's compiled dependencies).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=wheels
DRY=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    -*) echo "fetch_wheels.sh: unknown option $arg (allowed: DIR, --dry-run)" >&2; exit 2 ;;
    *) DIR=$arg ;;
  esac
done
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
run() { echo "+ $*"; [ "$DRY" = 1 ] || "$@"; }
run mkdir -p "$DIR"
# wheels of spikemod and of every dependency (sdists are built into wheels here, so the GPU
# machine needs no compiler toolchain for Python packages and no build isolation downloads)
run "$PY" -m pip wheel --wheel-dir "$DIR" .
# setuptools/wheel for the --no-build-isolation install of spikemod itself there
run "$PY" -m pip download --dest "$DIR" --only-binary=:all: setuptools wheel
SYSTEM=$("$PY" -c 'import sys; sys.path.insert(0, "scripts"); import gpu_check; print(" ".join(gpu_check.SYSTEM_PACKAGES))')
for name in $SYSTEM; do
  for f in "$DIR"/*.whl; do
    [ -e "$f" ] || continue
    base=$(basename "$f")
    norm=$("$PY" -c 'import sys; sys.path.insert(0, "scripts"); import gpu_check; print(gpu_check.wheel_name(sys.argv[1]))' "$base")
    if [ "$norm" = "$name" ]; then run rm -f "$f"; fi
  done
done
[ "$DRY" = 1 ] || du -sh "$DIR"
