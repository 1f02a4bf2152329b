#!/bin/bash
# Cross-checks hue's safetensors files against Python's json + struct, and
# PyTorch's load_state_dict where torch is importable (see ckpt_python.py).
# usage: ckpt_python.sh CKPT_TOOL. Exit 77 (skipped) without any python3.
set -euo pipefail
tool=$1
here=$(cd "$(dirname "$0")" && pwd)

# Prefer an interpreter that has torch (Debian's python3-torch lives in
# /usr/bin/python3, which a pyenv python3 on PATH may hide).
py=""
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import torch" >/dev/null 2>&1; then
    py=$cand
    break
  fi
done
if [ -z "$py" ]; then
  for cand in python3 /usr/bin/python3; do
    if command -v "$cand" >/dev/null 2>&1; then py=$cand; break; fi
  done
fi
if [ -z "$py" ]; then
  echo "skipped: no python3"
  exit 77
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/hue-ckpt-py-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
"$py" "$here/ckpt_python.py" "$tool" "$scratch"
