#!/usr/bin/env bash
# Sets hue up and runs every test (ctest: labels unit, ops, video, e2e),
# with the Vulkan validation layer on; then a sanitizer build runs the unit,
# ops and video tests and a small end-to-end set (scripts/test_asan.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
ctest --test-dir build --output-on-failure -j2 "$@"
bash scripts/test_asan.sh
