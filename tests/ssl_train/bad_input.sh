#!/usr/bin/env bash
# Issue 4, bad input to 'hue pretrain': each case must end with a one-line
# message naming the problem and exit status 1 (undecodable images among good
# ones: a warning naming each, a count, and the run goes on).
#   empty dataset folder; class folders without any image; one class folder
#   without images; some images corrupt; every image corrupt; --batch 0;
#   --batch larger than the dataset; --resume with a checkpoint of another
#   architecture, with flags or a seed other than the run's (a usage error,
#   2, naming both values; exit 1 from a checkpoint that keeps no flags), a
#   truncated checkpoint, a missing one; a loss that turns NaN
#   (--lr 1e4): stops with a message naming the step, and the checkpoint of
#   the step before is intact (loads, finite values, its step in the metadata).
# usage: bad_input.sh RESNET_TOOL (HUE_BIN, HUE_DATA from ctest)
set -uo pipefail
tool=$1
here=$(cd "$(dirname "$0")" && pwd)
hue=${HUE_BIN:?HUE_BIN is not set}
data=${HUE_DATA:-$here/../../../shared/data}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-badtrain-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0

# 4 training images of each CIFAR-10 class
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$tmp" --wildcards 'train/*/000[0-3].jpg' || exit 1
good=$tmp/train
train=(pretrain --method supervised --width 0.125 --size 16 --batch 8 --quiet --force)

# expect NAME STATUS PATTERN -- ARGS: runs hue, checks the exit status and
# that stderr matches PATTERN (grep -E); a refusal (STATUS not 0) must say
# it in one line (besides the warnings naming each undecodable image).
expect() {
    local name=$1 want=$2 pattern=$3
    shift 4
    "$hue" "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$? lines
    lines=$(grep -vc '^hue: warning: ' "$tmp/err")
    if [ "$got" -ne "$want" ] || ! grep -Eq -- "$pattern" "$tmp/err" || { [ "$want" -ne 0 ] && [ "$lines" -ne 1 ]; }; then
        echo "FAIL: $name: exit $got (want $want), $lines lines on stderr besides warnings:"
        sed 's/^/    /' "$tmp/err"
        fail=1
    else
        echo "ok: $name: exit $got: $(grep -E -- "$pattern" "$tmp/err" | head -n 1)"
    fi
}

mkdir -p "$tmp/empty"
expect "empty dataset folder" 1 "empty: no class folders and no images" -- "${train[@]}" --data "$tmp/empty" \
    --out "$tmp/x.safetensors"

mkdir -p "$tmp/noimages/cat" "$tmp/noimages/dog"
echo text >"$tmp/noimages/cat/notes.txt"
expect "class folders without images" 1 "noimages: no images .* in any of its 2 class folders" -- "${train[@]}" \
    --data "$tmp/noimages" --out "$tmp/x.safetensors"

