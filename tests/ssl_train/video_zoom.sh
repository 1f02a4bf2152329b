#!/usr/bin/env bash
# train-video --zoom and --hflip: colorize and crw (with --return-shift)
# train with them, the same command gives the same losses, the checkpoint
# keeps both (hyper-parameters and flags), a checkpoint from before them
# resumes with zoom 1 and no flip and refuses --zoom 2, and bad values are
# refused with one line and nothing written.
# usage: video_zoom.sh (HUE_BIN, HUE_SOURCE from ctest)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../check.sh"
hue=${HUE_BIN:?HUE_BIN is not set}
src=${HUE_SOURCE:-$here/../..}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-zoom-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
clips=$src/samples/davis/videos
common=(--clips "$clips" --size 64 --batch 2 --width 0.125 --seed 3 --quiet)

for run in a b; do
    "$hue" train-video "${common[@]}" --steps 6 --zoom 2 --hflip --out "$tmp/zoom-$run.ckpt" --log "$tmp/zoom-$run.jsonl"
    check "colorize --zoom 2 --hflip ($run): exit 0" test $? -eq 0
done
"$hue" train-video "${common[@]}" --steps 6 --out "$tmp/plain.ckpt" --log "$tmp/plain.jsonl"
check "colorize without zoom: exit 0" test $? -eq 0
check "zoom: same losses from the same command, other samples than without it" /usr/bin/python3 - \
    "$tmp/zoom-a.jsonl" "$tmp/zoom-b.jsonl" "$tmp/plain.jsonl" <<'PY'
import json, math, sys
a, b, plain = ([json.loads(l)["loss"] for l in open(p) if l.strip()] for p in sys.argv[1:4])
assert len(a) == 6 and all(math.isfinite(x) for x in a), a
assert a == b, (a, b)
assert a != plain, (a, plain)
PY
check "zoom: kept in the checkpoint" /usr/bin/python3 - "$tmp/zoom-a.ckpt" "$tmp/plain.ckpt" <<'PY'
import json, struct, sys
def meta(p):
    f = open(p, "rb"); n = struct.unpack("<Q", f.read(8))[0]; return json.loads(f.read(n))["__metadata__"]
m = meta(sys.argv[1]); hp = json.loads(m["hyperparameters"]); flags = json.loads(m["flags"])
assert hp["zoom"] == 2 and hp["hflip"] is True, hp
assert flags["zoom"] == "2" and flags["hflip"] is True, flags
m = meta(sys.argv[2]); hp = json.loads(m["hyperparameters"]); flags = json.loads(m["flags"])
assert "zoom" not in hp and "hflip" not in hp and flags["zoom"] == "1" and "hflip" not in flags, (hp, flags)
PY

"$hue" train-video --method crw --walk 3 --return-shift 1 "${common[@]}" --steps 20 --zoom 3 --hflip \
    --out "$tmp/crw.ckpt" --log "$tmp/crw.jsonl"
check "crw --zoom 3 --hflip --return-shift 1: exit 0" test $? -eq 0
check "crw with zoom: finite losses, below chance at the end" /usr/bin/python3 - "$tmp/crw.jsonl" <<'PY'
import json, math, sys
loss = [json.loads(l)["loss"] for l in open(sys.argv[1]) if l.strip()]
assert len(loss) == 20 and all(math.isfinite(x) for x in loss), loss
assert sum(loss[-5:]) / 5 < math.log(64), loss  # 64 nodes a frame
PY

# a checkpoint from before --zoom and --hflip keeps neither flag
/usr/bin/python3 "$here/edit_flags.py" "$tmp/plain.ckpt" "$tmp/older.ckpt" -flag:zoom
"$hue" train-video --resume "$tmp/older.ckpt" --clips "$clips" --steps 7 --out "$tmp/older2.ckpt" --quiet >/dev/null
check "an older checkpoint resumes: exit 0" test $? -eq 0
check "an older checkpoint resumes with zoom 1, no flip" /usr/bin/python3 - "$tmp/older2.ckpt" <<'PY'
import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]; meta = json.loads(f.read(n))["__metadata__"]
flags = json.loads(meta["flags"])
assert flags["zoom"] == "1" and "hflip" not in flags, flags
PY
"$hue" train-video --resume "$tmp/older.ckpt" --clips "$clips" --steps 7 --zoom 2 --out "$tmp/older3.ckpt" \
    --quiet >/dev/null 2>"$tmp/err.txt"
check "an older checkpoint with --zoom 2: exit 2" test $? -eq 2
check "an older checkpoint with --zoom 2: names the flag" grep -q "zoom" "$tmp/err.txt"
check "an older checkpoint with --zoom 2: writes nothing" test ! -e "$tmp/older3.ckpt"

for bad in 0.5 4.5 abc; do
    "$hue" train-video "${common[@]}" --steps 1 --zoom "$bad" --out "$tmp/bad.ckpt" >/dev/null 2>"$tmp/err.txt"
    check "--zoom $bad: exit 2" test $? -eq 2
    check "--zoom $bad: one line naming the flag" test "$(wc -l <"$tmp/err.txt")" -eq 1 -a -n "$(grep zoom "$tmp/err.txt")"
    check "--zoom $bad: nothing written" test ! -e "$tmp/bad.ckpt"
done
check_summary
