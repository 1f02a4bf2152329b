#!/usr/bin/env bash
# The pretext methods on the trainer (issue 11): rotation, patch, jigsaw,
# inpaint, colorize and splitbrain
# each train on real CIFAR-10 images, and a run stopped after a checkpoint
# and resumed gives the same per-step losses and the same final checkpoint
# as the run left alone; the checkpoint holds the trunk under torchvision's
# names and the head under heads.<method>.; bad input exits 1 or 2 with one
# line, and nothing is written.
# usage: pretext_methods.sh (HUE_BIN, HUE_DATA from ctest)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../check.sh"
hue=${HUE_BIN:?HUE_BIN is not set}
data=${HUE_DATA:-$here/../../../shared/data}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-pretext-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 6 training images of each class: 3 steps of 20 per epoch
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$tmp" --wildcards 'train/*/000[0-5].jpg' || exit 1
common=(--data "$tmp/train" --width 0.125 --batch 20 --epochs 2 --seed 5 --quiet)

for method in rotation patch jigsaw inpaint colorize splitbrain; do
    extra=()
    [ $method = jigsaw ] && extra=(--permutations 24 --size 48 --tile-norm tile)
    [ $method = inpaint ] && extra=(--mask blocks)
    "$hue" pretrain --method $method "${common[@]}" "${extra[@]}" --out "$tmp/$method.ckpt" --log "$tmp/$method.jsonl"
    check "$method: trains" test $? -eq 0
    "$hue" pretrain --method $method "${common[@]}" "${extra[@]}" --max-steps 2 --out "$tmp/$method-cut.ckpt" \
        --log "$tmp/$method-cut.jsonl"
    "$hue" pretrain --method $method "${common[@]}" "${extra[@]}" --resume "$tmp/$method-cut.ckpt" \
        --out "$tmp/$method-cut.ckpt" --log "$tmp/$method-cut.jsonl"
    check "$method: resumed run ends" test $? -eq 0
    check "$method: resumed losses are the uninterrupted run's" /usr/bin/python3 - "$tmp/$method.jsonl" \
        "$tmp/$method-cut.jsonl" <<'PY'
import json, sys
a, b = ([json.loads(l) for l in open(p)] for p in sys.argv[1:3])
la, lb = [x["loss"] for x in a], [x["loss"] for x in b]
assert len(la) == 6 and la == lb, (la, lb)
PY
    check "$method: resumed checkpoint is byte for byte the same" \
        /usr/bin/python3 "$here/same_checkpoint.py" "$tmp/$method.ckpt" "$tmp/$method-cut.ckpt" flags
    check "$method: trunk and head names" /usr/bin/python3 - "$tmp/$method.ckpt" "$method" <<'PY'
import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]; h = json.loads(f.read(n))
meta = h.pop("__metadata__")
assert meta["method"] == sys.argv[2]
assert "conv1.weight" in h and "layer4.1.bn2.running_var" in h and "fc.weight" not in h
heads = {"inpaint": ["heads.decoder.", "heads.discriminator."], "colorize": ["heads.decoder."],
         "splitbrain": ["heads.l_to_ab.", "heads.ab_to_l.", "ab_to_l.conv1.weight"]}.get(sys.argv[2], ["heads.%s." % sys.argv[2]])
for prefix in heads:
    assert any(k.startswith(prefix) for k in h), (prefix, list(h)[:5])
rep = json.loads(meta["representation"])
inputs = {"colorize": ["l"], "splitbrain": ["l", "ab"]}.get(sys.argv[2], ["rgb"])
assert [r["input"] for r in rep] == inputs and rep[0]["prefix"] == "", rep
if sys.argv[2] == "splitbrain":
    assert rep[1]["prefix"] == "ab_to_l." and rep[1]["architecture"]["width"] == 0.0625
if sys.argv[2] in ("colorize", "splitbrain"):
    classes = json.loads(meta["colour_classes"])
    assert 2 <= len(classes["centres"]) <= 484 and abs(sum(classes["prior"]) - 1) < 1e-4
if sys.argv[2] == "jigsaw":
    perms = json.loads(meta["permutations"])
    assert len(perms) == 24 and all(sorted(p) == list(range(9)) for p in perms)
