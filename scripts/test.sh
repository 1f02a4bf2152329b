#!/usr/bin/env bash
# Sets hue up and runs every test (ctest: labels unit, ops, video, e2e),
# with the Vulkan validation layer on.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ctest --test-dir build --output-on-failure -j2 "$@"
