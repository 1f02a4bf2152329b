#!/usr/bin/env bash
# train-video --method crw (issue 13): the contrastive random walk lowers
# its loss on the bundled clip, writes a checkpoint that hue track and hue
# colorize use as they are, skips clips shorter than a walk with a count
# (an error when none is left), and refuses bad flags with one line and
# nothing written.
# usage: video_crw.sh (HUE_BIN, HUE_SOURCE from ctest)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../check.sh"
hue=${HUE_BIN:?HUE_BIN is not set}
src=${HUE_SOURCE:-$here/../..}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-crw-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
clip=$src/samples/davis/videos/car-shadow.mp4
common=(--size 64 --batch 2 --width 0.125 --walk 4 --seed 1 --quiet)

"$hue" train-video --method crw --clips "$src/samples/davis/videos" "${common[@]}" --steps 40 --out "$tmp/crw.ckpt" \
    --log "$tmp/crw.jsonl" >/dev/null
check "crw: exit 0" test $? -eq 0
check "crw: the loss falls and each walk length is logged" /usr/bin/python3 - "$tmp/crw.jsonl" "$tmp/crw.ckpt" <<'PY'
import json, math, struct, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
loss = [l["loss"] for l in lines]
assert len(loss) == 40 and all(math.isfinite(x) for x in loss), loss
# 64 nodes a frame: chance is log(64) = 4.16 for every walk
assert loss[0] > 2.5 and sum(loss[-5:]) / 5 < loss[0] - 0.5, loss
assert all(k in lines[0] for k in ("walk_1", "walk_2", "walk_3")) and "walk_4" not in lines[0], lines[0]
f = open(sys.argv[2], "rb"); n = struct.unpack("<Q", f.read(8))[0]; meta = json.loads(f.read(n))["__metadata__"]
hp = json.loads(meta["hyperparameters"])
assert meta["method"] == "crw" and hp["walk"] == 4 and abs(hp["temperature"] - 0.07) < 1e-7, hp
assert hp["edge_dropout"] == 0.1 and hp["crop_jitter"] == 8, hp
assert json.loads(meta["flags"])["crop-jitter"] == "8", meta["flags"]
assert json.loads(meta["flags"])["return-shift"] == "0" and "return_shift" not in hp, meta
PY

# --return-shift: walks come home to a moved crop of their first frame
"$hue" train-video --method crw --clips "$src/samples/davis/videos" "${common[@]}" --steps 40 --return-shift 2 \
    --out "$tmp/shift.ckpt" --log "$tmp/shift.jsonl" >/dev/null
check "crw --return-shift 2: exit 0" test $? -eq 0
check "crw --return-shift 2: the loss falls, kept in the checkpoint" /usr/bin/python3 - "$tmp/shift.jsonl" "$tmp/shift.ckpt" <<'PY'
import json, math, struct, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
loss = [l["loss"] for l in lines]
assert len(loss) == 40 and all(math.isfinite(x) for x in loss), loss
assert sum(loss[-5:]) / 5 < loss[0] - 0.3, loss
assert all(k in lines[0] for k in ("walk_1", "walk_2", "walk_3")) and "walk_4" not in lines[0], lines[0]
f = open(sys.argv[2], "rb"); n = struct.unpack("<Q", f.read(8))[0]; meta = json.loads(f.read(n))["__metadata__"]
assert json.loads(meta["hyperparameters"])["return_shift"] == 2, meta["hyperparameters"]
assert json.loads(meta["flags"])["return-shift"] == "2", meta["flags"]
PY

# a checkpoint made before walks were jittered keeps no crop-jitter: it resumes with one window
/usr/bin/python3 "$here/edit_flags.py" "$tmp/crw.ckpt" "$tmp/older.ckpt" -flag:crop-jitter -flag:return-shift -hp:crop_jitter
"$hue" train-video --resume "$tmp/older.ckpt" --clips "$src/samples/davis/videos" --steps 41 --out "$tmp/older2.ckpt" --quiet >/dev/null
check "an older crw checkpoint resumes: exit 0" test $? -eq 0
check "an older crw checkpoint resumes with --crop-jitter 0" /usr/bin/python3 - "$tmp/older2.ckpt" <<'PY'
import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]; meta = json.loads(f.read(n))["__metadata__"]
assert json.loads(meta["flags"])["crop-jitter"] == "0" and "crop_jitter" not in json.loads(meta["hyperparameters"]), meta
assert json.loads(meta["flags"])["return-shift"] == "0", meta
PY
"$hue" train-video --resume "$tmp/older.ckpt" --clips "$src/samples/davis/videos" --steps 41 --crop-jitter 8 --out "$tmp/older3.ckpt" --quiet \
    >/dev/null 2>"$tmp/err.txt"
check "an older crw checkpoint with --crop-jitter 8: exit 2" test $? -eq 2
check "an older crw checkpoint with --crop-jitter 8: names both values ($(cat "$tmp/err.txt"))" \
    grep -q -- "--crop-jitter 8 differs from the checkpoint's 0" "$tmp/err.txt"
