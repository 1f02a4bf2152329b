#!/usr/bin/env bash
# How wide a trunk fits a time budget: the median step time of a method at
# each width (steps 3 to STEPS: the first plans the graph, the second still
# warms the caches), the widths in turn, and what EPOCHS epochs of
# CIFAR-10's 50,000 images would take at that rate. Run it with nothing
# else on the machine.
#
# usage: tests/bench/width_steps.sh [WIDTH...]   (default 0.25 0.375 0.4375 0.5)
#   METHOD=simclr, BATCH=512, EPOCHS=20, STEPS=7, THREADS=2, OUT, HUE_BIN, HUE_DATA
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
hue=${HUE_BIN:-$here/build/apps/hue}
data=${HUE_DATA:-$here/../shared/data}
out=${OUT:-$here/bench-out/width-steps}
method=${METHOD:-simclr} batch=${BATCH:-512} epochs=${EPOCHS:-20} steps=${STEPS:-7} threads=${THREADS:-2}
[ "$steps" -ge 3 ] || { echo "width_steps.sh: STEPS must be at least 3 (the first two steps are left out)" >&2; exit 2; }
widths=("$@")
[ ${#widths[@]} -gt 0 ] || widths=(0.25 0.375 0.4375 0.5)
mkdir -p "$out"
cifar=$out/cifar10
[ -d "$cifar/train" ] || { mkdir -p "$cifar" && tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$cifar"; }

echo "| width | median step (s) | $epochs epochs of steps (min) |"
echo "|---|---|---|"
for w in "${widths[@]}"; do
    "$hue" pretrain --method "$method" --data "$cifar" --width "$w" --batch "$batch" --epochs "$epochs" --seed 0 \
        --threads "$threads" --backend cpu --max-steps "$steps" --out "$out/w.ckpt" --log "$out/w.jsonl" \
        --force --quiet >/dev/null
    /usr/bin/python3 - "$out/w.jsonl" "$w" "$batch" "$epochs" <<'PY'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1]) if '"loss"' in l]
gaps = sorted(b["elapsed_s"] - a["elapsed_s"] for a, b in zip(log[1:], log[2:]))
median = gaps[len(gaps) // 2]
total = 50000 // int(sys.argv[3]) * int(sys.argv[4])
print("| %s | %.2f | %.0f |" % (sys.argv[2], median, total * median / 60))
PY
done
rm -f "$out/w.ckpt" "$out/w.jsonl"
