#!/usr/bin/env bash
# hue plot on real logs: the shipped model's train-video log and a tiny
# pretrain run's (epochs and the kNN monitor; its --report page is checked
# too). The SVG parses as XML with one curve per run and quantity, the
# panel titles and the axis label; the PNG decodes, has the asked size and
# the runs' colours where the curves go. Bad logs (missing, not JSON, no
# numeric field) exit 1 naming the file; malformed lines among good ones are
# skipped with a note; an existing output is refused without --force.
# usage: plot_cli.sh (HUE_BIN, HUE_SOURCE, HUE_DATA from ctest)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../check.sh"
hue=${HUE_BIN:?HUE_BIN is not set}
src=${HUE_SOURCE:-$here/../..}
data=${HUE_DATA:-$src/../shared/data}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-plot-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
video_log=$src/samples/model/metrics.jsonl

# a pretrain run of 2 epochs of 10 steps, the kNN monitor after each, with a report
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$tmp" --wildcards 'train/*/000[0-9].jpg' 'train/*/001[01].jpg' \
    'test/*/000[0-4].jpg'
"$hue" pretrain --method supervised --data "$tmp" --width 0.125 --size 16 --batch 12 --epochs 2 --seed 1 \
    --knn-every 1 --threads 1 --quiet --out "$tmp/sup.ckpt" --log "$tmp/sup.jsonl" --report "$tmp/report" >/dev/null
check "pretrain --report: exit 0" test $? -eq 0
check "pretrain --report: index.html with the curves (inline SVG) and the kNN figure" \
    /usr/bin/python3 - "$tmp/report/index.html" <<'PY'
import re, sys, xml.dom.minidom
s = open(sys.argv[1]).read()
svg = re.search(r"<svg.*?</svg>", s, re.S).group(0)
doc = xml.dom.minidom.parseString(svg)
texts = [t.firstChild.data for t in doc.getElementsByTagName("text") if t.firstChild]
assert "knn_top1" in texts and "loss" in texts, texts
assert "<td>knn_top1</td>" in s and "hue pretrain --method supervised" in s and "hue-checkpoint-1" in s
PY

# SVG: both runs, every quantity
"$hue" plot "$video_log" "$tmp/sup.jsonl" -o "$tmp/curves.svg" --json >"$tmp/svg.json"
check "plot svg: exit 0" test $? -eq 0
check "plot svg: well-formed, a curve per run and quantity, titles and axis label" \
    /usr/bin/python3 - "$tmp/curves.svg" "$tmp/svg.json" "$video_log" <<'PY'
import json, sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
info = json.load(open(sys.argv[2]))
steps = sum(1 for _ in open(sys.argv[3]))  # the shipped log: one line per step
assert info["panels"] == ["loss", "lr", "samples_per_s", "images_per_s", "knn_top1", "knn_top5", "test_accuracy"], \
    info["panels"]
assert [r["name"] for r in info["runs"]] == ["metrics", "sup"], info["runs"]
# every line: 20 steps, 2 kNN monitors, the test accuracy
assert info["runs"][0]["lines"] == steps and info["runs"][1]["lines"] == 23, info["runs"]
series = [p for p in doc.getElementsByTagName("polyline") if p.getAttribute("class") == "series"]
# loss and lr: both runs; throughput: one each; kNN and test accuracy: the pretrain run only
assert len(series) == 9, len(series)
longest = max(len(p.getAttribute("points").split()) for p in series)
assert longest == steps, (longest, steps)
texts = [t.firstChild.data for t in doc.getElementsByTagName("text") if t.firstChild]
for want in ["loss", "lr", "knn_top1", "step", "metrics", "sup"]:
    assert want in texts, (want, texts)
PY

