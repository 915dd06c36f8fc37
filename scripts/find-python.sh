#!/usr/bin/env bash
# Print a Python >= 3.12 interpreter (brian2 2.10.1 needs it; on 3.11 pip would silently fall
# back to brian2 2.8 / brian2cuda 1.0a7). Tries python3.12, then pyenv's 3.12.x, then python3.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
for cand in python3.12 python3.13 python3; do
  if command -v "$cand" >/dev/null 2>&1 && ok "$cand"; then command -v "$cand"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9]' | sort -rV); do
    p="$(pyenv root)/versions/$v/bin/python"
    if ok "$p"; then echo "$p"; exit 0; fi
  done
fi
echo "spikemod needs Python >= 3.12 (brian2 2.10.1); none found: install it (e.g. pyenv install 3.12)" >&2
exit 1
