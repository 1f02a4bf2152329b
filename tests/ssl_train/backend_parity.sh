#!/usr/bin/env bash
# The two backends train the same model. ResNet-18 (width 0.25, CIFAR stem)
# on 12 CIFAR-10 images per class, batch 24, SGD with Nesterov momentum,
# weight decay, warm-up and cosine:
#  - the first 2 steps of a fresh run give the same losses on the Vulkan and
#    the CPU backend (relative 1e-5: fp32 summed in other orders);
#  - from the same checkpoint (fresh, written by Vulkan at step 5, written by
#    the CPU at step 10), one step on each backend gives the same loss
#    (relative 1e-5), the same weights (each tensor within 1e-3 of its
#    largest value: a batch-norm shift near 0 moves by about its own size in
#    a step) and the same momentum buffers, i.e. gradients (within
#    1e-2: a batch-norm shift's gradient is a sum over 24k terms that cancel
#    to a thousandth of their size, so its rounding shows): a checkpoint of
#    either backend resumes on the other.
# Why one step at a time: SGD on small batches with batch norm amplifies
# fp32 rounding tenfold or more per step here: two whole runs agree to 7
# digits at step 2 and differ by 1e-3 at step 5, while one step from the
# same weights agrees to 7 digits at any point; comparing whole runs would
# measure that amplification, not the backends.
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
    "$hue" "${args[@]}" --backend $b --max-steps 2 --out "$tmp/fresh2-$b.st" --log "$tmp/fresh2-$b.jsonl"
    "$hue" "${args[@]}" --backend $b --max-steps 1 --out "$tmp/step1-$b.st"
done
"$hue" "${args[@]}" --backend vulkan --max-steps 5 --out "$tmp/at5.st"
"$hue" "${args[@]}" --backend cpu --max-steps 10 --out "$tmp/at10.st"
for k in 5 10; do
    for b in vulkan cpu; do
        cp "$tmp/at$k.st" "$tmp/step$((k + 1))-$b.st"
        "$hue" "${args[@]}" --backend $b --max-steps $((k + 1)) --resume "$tmp/step$((k + 1))-$b.st" \
            --out "$tmp/step$((k + 1))-$b.st" --log "$tmp/step$((k + 1))-$b.jsonl"
    done
done

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
def tensors(name):
    data = open(f"{tmp}/{name}.st", "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for k, v in header.items():
        if k != "__metadata__" and v["dtype"] == "F32":
            a, b = v["data_offsets"]
            out[k] = np.frombuffer(data[8 + n + a:8 + n + b], dtype="<f4")
    return out
fails = 0
def check(ok, what):
    global fails
    print(("" if ok else "FAIL: ") + what)
    fails += not ok
def same_losses(a, b, steps):
    la, lb = losses(a), losses(b)
    for s in steps:
        if s not in la or s not in lb:
            check(False, f"step {s} missing from {a} or {b}")
            continue
        rel = abs(la[s] - lb[s]) / max(abs(la[s]), 1e-6)
        check(rel <= 1e-5, f"step {s}: loss {la[s]:.7g} (vulkan) vs {lb[s]:.7g} (cpu), relative {rel:.1e}")
def same_tensors(a, b):
    ta, tb = tensors(a), tensors(b)
    if ta.keys() != tb.keys():
        check(False, f"{a} and {b} hold different tensors")
        return
    for kind, bound in (("weights", 1e-3), ("momentum", 1e-2)):
        keys = [k for k in ta if k.startswith("optimizer.") == (kind == "momentum")]
        worst, name = max((float(np.abs(ta[k] - tb[k]).max() / max(np.abs(ta[k]).max(), 1e-12)), k) for k in keys)
        check(worst <= bound, f"{a} vs {b}: {len(keys)} {kind} tensors, largest difference {worst:.1e} of the "
                              f"tensor's range (bound {bound:g}; {name})")
same_losses("fresh2-vulkan", "fresh2-cpu", [1, 2])
same_tensors("step1-vulkan", "step1-cpu")
for k in (6, 11):
    same_losses(f"step{k}-vulkan", f"step{k}-cpu", [k])
    same_tensors(f"step{k}-vulkan", f"step{k}-cpu")
sys.exit(1 if fails else 0)
PY
