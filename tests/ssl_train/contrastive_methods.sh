#!/usr/bin/env bash
# The contrastive methods on the trainer (issue 12): each trains on real
# CIFAR-10 images; a run stopped after a checkpoint and resumed gives the
# same per-step losses and the same final checkpoint as the run left alone;
# the checkpoint holds the trunk under torchvision's names and the heads
# under heads.<name>., with the hyper-parameters the run used; hue eval knn
# and linear read it; bad input exits 1 or 2 with one line, and nothing is
# written.
# usage: contrastive_methods.sh (HUE_BIN, HUE_DATA from ctest)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../check.sh"
hue=${HUE_BIN:?HUE_BIN is not set}
data=${HUE_DATA:-$here/../../../shared/data}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-contrastive-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 6 training images of each class: 3 steps of 20 per epoch; 4 test images each
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$tmp" --wildcards 'train/*/000[0-5].jpg' 'test/*/000[0-3].jpg' ||
    exit 1
common=(--data "$tmp" --width 0.125 --batch 20 --epochs 2 --seed 5 --quiet)

for variant in simclr moco mocov2 cmc cmc-clip cpc; do
    method=${variant%-clip}
    extra=()
    # a queue of 2 batches: the ring wraps within the run; 4 batch-norm groups of 5
    [ $method = moco ] || [ $method = mocov2 ] && extra=(--queue 40 --bn-groups 4)
    [ $variant = cmc-clip ] && extra=(--loss clip)
    # 3 x 3 patches of 16 pixels overlapping by half, predicted 1 and 2 rows ahead
    [ $variant = cpc ] && extra=(--size 32 --grid 3 --cpc-steps 2)
    "$hue" pretrain --method $method "${common[@]}" "${extra[@]}" --knn-every 1 --out "$tmp/$variant.ckpt" \
        --log "$tmp/$variant.jsonl" >"$tmp/$variant.txt"
    check "$variant: trains" test $? -eq 0
    check "$variant: the kNN monitor ran" contains "$tmp/$variant.txt" "kNN monitor: top-1"
    "$hue" pretrain --method $method "${common[@]}" "${extra[@]}" --knn-every 1 --max-steps 2 \
        --out "$tmp/$variant-cut.ckpt" --log "$tmp/$variant-cut.jsonl" >/dev/null
    "$hue" pretrain --method $method "${common[@]}" "${extra[@]}" --knn-every 1 --resume "$tmp/$variant-cut.ckpt" \
        --out "$tmp/$variant-cut.ckpt" --log "$tmp/$variant-cut.jsonl" >/dev/null
    check "$variant: resumed run ends" test $? -eq 0
    check "$variant: resumed losses are the uninterrupted run's" /usr/bin/python3 - "$tmp/$variant.jsonl" \
        "$tmp/$variant-cut.jsonl" $method <<'PY'
import json, math, sys
a, b = ([json.loads(l) for l in open(p)] for p in sys.argv[1:3])
la, lb = ([x["loss"] for x in r if "loss" in x] for r in (a, b))
assert len(la) == 6 and la == lb, (la, lb)
assert all(math.isfinite(x) for x in la)
if sys.argv[3] == "simclr":
    # two views of 20 images: the loss starts near log(2 * 20 - 1), the chance level
    assert abs(la[0] - math.log(39)) < 0.5, la
PY
    check "$variant: resumed checkpoint is byte for byte the same" \
        /usr/bin/python3 "$here/same_checkpoint.py" "$tmp/$variant.ckpt" "$tmp/$variant-cut.ckpt" flags
    check "$variant: trunk, heads and hyper-parameters" /usr/bin/python3 - "$tmp/$variant.ckpt" "$variant" <<'PY'
import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]; h = json.loads(f.read(n))
meta = h.pop("__metadata__")
variant = sys.argv[2]
assert meta["method"] == variant.replace("-clip", "")
assert meta["hue_version"].startswith("hue 0.") and "(" in meta["hue_version"], meta["hue_version"]
assert "conv1.weight" in h and "layer4.1.bn2.running_var" in h and "fc.weight" not in h
hp = json.loads(meta["hyperparameters"])
if variant == "simclr":
    # the MLP projection: Linear(64, 64, no bias), BatchNorm1d(64), ReLU, Linear(64, 128)
    assert h["heads.projection.layers.0.weight"]["shape"] == [64, 64], h["heads.projection.layers.0.weight"]
    assert "heads.projection.layers.1.running_var" in h and "heads.projection.layers.0.bias" not in h
    assert h["heads.projection.layers.3.weight"]["shape"] == [128, 64]
    assert hp["optimizer"] == "lars" and hp["tau"] == 0.5 and hp["weight_decay"] == 1e-6, hp
    assert abs(hp["lr"] - 0.5 * 20 / 256) < 1e-9, hp
