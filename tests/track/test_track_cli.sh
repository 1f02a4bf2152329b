#!/usr/bin/env bash
# hue track and hue colorize on a short real clip (blackswan, scaled down),
# their bad inputs, and the J&F of LAB-feature tracking.
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue binary}
data=${HUE_DATA:?HUE_DATA must name the data folder}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"
expect_fail() {  # expect_fail "what" needle cmd...: exit 1 and a one-line message with needle
    local what=$1 needle=$2; shift 2
    "$@" >"$tmp/out.txt" 2>"$tmp/err.txt"
    local rc=$?
    check "$what: exit 1 (got $rc)" test $rc -eq 1
    check "$what: says '$needle'" contains "$tmp/err.txt" "$needle"
}

# a 16-frame, 216x120 version of blackswan with its ground truth
mkdir -p "$tmp/davis/Annotations/480p/clip"
ffmpeg -loglevel error -y -i "$data/davis2016/videos/blackswan.mp4" -frames:v 16 -vf scale=216:120 -c:v libx264 -crf 12 "$tmp/clip.mp4"
for i in $(seq 0 15); do
    f=$(printf '%05d.png' "$i")
    ffmpeg -loglevel error -y -i "$data/davis2016/Annotations/480p/blackswan/$f" -vf scale=216:120:flags=neighbor \
        -pix_fmt gray "$tmp/davis/Annotations/480p/clip/$f"
done
mask=$tmp/davis/Annotations/480p/clip/00000.png

# tracking with LAB features: a mask per frame, an overlay, and a J&F far above an empty guess
"$hue" track "$tmp/clip.mp4" --mask "$mask" --features lab --context 4 -o "$tmp/res/clip" \
    --overlay "$tmp/overlay.mp4" --quiet
check "track exits 0" test $? -eq 0
check "track writes a mask per frame" test "$(ls "$tmp/res/clip" | wc -l)" -eq 16
check "track writes the overlay" test -s "$tmp/overlay.mp4"
"$hue" eval davis --results "$tmp/res" --davis "$tmp/davis" --json >"$tmp/eval.json"
check "LAB tracking J&F >= 0.6" /usr/bin/env python3 -c "
import json, sys; d = json.load(open('$tmp/eval.json')); print('J&F', d['jf_mean']); sys.exit(0 if d['jf_mean'] >= 0.6 else 1)"

# the encoder's architecture at its seeded initialisation runs too
"$hue" track "$tmp/clip.mp4" --mask "$mask" --features random --context 4 -o "$tmp/random" --quiet
check "track --features random exits 0" test $? -eq 0

# colorize from frame 0, scored against the clip's colours
"$hue" colorize "$tmp/clip.mp4" --ref-frame 0 --features random --context 4 -o "$tmp/colour.mp4" --eval --json \
    --quiet >"$tmp/colour.json"
check "colorize exits 0" test $? -eq 0
check "colorize writes every frame" test "$(ffprobe -v error -count_frames -select_streams v:0 \
    -show_entries stream=nb_read_frames -of csv=p=0 "$tmp/colour.mp4")" = 16
# even the seeded encoder's local features copy colour better than frame 0 itself does
# (about 4.5 against 4.8 ab error here): a broken copy falls far below that
check "colorize reports ab error and PSNR, better than copying frame 0" /usr/bin/env python3 -c "
import json; d = json.load(open('$tmp/colour.json')); print(d)
assert d['frames'] == 15 and 0 < d['ab_error'] < d['copy_ab_error'] and d['psnr'] > d['copy_psnr'], d"

# bad input: each a one-line message and exit 1
ffmpeg -loglevel error -y -i "$mask" -vf scale=100:60:flags=neighbor -pix_fmt gray "$tmp/small_mask.png"
expect_fail "mask of another size" "pass --resize-mask" \
    "$hue" track "$tmp/clip.mp4" --mask "$tmp/small_mask.png" --features lab --context 4 -o "$tmp/x1"
"$hue" track "$tmp/clip.mp4" --mask "$tmp/small_mask.png" --resize-mask --features lab --context 4 -o "$tmp/x2" --quiet
check "--resize-mask accepts it" test $? -eq 0
ffmpeg -loglevel error -y -f lavfi -i color=black:s=216x120 -frames:v 1 -pix_fmt gray "$tmp/empty_mask.png"
expect_fail "mask with no object" "no object" \
    "$hue" track "$tmp/clip.mp4" --mask "$tmp/empty_mask.png" --features lab --context 4 -o "$tmp/x3"
head -c 5000 /dev/urandom >"$tmp/not_a_model.safetensors"
expect_fail "checkpoint that is not a video encoder" "not_a_model.safetensors" \
    "$hue" track "$tmp/clip.mp4" --mask "$mask" --model "$tmp/not_a_model.safetensors" --context 4 -o "$tmp/x4"
expect_fail "reference frame past the end" "ref-frame 99" \
    "$hue" colorize "$tmp/clip.mp4" --ref-frame 99 --features lab --context 4 -o "$tmp/x5.mp4"
"$hue" track "$tmp/clip.mp4" --mask "$mask" --features lab -o "$tmp/x6" --json >"$tmp/x6.json" 2>"$tmp/x6.txt"
check "a clip shorter than the context is tracked with what it has" test $? -eq 0
check "... saying so" contains "$tmp/x6.txt" "context 15 instead of 20"
check "track --json: one object" /usr/bin/python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['frames'] == 16 and d['objects'] >= 1 and d['channels'] == 3 and d['masks'].endswith('x6'), d" "$tmp/x6.json"
check "... to the masks a context of 15 gives" bash -c "'$hue' track '$tmp/clip.mp4' --mask '$mask' --features lab \
    --context 15 -o '$tmp/x6b' --quiet && diff -r '$tmp/x6' '$tmp/x6b'"
expect_fail "output folder that holds masks" "pass --force" \
    "$hue" track "$tmp/clip.mp4" --mask "$mask" --features lab --context 4 -o "$tmp/res/clip"
check "the masks there are untouched" test "$(ls "$tmp/res/clip" | wc -l)" -eq 16
"$hue" track "$tmp/clip.mp4" --mask "$mask" --features lab --context 4 -o "$tmp/res/clip" --force --quiet
check "--force replaces them" test $? -eq 0
"$hue" track "$tmp/clip.mp4" --mask "$mask" -o "$tmp/x7" 2>/dev/null
check "no features or model is a usage error (2)" test $? -eq 2
"$hue" track --help >"$tmp/help.txt"
check "track --help exits 0" test $? -eq 0
check "track --help names --features lab" contains "$tmp/help.txt" "--features lab"

check_summary
