#!/usr/bin/env bash
# train-video --val --report on a tiny run (4 steps at 64 pixels, a
# checkpoint every 2): the log gets a J&F line at each checkpoint step, in
# [0, 1], which hue plot draws; DIR/index.html holds the curves (inline SVG
# with the val_jf panel), the command line, the checkpoint's metadata and
# the tracked frame beside its truth. Bad --val flags are refused before
# anything is written.
# usage: train_val_report.sh (HUE_BIN, HUE_SOURCE from ctest)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../check.sh"
hue=${HUE_BIN:?HUE_BIN is not set}
src=${HUE_SOURCE:-$here/../..}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-valreport-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
clip=$src/samples/davis/videos/car-shadow.mp4
mask=$src/samples/davis/Annotations/480p/car-shadow/00000.png
args=(train-video --clips "$src/samples/davis/videos" --size 64 --batch 2 --width 0.125 --steps 4 --save-every 2
      --seed 2 --quiet)

"$hue" "${args[@]}" --out "$tmp/v.ckpt" --log "$tmp/v.jsonl" --val "$clip" --val-mask "$mask" --val-frames 5 \
    --report "$tmp/report"
check "train-video --val --report: exit 0" test $? -eq 0
check "the log: J&F at steps 2 and 4, in [0, 1], over 5 frames" /usr/bin/python3 - "$tmp/v.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
val = [r for r in rows if "val_jf" in r]
assert [r["step"] for r in val] == [2, 4], val
for r in val:
    assert 0 <= r["val_j"] <= 1 and 0 <= r["val_f"] <= 1 and r["val_frames"] == 5, r
    assert abs(r["val_jf"] - (r["val_j"] + r["val_f"]) / 2) < 1e-5, r
# a model that learned something tracks the car better than nothing
assert val[-1]["val_jf"] > 0.05, val
assert [r["step"] for r in rows if "loss" in r] == [1, 2, 3, 4]
PY
check "the report: curves with val_jf, command, metadata, both images" \
    /usr/bin/python3 - "$tmp/report/index.html" <<'PY'
import re, sys, xml.dom.minidom
s = open(sys.argv[1]).read()
svg = re.search(r"<svg.*?</svg>", s, re.S).group(0)
doc = xml.dom.minidom.parseString(svg)
texts = [t.firstChild.data for t in doc.getElementsByTagName("text") if t.firstChild]
assert "val_jf" in texts and "loss" in texts, texts
assert "After step 4," in s and "--val-frames 5" in s and "colorization" in s
assert s.count("data:image/png;base64,") == 2 and 'href="val_pred.png"' in s and 'href="val_truth.png"' in s
PY
check "the report's images" test -s "$tmp/report/val_pred.png" -a -s "$tmp/report/val_truth.png"
"$hue" plot "$tmp/v.jsonl" -o "$tmp/v.svg" --metrics val_jf --quiet
check "hue plot draws val_jf" grep -q '>val_jf</text>' "$tmp/v.svg"

expect_fail() {  # expect_fail WHAT STATUS PATTERN hue-args...
    local what=$1 status=$2 pattern=$3
    shift 3
    "$hue" "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    check "$what: exit $status (got $got)" test "$got" -eq "$status"
    check "$what: message '$pattern'" grep -q -- "$pattern" "$tmp/err"
    check "$what: no checkpoint written" test ! -e "$tmp/bad.ckpt"
}
expect_fail "--val without --val-mask" 2 "go together" "${args[@]}" --out "$tmp/bad.ckpt" --log "$tmp/b.jsonl" --val "$clip"
expect_fail "--val without --log" 2 "needs --log" "${args[@]}" --out "$tmp/bad.ckpt" --val "$clip" --val-mask "$mask"
expect_fail "--val-frames 2" 2 "--val-frames 2" "${args[@]}" --out "$tmp/bad.ckpt" --log "$tmp/b.jsonl" --val "$clip" \
    --val-mask "$mask" --val-frames 2
expect_fail "missing clip" 1 "$tmp/none.mp4" "${args[@]}" --out "$tmp/bad.ckpt" --log "$tmp/b.jsonl" \
    --val "$tmp/none.mp4" --val-mask "$mask"
/usr/bin/python3 -c "from PIL import Image; Image.new('L', (100, 60), 0).save('$tmp/00000.png')"
expect_fail "mask of another size" 1 "$tmp/00000.png is 100x60 but" "${args[@]}" --out "$tmp/bad.ckpt" \
    --log "$tmp/b.jsonl" --val "$clip" --val-mask "$tmp/00000.png"
cp "$mask" "$tmp/first.png"
expect_fail "mask name without a number" 1 "no frame number" "${args[@]}" --out "$tmp/bad.ckpt" \
    --log "$tmp/b.jsonl" --val "$clip" --val-mask "$tmp/first.png"
expect_fail "existing report" 1 "index.html exists" "${args[@]}" --out "$tmp/bad.ckpt" --log "$tmp/b.jsonl" \
    --report "$tmp/report"
check "no log written by the refused runs" test ! -e "$tmp/b.jsonl"
check_summary