check "an older crw checkpoint with --crop-jitter 8: writes nothing" test ! -e "$tmp/older3.ckpt"
"$hue" train-video --resume "$tmp/older.ckpt" --clips "$src/samples/davis/videos" --steps 41 --return-shift 2 \
    --out "$tmp/older4.ckpt" --quiet >/dev/null 2>"$tmp/err.txt"
check "an older crw checkpoint with --return-shift 2: exit 2" test $? -eq 2
check "an older crw checkpoint with --return-shift 2: names the flag" grep -q "return-shift" "$tmp/err.txt"

"$hue" track "$clip" --mask "$src/samples/davis/Annotations/480p/car-shadow/00000.png" --model "$tmp/crw.ckpt" \
    -o "$tmp/masks/car-shadow" --quiet
check "hue track with the crw checkpoint: exit 0" test $? -eq 0
check "hue track: a mask per frame" test "$(ls "$tmp/masks/car-shadow" | wc -l)" -eq 40
"$hue" colorize "$clip" --ref-frame 0 --model "$tmp/crw.ckpt" -o "$tmp/colour.mp4" --eval >"$tmp/colour.txt"
check "hue colorize with the crw checkpoint: exit 0" test $? -eq 0
check "hue colorize: says its ab error" grep -q "mean ab error" "$tmp/colour.txt"

# long walks: a loss logged for each of 11 lengths
"$hue" train-video --method crw --clips "$src/samples/davis/videos" --size 32 --batch 1 --width 0.125 --walk 12 \
    --max-gap 3 --steps 1 --out "$tmp/long.ckpt" --log "$tmp/long.jsonl" --quiet >/dev/null
check "crw --walk 12: exit 0" test $? -eq 0
check "crw --walk 12: walk_11 logged" grep -q '"walk_11"' "$tmp/long.jsonl"

# a clip of 3 frames is shorter than a walk of 4
mkdir -p "$tmp/clips" "$tmp/short"
ffmpeg -loglevel error -i "$clip" -frames:v 3 "$tmp/short/short.mp4" || exit 1
cp "$tmp/short/short.mp4" "$clip" "$tmp/clips/"
"$hue" train-video --method crw --clips "$tmp/clips" "${common[@]}" --steps 2 --out "$tmp/mixed.ckpt" \
    2>"$tmp/err.txt" >/dev/null
check "a short clip among others: exit 0" test $? -eq 0
check "a short clip among others: counted" grep -q "1 clips shorter than a walk of 4 frames were skipped" "$tmp/err.txt"

expect() {
    local name=$1 want=$2 pattern=$3
    shift 3
    rm -f "$tmp/bad.ckpt"
    "$hue" train-video "$@" --out "$tmp/bad.ckpt" --quiet 2>"$tmp/err.txt" >/dev/null
    local rc=$?
    check "$name: exit $want (got $rc: $(cat "$tmp/err.txt"))" test $rc -eq "$want"
    check "$name: says '$pattern'" grep -qE -- "$pattern" "$tmp/err.txt"
    check "$name: one line" test "$(wc -l <"$tmp/err.txt")" -eq 1
    check "$name: writes nothing" test ! -e "$tmp/bad.ckpt"
}
v=(--clips "$src/samples/davis/videos" --size 64 --batch 2 --width 0.125 --steps 2)
expect "a walk longer than every clip" 1 "every clip has fewer than the 4 frames a sample needs \(1 skipped\)" \
    --method crw --walk 4 --clips "$tmp/short" --size 64 --batch 2 --width 0.125 --steps 2
expect "unknown method" 2 "--method walk: expected colorize, crw or both" --method walk "${v[@]}"
expect "--temperature 0" 2 "--temperature" --method crw --temperature 0 "${v[@]}"
expect "--walk 1" 2 "--walk 1: expected an integer from 2 to 32" --method crw --walk 1 "${v[@]}"
expect "--walk with colorize" 2 "--walk applies to --method crw and both only" --walk 4 "${v[@]}"
expect "--edge-dropout 1" 2 "--edge-dropout 1: expected a number from 0 to 0.99" --method crw --edge-dropout 1 "${v[@]}"
expect "--crop-jitter 65" 2 "--crop-jitter 65: expected an integer from 0 to 64" --crop-jitter 65 "${v[@]}"
expect "crw --crop-jitter 65" 2 "--crop-jitter 65: expected an integer from 0 to 64" --method crw --crop-jitter 65 \
    "${v[@]}"
expect "--return-shift 9" 2 "--return-shift 9: expected an integer from 0 to 8" --method crw --return-shift 9 "${v[@]}"
expect "--return-shift with colorize" 2 "--return-shift applies to --method crw and both only" --return-shift 2 "${v[@]}"
expect "--return-shift as wide as the crop" 1 "--return-shift 8: must be 0 to 8 cells, and below the crop's 8 cells" \
    --method crw --return-shift 8 "${v[@]}"
expect "--clusters with crw" 2 "--clusters applies to --method colorize and both only" --method crw --clusters 8 "${v[@]}"
check_summary
