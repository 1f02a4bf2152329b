#!/usr/bin/env bash
# hue attention on the bundled clip (car-shadow, 854x480) with the shipped
# model: a point on the car in frame 5 attends to the same point of the car
# in frame 4; the picture has the documented size and shows the heat and
# the query; the weights sum to 1; bad input gets one line and its exit code.
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue binary}
src=${HUE_SOURCE:?HUE_SOURCE must name the source folder}
model=$src/samples/model/hue-video.ckpt
clip=$src/samples/davis/videos/car-shadow.mp4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"
expect_fail() {  # expect_fail "what" code needle cmd...: exit code and a one-line message with needle
    local what=$1 code=$2 needle=$3; shift 3
    "$@" >"$tmp/out.txt" 2>"$tmp/err.txt"
    local rc=$?
    check "$what: exit $code (got $rc)" test $rc -eq "$code"
    check "$what: says '$needle'" contains "$tmp/err.txt" "$needle"
    check "$what: one line starting 'hue attention:'" test "$(grep -c '^hue attention: ' "$tmp/err.txt")" -eq 1
}
# rgb_of PNG: its pixels as raw RGB bytes in PNG.rgb
rgb_of() { ffmpeg -v error -y -i "$1" -f rawvideo -pix_fmt rgb24 "$1.rgb"; }

# the rear of the car (pixel 500,180) in frame 5, context frames 3 and 4 besides frame 0
"$hue" attention "$clip" --model "$model" --frame 5 --at 500,180 --context 2 -o "$tmp/car.png" --json --quiet \
    >"$tmp/car.json"
check "attention exits 0" test $? -eq 0
rgb_of "$tmp/car.png"
check "JSON: the query, the context and the picture's size (4 tiles of 854x480, 4-pixel gaps)" /usr/bin/python3 -c "
import json; d = json.load(open('$tmp/car.json'))
assert (d['frame'], d['x'], d['y'], d['cell_x'], d['cell_y']) == (5, 500, 180, 62, 22), d
assert d['context'] == [0, 3, 4] and (d['width'], d['height']) == (4 * 854 + 3 * 4, 480), d"
check "the picture decodes at that size" test "$(stat -c %s "$tmp/car.png.rgb")" -eq $(((4 * 854 + 12) * 480 * 3))
check "the weights sum to 1, best first, at most top-k of them" /usr/bin/python3 -c "
import json; t = json.load(open('$tmp/car.json'))['top']; w = [s['weight'] for s in t]
print('weights', w); assert 1 <= len(t) <= 10 and abs(sum(w) - 1) < 1e-4 and w == sorted(w, reverse=True), w"
check "the best position is the car's rear in frame 4, within 3 cells of the query" /usr/bin/python3 -c "
import json; b = json.load(open('$tmp/car.json'))['top'][0]; print('best', b)
assert b['frame'] == 4 and abs(b['x'] - 500) <= 24 and abs(b['y'] - 180) <= 24, b"
check "every position is in a context frame, near the query in the ring's frames" /usr/bin/python3 -c "
import json; t = json.load(open('$tmp/car.json'))['top']
assert all(s['frame'] in (0, 3, 4) for s in t), t
assert all((s['cell_x'] - 62) ** 2 + (s['cell_y'] - 22) ** 2 < 144 for s in t if s['frame']), t"
check "the picture: the best position white-hot in frame 4's tile, the query marked green in frame 5's" \
    /usr/bin/python3 -c "
import json, numpy as np
d = json.load(open('$tmp/car.json')); b = d['top'][0]
img = np.fromfile('$tmp/car.png.rgb', np.uint8).reshape(480, d['width'], 3).astype(int)
tile = lambda i, x, y: img[y, i * (854 + 4) + x]
print('best', tile(2, b['x'], b['y']), 'marker', tile(3, 508, 180), 'elsewhere', tile(1, 100, 400))
assert (tile(2, b['x'], b['y']) > 200).all()          # the strongest weight is white
assert tuple(tile(3, 508, 180)) == (0, 255, 64)       # the crosshair's arm
assert (tile(1, 100, 400) < 110).all() and len(set(tile(1, 100, 400))) == 1  # dimmed gray, no heat"

# the text output lists the same positions
"$hue" attention "$clip" --model "$model" --frame 5 --at 500,180 --context 2 -o "$tmp/car2.png" >"$tmp/car.txt" \
    2>/dev/null
check "text output: the best position first" /usr/bin/python3 -c "
import json; b = json.load(open('$tmp/car.json'))['top'][0]
rows = [l.split() for l in open('$tmp/car.txt') if l.split() and l.split()[0].isdigit()]
print(rows[0]); assert [int(v) for v in rows[0][:3]] == [b['frame'], b['x'], b['y']], rows"

# LAB features, the default context (20, more than the 2 frames before T): frames 0, 1 and T
"$hue" attention "$clip" --features lab --frame 2 --at 10,470 -o "$tmp/lab.png" --json --quiet >"$tmp/lab.json"
check "LAB attention exits 0" test $? -eq 0
check "LAB: 3 tiles, weights summing to 1" /usr/bin/python3 -c "
import json; d = json.load(open('$tmp/lab.json')); w = [s['weight'] for s in d['top']]
assert d['context'] == [0, 1] and (d['width'], d['height']) == (3 * 854 + 8, 480) and abs(sum(w) - 1) < 1e-4, d"

# bad input
expect_fail "frame 0" 2 "--frame 0" "$hue" attention "$clip" --features lab --frame 0 --at 5,5 -o "$tmp/x.png"
expect_fail "frame past the clip" 1 "has 40 frames" \
    "$hue" attention "$clip" --features lab --frame 40 --at 5,5 -o "$tmp/x.png"
expect_fail "point outside the frame" 1 "outside the 854x480 frames" \
    "$hue" attention "$clip" --features lab --frame 3 --at 854,10 -o "$tmp/x.png"
expect_fail "point not X,Y" 2 "--at 5" "$hue" attention "$clip" --features lab --frame 3 --at 5 -o "$tmp/x.png"
expect_fail "missing model" 1 "$tmp/none.ckpt" \
    "$hue" attention "$clip" --model "$tmp/none.ckpt" --frame 3 --at 5,5 -o "$tmp/x.png"
head -c 5000 /dev/urandom >"$tmp/noise.ckpt"
expect_fail "a model that is not a checkpoint" 1 "noise.ckpt" \
    "$hue" attention "$clip" --model "$tmp/noise.ckpt" --frame 3 --at 5,5 -o "$tmp/x.png"
check "no picture from the failures" test ! -e "$tmp/x.png"
cp "$tmp/car.png" "$tmp/car-before.png"
expect_fail "existing picture" 1 "car.png" \
    "$hue" attention "$clip" --features lab --frame 3 --at 5,5 -o "$tmp/car.png"
check "the existing picture is untouched" cmp -s "$tmp/car.png" "$tmp/car-before.png"
expect_fail "not a PNG" 1 ".png" "$hue" attention "$clip" --features lab --frame 3 --at 5,5 -o "$tmp/x.jpg"
expect_fail "no --at" 2 "--at" "$hue" attention "$clip" --features lab --frame 3 -o "$tmp/x.png"

check_summary
