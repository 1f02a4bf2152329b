#!/usr/bin/env bash
# Every bad input of issue 3, point 7: hue exits with status 1 and prints one
# line on stderr that names the file and the problem; nothing crashes, hangs,
# or overwrites a user's file. HUE_VALGRIND=1 runs each hue command under
# valgrind (errors or definite leaks then fail the case).
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue executable}
data=${HUE_DATA:?HUE_DATA must name the data folder}/davis2016
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
run=()
[ -n "${HUE_VALGRIND:-}" ] && run=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite)
fails=0 cases=0

# expect_fail WHAT FILE PATTERN -- command...: status 1, one stderr line
# containing FILE and matching the extended regex PATTERN.
expect_fail() {
    local what=$1 file=$2 pattern=$3
    shift 4
    cases=$((cases + 1))
    timeout 300 "${run[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$? lines
    lines=$(grep -vc '^==[0-9]*==' "$tmp/err")
    if [ $rc -ne 1 ] || [ "$lines" -ne 1 ] || ! grep -qF -- "$file" "$tmp/err" || ! grep -qiE -- "$pattern" "$tmp/err"; then
        echo "FAIL $what: status $rc, $lines lines, wanted '$pattern' and '$file':"
        sed 's/^/    /' "$tmp/err"
        fails=$((fails + 1))
    else
        echo "ok   $what: $(cat "$tmp/err")"
    fi
}

expect_status() { # WHAT STATUS -- command...
    local what=$1 want=$2
    shift 3
    cases=$((cases + 1))
    timeout 300 "${run[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ $rc -ne "$want" ]; then
        echo "FAIL $what: status $rc, wanted $want"
        sed 's/^/    /' "$tmp/err"
        fails=$((fails + 1))
    else
        echo "ok   $what: status $rc"
    fi
}

mp4=$data/videos/bear.mp4
swan=$data/videos/blackswan.mp4
masks=$data/Annotations/480p/blackswan

# Inputs.
expect_fail "missing file" "$tmp/nope.mp4" "no such file" -- "$hue" probe "$tmp/nope.mp4"
echo "this is not a video" >"$tmp/text.mp4"
expect_fail "text file named .mp4" "$tmp/text.mp4" "not a video" -- "$hue" probe "$tmp/text.mp4"
head -c $(($(stat -c %s "$mp4") / 2)) "$mp4" >"$tmp/half.mp4"
expect_fail "MP4 cut at half" "$tmp/half.mp4" "cut short.*82 frames, 34" -- "$hue" probe "$tmp/half.mp4"
expect_fail "MP4 cut at half, decoded" "$tmp/half.mp4" "cut short" -- "$hue" probe --decode "$tmp/half.mp4"
grep -q "decoded: *34 frames" "$tmp/out" || { echo "FAIL MP4 cut at half: the 34 frames present were not all decoded"; fails=$((fails + 1)); }
cp "$mp4" "$tmp/corrupt.mp4"
chmod u+w "$tmp/corrupt.mp4"
# 30 kB of fixed pseudo-random bytes over the middle of the stream.
LC_ALL=C awk 'BEGIN { srand(7); for (i = 0; i < 30000; i++) printf "%c", int(rand() * 255) + 1 }' |
    dd of="$tmp/corrupt.mp4" bs=1 seek=1000000 conv=notrunc status=none
expect_fail "corrupt bytes mid-stream" "$tmp/corrupt.mp4" "corrupt" -- "$hue" probe --decode "$tmp/corrupt.mp4"
# 200 bytes inside one frame: the decoder conceals the damage, hue still reports it.
cp "$mp4" "$tmp/concealed.mp4"
chmod u+w "$tmp/concealed.mp4"
LC_ALL=C awk 'BEGIN { srand(1); for (i = 0; i < 200; i++) printf "%c", int(rand() * 255) + 1 }' |
    dd of="$tmp/concealed.mp4" bs=1 seek=700000 conv=notrunc status=none
