#!/usr/bin/env bash
# Label propagation speed of hue (`hue bench track --json`) against a plain
# PyTorch CPU implementation of the same propagation on the same random unit
# features (tests/bench/track_vs_pytorch.py: frame 0 unrestricted, N context
# frames within radius R, top-k over all context jointly, softmax(score/T),
# weighted sum of soft labels), 480p (feature grid 60x107), N=20, k=10, R=12,
# for 64 and 256 channels. PyTorch runs with 2 threads and OpenBLAS (Debian's
# libopenblas0-pthread) put first, so torch.mm is not the reference BLAS.
# Runs alternate between the two, REPEAT times per channel count; each run
# reports the median over its frames, and the script prints the best run of
# each and their ratio (hue / PyTorch, frames/s). It also prints the CPU time
# per frame of each (every thread of the process) and that ratio (PyTorch's
# CPU seconds / hue's): on a machine shared with other work, wall time
# punishes PyTorch's many fork-join steps more than lavapipe's few
# dispatches, so the CPU ratio is the steadier comparison.
#
# Then the video encoder the same way: `hue bench track --model MODEL`'s
# encoder frames/s (an 854x480 RGB8 frame to unit-length stride-8 features)
# against tests/bench/encoder_pytorch.py, the same architecture built from
# the same checkpoint by python/hue_torch.py.
#
# usage: tests/bench/track_vs_pytorch.sh [HUE_BIN]
#   HUE_BIN defaults to $HUE_BIN or build/apps/hue.
#   REPEAT=3, FRAMES=5, CHANNELS="64 256", MODEL=samples/model/hue-video.ckpt (environment).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
hue=${1:-${HUE_BIN:-$here/build/apps/hue}}
repeat=${REPEAT:-3}
frames=${FRAMES:-5}
channels=${CHANNELS:-64 256}
model=${MODEL:-$here/samples/model/hue-video.ckpt}
python=/usr/bin/python3  # Debian's, which has torch
openblas=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
[ -x "$hue" ] || { echo "track_vs_pytorch: $hue is not an executable" >&2; exit 1; }
"$python" -c 'import torch' 2>/dev/null || { echo "track_vs_pytorch: $python has no torch (Debian: python3-torch)" >&2; exit 1; }
[ -e "$openblas" ] || { echo "track_vs_pytorch: $openblas missing (Debian: libopenblas0-pthread)" >&2; exit 1; }
peer() { LD_PRELOAD=$openblas OMP_NUM_THREADS=2 "$python" "$here/tests/bench/track_vs_pytorch.py" --threads 2 "$@"; }

# torch.mm must run at OpenBLAS speed (the reference BLAS gives ~4 GFLOP/s)
gflops=$(LD_PRELOAD=$openblas OMP_NUM_THREADS=2 "$python" - <<'EOF'
import time, torch
torch.set_num_threads(2)
a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
torch.mm(a, b)
best = 1e9
for _ in range(5):
    t0 = time.perf_counter()
    torch.mm(a, b)
    best = min(best, time.perf_counter() - t0)
print("%.1f" % (2 * 1024 ** 3 / best / 1e9))
EOF
)
echo "torch.mm 1024^3 with OpenBLAS first: $gflops GFLOP/s (2 threads)"
echo "hue device: $("$hue" bench track --json --channels 1 --frames 1 | sed 's/.*"device": "\([^"]*\)".*/\1/')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (other work on the machine skews both figures)"

field() { sed "s/.*\"$1\": \([0-9.]*\).*/\1/"; }
max() { echo "$1 $2" | awk '{print ($1 > $2 ? $1 : $2)}'; }
min() { echo "$1 $2" | awk '{print ($1 < $2 ? $1 : $2)}'; }
printf '%-9s %9s %12s %7s %13s %16s %9s\n' channels hue_fps pytorch_fps ratio hue_cpu_ms pytorch_cpu_ms cpu_ratio
for c in $channels; do
    best_hue=0 best_pt=0 cpu_hue=1e12 cpu_pt=1e12
    for _ in $(seq "$repeat"); do # alternate, so that load changes hit both alike
        h=$("$hue" bench track --json --channels "$c" --frames "$frames")
        p=$(peer --channels "$c" --frames "$frames")
        best_hue=$(max "$best_hue" "$(echo "$h" | field fps)")
        best_pt=$(max "$best_pt" "$(echo "$p" | field fps)")
        cpu_hue=$(min "$cpu_hue" "$(echo "$h" | field cpu_ms_per_frame)")
        cpu_pt=$(min "$cpu_pt" "$(echo "$p" | field cpu_ms_per_frame)")
    done
    awk -v c="$c" -v h="$best_hue" -v p="$best_pt" -v ch="$cpu_hue" -v cp="$cpu_pt" \
        'BEGIN { printf "%-9s %9.3f %12.3f %7.3f %13.0f %16.0f %9.3f\n", c, h, p, h / p, ch, cp, cp / ch }'
done

# the encoder: one 854x480 frame to unit features, the model's architecture
# (tests/bench/encoder_pytorch.py builds it from the same checkpoint)
printf '%-9s %9s %12s %7s %13s %16s %9s\n' encoder hue_fps pytorch_fps ratio hue_cpu_ms pytorch_cpu_ms cpu_ratio
best_hue=0 best_pt=0 cpu_hue=1e12 cpu_pt=1e12
for _ in $(seq "$repeat"); do
    h=$("$hue" bench track --json --channels 1 --frames "$frames" --model "$model" | sed 's/.*"encoder": //')
    p=$(LD_PRELOAD=$openblas OMP_NUM_THREADS=2 "$python" "$here/tests/bench/encoder_pytorch.py" "$model" \
        --frames "$frames" --threads 2)
    best_hue=$(max "$best_hue" "$(echo "$h" | field fps)")
    best_pt=$(max "$best_pt" "$(echo "$p" | field fps)")
    cpu_hue=$(min "$cpu_hue" "$(echo "$h" | field cpu_ms_per_frame)")
    cpu_pt=$(min "$cpu_pt" "$(echo "$p" | field cpu_ms_per_frame)")
done
awk -v h="$best_hue" -v p="$best_pt" -v ch="$cpu_hue" -v cp="$cpu_pt" \
    'BEGIN { printf "%-9s %9.3f %12.3f %7.3f %13.0f %16.0f %9.3f\n", "854x480", h, p, h / p, ch, cp, cp / ch }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
