#!/usr/bin/env bash
# hue track killed with SIGKILL midway: the masks it wrote are whole, the
# folder is marked unfinished (.hue-unfinished, with the run's PID) so that
# hue eval davis refuses it, and its overlay's hidden temporary file stays.
# Running it again needs no --force: it replaces the unfinished set, removes
# the temporaries of dead processes (not those of live ones) and the marker.
# A folder another live process is writing is refused, even with --force.
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue binary}
data=${HUE_DATA:?HUE_DATA must name the data folder}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"

# blackswan at 216x120, 50 frames, and its first mask and ground truth
ffmpeg -v error -y -i "$data/davis2016/videos/blackswan.mp4" -vf scale=216:120 -c:v libx264 -crf 12 "$tmp/clip.mp4"
mkdir -p "$tmp/davis/Annotations/480p/clip"
for i in 0 1 2 3 4 5 6 7; do
    ffmpeg -v error -y -i "$data/davis2016/Annotations/480p/blackswan/0000$i.png" -vf scale=216:120:flags=neighbor \
        -pix_fmt gray "$tmp/davis/Annotations/480p/clip/0000$i.png"
done
mask=$tmp/davis/Annotations/480p/clip/00000.png
out=$tmp/res/clip
track=(track "$tmp/clip.mp4" --mask "$mask" --context 4 -o "$out" --overlay "$tmp/overlay.mp4")

# the encoder's features are slow enough on a CPU to kill the run midway
"$hue" "${track[@]}" --features random --quiet &
pid=$!
for _ in $(seq 600); do
    [ "$(ls "$out" 2>/dev/null | wc -l)" -ge 6 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
status=$?
dead=$pid
pid=
n=$(ls "$out" | wc -l)
check "killed with SIGKILL midway (status $status, $n masks)" test "$status" -eq 137 -a "$n" -lt 50
check "the folder is marked unfinished" test "$(cat "$out/.hue-unfinished" 2>/dev/null)" = "$dead"
check "the overlay's temporary file is there" test -f "$tmp/.overlay.hue-$dead-0.mp4"
for f in "$out"/*.png; do
    check "$(basename "$f") is a whole PNG" python3 -c "
import sys, zlib, struct
raw = open(sys.argv[1], 'rb').read()
assert raw[:8] == b'\x89PNG\r\n\x1a\n' and raw[-12:] == b'\0\0\0\0IEND\xaeB\x60\x82'
pos, idat = 8, b''
while pos < len(raw):
    n, kind = struct.unpack('>I4s', raw[pos:pos + 8])
    idat += raw[pos + 8:pos + 8 + n] if kind == b'IDAT' else b''
    pos += 12 + n
zlib.decompress(idat)" "$f"
done
"$hue" eval davis --results "$tmp/res" --davis "$tmp/davis" >"$tmp/eval.txt" 2>&1
rc=$?
check "hue eval davis refuses the unfinished folder: exit 1 (got $rc)" test $rc -eq 1
check "hue eval davis says why" contains "$tmp/eval.txt" "res/clip: masks of a 'hue track' that did not finish"

# temporaries of a dead process and of a live one (this shell)
sh -c 'exit 0' &
gone=$!
wait $gone
: >"$tmp/.overlay.hue-$gone-3.mp4"
: >"$out/.00003.hue-$gone-0.png"
: >"$tmp/.overlay.hue-$$-0.mp4"
: >"$out/.00004.hue-$$-0.png"

# another live process writing there: refused, even with --force
echo $$ >"$out/.hue-unfinished"
cp "$out/00000.png" "$tmp/mask0.keep"
"$hue" "${track[@]}" --features lab --force --quiet 2>"$tmp/err.txt"
rc=$?
check "a folder a live process writes: exit 1 (got $rc)" test $rc -eq 1
check "a folder a live process writes: says so" contains "$tmp/err.txt" "another process (pid $$) is writing there"
check "a folder a live process writes: its marker and masks stay" \
    test "$(cat "$out/.hue-unfinished")" = $$ -a "$(ls "$out" | wc -l)" -eq "$n"
check "a folder a live process writes: its first mask is untouched" cmp -s "$out/00000.png" "$tmp/mask0.keep"
echo "$dead" >"$out/.hue-unfinished"

# a run again, without --force: replaces the unfinished set
"$hue" "${track[@]}" --features lab 2>"$tmp/err.txt" >/dev/null
rc=$?
check "the run again: exit 0 (got $rc; $(cat "$tmp/err.txt"))" test $rc -eq 0 -a -f "$tmp/overlay.mp4"
check "the run again: says it replaces an unfinished run" contains "$tmp/err.txt" "did not finish: replacing them"
check "every mask is there" test "$(ls "$out" | wc -l)" -eq 50
check "the marker is gone" test ! -e "$out/.hue-unfinished"
check "the killed run's overlay temporary is gone" test ! -e "$tmp/.overlay.hue-$dead-0.mp4"
check "a dead process's overlay temporary is gone" test ! -e "$tmp/.overlay.hue-$gone-3.mp4"
check "a dead process's mask temporary is gone" test ! -e "$out/.00003.hue-$gone-0.png"
check "a live process's temporaries stay" test -e "$tmp/.overlay.hue-$$-0.mp4" -a -e "$out/.00004.hue-$$-0.png"
"$hue" eval davis --results "$tmp/res" --davis "$tmp/davis" --quiet >"$tmp/eval.txt" 2>&1
rc=$?
check "hue eval davis takes the finished folder: exit 0 (got $rc)" test $rc -eq 0
check "hue eval davis prints the mean" contains "$tmp/eval.txt" "^all "

# a finished folder still needs --force
"$hue" track "$tmp/clip.mp4" --mask "$mask" --context 4 -o "$out" --features lab --quiet 2>"$tmp/err.txt"
rc=$?
check "a finished folder: refused without --force: exit 1 (got $rc)" test $rc -eq 1
check "a finished folder: says to pass --force" contains "$tmp/err.txt" "pass --force to replace them"

check_summary
