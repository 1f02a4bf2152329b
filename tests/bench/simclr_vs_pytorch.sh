#!/usr/bin/env bash
# Issue 12, point 7: the SimCLR recipe trained by hue (CPU backend) and by
# PyTorch (tests/bench/simclr_pytorch.py, the same recipe step for step) at
# the same width, batch and budget, each measured with the same kNN (k=200,
# T=0.1) on CIFAR-10's test split. Prints both kNN top-1 figures, their
# difference (target: hue within 1.5 points) and hue's training images/s
# over PyTorch's (target: >= 0.9). Run it with nothing else on the machine:
# the speed ratio is the point.
#
# HUE_RUN=DIR takes hue's side from DIR/simclr.ckpt and DIR/simclr.jsonl, a
# finished run of the same recipe (tests/bench/contrastive_quality.sh at the
# same EPOCHS, WIDTH and BATCH) instead of training it again; its rate is
# only fair if that run had the machine to itself.
#
# usage: tests/bench/simclr_vs_pytorch.sh   (EPOCHS=10, WIDTH=0.25, BATCH=512, OUT, HUE_RUN, HUE_BIN, HUE_DATA)
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

run=${HUE_RUN:-$out}
if [ -n "${HUE_RUN:-}" ]; then
    # the run must be this recipe, finished
    /usr/bin/python3 - "$run/simclr.ckpt" "$epochs" "$width" "$batch" <<'PY'
import json, struct, sys
path, epochs, width, batch = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
f = open(path, "rb"); n = struct.unpack("<Q", f.read(8))[0]; meta = json.loads(f.read(n))["__metadata__"]
flags = json.loads(meta["flags"])
got = (flags.get("method"), int(flags.get("epochs", 0)), float(flags.get("width", 0)), int(flags.get("batch", 0)))
if got != ("simclr", epochs, width, batch) or int(meta["step"]) != 50000 // batch * epochs:
    sys.exit("%s: method, epochs, width, batch %s at step %s; wanted simclr, %d, %g, %d, finished"
             % (path, got, meta["step"], epochs, width, batch))
PY
else
    "$hue" pretrain --method simclr --data "$cifar" --width "$width" --batch "$batch" --epochs "$epochs" --seed 0 \
        --threads 2 --backend cpu --out "$out/simclr.ckpt" --log "$out/simclr.jsonl" --force --quiet
fi
hue_knn=$("$hue" eval knn --model "$run/simclr.ckpt" --data "$cifar" --json --backend cpu)
torch_json=$(/usr/bin/python3 "$here/tests/bench/simclr_pytorch.py" "$cifar" "$epochs" "$width" "$batch" 2)
/usr/bin/python3 - "$run/simclr.jsonl" "$hue_knn" "$torch_json" "$batch" <<'PY'
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
