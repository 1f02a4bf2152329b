#!/usr/bin/env bash
# Image loader speed on CIFAR-10's test split (10,000 JPEGs of 32x32):
# images/s of hue's loader for 1 and 2 decoding threads (float NCHW and RGB8
# NHWC, pad-crop and flip), and, as the peer measured in the same run, the
# ffmpeg command line decoding the same files to RGB24 (one process per
# class folder, one thread), with the ratio of hue's 1-thread rate to it.
#
# usage: tests/bench/dataset_throughput.sh [BUILD_DIR]
#   BUILD_DIR defaults to build; THREADS=N (environment) goes up to N threads.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
bench=$build/tests/ssl_data/bench_dataset
data=${HUE_DATA:-$here/../shared/data}
[ -x "$bench" ] || { echo "dataset_throughput: $bench is missing (cmake --build $build --target bench_dataset)" >&2; exit 1; }
command -v ffmpeg >/dev/null || { echo "dataset_throughput: ffmpeg not found" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$tmp" --wildcards 'test/*'

out=$("$bench" "$tmp/test" 32 128 "${THREADS:-2}")
echo "$out"

t0=$(date +%s.%N)
cpu0=$(awk '{print $16 + $17}' /proc/$$/stat)
for d in "$tmp"/test/*/; do
    ffmpeg -v error -threads 1 -i "$d%04d.jpg" -f rawvideo -pix_fmt rgb24 -y /dev/null
done
t1=$(date +%s.%N)
cpu1=$(awk '{print $16 + $17}' /proc/$$/stat) # children's user + system ticks
n=$(find "$tmp/test" -name '*.jpg' | wc -l)
tick=$(getconf CLK_TCK)
ff=$(echo "$n $t0 $t1" | awk '{printf "%.0f", $1 / ($3 - $2)}')
ffcpu=$(echo "$n $cpu0 $cpu1 $tick" | awk '{printf "%.1f", ($3 - $2) / $4 / $1 * 1e6}')
hue1=$(echo "$out" | awk '$1 == "f32" && $3 == 1 {print $4}')
huecpu=$(echo "$out" | awk '$1 == "f32" && $3 == 1 {print $5}')
echo "ffmpeg (1 thread, image2 per class folder): $ff images/s, $ffcpu CPU us/image"
echo "$hue1 $ff $huecpu $ffcpu" | awk '{printf "hue f32 1 thread vs ffmpeg: %.2fx the images/s, %.2fx the CPU time per image\n", $1 / $2, $3 / $4}'