elif variant.startswith("cmc"):
    # two trunks of half the width (4 channels at the stem): L, and ab under "ab."
    assert h["conv1.weight"]["shape"] == [4, 1, 3, 3] and h["ab.conv1.weight"]["shape"] == [4, 2, 3, 3], h["conv1.weight"]
    assert h["heads.l.layers.0.weight"]["shape"] == [128, 32] and h["heads.ab.layers.0.weight"]["shape"] == [128, 32]
    assert hp["loss"] == ("clip" if variant == "cmc-clip" else "infonce") and hp["optimizer"] == "sgd", hp
    if variant == "cmc-clip":
        assert h["logit_scale"]["shape"] == [1] and "optimizer.logit_scale.momentum_buffer" in h and "tau" not in hp
    else:
        assert "logit_scale" not in h and hp["tau"] == 0.07, hp
elif variant == "cpc":
    assert h["heads.context.layers.0.weight"]["shape"] == [64, 64, 3, 3] and "heads.context.layers.2.bias" in h
    assert h["heads.predict.1.weight"]["shape"] == [64, 64, 1, 1] and "heads.predict.2.weight" not in h
    assert "optimizer.heads.context.layers.0.weight.exp_avg" in h and "optimizer.heads.predict.0.weight.exp_avg_sq" in h
    assert hp["grid"] == 3 and hp["patch"] == 16 and hp["cpc_steps"] == 2 and hp["tau"] == 0.1, hp
    assert hp["optimizer"] == "adam" and hp["lr"] == 1e-3, hp
else:
    # the key encoder and its projection under their own prefixes, the queue of 2 x 20 keys
    assert "momentum.conv1.weight" in h and "momentum.layer4.1.bn2.running_var" in h
    proj = "heads.projection.layers.0.weight"
    assert h[proj]["shape"] == ([64, 64] if sys.argv[2] == "mocov2" else [128, 64]), h[proj]
    assert h["heads.momentum_projection.layers.0.weight"]["shape"] == h[proj]["shape"]
    assert not any(k.startswith("optimizer.momentum.") or k.startswith("optimizer.heads.momentum") for k in h)
    assert h["queue"]["shape"] == [2, 1, 20, 128], h["queue"]
    assert hp["optimizer"] == "sgd" and not hp["nesterov"] and hp["weight_decay"] == 5e-4, hp
    assert hp["tau"] == (0.2 if sys.argv[2] == "mocov2" else 0.07) and hp["key_momentum"] == 0.999, hp
    assert hp["queue"] == 40 and hp["bn_groups"] == 4 and abs(hp["lr"] - 0.03 * 20 / 256) < 1e-9, hp
rep = json.loads(meta["representation"])
if variant.startswith("cmc"):
    assert [r["input"] for r in rep] == ["l", "ab"] and [r["prefix"] for r in rep] == ["", "ab."], rep
else:
    assert [r["input"] for r in rep] == ["rgb"] and rep[0]["prefix"] == "", rep
PY
    check "$variant: torchvision loads the trunk (strict)" /usr/bin/python3 - "$tmp/$variant.ckpt" "$here" <<'PY'
import json, sys, torch
sys.path.insert(0, sys.argv[2])
from torchvision_check import build, read_safetensors
tensors, meta = read_safetensors(sys.argv[1])
arch = dict(json.loads(meta["representation"])[0]["architecture"], num_classes=1)
model = build(arch)
model.fc = torch.nn.Identity()
trunk = {k: v for k, v in tensors.items() if k.split(".")[0] in ("conv1", "bn1", "layer1", "layer2", "layer3", "layer4")}
model.load_state_dict(trunk, strict=True)
PY
    "$hue" eval knn --model "$tmp/$variant.ckpt" --data "$tmp" --k 60 --json >"$tmp/knn.json"
    check "$variant: hue eval knn equals the monitor's last line" /usr/bin/python3 - "$tmp/$variant.jsonl" \
        "$tmp/knn.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if "knn_top1" in l]
probe = json.load(open(sys.argv[2]))
assert [l["epoch"] for l in lines] == [1, 2], lines
assert abs(lines[-1]["knn_top1"] - probe["top1"]) < 1e-6 and probe["test_images"] == 40, (lines[-1], probe)
PY
    "$hue" eval linear --model "$tmp/$variant.ckpt" --data "$tmp" --epochs 2 --batch 20 --json >"$tmp/linear.json"
    check "$variant: hue eval linear reads it" test $? -eq 0
done

# SGD instead of LARS: its own defaults, recorded
"$hue" pretrain --method simclr "${common[@]}" --optimizer sgd --tau 0.2 --max-steps 1 --out "$tmp/sgd.ckpt" >/dev/null
check "simclr --optimizer sgd: exit 0" test $? -eq 0
check "simclr --optimizer sgd: recorded" /usr/bin/python3 - "$tmp/sgd.ckpt" <<'PY'
import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]; h = json.loads(f.read(n))
hp = json.loads(h["__metadata__"]["hyperparameters"])
assert hp["optimizer"] == "sgd" and hp["tau"] == 0.2 and hp["weight_decay"] == 5e-4 and hp["nesterov"], hp
assert abs(hp["lr"] - 0.03 * 20 / 256) < 1e-9, hp
PY