# PNG: asked size, the runs' colours drawn
"$hue" plot "$video_log" "$tmp/sup.jsonl" -o "$tmp/curves.png" --size 640x480 --metrics loss,knn_top1 --quiet
check "plot png: exit 0" test $? -eq 0
check "plot png: 640x480, both runs' colours in the curves" /usr/bin/python3 - "$tmp/curves.png" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
assert im.size == (640, 480), im.size
px = list(im.getdata())
blue, orange = px.count((0x1f, 0x77, 0xb4)), px.count((0xff, 0x7f, 0x0e))
assert blue > 500 and orange > 100, (blue, orange)
# the right half (the kNN panel) holds the pretrain run's points only
right = [im.getpixel((x, y)) for x in range(330, 640) for y in range(60, 440)]
assert right.count((0xff, 0x7f, 0x0e)) > 20 and right.count((0x1f, 0x77, 0xb4)) == 0
PY
"$hue" plot "$tmp/sup.jsonl" -o "$tmp/epoch.svg" --x epoch --quiet
check "plot --x epoch on a pretrain log: exit 0" test $? -eq 0
check "--x epoch: the last step at epoch 2" grep -q '>2</text>' "$tmp/epoch.svg"

# bad input
expect_fail() {  # expect_fail WHAT STATUS PATTERN hue-args...
    local what=$1 status=$2 pattern=$3
    shift 3
    "$hue" "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    check "$what: exit $status (got $got)" test "$got" -eq "$status"
    check "$what: message '$pattern'" grep -q -- "$pattern" "$tmp/err"
}
expect_fail "missing log" 1 "hue plot: $tmp/none.jsonl" plot "$tmp/none.jsonl" -o "$tmp/x.svg"
printf 'hello\nworld\n' >"$tmp/text.jsonl"
expect_fail "not JSON" 1 "hue plot: $tmp/text.jsonl: no usable line (line 1: not JSON" plot "$tmp/text.jsonl" -o "$tmp/x.svg"
printf '{"step": 1, "note": "a"}\n{"step": 2, "ok": true}\n' >"$tmp/nonum.jsonl"
expect_fail "no numeric field" 1 "hue plot: $tmp/nonum.jsonl: no numeric field" plot "$tmp/nonum.jsonl" -o "$tmp/x.svg"
expect_fail "--x epoch on a train-video log" 1 "metrics.jsonl: no line has \"epoch\"" plot "$video_log" -o "$tmp/x.svg" --x epoch
expect_fail "--metrics unknown" 1 "no log has \"nosuch\"" plot "$video_log" -o "$tmp/x.svg" --metrics loss,nosuch
check "no output after errors" test ! -e "$tmp/x.svg"
expect_fail "existing output" 1 "exists" plot "$video_log" -o "$tmp/curves.svg"
expect_fail "unknown extension" 2 "must end in .svg or .png" plot "$video_log" -o "$tmp/x.pdf"
expect_fail "bad --size" 2 "--size 10x10" plot "$video_log" -o "$tmp/x.png" --size 10x10
expect_fail "bad --x" 2 "--x steps" plot "$video_log" -o "$tmp/x.png" --x steps
expect_fail "no log" 2 "give one or more" plot -o "$tmp/x.png"

# malformed lines among good ones: skipped and counted
{ head -n 5 "$video_log"; echo '{"step": 6, "loss": '; echo '[1, 2]'; sed -n 6,10p "$video_log"; } >"$tmp/cut.jsonl"
"$hue" plot "$tmp/cut.jsonl" -o "$tmp/cut.svg" --json >"$tmp/cut.json" 2>"$tmp/err"
check "malformed lines: exit 0" test $? -eq 0
check "malformed lines: a note with the count and first line" grep -q "2 malformed lines skipped (the first, line 6" "$tmp/err"
check "malformed lines: 10 lines used" grep -q '"lines": 10, "skipped": 2' "$tmp/cut.json"
"$hue" plot "$tmp/cut.jsonl" -o "$tmp/curves.svg" --force --quiet
check "--force replaces an output" test $? -eq 0
check_summary
