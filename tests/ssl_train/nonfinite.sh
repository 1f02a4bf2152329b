#!/usr/bin/env bash
# No checkpoint holds a NaN or inf. A run that diverges (--lr 1e30: the
# update after step 2 makes the weights non-finite while step 2's loss is
# still finite) stops when it would save them, naming the tensor, and its
# checkpoint keeps the last good step, which it names; resumed into its own
# checkpoint (--resume X --out X), it cannot replace it. A checkpoint with a
# NaN (in a model weight, in the optimizer's state) is refused on load,
# naming the tensor, by --resume and by hue track --model (before any output
# folder is made). A softmax temperature that underflows is refused.
# usage: nonfinite.sh (HUE_BIN, HUE_DATA, HUE_SOURCE from ctest)
set -u
hue=${HUE_BIN:?HUE_BIN is not set}
data=${HUE_DATA:?HUE_DATA is not set}
src=${HUE_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-nonfinite-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"
cd "$tmp" || exit 1

# nonfinite.py FILE: prints the step and the F32 tensors holding NaN or inf
cat >nonfinite.py <<'PY'
import json, math, struct, sys
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
meta = header.pop("__metadata__")
bad = [k for k, d in sorted(header.items()) if d["dtype"] == "F32" and not all(math.isfinite(v) for v in
       struct.unpack("<%df" % ((d["data_offsets"][1] - d["data_offsets"][0]) // 4),
                     raw[8 + n + d["data_offsets"][0]:8 + n + d["data_offsets"][1]]))]
print(meta["step"], len(bad))
PY
# poison.py IN OUT NAME: a copy of IN with the first value of tensor NAME set to NaN
cat >poison.py <<'PY'
import json, struct, sys
raw = bytearray(open(sys.argv[1], "rb").read())
n = struct.unpack("<Q", raw[:8])[0]
at = 8 + n + json.loads(raw[8:8 + n])[sys.argv[3]]["data_offsets"][0]
raw[at:at + 4] = struct.pack("<f", float("nan"))
open(sys.argv[2], "wb").write(raw)
PY

tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" --wildcards 'train/*/000[0-3].jpg'
train=(pretrain --method supervised --data train --width 0.125 --size 16 --batch 8 --epochs 3 --lr 1e30 --quiet)

# a diverging run, a checkpoint every step
"$hue" "${train[@]}" --save-every 1 --out run.ckpt --log run.jsonl >/dev/null 2>err.txt
rc=$?
check "diverging run: exit 1 (got $rc)" test $rc -eq 1
check "diverging run: names the tensor ($(cat err.txt))" \
    grep -Eq "run.ckpt not written: tensor '[^']+' holds (NaN|inf) at index [0-9]+: training stopped; run.ckpt keeps the model of step [0-9]+" err.txt
kept=$(sed -n 's/.*keeps the model of step \([0-9]*\).*/\1/p' err.txt)
check "diverging run: the checkpoint is finite and of step $kept" test "$(python3 nonfinite.py run.ckpt)" = "$kept 0"
cp run.ckpt run.keep
"$hue" "${train[@]}" --save-every 1 --resume run.ckpt --out run.ckpt --log run.jsonl >/dev/null 2>err.txt
rc=$?
check "resumed into itself: exit 1 (got $rc)" test $rc -eq 1
check "resumed into itself: keeps the step it had" contains err.txt "run.ckpt keeps the model of step $kept"
check "resumed into itself: the checkpoint is unchanged" cmp -s run.ckpt run.keep

# checkpoints with a NaN, refused on load
for poisoned in nan-weight:layer2.0.conv1.weight nan-state:optimizer.fc.bias.momentum_buffer; do
    f=${poisoned%%:*} tensor=${poisoned#*:}
    python3 poison.py run.keep $f.ckpt "$tensor"
    "$hue" "${train[@]}" --resume $f.ckpt --out $f-out.ckpt >/dev/null 2>err.txt
    rc=$?
    check "--resume $f: exit 1 (got $rc)" test $rc -eq 1
    check "--resume $f: names the tensor $tensor ($(cat err.txt))" \
        grep -Fq "$f.ckpt: tensor '$tensor' holds NaN at index 0" err.txt
    check "--resume $f: writes nothing" test ! -e $f-out.ckpt
done
python3 poison.py "$src/samples/model/hue-video.ckpt" nan-video.ckpt layer1.1.bn2.running_var
"$hue" track "$src/samples/davis/videos/car-shadow.mp4" --mask "$src/samples/davis/Annotations/480p/car-shadow/00000.png" \
    --model nan-video.ckpt -o masks --quiet 2>err.txt
rc=$?
check "track --model with a NaN: exit 1 (got $rc)" test $rc -eq 1
check "track --model with a NaN: names the tensor ($(cat err.txt))" \
    contains err.txt "nan-video.ckpt: tensor 'layer1.1.bn2.running_var' holds NaN at index 0"
check "track --model with a NaN: no output folder" test ! -e masks

# temperatures that underflow in single precision
mkdir clips
ffmpeg -v error -i "$data/davis2016/videos/bear.mp4" -frames:v 8 -vf scale=64:64 -c:v libx264 clips/bear.mp4
"$hue" train-video --clips clips --size 32 --steps 1 --out v.ckpt --temperature 1e-40 2>err.txt
rc=$?
check "train-video --temperature 1e-40: exit 2 (got $rc)" test $rc -eq 2
check "train-video --temperature 1e-40: says so" contains err.txt "1e-40: too small, it underflows"
check "train-video --temperature 1e-40: writes nothing" test ! -e v.ckpt

check_summary
