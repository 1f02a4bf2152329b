#!/usr/bin/env bash
# GEMM and convolution speed of hue against PyTorch on the same cores, in
# the same run: `hue bench gemm` (1024^3) against torch.mm, and `hue bench
# conv` (3x3, 64->64, 56x56, batch 32, with bias) against torch's conv2d
# forward, the median of 5 runs (hue) and of 21 runs after 3 warm-ups
# (PyTorch, whose OpenBLAS threads vary more from call to call), alternating ROUNDS
# times; prints every round and the ratio of the best GFLOP/s of each side
# (best of rounds: load on a shared machine only slows a side down).
# PyTorch is Debian's python3-torch on 2 threads, with OpenBLAS
# (libopenblas0-pthread) preloaded so that torch.mm is not the reference BLAS;
# its conv2d runs on oneDNN, the library hue's CPU backend uses.
# usage: tests/bench/ops_vs_pytorch.sh [HUE_BIN]; BACKEND=cpu|vulkan (default cpu), ROUNDS=3
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
hue=${1:-${HUE_BIN:-$here/build/apps/hue}}
backend=${BACKEND:-cpu}
rounds=${ROUNDS:-3}
py=/usr/bin/python3
openblas=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
[ -x "$hue" ] || { echo "ops_vs_pytorch: $hue is not an executable" >&2; exit 1; }
[ -e "$openblas" ] || { echo "ops_vs_pytorch: $openblas missing (Debian: libopenblas0-pthread)" >&2; exit 1; }

torch_bench() {  # torch_bench gemm|conv: prints GFLOP/s
    LD_PRELOAD=$openblas OMP_NUM_THREADS=2 "$py" - "$1" <<'PY'
import sys, time, torch
torch.set_num_threads(2)
kind = sys.argv[1]
if kind == "gemm":
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    f, flops = (lambda: torch.mm(a, b)), 2 * 1024 ** 3
else:
    x, w, bias = torch.randn(32, 64, 56, 56), torch.randn(64, 64, 3, 3), torch.randn(64)
    f = lambda: torch.nn.functional.conv2d(x, w, bias, padding=1)
    flops = 2 * 32 * 64 * 64 * 9 * 56 * 56
with torch.no_grad():
    for _ in range(3):
        f()
    times = []
    for _ in range(21):
        t0 = time.perf_counter(); f(); times.append(time.perf_counter() - t0)
times.sort()
print(f"{flops / times[10] / 1e9:.2f}")
PY
}
hue_bench() {  # hue_bench gemm|conv: prints GFLOP/s
    "$hue" bench "$1" --backend "$backend" --json | "$py" -c 'import json, sys; print(json.load(sys.stdin)["gflops"])'
}

for kind in gemm conv; do
    best_h=0 best_t=0
    for r in $(seq "$rounds"); do
        h=$(hue_bench $kind) t=$(torch_bench $kind)
        echo "$kind round $r: hue ($backend) $h GFLOP/s, PyTorch $t GFLOP/s"
        best_h=$("$py" -c "print(max($best_h, $h))") best_t=$("$py" -c "print(max($best_t, $t))")
    done
    echo "$kind: best hue $best_h, best PyTorch $best_t GFLOP/s, ratio $("$py" -c "print(round($best_h / $best_t, 3))")"
done
