#!/usr/bin/env bash
# Issue 11, point 7: the rotation recipe trained by hue and by PyTorch at
# the same budget and width (tests/bench/rotation_pytorch.py mirrors hue's
# recipe step for step), each measured with the same kNN (k=200, T=0.1) on
# CIFAR-10's test split; prints both kNN top-1 figures, their difference
# (target: hue within 2 points) and the ratio of training wall-clock times.
# Run it with nothing else on the machine: the time ratio is the point.
#
# usage: tests/bench/rotation_vs_pytorch.sh   (EPOCHS=5, WIDTH=0.25, OUT, HUE_BIN, HUE_DATA)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
hue=${HUE_BIN:-$here/build/apps/hue}
data=${HUE_DATA:-$here/../shared/data}
out=${OUT:-$here/bench-out/rotation-peer}
epochs=${EPOCHS:-5}
width=${WIDTH:-0.25}
mkdir -p "$out"
cifar=$out/cifar10
[ -d "$cifar/train" ] || { mkdir -p "$cifar" && tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$cifar"; }

start=$(date +%s.%N)
"$hue" pretrain --method rotation --data "$cifar" --width "$width" --batch 128 --epochs "$epochs" --seed 0 \
    --threads 2 --backend cpu --out "$out/rotation.ckpt" --force --quiet
hue_s=$(echo "$(date +%s.%N) - $start" | bc)
hue_knn=$("$hue" eval knn --model "$out/rotation.ckpt" --data "$cifar" --json --backend cpu)
torch_json=$(/usr/bin/python3 "$here/tests/bench/rotation_pytorch.py" "$cifar" "$epochs" "$width" 2)
/usr/bin/python3 - "$hue_s" "$hue_knn" "$torch_json" <<'PY'
import json, sys
hue_s, hue, torch = float(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
print(json.dumps({"hue_knn_top1": hue["top1"], "pytorch_knn_top1": torch["knn_top1"],
                  "knn_difference_points": 100 * (hue["top1"] - torch["knn_top1"]),
                  "hue_train_s": hue_s, "pytorch_train_s": torch["train_s"],
                  "pytorch_time_over_hue": torch["train_s"] / hue_s}))
PY
