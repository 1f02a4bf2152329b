#!/usr/bin/env bash
# Inputs and outputs as users give them: glob patterns (natural order, no
# match, mixed sizes), standard input, WebM/GIF/Y4M files and standard output,
# and a clip of odd size kept at its size by track and colorize.
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue binary}
src=${HUE_SOURCE:?HUE_SOURCE must name the source folder}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"
cd "$tmp" || exit 1
clip=$src/samples/davis/videos/car-shadow.mp4
first_mask=$src/samples/davis/Annotations/480p/car-shadow/00000.png
expect_fail() {  # expect_fail "what" status needle cmd...: that exit status and a message with needle
    local what=$1 want=$2 needle=$3; shift 3
    "$@" >out.txt 2>err.txt
    local rc=$?
    check "$what: exit $want (got $rc)" test $rc -eq "$want"
    check "$what: says '$needle'" contains err.txt "$needle"
    check "$what: one line" test "$(wc -l <err.txt)" -eq 1
}
# stream_fields FILE: codec,width,height,frames as ffprobe counts them
stream_fields() {
    ffprobe -v error -count_frames -select_streams v:0 \
        -show_entries stream=codec_name,width,height,nb_read_frames -of csv=p=0 "$1"
}

# --- globs: frames f_1.png .. f_12.png, frame k a flat gray of 10 + 20k
mkdir gray masks
for k in $(seq 1 12); do
    v=$(printf '%02x' $((10 + 20 * k)))
    ffmpeg -loglevel error -f lavfi -i "color=c=0x$v$v$v:s=64x48" -frames:v 1 -pix_fmt rgb24 "gray/f_$k.png"
    ffmpeg -loglevel error -f lavfi -i "color=c=black:s=64x48" -frames:v 1 -pix_fmt gray \
        "masks/$(printf '%05d' $((k - 1))).png"
done
"$hue" probe --json 'gray/f_*.png' >probe.json
check "probe of a glob counts 12 frames" python3 -c "
import json; d = json.load(open('probe.json')); assert d['frames'] == 12 and d['width'] == 64, d"
# the overlay of empty masks is the frames themselves: as raw Y4M on standard output, in natural order
"$hue" overlay 'gray/f_*.png' masks -o - --format y4m --quiet >gray.y4m
check "overlay of a glob to standard output exits 0" test $? -eq 0
check "the glob's frames come in natural order (f_2 before f_10)" python3 -c "
data = open('gray.y4m', 'rb').read()
head, rest = data.split(b'\n', 1)
assert head.startswith(b'YUV4MPEG2') and b' W64 ' in head and b' H48 ' in head, head
frames = rest.split(b'FRAME\n')[1:]
assert len(frames) == 12, len(frames)
luma = [f[:64 * 48][64 * 24 + 32] for f in frames]
assert all(a < b for a, b in zip(luma, luma[1:])), luma"
check "the Y4M decodes: 12 frames of 64x48" test "$(stream_fields gray.y4m)" = "rawvideo,64,48,12"
expect_fail "a glob matching nothing" 1 "g_.\.png: no file matches the pattern" "$hue" probe 'gray/g_*.png'
mkdir mixed
cp gray/f_1.png gray/f_2.png gray/f_3.png mixed/
ffmpeg -loglevel error -i gray/f_2.png -vf scale=32:24 mixed/f_10.png
expect_fail "a glob of mixed sizes names the odd file" 1 "mixed/f_10.png is 32x24" "$hue" probe 'mixed/f_?*.png'
# a numbered folder with one frame of another size: refused when that frame is decoded
mkdir seq
for k in 0 1 2; do cp "gray/f_$((k + 1)).png" "seq/$k.png"; done
cp mixed/f_10.png seq/3.png
expect_fail "a frame of another size in a folder" 1 "seq/3.png is 32x24" "$hue" probe --decode seq

