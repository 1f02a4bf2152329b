#!/usr/bin/env bash
# Issue 12, point 7: the SimCLR recipe trained by hue (CPU backend) and by
# PyTorch (tests/bench/simclr_pytorch.py, the same recipe step for step) at
# the same width, batch and budget, each measured with the same kNN (k=200,
# T=0.1) on CIFAR-10's test split. Prints both kNN top-1 figures, their
# difference (target: hue within 1.5 points) and hue's training images/s
# over PyTorch's (target: >= 0.9). Run it with nothing else on the machine:
# the speed ratio is the point.
#
# usage: tests/bench/simclr_vs_pytorch.sh   (EPOCHS=10, WIDTH=0.25, BATCH=512, OUT, HUE_BIN, HUE_DATA)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
hue=${HUE_BIN:-$here/build/apps/hue}
data=${HUE_DATA:-$here/../shared/data}
out=${OUT:-$here/bench-out/simclr-peer}
epochs=${EPOCHS:-10}
width=${WIDTH:-0.25}
batch=${BATCH:-512}
mkdir -p "$out"
cifar=$out/cifar10
[ -d "$cifar/train" ] || { mkdir -p "$cifar" && tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$cifar"; }

"$hue" pretrain --method simclr --data "$cifar" --width "$width" --batch "$batch" --epochs "$epochs" --seed 0 \
    --threads 2 --backend cpu --out "$out/simclr.ckpt" --log "$out/simclr.jsonl" --force --quiet
hue_knn=$("$hue" eval knn --model "$out/simclr.ckpt" --data "$cifar" --json --backend cpu)
torch_json=$(/usr/bin/python3 "$here/tests/bench/simclr_pytorch.py" "$cifar" "$epochs" "$width" "$batch" 2)
/usr/bin/python3 - "$out/simclr.jsonl" "$hue_knn" "$torch_json" "$batch" <<'PY'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1]) if '"loss"' in l]
hue, torch, batch = json.loads(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
hue_s = log[-1]["elapsed_s"]
hue_rate = len(log) * batch / hue_s
print(json.dumps({"hue_knn_top1": hue["top1"], "pytorch_knn_top1": torch["knn_top1"],
                  "knn_difference_points": 100 * (hue["top1"] - torch["knn_top1"]),
                  "hue_images_per_s": hue_rate, "pytorch_images_per_s": torch["images_per_s"],
                  "hue_over_pytorch_images_per_s": hue_rate / torch["images_per_s"]}))
PY
