#!/usr/bin/env bash
# hue eval davis never destroys or hangs on what it reads: --csv refuses an
# existing file without --force, and one of the masks (ground truth or
# result, scored or not) even with it; a mask that is a FIFO is refused at
# once; a results folder that an interrupted hue track left unfinished is
# refused; --seqs naming a sequence twice counts it once.
set -u
D="$HUE_DATA/davis2016"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"
hue() { timeout 60 "$HUE_BIN" "$@"; }

# ground truth and results: copies of two sequences' ground truth
mkdir -p "$tmp/davis/Annotations/480p" "$tmp/res"
for s in blackswan cows; do
    cp -r "$D/Annotations/480p/$s" "$tmp/davis/Annotations/480p/"
    cp -r "$D/Annotations/480p/$s" "$tmp/res/"
done
gt=$tmp/davis/Annotations/480p/blackswan
cp "$gt/00049.png" "$tmp/last.png"
cp "$gt/00010.png" "$tmp/scored.png"
args=(eval davis --results "$tmp/res" --davis "$tmp/davis" --quiet)

# --csv FILE exists: refused without --force, replaced with it
echo precious >"$tmp/table.csv"
hue "${args[@]}" --csv "$tmp/table.csv" >"$tmp/out" 2>"$tmp/err"
check "existing --csv: exit 1 (got $?)" test $? -eq 1
check "existing --csv: says --force" contains "$tmp/err" "table.csv: file exists (use --force"
check "existing --csv: file unchanged" test "$(cat "$tmp/table.csv")" = precious
hue "${args[@]}" --csv "$tmp/table.csv" --force >"$tmp/out" 2>"$tmp/err"
check "--csv --force: exit 0 (got $?)" test $? -eq 0
check "--csv --force: written" contains "$tmp/table.csv" "^cows,1,1.000000,"
check "--csv --force: no temporary left" test -z "$(ls -A "$tmp" | grep '^\.')"

# --csv naming a mask is refused even with --force, and the mask stays
for f in "$gt/00049.png" "$gt/00010.png" "$tmp/res/cows/00000.png" "$tmp/davis/Annotations/480p/./cows/../blackswan/00010.png"; do
    hue "${args[@]}" --csv "$f" --force >"$tmp/out" 2>"$tmp/err"
    check "--csv $f --force: exit 1 (got $?)" test $? -eq 1
    check "--csv $f: says it is a mask" contains "$tmp/err" "--csv names this mask"
done
check "the last ground-truth mask is intact" cmp -s "$gt/00049.png" "$tmp/last.png"
check "a scored ground-truth mask is intact" cmp -s "$gt/00010.png" "$tmp/scored.png"
check "the result mask is intact" cmp -s "$tmp/res/cows/00000.png" "$D/Annotations/480p/cows/00000.png"

# a FIFO among the result masks, then among the ground truth: refused, no wait
mv "$tmp/res/cows/00005.png" "$tmp/keep.png"
mkfifo "$tmp/res/cows/00005.png"
hue "${args[@]}" >"$tmp/out" 2>"$tmp/err"
check "FIFO result mask: exit 1, no hang (got $?)" test $? -eq 1
check "FIFO result mask: named" contains "$tmp/err" "res/cows/00005.png: a FIFO, not a regular file"
rm "$tmp/res/cows/00005.png" && mv "$tmp/keep.png" "$tmp/res/cows/00005.png"
mv "$gt/00003.png" "$tmp/keep.png"
mkfifo "$gt/00003.png"
hue "${args[@]}" >"$tmp/out" 2>"$tmp/err"
check "FIFO ground-truth mask: exit 1, no hang (got $?)" test $? -eq 1
check "FIFO ground-truth mask: named" contains "$tmp/err" "blackswan/00003.png: a FIFO, not a regular file"
rm "$gt/00003.png" && mv "$tmp/keep.png" "$gt/00003.png"
ln -s /dev/zero "$tmp/res/cows/00006.png.dev"
mv "$tmp/res/cows/00006.png" "$tmp/keep.png" && mv "$tmp/res/cows/00006.png.dev" "$tmp/res/cows/00006.png"
hue "${args[@]}" >"$tmp/out" 2>"$tmp/err"
check "device result mask: exit 1 (got $?)" test $? -eq 1
check "device result mask: named" contains "$tmp/err" "res/cows/00006.png: a device, not a regular file"
rm "$tmp/res/cows/00006.png" && mv "$tmp/keep.png" "$tmp/res/cows/00006.png"

# results that an interrupted hue track left unfinished
echo 999999 >"$tmp/res/cows/.hue-unfinished"
hue "${args[@]}" >"$tmp/out" 2>"$tmp/err"
check "unfinished results: exit 1 (got $?)" test $? -eq 1
check "unfinished results: named" contains "$tmp/err" "res/cows: masks of a 'hue track' that did not finish"
rm "$tmp/res/cows/.hue-unfinished"

# --seqs with duplicates: each sequence once
hue "${args[@]}" --seqs blackswan,cows,blackswan,cows --json >"$tmp/dup.json" 2>"$tmp/err"
check "--seqs with duplicates: exit 0 (got $?)" test $? -eq 0
check "--seqs with duplicates: 2 sequences" contains "$tmp/dup.json" '"n_sequences": 2,'
check "--seqs with duplicates: 2 objects" contains "$tmp/dup.json" '"jf_mean": 1.000000, .*"n_objects": 2, "n_sequences"'
hue "${args[@]}" --seqs blackswan,blackswan --csv - >"$tmp/dup.csv" 2>"$tmp/err"
check "--seqs a,a --csv -: one row and the total" test "$(grep -c '^blackswan,' "$tmp/dup.csv")" -eq 1

check_summary