# --- a clip of odd size (211x117, lossless), its first mask, from the bundled sample
ffmpeg -loglevel error -i "$clip" -frames:v 8 -vf "scale=216:120,format=rgb24,crop=211:117:0:0" -c:v ffv1 odd.mkv
ffmpeg -loglevel error -i "$first_mask" -vf "scale=216:120:flags=neighbor,crop=211:117:0:0" -pix_fmt gray odd_mask.png
"$hue" track odd.mkv --mask odd_mask.png --features lab --context 4 -o odd_masks --overlay odd_overlay.mp4 \
    2>track_err.txt >/dev/null
check "track of a 211x117 clip exits 0" test $? -eq 0
check "its overlay is H.264 at 211x117, 8 frames" test "$(stream_fields odd_overlay.mp4)" = "h264,211,117,8"
check "a note says the overlay is 4:4:4" contains track_err.txt "4:4:4"
"$hue" probe --json odd_masks >masks.json
check "its masks are 211x117, one per frame" python3 -c "
import json; d = json.load(open('masks.json')); assert (d['width'], d['height'], d['frames']) == (211, 117, 8), d"
"$hue" colorize odd.mkv --ref-frame 0 --features lab --context 4 -o odd_colour.webm --quiet
check "colorize of the odd clip to WebM: VP9 at 211x117, 8 frames" \
    test "$(stream_fields odd_colour.webm)" = "vp9,211,117,8"
"$hue" colorize odd.mkv --ref-frame 0 --features lab --context 4 -o odd_colour.gif --quiet
check "and to GIF: 211x117, 8 frames" test "$(stream_fields odd_colour.gif)" = "gif,211,117,8"
expect_fail "an existing output without --force" 1 "use --force" \
    "$hue" colorize odd.mkv --ref-frame 0 --features lab --context 4 -o odd_colour.gif

# --- standard input: the same masks as from the file; an MP4 with its index last reads too
cat odd.mkv | "$hue" track - --mask odd_mask.png --features lab --context 4 -o stdin_masks --quiet
check "track from standard input exits 0" test $? -eq 0
check "track from standard input writes the file's masks" diff -r odd_masks stdin_masks
ffmpeg -loglevel error -i odd.mkv -c:v libx264 -pix_fmt yuv444p late_index.mp4
check "an MP4 with its index at the end, from a pipe: 8 frames" \
    test "$(cat late_index.mp4 | "$hue" probe --json - | python3 -c 'import json,sys; print(json.load(sys.stdin)["frames"])')" = 8
expect_fail "empty standard input" 1 "standard input is empty" "$hue" probe - </dev/null

# --- standard output: fragmented MP4 and WebM decode from a pipe; bad uses refused
cat odd.mkv | "$hue" colorize - --ref-frame 0 --features lab --context 4 -o - --format mp4 --eval >piped.mp4 \
    2>piped_err.txt
check "colorize - -o - --format mp4 exits 0" test $? -eq 0
check "the piped MP4 decodes: 211x117, 8 frames" test "$(stream_fields piped.mp4)" = "h264,211,117,8"
check "the --eval figures went to standard error" contains piped_err.txt "PSNR"
"$hue" track odd.mkv --mask odd_mask.png --features lab --context 4 -o odd_masks2 --overlay - --format webm \
    --quiet | cat >piped.webm
check "track --overlay - --format webm through a pipe: 8 frames" test "$(stream_fields piped.webm)" = "vp9,211,117,8"
expect_fail "-o - without --format" 2 "needs --format" "$hue" colorize odd.mkv --ref-frame 0 --features lab -o -
expect_fail "--format with a file" 2 "--format mp4 is for" \
    "$hue" colorize odd.mkv --ref-frame 0 --features lab -o x.mp4 --format mp4
expect_fail "--format avi on a pipe" 2 "--format avi" \
    "$hue" overlay odd.mkv odd_masks -o - --format avi
if command -v script >/dev/null; then
    script -qc "'$hue' overlay odd.mkv odd_masks -o - --format mp4" /dev/null >tty.txt 2>&1
    check "a video to a terminal is refused" contains tty.txt "standard output is a terminal"
fi
check_summary