cp -r "$good" "$tmp/oneempty"
rm "$tmp"/oneempty/deer/*.jpg
expect "one class folder without images" 1 "oneempty/deer: class folder has no images" -- "${train[@]}" \
    --data "$tmp/oneempty" --out "$tmp/x.safetensors"

cp -r "$good" "$tmp/somebad"
head -c 300 "$good/cat/0000.jpg" >"$tmp/somebad/cat/0000.jpg"      # cut short
echo "not a jpeg" >"$tmp/somebad/dog/0001.jpg"                     # not an image
: >"$tmp/somebad/ship/0002.jpg"                                    # empty
expect "3 corrupt images of 40" 0 "3 images could not be decoded and were skipped" -- "${train[@]}" \
    --data "$tmp/somebad" --batch 40 --max-steps 1 --out "$tmp/x.safetensors"
for f in cat/0000.jpg dog/0001.jpg ship/0002.jpg; do
    grep -q "somebad/$f" "$tmp/err" || { echo "FAIL: no warning names somebad/$f"; fail=1; }
done

mkdir -p "$tmp/allbad/a" "$tmp/allbad/b"
for i in 0 1 2 3; do echo broken >"$tmp/allbad/a/$i.jpg"; echo broken >"$tmp/allbad/b/$i.png"; done
expect "every image corrupt" 1 "allbad: none of its 8 images could be decoded" -- "${train[@]}" \
    --data "$tmp/allbad" --out "$tmp/x.safetensors"

expect "--batch 0" 2 "--batch 0: expected an integer from 1" -- "${train[@]}" --data "$good" --batch 0 \
    --out "$tmp/x.safetensors"
expect "--batch larger than the dataset" 1 "--batch 41 is larger than the 40 images" -- "${train[@]}" \
    --data "$good" --batch 41 --out "$tmp/x.safetensors"

# a checkpoint of ResNet-18 width 0.125, resumed as width 0.25 and as ResNet-34
"$hue" "${train[@]}" --data "$good" --max-steps 1 --out "$tmp/r18.safetensors" >/dev/null || fail=1
expect "--resume, another width" 2 "--width 0.25 differs from the checkpoint's 0.125 \(.*r18.safetensors\)" -- \
    "${train[@]}" --data "$good" --width 0.25 --resume "$tmp/r18.safetensors" --out "$tmp/y.safetensors"
expect "--resume, another depth" 2 "--arch resnet34 differs from the checkpoint's resnet18" -- \
    "${train[@]}" --data "$good" --arch resnet34 --resume "$tmp/r18.safetensors" --out "$tmp/y.safetensors"
expect "--resume with other flags" 2 "--batch 4 differs from the checkpoint's 8" \
    -- "${train[@]}" --data "$good" --batch 4 --resume "$tmp/r18.safetensors" --out "$tmp/y.safetensors"
expect "--resume with another seed" 2 "--seed 5 differs from the checkpoint's 0" -- "${train[@]}" \
    --data "$good" --seed 5 --resume "$tmp/r18.safetensors" --out "$tmp/y.safetensors"
# the same checkpoint without its flags, as an older hue wrote it: the run's
# own checks still refuse other hyper-parameters, another seed or network
/usr/bin/python3 "$here/edit_flags.py" "$tmp/r18.safetensors" "$tmp/old.safetensors" -flags
expect "--resume of a checkpoint without flags, another width" 1 "old.safetensors holds another architecture" -- \
    "${train[@]}" --data "$good" --width 0.25 --resume "$tmp/old.safetensors" --out "$tmp/y.safetensors"
expect "--resume of a checkpoint without flags, other flags" 1 \
    "old.safetensors was trained with .*\"batch\": 8.*; these flags give .*\"batch\": 4" \
    -- "${train[@]}" --data "$good" --batch 4 --resume "$tmp/old.safetensors" --out "$tmp/y.safetensors"
expect "--resume of a checkpoint without flags, another seed" 1 "old.safetensors was trained with --seed 0, not 5" \
    -- "${train[@]}" --data "$good" --seed 5 --resume "$tmp/old.safetensors" --out "$tmp/y.safetensors"
expect "--resume of a checkpoint without flags, no --data" 2 "--data is required, and .*old.safetensors does not keep it" \
    -- "${train[@]}" --resume "$tmp/old.safetensors" --out "$tmp/y.safetensors"
head -c 5000 "$tmp/r18.safetensors" >"$tmp/cut.safetensors"
expect "--resume, a truncated checkpoint" 1 "cut.safetensors" -- "${train[@]}" --data "$good" \
    --resume "$tmp/cut.safetensors" --out "$tmp/y.safetensors"
expect "--resume, no such file" 1 "missing.safetensors" -- "${train[@]}" --data "$good" \
    --resume "$tmp/missing.safetensors" --out "$tmp/y.safetensors"

# a diverging run: checkpoints every step, the loss turns NaN at step 4 (on
# the Vulkan backend; the CPU backend's rounding lets a running variance
# overflow one step before the loss does, which stops the run the same way
# but with that tensor named, so this case names its backend)
stopped="loss is (NaN|[+-]inf) at step [0-9]+: training stopped; .*nan.safetensors keeps the model of step [0-9]+"
expect "non-finite loss" 1 "$stopped" \
    -- "${train[@]}" --data "$good" --epochs 3 --lr 1e4 --save-every 1 --out "$tmp/nan.safetensors" \
    --log "$tmp/nan.jsonl" --backend vulkan
bad_step=$(sed -n 's/.*at step \([0-9]*\): training stopped.*/\1/p' "$tmp/err")
kept=$(sed -n 's/.*keeps the model of step \([0-9]*\).*/\1/p' "$tmp/err")
logged=$(sed -n 's/^{"step": \([0-9]*\),.*/\1/p' "$tmp/nan.jsonl" | tail -n 1)
if [ -z "$bad_step" ] || [ "$kept" != $((bad_step - 1)) ] || [ "$logged" != "$kept" ]; then
    echo "FAIL: NaN at step '$bad_step', checkpoint of step '$kept', last logged step '$logged'"
    fail=1
fi
/usr/bin/python3 - "$tmp/nan.safetensors" "$kept" <<'PY' || fail=1
import json, math, struct, sys
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
meta = header.pop("__metadata__")
bad = [k for k, d in header.items() if d["dtype"] == "F32" and not all(
    math.isfinite(v) for v in struct.unpack("<%df" % ((d["data_offsets"][1] - d["data_offsets"][0]) // 4),
                                            raw[8 + n + d["data_offsets"][0]:8 + n + d["data_offsets"][1]]))]
ok = meta["step"] == sys.argv[2] and not bad
print("%s: checkpoint of step %s (want %s), %d tensors, non-finite: %s"
      % ("ok" if ok else "FAIL", meta["step"], sys.argv[2], len(header), bad[:3] or "none"))
sys.exit(0 if ok else 1)
PY
if ! "$tool" logits "$tmp/nan.safetensors" 16 1 "$tmp/logits.txt"; then
    echo "FAIL: hue cannot load the kept checkpoint"
    fail=1
fi
exit $fail
