#!/usr/bin/env bash
# train-video --method both: colourisation and the contrastive random walk
# on one encoder. On short clips cut from DAVIS-2016 it logs loss =
# loss_colorize + W * loss_crw every step and learns (its walks coming
# home to a moved crop, --return-shift 1); hue track and hue
# colorize use its checkpoint as they are; a run resumed from its
# checkpoint with --resume alone ends with the checkpoint of the run left
# alone, byte for byte; bad flags are refused with one line, exit 2,
# nothing written.
# usage: video_both.sh (HUE_BIN, HUE_SOURCE, HUE_DATA from ctest)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../check.sh"
hue=${HUE_BIN:?HUE_BIN is not set}
src=${HUE_SOURCE:-$here/../..}
data=${HUE_DATA:-$here/../../../shared/data}
videos=$data/davis2016/videos
[ -f "$videos/bear.mp4" ] && [ -f "$videos/blackswan.mp4" ] || { echo "no DAVIS-2016 videos in $videos: skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-both-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/clips"
for name in bear blackswan; do
    ffmpeg -loglevel error -i "$videos/$name.mp4" -frames:v 16 -vf scale=-2:96 "$tmp/clips/$name.mp4" || exit 1
done
args=(train-video --method both --clips "$tmp/clips" --size 64 --batch 2 --width 0.125 --walk 4 --crop-jitter 4
      --max-gap 2 --crw-weight 0.5 --return-shift 1 --seed 3 --quiet)

"$hue" "${args[@]}" --steps 30 --out "$tmp/both.ckpt" --log "$tmp/both.jsonl" >/dev/null
check "both: exit 0" test $? -eq 0
check "both: loss = loss_colorize + 0.5 loss_crw each step, and it falls" /usr/bin/python3 - "$tmp/both.jsonl" \
    "$tmp/both.ckpt" <<'PY'
import json, math, struct, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 30, len(lines)
for l in lines:
    total = l["loss_colorize"] + 0.5 * l["loss_crw"]
    assert math.isfinite(l["loss"]) and abs(l["loss"] - total) <= 1e-5 * max(1, abs(total)), l
    assert "walk_3" in l and "walk_4" not in l, l
loss = [l["loss"] for l in lines]
assert sum(loss[-5:]) / 5 < sum(loss[:5]) / 5 - 0.3, loss
f = open(sys.argv[2], "rb"); n = struct.unpack("<Q", f.read(8))[0]; meta = json.loads(f.read(n))["__metadata__"]
hp, flags = json.loads(meta["hyperparameters"]), json.loads(meta["flags"])
assert meta["method"] == "colorization+crw", meta["method"]
assert hp["walk"] == 4 and hp["crop_jitter"] == 4 and hp["clusters"] == 16 and hp["edge_dropout"] == 0.1, hp
assert abs(hp["temperature"] - 0.05) < 1e-7 and hp["crw_temperature"] == 0.07 and hp["crw_weight"] == 0.5, hp
assert len(json.loads(meta["clusters"])) == 16, meta["clusters"]
assert flags["method"] == "both" and flags["crw-weight"] == "0.5" and flags["crw-temperature"] == "0.07", flags
assert hp["return_shift"] == 1 and flags["return-shift"] == "1", (hp, flags)
PY

clip=$tmp/clips/bear.mp4
"$hue" track "$clip" --mask "$data/davis2016/Annotations/480p/bear/00000.png" --model "$tmp/both.ckpt" --resize-mask \
    -o "$tmp/masks" --quiet
check "hue track with the checkpoint: exit 0" test $? -eq 0
check "hue track: a mask per frame" test "$(ls "$tmp/masks" | wc -l)" -eq 16
"$hue" colorize "$clip" --ref-frame 0 --model "$tmp/both.ckpt" -o "$tmp/colour.mp4" --eval >"$tmp/colour.txt"
check "hue colorize with the checkpoint: exit 0" test $? -eq 0
check "hue colorize: says its ab error" grep -q "mean ab error" "$tmp/colour.txt"

# 12 steps left alone against 6 steps, then --resume alone (its flags restored) to 12
"$hue" "${args[@]}" --steps 12 --out "$tmp/whole.ckpt" >/dev/null
"$hue" "${args[@]}" --steps 6 --out "$tmp/cut.ckpt" >/dev/null
"$hue" train-video --resume "$tmp/cut.ckpt" --steps 12 --quiet >/dev/null
check "resumed run: exit 0" test $? -eq 0
check "resumed run: the same checkpoint" /usr/bin/python3 "$here/same_checkpoint.py" "$tmp/whole.ckpt" \
    "$tmp/cut.ckpt"
"$hue" train-video --resume "$tmp/cut.ckpt" --crw-weight 2 --steps 13 --quiet 2>"$tmp/err.txt" >/dev/null
check "resume with another --crw-weight: exit 2" test $? -eq 2
check "resume with another --crw-weight: named" grep -q -- "--crw-weight" "$tmp/err.txt"

expect() {
    local name=$1 pattern=$2
    shift 2
    rm -f "$tmp/bad.ckpt"
    "$hue" train-video --clips "$tmp/clips" --size 64 --batch 2 --width 0.125 --steps 2 "$@" --out "$tmp/bad.ckpt" \
        --quiet 2>"$tmp/err.txt" >/dev/null
    local rc=$?
    check "$name: exit 2 (got $rc: $(cat "$tmp/err.txt"))" test $rc -eq 2
    check "$name: says '$pattern'" grep -qE -- "$pattern" "$tmp/err.txt"
    check "$name: one line" test "$(wc -l <"$tmp/err.txt")" -eq 1
    check "$name: writes nothing" test ! -e "$tmp/bad.ckpt"
}
expect "--crw-weight 0" "--crw-weight 0: expected a number above 0" --method both --crw-weight 0
expect "--crw-weight -1" "--crw-weight -1: expected a number above 0" --method both --crw-weight -1
expect "--crw-weight x" "--crw-weight x" --method both --crw-weight x
expect "--crw-temperature 0" "--crw-temperature" --method both --crw-temperature 0
expect "--crw-weight with crw" "--crw-weight applies to --method both only" --method crw --crw-weight 2
expect "--crw-temperature with colorize" "--crw-temperature applies to --method both only" --crw-temperature 0.1
expect "--walk with colorize" "--walk applies to --method crw and both only" --method colorize --walk 4
expect "--edge-dropout with colorize" "--edge-dropout applies to --method crw and both only" --edge-dropout 0.2
expect "--clusters with crw" "--clusters applies to --method colorize and both only" --method crw --clusters 8
check_summary
