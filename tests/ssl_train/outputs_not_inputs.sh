#!/usr/bin/env bash
# No output of hue pretrain or hue train-video (--out, --log) may be one of
# its inputs or the other output, with or without --force, however spelled
# (a checkpoint resumed by --resume A --out B --log A was corrupted; --log X
# --out X silently replaced the log). The one exception: --resume A --out A
# continues the run in its own checkpoint. Refused runs write nothing.
# usage: outputs_not_inputs.sh (HUE_BIN, HUE_DATA from ctest)
set -u
hue=${HUE_BIN:?HUE_BIN is not set}
data=${HUE_DATA:?HUE_DATA is not set}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-outputs-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"
refused() {  # refused WHAT NEEDLE cmd...: exit 1 and a message with NEEDLE
    local what=$1 needle=$2; shift 2
    "$@" >"$tmp/out.txt" 2>"$tmp/err.txt"
    local rc=$?
    check "$what: exit 1 (got $rc)" test $rc -eq 1
    check "$what: says '$needle' ($(head -c 300 "$tmp/err.txt"))" contains "$tmp/err.txt" "$needle"
}
same="are the same file\|name the same file"
cd "$tmp" || exit 1

# pretrain: a checkpoint A of 1 step on 4 CIFAR-10 images per class
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" --wildcards 'train/*/000[0-3].jpg'
train=(pretrain --method supervised --data train --width 0.125 --size 16 --batch 8 --quiet)
"$hue" "${train[@]}" --max-steps 1 --out A.ckpt --log A.jsonl >/dev/null
cp A.ckpt A.keep
ln A.ckpt A-link.ckpt
echo "my notes" >notes.txt

refused "pretrain --resume A --out B --log A" "$same" "$hue" "${train[@]}" --resume A.ckpt --out B.ckpt --log A.ckpt
refused "pretrain --resume A --out B --log ./A --force" "$same" \
    "$hue" "${train[@]}" --resume A.ckpt --out B.ckpt --log ./A.ckpt --force
refused "pretrain --resume A --out B --log (a hard link of A)" "$same" \
    "$hue" "${train[@]}" --resume A.ckpt --out B.ckpt --log A-link.ckpt --force
refused "pretrain --resume A --out A --log A" "$same" "$hue" "${train[@]}" --resume A.ckpt --out A.ckpt --log A.ckpt
check "A is intact" cmp -s A.ckpt A.keep
check "B was not written" test ! -e B.ckpt
refused "pretrain --log X --out X (fresh)" "$same" "$hue" "${train[@]}" --out notes.txt --log notes.txt --force
refused "pretrain --log X --out ./X (fresh)" "$same" "$hue" "${train[@]}" --out C.ckpt --log ./C.ckpt
refused "pretrain --out DATA" "$same" "$hue" "${train[@]}" --out train/ --force
check "X is intact" test "$(cat notes.txt)" = "my notes"
check "C was not written" test ! -e C.ckpt
"$hue" "${train[@]}" --max-steps 2 --resume A.ckpt --out ./A.ckpt --log A.jsonl >/dev/null 2>"$tmp/err.txt"
rc=$?
check "pretrain --resume A --out ./A: exit 0 (got $rc: $(cat "$tmp/err.txt"))" test $rc -eq 0
check "pretrain --resume A --out ./A: the log goes on to step 2" test "$(grep -c '"step"' A.jsonl)" -eq 2
check "pretrain --resume A --out ./A: A now holds step 2" test "$(/usr/bin/python3 -c '
import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]
print(json.loads(f.read(n))["__metadata__"]["step"])' A.ckpt)" = 2

# train-video: two clips of 8 frames, 64x64
mkdir clips
for s in bear cows; do
    ffmpeg -v error -i "$data/davis2016/videos/$s.mp4" -frames:v 8 -vf scale=64:64 -c:v libx264 "clips/$s.mp4"
done
cp clips/bear.mp4 bear.keep
printf 'clips/bear.mp4\nclips/cows.mp4\n' >list.txt
video=(train-video --clips clips --size 32 --batch 1 --width 0.125 --steps 2 --quiet)
refused "train-video --log X --out X" "$same" "$hue" "${video[@]}" --out notes.txt --log notes.txt --force
refused "train-video --log CLIP" "names a clip" "$hue" "${video[@]}" --out V.ckpt --log clips/bear.mp4 --force
refused "train-video --out ./CLIP" "names a clip" "$hue" "${video[@]}" --out ./clips/../clips/bear.mp4 --force
refused "train-video --log LIST" "$same" "$hue" train-video --clips list.txt --size 32 --batch 1 --width 0.125 \
    --steps 2 --quiet --out V.ckpt --log list.txt --force
"$hue" "${video[@]}" --out VA.ckpt >/dev/null
cp VA.ckpt VA.keep
refused "train-video --resume A --out B --log A" "$same" "$hue" "${video[@]}" --resume VA.ckpt --out V.ckpt --log VA.ckpt
check "the train-video checkpoint A is intact" cmp -s VA.ckpt VA.keep
check "the clip is intact" cmp -s clips/bear.mp4 bear.keep
check "X is intact" test "$(cat notes.txt)" = "my notes"
check "the list is intact" test "$(wc -l <list.txt)" -eq 2
check "V was not written" test ! -e V.ckpt

# an output in a folder that does not exist is refused before any training
refused "pretrain --out MISSING/X" "folder missing" "$hue" "${train[@]}" --out missing/X.ckpt
refused "train-video --log MISSING/X" "folder missing" "$hue" "${video[@]}" --out V.ckpt --log missing/X.jsonl
refused "train-video --out FILE/X" "notes.txt is not a folder" "$hue" "${video[@]}" --out notes.txt/X.ckpt
check "nothing written for the refused runs" test ! -e missing -a ! -e V.ckpt

check_summary
