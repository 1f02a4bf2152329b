#!/usr/bin/env bash
# The two backends train the same model: 20 ResNet-18 steps (width 0.25,
# CIFAR stem, 12 CIFAR-10 images per class, batch 24, SGD with Nesterov
# momentum, weight decay, warm-up and cosine) on the Vulkan backend and on
# the CPU backend give the same per-step losses and final weights within a
# float tolerance, and a checkpoint written by one backend resumes on the
# other (its later steps match the run that never switched).
# Tolerances: fp32 on both sides, summed in different orders (oneDNN's blocked
# convolutions against hue's GEMM kernels), so the runs drift apart slowly as
# SGD amplifies rounding: losses within 1e-3 relative over the first 10 steps
# and 1e-2 over 20, weights within 1e-2 of the largest weight.
# usage: backend_parity.sh (HUE_BIN, HUE_DATA from ctest)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hue=${HUE_BIN:?HUE_BIN is not set}
data=${HUE_DATA:-$here/../../../shared/data}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-parity-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$tmp" --wildcards 'train/*/000[0-9].jpg' 'train/*/001[01].jpg'
args=(pretrain --method supervised --data "$tmp/train" --width 0.25 --size 32 --batch 24 --epochs 4 --lr 0.05
      --seed 5 --quiet)

for b in vulkan cpu; do
    "$hue" "${args[@]}" --backend $b --max-steps 20 --out "$tmp/$b.safetensors" --log "$tmp/$b.jsonl"
done
# switch backends at step 10, both ways
"$hue" "${args[@]}" --backend vulkan --max-steps 10 --out "$tmp/v2c.safetensors"
"$hue" "${args[@]}" --backend cpu --max-steps 20 --resume "$tmp/v2c.safetensors" --out "$tmp/v2c.safetensors" \
    --log "$tmp/v2c.jsonl"
"$hue" "${args[@]}" --backend cpu --max-steps 10 --out "$tmp/c2v.safetensors"
"$hue" "${args[@]}" --backend vulkan --max-steps 20 --resume "$tmp/c2v.safetensors" --out "$tmp/c2v.safetensors" \
    --log "$tmp/c2v.jsonl"

/usr/bin/python3 - "$tmp" <<'PY'
import json, struct, sys
import numpy as np
tmp = sys.argv[1]
def losses(name):
    out = {}
    for line in open(f"{tmp}/{name}.jsonl"):
        d = json.loads(line)
        if "loss" in d and "step" in d:
            out[d["step"]] = d["loss"]
    return out
def weights(name):
    data = open(f"{tmp}/{name}.safetensors", "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for k, v in header.items():
        if k == "__metadata__" or k.startswith("optimizer.") or v["dtype"] != "F32":
            continue
        a, b = v["data_offsets"]
        out[k] = np.frombuffer(data[8 + n + a:8 + n + b], dtype="<f4")
    return out
fails = 0
def compare(a, b, first, last):
    global fails
    la, lb = losses(a), losses(b)
    worst = 0.0
    for s in range(first, last + 1):
        if s not in la or s not in lb:
            print(f"FAIL: step {s} missing in {a} or {b}"); fails += 1; return
        rel = abs(la[s] - lb[s]) / max(abs(la[s]), 1e-6)
        bound = 1e-3 if s <= 10 else 1e-2
        worst = max(worst, rel)
        if rel > bound:
            print(f"FAIL: {a} vs {b} step {s}: loss {la[s]:.6f} vs {lb[s]:.6f} (relative {rel:.2e} > {bound})")
            fails += 1
    print(f"{a} vs {b}: steps {first}-{last}, largest relative loss difference {worst:.2e}")
def compare_weights(a, b):
    global fails
    wa, wb = weights(a), weights(b)
    if wa.keys() != wb.keys():
        print(f"FAIL: {a} and {b} hold different tensors"); fails += 1; return
    scale = max(float(np.abs(v).max()) for v in wa.values())
    worst = max(float(np.abs(wa[k] - wb[k]).max()) for k in wa)
    print(f"{a} vs {b}: largest weight difference {worst:.2e} (largest weight {scale:.3f})")
    if worst > 1e-2 * scale:
        print(f"FAIL: weights differ by {worst:.2e} > 1e-2 x {scale:.3f}"); fails += 1
compare("vulkan", "cpu", 1, 20)
compare_weights("vulkan", "cpu")
compare("v2c", "vulkan", 11, 20)
compare("c2v", "cpu", 11, 20)
compare_weights("v2c", "vulkan")
compare_weights("c2v", "cpu")
sys.exit(1 if fails else 0)
PY
