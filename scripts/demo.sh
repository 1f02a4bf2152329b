#!/usr/bin/env bash
# Sets hue up and runs its main job: the devices it sees and GEMM speed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
./build/apps/hue devices
./build/apps/hue bench gemm
