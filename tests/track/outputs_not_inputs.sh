#!/usr/bin/env bash
# No output of hue track, colorize or overlay may be one of its inputs, even
# with --force, however the two are spelled (./x, a hard link, a pattern of
# the folder): the input stays as it was. Every flag and input is checked
# before the output folder is made: a mask that is a FIFO (refused at once,
# not waited on), a model that cannot be loaded, a temperature that
# underflows leave no folder behind.
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue binary}
data=${HUE_DATA:?HUE_DATA must name the data folder}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"
refused() {  # refused WHAT NEEDLE cmd...: exit 1 (within 60 s) and a message with NEEDLE
    local what=$1 needle=$2; shift 2
    timeout 60 "$@" >"$tmp/out.txt" 2>"$tmp/err.txt"
    local rc=$?
    check "$what: exit 1 (got $rc)" test $rc -eq 1
    check "$what: says '$needle' ($(head -c 300 "$tmp/err.txt"))" contains "$tmp/err.txt" "$needle"
}

# an 8-frame 216x120 clip, its frames as JPEGs, a first mask
cd "$tmp" || exit 1
ffmpeg -v error -y -i "$data/davis2016/videos/blackswan.mp4" -frames:v 8 -vf scale=216:120 -c:v libx264 -crf 12 clip.mp4
mkdir frames && ffmpeg -v error -i clip.mp4 -start_number 0 frames/%05d.jpg
ffmpeg -v error -y -i "$data/davis2016/Annotations/480p/blackswan/00000.png" -vf scale=216:120:flags=neighbor \
    -pix_fmt gray mask.png
cp clip.mp4 clip.keep
ln clip.mp4 hardlink.mp4
ls -l frames >frames.keep
track=(track --mask mask.png --features lab --context 2 --force)
same="are the same file\|name the same file"

refused "track --overlay VIDEO" "$same" "$hue" "${track[@]}" clip.mp4 -o t1 --overlay clip.mp4
refused "track --overlay ./VIDEO" "$same" "$hue" "${track[@]}" clip.mp4 -o t2 --overlay ./clip.mp4
refused "track --overlay a hard link of VIDEO" "$same" "$hue" "${track[@]}" clip.mp4 -o t3 --overlay hardlink.mp4
refused "track FRAMEDIR -o FRAMEDIR" "$same" "$hue" "${track[@]}" frames -o frames/
refused "track FRAMEDIR/%05d.jpg -o FRAMEDIR" "$same" "$hue" "${track[@]}" 'frames/%05d.jpg' -o ./frames
refused "track -o OUT --overlay OUT" "$same" "$hue" "${track[@]}" clip.mp4 -o t4 --overlay t4
"$hue" "${track[@]}" clip.mp4 -o masks --quiet
cp masks/00003.png mask3.keep
refused "track --mask OUTDIR/00003.png -o OUTDIR" "a mask this run writes" \
    "$hue" track clip.mp4 --mask masks/00003.png --resize-mask --features lab --context 2 -o masks --force
check "that mask is intact" cmp -s masks/00003.png mask3.keep
refused "colorize -o VIDEO" "$same" "$hue" colorize clip.mp4 --ref-frame 0 --features lab --context 2 -o clip.mp4 --force
refused "colorize -o a hard link of VIDEO" "$same" \
    "$hue" colorize clip.mp4 --ref-frame 0 --features lab --context 2 -o hardlink.mp4 --force
refused "overlay -o VIDEO" "$same" "$hue" overlay clip.mp4 masks -o ./clip.mp4 --force
refused "overlay -o MASKS/%05d.png" "an output must not also be an input" \
    "$hue" overlay clip.mp4 masks -o 'masks/%05d.png' --force
check "the video is intact" cmp -s clip.mp4 clip.keep
check "the frame folder is intact" cmp -s <(ls -l frames) frames.keep
check "no output folder was made" test ! -e t1 -a ! -e t2 -a ! -e t3 -a ! -e t4
check "no temporary file is left" test -z "$(find . -name '.?*')"

# checked before the output folder is made
mkfifo fifo.png
refused "track --mask FIFO" "fifo.png: a FIFO, not a regular file" "$hue" "${track[@]}" clip.mp4 --mask fifo.png -o t5
head -c 5000 /dev/urandom >junk.safetensors
refused "track --model that is not a checkpoint" "junk.safetensors" \
    "$hue" track clip.mp4 --mask mask.png --model junk.safetensors --context 2 -o t6
"$hue" "${track[@]}" clip.mp4 -o t7 --temperature 1e-40 2>err.txt
rc=$?
check "track --temperature 1e-40: exit 2 (got $rc)" test $rc -eq 2
check "track --temperature 1e-40: says it underflows" contains err.txt "too small, it underflows"
"$hue" colorize clip.mp4 --ref-frame 0 --features lab --context 2 -o t8.mp4 --temperature 1e-45 2>err.txt
rc=$?
check "colorize --temperature 1e-45: exit 2 (got $rc)" test $rc -eq 2
check "colorize --temperature 1e-45: says it underflows" contains err.txt "too small, it underflows"
check "no output was made" test ! -e t5 -a ! -e t6 -a ! -e t7 -a ! -e t8.mp4

check_summary
