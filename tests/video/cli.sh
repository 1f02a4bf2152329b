#!/usr/bin/env bash
# hue probe, hue overlay and hue bench decode on real data: JSON keys and
# values, text output, --help, and a full overlay run read back.
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue executable}
data=${HUE_DATA:?HUE_DATA must name the data folder}/davis2016
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # WHAT CONDITION...
    local what=$1
    shift
    if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
json_has() { grep -qE "\"$2\": $3[,}]" <<<"$1"; }

j=$("$hue" probe --json "$data/videos/bear.mp4")
echo "$j"
check "probe --json bear.mp4: width" json_has "$j" width 854
check "probe --json bear.mp4: height" json_has "$j" height 480
check "probe --json bear.mp4: frames" json_has "$j" frames 82
check "probe --json bear.mp4: fps" json_has "$j" fps 24
check "probe --json bear.mp4: codec" json_has "$j" codec '"h264"'
check "probe --json bear.mp4: pix_fmt" json_has "$j" pix_fmt '"yuv420p"'
check "probe --json bear.mp4: color_matrix" json_has "$j" color_matrix '"bt470bg"'
check "probe --json bear.mp4: duration" json_has "$j" duration 3.41667
j=$("$hue" probe --json "$data/JPEGImages/480p/blackswan")
check "probe --json frame folder: frames" json_has "$j" frames 50
check "probe --json frame folder: codec" json_has "$j" codec '"mjpeg"'
j=$("$hue" probe --json "$data/JPEGImages/480p/blackswan/%05d.jpg")
check "probe --json pattern: frames" json_has "$j" frames 50
t=$("$hue" probe "$data/videos/blackswan.mp4")
check "probe text: frames line" grep -q "^frames: *50$" <<<"$t"
t=$("$hue" probe --decode "$data/videos/blackswan.mp4")
check "probe --decode: every frame decoded" grep -q "^decoded: *50 frames$" <<<"$t"

for cmd in "probe" "overlay" "bench decode"; do
    # shellcheck disable=SC2086
    check "$cmd --help exits 0 with a usage line" bash -c "set -o pipefail; '$hue' $cmd --help | grep -q '^usage: hue $cmd'"
done

j=$("$hue" bench decode --json --size 214x120 "$data/videos/blackswan.mp4")
echo "$j"
check "bench decode --json: frames" json_has "$j" frames 50
check "bench decode --json: fps key" grep -q '"fps": [0-9]' <<<"$j"

check "overlay to mp4" "$hue" overlay -q "$data/videos/blackswan.mp4" "$data/osvos2017/blackswan" -o "$tmp/o.mp4"
j=$("$hue" probe --json "$tmp/o.mp4")
check "overlay mp4 read back: 50 frames at 24 fps" bash -c "grep -q '\"frames\": 50' <<<'$j' && grep -q '\"fps\": 24' <<<'$j'"
# without -q: the summary line comes after the video is closed
t=$("$hue" overlay --alpha 0.7 "$data/JPEGImages/480p/blackswan" "$data/Annotations/480p/blackswan" -o "$tmp/%05d.png")
check "overlay to png frames: says how many" grep -q " 50 frames with masks from " <<<"$t"
check "overlay png frames: 50 files" test "$(ls "$tmp"/*.png | wc -l)" -eq 50
j=$("$hue" probe --json "$tmp/%05d.png")
check "overlay png frames read back" json_has "$j" frames 50

echo "$fails failed"
[ "$fails" -eq 0 ]
