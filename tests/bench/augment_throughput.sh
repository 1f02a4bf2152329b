#!/usr/bin/env bash
# Augmentation speed on CIFAR-10's test split (10,000 JPEGs of 32x32):
# images/s of the loader running the SimCLR two-view hook (ssl/hue_augment.h)
# for 1 and 2 decoding threads, each against the plain loader (pad-crop and
# flip) measured in the same run, then the two views alone on decoded images.
#
# usage: tests/bench/augment_throughput.sh [BUILD_DIR]
#   BUILD_DIR defaults to build; THREADS=N (environment) goes up to N
#   threads, BATCHES=N measures N batches of 128 per figure (39).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
bench=$build/tests/ssl_data/bench_augment
data=${HUE_DATA:-$here/../shared/data}
[ -x "$bench" ] || { echo "augment_throughput: $bench is missing (cmake --build $build --target bench_augment)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$tmp" --wildcards 'test/*'
"$bench" "$tmp/test" 32 128 "${THREADS:-2}" "${BATCHES:-39}"