expect_fail "damage the decoder conceals" "$tmp/concealed.mp4" "corrupt" -- "$hue" probe --decode "$tmp/concealed.mp4"
ffmpeg -v error -f lavfi -i sine=duration=1 -y "$tmp/audio.m4a"
expect_fail "audio-only file" "$tmp/audio.m4a" "no video stream.*audio only" -- "$hue" probe "$tmp/audio.m4a"
printf 'YUV4MPEG2 W64 H48 F24:1 Ip A1:1 C420jpeg\n' >"$tmp/zero.y4m"
expect_fail "zero-frame file" "$tmp/zero.y4m" "no frames" -- "$hue" probe "$tmp/zero.y4m"
ffmpeg -v error -f lavfi -i testsrc=size=64x48:duration=1 -frames:v 0 -y "$tmp/zero.mp4"
expect_fail "zero-frame MP4 from ffmpeg" "$tmp/zero.mp4" "no video stream" -- "$hue" probe "$tmp/zero.mp4"
{ printf 'YUV4MPEG2 W100000 H100000 F24:1 Ip A1:1 C420jpeg\nFRAME\n'; head -c 4096 /dev/zero; } >"$tmp/huge.y4m"
expect_fail "header claiming 100000x100000" "$tmp/huge.y4m" "100000x100000" -- "$hue" probe "$tmp/huge.y4m"
{ printf 'YUV4MPEG2 W12000 H12000 F24:1 Ip A1:1 C420jpeg\nFRAME\n'; head -c 4096 /dev/zero; } >"$tmp/big.y4m"
expect_fail "header claiming 12000x12000" "$tmp/big.y4m" "12000x12000 is larger than hue accepts" -- "$hue" probe "$tmp/big.y4m"
# A PNG header claiming 100000x100000 RGB, a small IDAT and IEND (CRCs valid).
printf '\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x02\x00\x00\x00\x27\x30\x9c\x9f' >"$tmp/huge.png"
printf '\x00\x00\x00\x11\x49\x44\x41\x54\x78\x9c\x63\x60\x18\x05\xa3\x60\x14\x0c\x77\x00\x00\x03\xe8\x00\x01\xb3\xa6\xd3\x46' >>"$tmp/huge.png"
printf '\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82' >>"$tmp/huge.png"
expect_fail "PNG claiming 100000x100000" "$tmp/huge.png" "100000x100000 is larger than hue accepts" -- "$hue" probe "$tmp/huge.png"
mkdir "$tmp/gap"
for i in 0 1 2 3 4 6 7 8; do cp "$data/JPEGImages/480p/blackswan/0000$i.jpg" "$tmp/gap/"; done
expect_fail "frame folder with a gap" "$tmp/gap" "gap.*00005.jpg is missing" -- "$hue" probe "$tmp/gap"
expect_fail "frame pattern with a gap" "$tmp/gap" "00005.jpg is missing" -- "$hue" probe "$tmp/gap/%05d.jpg"

# Masks.
mkdir "$tmp/small" "$tmp/m16" "$tmp/rgba"
ffmpeg -v error -i "$masks/%05d.png" -vf scale=427:240:flags=neighbor -pix_fmt gray -start_number 0 "$tmp/small/%05d.png"
expect_fail "mask size differs from the video" "$tmp/small/00000.png" "427x240.*854x480" -- \
    "$hue" overlay "$swan" "$tmp/small" -o "$tmp/o1.mp4"
cp "$masks"/*.png "$tmp/m16/"
chmod u+w "$tmp/m16"/*.png
ffmpeg -v error -i "$masks/00003.png" -pix_fmt gray16be -y "$tmp/m16/00003.png"
expect_fail "16-bit mask" "$tmp/m16/00003.png" "16-bit" -- "$hue" overlay "$swan" "$tmp/m16" -o "$tmp/o2.mp4"
cp "$masks"/*.png "$tmp/rgba/"
chmod u+w "$tmp/rgba"/*.png
ffmpeg -v error -i "$data/JPEGImages/480p/blackswan/00000.jpg" -pix_fmt rgba -y "$tmp/rgba/00000.png"
expect_fail "a photo as a colour mask" "$tmp/rgba/00000.png" "more than 64 colours" -- \
    "$hue" overlay "$swan" "$tmp/rgba" -o "$tmp/o3.mp4"
[ ! -e "$tmp/o1.mp4" ] && [ ! -e "$tmp/o2.mp4" ] && [ ! -e "$tmp/o3.mp4" ] && [ -z "$(ls -A "$tmp" | grep '^\.')" ] ||
    { echo "FAIL a refused overlay left a file behind"; ls -la "$tmp"; fails=$((fails + 1)); }

# Outputs.
expect_fail "output in a missing folder" "$tmp/no/such/dir/out.mp4" "does not exist" -- \
    "$hue" overlay "$swan" "$masks" -o "$tmp/no/such/dir/out.mp4"
if [ "$(id -u)" = 0 ]; then ro=/sys; else ro=$tmp/ro; mkdir "$ro"; chmod 555 "$ro"; fi
expect_fail "output in a read-only folder" "$ro/hue-out.mp4" "cannot write|denied|read-only" -- \
    "$hue" overlay "$swan" "$masks" -o "$ro/hue-out.mp4"
echo "precious" >"$tmp/exists.mp4"
expect_fail "output file exists" "$tmp/exists.mp4" "exists.*--force" -- "$hue" overlay "$swan" "$masks" -o "$tmp/exists.mp4"
[ "$(cat "$tmp/exists.mp4")" = precious ] || { echo "FAIL the existing file was changed"; fails=$((fails + 1)); }
mkdir "$tmp/frames" && echo "precious" >"$tmp/frames/00049.png"
expect_fail "output image exists" "$tmp/frames/00049.png" "exists.*--force" -- \
    "$hue" overlay "$swan" "$masks" -o "$tmp/frames/%05d.png"
[ "$(ls "$tmp/frames")" = 00049.png ] || { echo "FAIL a refused image sequence was partly written"; fails=$((fails + 1)); }
expect_status "output file exists, --force" 0 -- "$hue" overlay -q --force "$swan" "$masks" -o "$tmp/exists.mp4"
"$hue" probe "$tmp/exists.mp4" | grep -q "frames: *50" || { echo "FAIL --force did not write the video"; fails=$((fails + 1)); }

# Usage errors are status 2.
expect_status "probe without a file" 2 -- "$hue" probe
expect_status "overlay --alpha 7" 2 -- "$hue" overlay --alpha 7 "$swan" "$masks" -o "$tmp/x.mp4"
expect_status "probe --bogus" 2 -- "$hue" probe --bogus "$swan"

echo "$cases cases, $fails failed"
[ "$fails" -eq 0 ]
