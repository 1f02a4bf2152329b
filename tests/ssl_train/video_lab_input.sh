#!/usr/bin/env bash
# train-video --input lab: a colourisation encoder that sees L, a and b
# (each sample's colour cut at random). Its loss falls; its checkpoint says
# "lab" (architecture, representation, hyperparameters, flags); hue track
# feeds it whole frames and hue colorize gray ones; in PyTorch its features
# depend on colour; checkpoints without the flag resume as lightness; bad
# flags are refused with one line and nothing written.
# usage: video_lab_input.sh (HUE_BIN, HUE_SOURCE from ctest)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../check.sh"
hue=${HUE_BIN:?HUE_BIN is not set}
src=${HUE_SOURCE:-$here/../..}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-videolab-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
clips=$src/samples/davis/videos
clip=$clips/car-shadow.mp4
common=(--clips "$clips" --size 64 --batch 4 --width 0.125 --seed 2 --quiet)

"$hue" train-video --input lab "${common[@]}" --steps 40 --out "$tmp/lab.ckpt" --log "$tmp/lab.jsonl" >/dev/null
check "--input lab: exit 0" test $? -eq 0
check "--input lab: the loss falls; the checkpoint says lab everywhere" /usr/bin/python3 - "$tmp/lab.jsonl" \
    "$tmp/lab.ckpt" <<'PY'
import json, math, struct, sys
loss = [json.loads(l)["loss"] for l in open(sys.argv[1])]
assert len(loss) == 40 and all(math.isfinite(x) for x in loss), loss
assert sum(loss[-5:]) / 5 < sum(loss[:5]) / 5 - 0.2, loss
f = open(sys.argv[2], "rb"); n = struct.unpack("<Q", f.read(8))[0]; h = json.loads(f.read(n))
meta = h["__metadata__"]
assert meta["method"] == "colorization", meta["method"]
assert json.loads(meta["architecture"])["in_channels"] == 3, meta["architecture"]
assert [t["input"] for t in json.loads(meta["representation"])] == ["lab"], meta["representation"]
assert json.loads(meta["hyperparameters"])["input"] == "lab", meta["hyperparameters"]
assert json.loads(meta["flags"])["input"] == "lab", meta["flags"]
assert h["conv1.weight"]["shape"][1] == 3, h["conv1.weight"]
PY

# a lightness run keeps "input": "l" in its flags and nothing in its hyperparameters
"$hue" train-video "${common[@]}" --steps 2 --out "$tmp/l.ckpt" >/dev/null
check "lightness run: exit 0" test $? -eq 0
check "lightness run: flags input l, one input channel" /usr/bin/python3 - "$tmp/l.ckpt" <<'PY'
import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]; meta = json.loads(f.read(n))["__metadata__"]
assert json.loads(meta["flags"])["input"] == "l" and "input" not in json.loads(meta["hyperparameters"]), meta
assert json.loads(meta["architecture"])["in_channels"] == 1, meta["architecture"]
PY

# resumed, the run stays lab; a checkpoint from before the flag resumes as lightness
"$hue" train-video --resume "$tmp/lab.ckpt" --clips "$clips" --steps 42 --out "$tmp/lab2.ckpt" --quiet >/dev/null
check "lab checkpoint resumes: exit 0" test $? -eq 0
check "... still lab" /usr/bin/python3 - "$tmp/lab2.ckpt" <<'PY'
import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]; meta = json.loads(f.read(n))["__metadata__"]
assert meta["step"] == "42" and json.loads(meta["flags"])["input"] == "lab", meta
PY
/usr/bin/python3 "$here/edit_flags.py" "$tmp/l.ckpt" "$tmp/older.ckpt" -flag:input
"$hue" train-video --resume "$tmp/older.ckpt" --clips "$clips" --steps 3 --out "$tmp/older2.ckpt" --quiet >/dev/null
check "a checkpoint that keeps no input resumes: exit 0" test $? -eq 0
check "... as lightness" /usr/bin/python3 - "$tmp/older2.ckpt" <<'PY'
import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]; meta = json.loads(f.read(n))["__metadata__"]
assert json.loads(meta["flags"])["input"] == "l", meta["flags"]
PY
"$hue" train-video --resume "$tmp/older.ckpt" --clips "$clips" --steps 3 --input lab --out "$tmp/older3.ckpt" --quiet 2>"$tmp/err.txt"
check "... and --input lab on it: exit 2" test $? -eq 2
check "... naming both values ($(cat "$tmp/err.txt"))" grep -q -- "--input lab differs from the checkpoint's l" \
    "$tmp/err.txt"