if sys.argv[2] in ("patch", "jigsaw"):  # jigsaw here with --tile-norm tile, patch with the default
    norm = "tile" if sys.argv[2] == "jigsaw" else "dataset"
    hyper = json.loads(meta["hyperparameters"])
    assert json.loads(meta["flags"])["tile-norm"] == norm and hyper.get("tile_norm", "dataset") == norm, meta
    crop = 0.5 if sys.argv[2] == "jigsaw" else 1  # the methods' default --tile-crop
    assert float(json.loads(meta["flags"])["tile-crop"]) == crop and hyper.get("tile_crop", 1) == crop, meta
PY
done

# a jigsaw checkpoint from before --tile-crop keeps neither the flag nor the
# hyper-parameter: it resumes without the crop, as it was trained
/usr/bin/python3 "$here/edit_flags.py" "$tmp/jigsaw.ckpt" "$tmp/older.ckpt" -flag:tile-crop -hp:tile_crop
"$hue" pretrain --resume "$tmp/older.ckpt" --epochs 3 --out "$tmp/older2.ckpt" --quiet
check "an older jigsaw checkpoint resumes: exit 0" test $? -eq 0
check "an older jigsaw checkpoint resumes with --tile-crop 1" /usr/bin/python3 - "$tmp/older2.ckpt" <<'PY'
import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]; meta = json.loads(f.read(n))["__metadata__"]
assert json.loads(meta["flags"])["tile-crop"] == "1" and "tile_crop" not in json.loads(meta["hyperparameters"]), meta
PY
"$hue" pretrain --resume "$tmp/older.ckpt" --epochs 3 --tile-crop 0.5 --out "$tmp/older3.ckpt" --quiet 2>"$tmp/err.txt"
check "an older jigsaw checkpoint with --tile-crop 0.5: exit 2" test $? -eq 2
check "an older jigsaw checkpoint with --tile-crop 0.5: names the flag" grep -q "tile-crop" "$tmp/err.txt"
check "an older jigsaw checkpoint with --tile-crop 0.5: writes nothing" test ! -e "$tmp/older3.ckpt"
# the other methods' checkpoints resume as before (the older flag is jigsaw's only)
"$hue" pretrain --resume "$tmp/rotation.ckpt" --epochs 3 --out "$tmp/rotation3.ckpt" --quiet
check "a rotation checkpoint resumes beside jigsaw's older flag: exit 0" test $? -eq 0

# the kNN monitor: its last line equals hue eval knn on the checkpoint it ends with
mkdir -p "$tmp/split"
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$tmp/split" --wildcards 'train/*/000[0-5].jpg' 'test/*/000[0-3].jpg'
"$hue" pretrain --method rotation --data "$tmp/split" --width 0.125 --batch 20 --epochs 2 --knn-every 1 \
    --out "$tmp/knn.ckpt" --log "$tmp/knn.jsonl" --quiet >"$tmp/knn.txt"
check "--knn-every: exit 0" test $? -eq 0
check "--knn-every: says its result" contains "$tmp/knn.txt" "kNN monitor: top-1"
# the monitor takes k = 200 or every training image when there are fewer
"$hue" eval knn --model "$tmp/knn.ckpt" --data "$tmp/split" --k 60 --json >"$tmp/knn.json"
check "--knn-every: a line per epoch, the last one hue eval knn's" /usr/bin/python3 - "$tmp/knn.jsonl" "$tmp/knn.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if "knn_top1" in l]
probe = json.load(open(sys.argv[2]))
assert [l["epoch"] for l in lines] == [1, 2], lines
assert abs(lines[-1]["knn_top1"] - probe["top1"]) < 1e-6 and lines[-1]["knn_images"] == 40, (lines[-1], probe)
PY
"$hue" pretrain --method rotation --data "$tmp/train" --width 0.125 --batch 20 --knn-every 1 --out "$tmp/bad.ckpt" \
    --quiet 2>"$tmp/err.txt"
check "--knn-every without a test split: exit 1" test $? -eq 1
check "--knn-every without a test split: says so" contains "$tmp/err.txt" "needs a test split"
check "--knn-every without a test split: writes nothing" test ! -e "$tmp/bad.ckpt"

