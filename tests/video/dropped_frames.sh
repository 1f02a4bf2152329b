#!/usr/bin/env bash
# An AVI whose header counts more frames than it has packets, because frames
# were dropped (AVI keeps a dropped frame as an empty chunk: it counts in the
# header, has no packet, and the next packet's time skips it), is whole: its
# packets span its whole duration and ffmpeg decodes it without a word. hue
# reads every frame of it; files really cut short (the same AVI, an MKV) are
# still refused. The MP4 cut at half is in bad_input.sh.
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue executable}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"

# 90 frames at 15 fps (6 s) of cinepak, keeping 22 of them at uneven gaps
# and the last one, so the packets end where the duration does.
avi=$tmp/dropped.avi
ffmpeg -v error -y -f lavfi -i testsrc=size=64x48:rate=15:duration=6 \
    -vf "select='not(mod(n\,7))+not(mod(n\,11))+eq(n\,89)'" -fps_mode passthrough -c:v cinepak "$avi"
header=$(ffprobe -v error -select_streams v -show_entries stream=nb_frames -of csv=p=0 "$avi")
packets=$(ffprobe -v error -select_streams v -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$avi")
check "the header counts more frames ($header) than the packets ($packets)" test "${header:-0}" -gt "${packets:-0}"
ffmpeg -v warning -i "$avi" -f null - 2>"$tmp/ffmpeg.txt"
check "ffmpeg decodes it without a word" test ! -s "$tmp/ffmpeg.txt"

"$hue" probe --decode "$avi" >"$tmp/probe.txt" 2>"$tmp/err.txt"
rc=$?
check "hue probe --decode accepts it (exit $rc: $(cat "$tmp/err.txt"))" test $rc -eq 0 -a ! -s "$tmp/err.txt"
check "every packet is a frame" contains "$tmp/probe.txt" "decoded: *$packets frames"
duration=$(sed -n 's/^duration: *\([0-9.]*\) s/\1/p' "$tmp/probe.txt")
check "the duration is about 6 s (got $duration)" awk -v d="${duration:-0}" 'BEGIN { exit !(d > 5.5 && d < 6.6) }'

# cut short for real: the frames present are read, then an error
head -c $(($(stat -c %s "$avi") * 6 / 10)) "$avi" >"$tmp/cut.avi"
"$hue" probe --decode "$tmp/cut.avi" >"$tmp/probe.txt" 2>"$tmp/err.txt"
rc=$?
check "an AVI cut at 60% is refused: exit 1 (got $rc)" test $rc -eq 1
check "an AVI cut at 60%: says so" contains "$tmp/err.txt" "cut.avi: file is cut short"
ffmpeg -v error -y -f lavfi -i testsrc=size=64x48:rate=24:duration=4 -c:v ffv1 "$tmp/whole.mkv"
head -c $(($(stat -c %s "$tmp/whole.mkv") / 2)) "$tmp/whole.mkv" >"$tmp/cut.mkv"
"$hue" probe "$tmp/cut.mkv" >"$tmp/probe.txt" 2>"$tmp/err.txt"
rc=$?
check "an MKV cut at half is refused: exit 1 (got $rc)" test $rc -eq 1
check "an MKV cut at half: says so" contains "$tmp/err.txt" "cut.mkv: file is cut short"
"$hue" probe "$tmp/whole.mkv" >"$tmp/probe.txt" 2>"$tmp/err.txt"
rc=$?
check "the whole MKV is not (exit $rc)" test $rc -eq 0 -a ! -s "$tmp/err.txt"

check_summary