# the most steps a grid of 7 allows: one predictor W_k for each of the 6
"$hue" pretrain --method cpc --data "$tmp" --width 0.125 --batch 4 --cpc-steps 6 --max-steps 1 --out "$tmp/cpc6.ckpt" \
    --quiet >/dev/null
check "cpc --cpc-steps 6: exit 0" test $? -eq 0
check "cpc --cpc-steps 6: 6 predictors on a grid of 7" /usr/bin/python3 - "$tmp/cpc6.ckpt" <<'PY'
import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]; h = json.loads(f.read(n))
hp = json.loads(h["__metadata__"]["hyperparameters"])
assert hp["grid"] == 7 and hp["cpc_steps"] == 6, hp
predictors = sorted(k for k in h if k.startswith("heads.predict.") and k.endswith(".weight"))
assert predictors == ["heads.predict.%d.weight" % k for k in range(6)], predictors
PY

# expect NAME STATUS PATTERN ARGS...: exit status, one line matching PATTERN, no checkpoint
expect() {
    local name=$1 want=$2 pattern=$3
    shift 3
    rm -f "$tmp/bad.ckpt"
    "$hue" pretrain "$@" --out "$tmp/bad.ckpt" --quiet 2>"$tmp/err.txt"
    local rc=$?
    check "$name: exit $want (got $rc: $(cat "$tmp/err.txt"))" test $rc -eq "$want"
    check "$name: says '$pattern'" grep -qE -- "$pattern" "$tmp/err.txt"
    check "$name: one line" test "$(wc -l <"$tmp/err.txt")" -eq 1
    check "$name: writes nothing" test ! -e "$tmp/bad.ckpt"
}
d=(--data "$tmp" --width 0.125 --batch 20)
expect "--tau 0" 2 "--tau 0: expected a number from" --method simclr --tau 0 "${d[@]}"
expect "--tau -1" 2 "--tau -1: expected a number from" --method simclr --tau -1 "${d[@]}"
expect "--tau with rotation" 2 "--tau does not apply to --method rotation" --method rotation --tau 0.5 "${d[@]}"
expect "--optimizer adam" 2 "--optimizer adam: expected lars or sgd" --method simclr --optimizer adam "${d[@]}"
expect "--no-augment with simclr" 2 "--no-augment does not apply to --method simclr" --method simclr --no-augment \
    "${d[@]}"
expect "--resume a checkpoint of another method" 2 "--method rotation differs from the checkpoint's simclr" --method rotation \
    --resume "$tmp/simclr.ckpt" "${d[@]}"
expect "--queue not a multiple of the batch" 1 "--queue 50: must be a multiple of --batch 20" --method moco \
    --queue 50 --bn-groups 4 "${d[@]}"
expect "--key-momentum 1" 2 "--key-momentum 1: must be below 1" --method mocov2 --key-momentum 1 "${d[@]}"
expect "--key-momentum -0.5" 2 "--key-momentum -0.5: expected a number from 0 to 1" --method moco \
    --key-momentum -0.5 "${d[@]}"
expect "--bn-groups that do not divide the batch" 1 "--bn-groups 3: --batch 20 must split" --method moco \
    --bn-groups 3 --queue 40 "${d[@]}"
expect "--queue with simclr" 2 "--queue does not apply to --method simclr" --method simclr --queue 40 "${d[@]}"
expect "--optimizer with moco" 2 "--optimizer does not apply to --method moco" --method moco --optimizer sgd \
    "${d[@]}"
expect "--loss with simclr" 2 "--loss does not apply to --method simclr" --method simclr --loss clip "${d[@]}"
expect "--loss other" 2 "--loss nce: expected infonce or clip" --method cmc --loss nce "${d[@]}"
expect "--tau with --loss clip" 2 "--tau does not apply to --loss clip" --method cmc --loss clip --tau 0.1 "${d[@]}"
# cross-view on grayscale images: the ab view is empty
mkdir -p "$tmp/gray/train/a" "$tmp/gray/train/b"
for f in "$tmp"/train/cat/000[0-3].jpg "$tmp"/train/dog/000[0-3].jpg; do
    class=a
    case $f in */dog/*) class=b ;; esac
    ffmpeg -loglevel error -i "$f" -vf format=gray "$tmp/gray/train/$class/$(basename "$f")" || exit 1
done
expect "cmc on grayscale images" 1 "its images have no colour" --method cmc --data "$tmp/gray" --batch 4 --width 0.125
expect "--grid that does not fit the image" 1 "--grid 5 does not fit --size 32" --method cpc --size 32 --grid 5 \
    "${d[@]}"
expect "--cpc-steps past the grid" 1 "--cpc-steps 3: must be 1 to 2" --method cpc --size 32 --grid 3 --cpc-steps 3 \
    "${d[@]}"
expect "--grid with simclr" 2 "--grid does not apply to --method simclr" --method simclr --grid 3 "${d[@]}"
expect "--resume with another tau" 2 "--tau 0.3 differs from the checkpoint's 0.5" --method simclr --tau 0.3 \
    --resume "$tmp/simclr.ckpt" "${d[@]}" --epochs 2
check_summary