# hue colorize --image with the colorize and splitbrain checkpoints
cp "$tmp/train/cat/0001.jpg" "$tmp/in.jpg"
for method in colorize splitbrain; do
    "$hue" colorize --image "$tmp/in.jpg" --model "$tmp/$method.ckpt" -o "$tmp/$method.png" --json >"$tmp/c.json"
    check "colorize --image with $method: exit 0" test $? -eq 0
    check "colorize --image with $method: a 32x32 PNG and its figures" /usr/bin/python3 - "$tmp/c.json" "$tmp/$method.png" <<'PY'
import json, struct, sys
d = json.load(open(sys.argv[1]))
assert d["width"] == 32 and d["height"] == 32 and 0 < d["ab_error"] < 128 and d["gray_ab_error"] > 0, d  # a colour photo: grey is wrong
png = open(sys.argv[2], "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (32, 32)
PY
done
cp "$tmp/colorize.png" "$tmp/kept.png"
"$hue" colorize --image "$tmp/in.jpg" --model "$tmp/colorize.ckpt" -o "$tmp/colorize.png" 2>"$tmp/err.txt"
check "colorize --image onto an existing file: exit 1" test $? -eq 1
check "colorize --image onto an existing file: kept" cmp -s "$tmp/colorize.png" "$tmp/kept.png"
"$hue" colorize --image "$tmp/in.jpg" --model "$tmp/rotation.ckpt" -o "$tmp/r.png" 2>"$tmp/err.txt"
check "colorize --image with a rotation model: exit 1" test $? -eq 1
check "colorize --image with a rotation model: says so" contains "$tmp/err.txt" "checkpoint of method rotation"
"$hue" colorize --image "$tmp/in.jpg" --model "$tmp/colorize.ckpt" -o "$tmp/r.png" --anneal 0 2>"$tmp/err.txt"
check "colorize --image --anneal 0: exit 2" test $? -eq 2

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
d=(--data "$tmp/train" --width 0.125 --batch 20)
expect "unknown method" 2 "--method colourise: unknown" --method colourise "${d[@]}"
expect "--permutations with patch" 2 "--permutations does not apply to --method patch" --method patch \
    --permutations 10 "${d[@]}"
expect "--tile with rotation" 2 "--tile does not apply to --method rotation" --method rotation --tile 8 "${d[@]}"
expect "--no-augment with jigsaw" 2 "--no-augment does not apply" --method jigsaw --no-augment "${d[@]}"
expect "--tile larger than a cell" 1 "--tile 30: .* must be 4 to 21 pixels" --method patch --tile 30 "${d[@]}"
expect "images too small for the grid" 1 "too small: raise --size" --method jigsaw --size 9 "${d[@]}"
expect "--permutations 1" 2 "--permutations 1: expected an integer from 2 to 1000" --method jigsaw \
    --permutations 1 "${d[@]}"
expect "--mask with rotation" 2 "--mask does not apply to --method rotation" --method rotation --mask centre "${d[@]}"
expect "--tile-colour odd" 2 "--tile-colour red: expected drop, jitter or none" --method patch --tile-colour red \
    "${d[@]}"
expect "--tile-norm odd" 2 "--tile-norm mean: expected tile or dataset" --method jigsaw --tile-norm mean "${d[@]}"
expect "--tile-crop 0" 2 "--tile-crop 0" --method jigsaw --tile-crop 0 "${d[@]}"
expect "--tile-crop with supervised" 2 "--tile-crop does not apply to --method supervised" --method supervised \
    --tile-crop 0.5 "${d[@]}"
expect "--tile-norm with rotation" 2 "--tile-norm does not apply to --method rotation" --method rotation \
    --tile-norm tile "${d[@]}"
expect "--resume a checkpoint of another method" 2 "--method patch differs from the checkpoint's rotation" --method patch \
    --resume "$tmp/rotation.ckpt" "${d[@]}"
mkdir -p "$tmp/one/only"
cp "$tmp"/train/cat/000[0-3].jpg "$tmp/one/only/"
expect "one class, supervised" 1 "one class" --method supervised --data "$tmp/one" --width 0.125 --batch 2
check_summary