check "... writing nothing" test ! -e "$tmp/older3.ckpt"

# hue track feeds the encoder whole frames, hue colorize gray ones
"$hue" track "$clip" --mask "$src/samples/davis/Annotations/480p/car-shadow/00000.png" --model "$tmp/lab.ckpt" \
    -o "$tmp/masks" --quiet
check "hue track with the lab checkpoint: exit 0" test $? -eq 0
check "hue track: a mask per frame" test "$(ls "$tmp/masks" | wc -l)" -eq 40
"$hue" colorize "$clip" --ref-frame 0 --model "$tmp/lab.ckpt" -o "$tmp/colour.mp4" --eval --json --quiet \
    >"$tmp/colour.json"
check "hue colorize with the lab checkpoint: exit 0" test $? -eq 0
check "hue colorize: frames and an ab error" /usr/bin/python3 -c "
import json, sys; d = json.load(open(sys.argv[1])); assert d['frames'] == 39 and d['ab_error'] > 0, d" "$tmp/colour.json"

# in PyTorch: the file loads as LAB input, and its features see colour
check "hue_torch: lab input, features that depend on colour" env PYTHONPATH="$src/python" /usr/bin/python3 - \
    "$tmp/lab.ckpt" <<'PY'
import sys, torch, hue_torch
m = hue_torch.load(sys.argv[1])
assert m.inputs[""]["kind"] == "lab", m.inputs
g = torch.Generator().manual_seed(0)
rgb = torch.randint(0, 256, (1, 3, 64, 64), generator=g, dtype=torch.uint8)
gray = rgb.float().mean(1, keepdim=True).expand(1, 3, 64, 64)
x, y = hue_torch.to_input(rgb, "lab"), hue_torch.to_input(gray, "lab")
assert x.shape == (1, 3, 64, 64) and y[:, 1:].abs().max() < 1e-3 and x[:, 1:].abs().max() > 0.1
with torch.no_grad():
    fx, fy = m.trunk(x), m.trunk(y)
d = (fx - fy).abs().max() / fx.abs().max()
print("relative change of the features without colour:", float(d))
assert d > 1e-3, float(d)
PY

expect() {
    local name=$1 pattern=$2
    shift 2
    rm -f "$tmp/bad.ckpt"
    "$hue" train-video "$@" --out "$tmp/bad.ckpt" --quiet 2>"$tmp/err.txt" >/dev/null
    local rc=$?
    check "$name: exit 2 (got $rc: $(cat "$tmp/err.txt"))" test $rc -eq 2
    check "$name: says '$pattern'" grep -qE -- "$pattern" "$tmp/err.txt"
    check "$name: one line" test "$(wc -l <"$tmp/err.txt")" -eq 1
    check "$name: writes nothing" test ! -e "$tmp/bad.ckpt"
}
v=(--clips "$clips" --size 64 --batch 2 --width 0.125 --steps 2)
expect "--input rgb" "--input rgb: expected l or lab" --input rgb "${v[@]}"
expect "--input lab with crw" "--input lab applies to --method colorize only" --method crw --input lab "${v[@]}"
expect "--input lab with both" "--input lab applies to --method colorize only" --method both --input lab "${v[@]}"
check_summary
