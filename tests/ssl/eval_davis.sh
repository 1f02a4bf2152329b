#!/usr/bin/env bash
# hue eval davis end to end on real DAVIS-2016 masks: ground truth against
# itself gives 1, OSVOS's masks give the figures the official DAVIS
# evaluation code computes, and bad input fails with a message and exit 1.
set -u
D="$HUE_DATA/davis2016"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

# Value of a top-level number in the JSON (the first occurrence of the key).
jget() { grep -o "\"$1\": [-0-9.e]*" "$2" | head -1 | awk '{print $2}'; }
# |a - b| <= tol
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= t) }'; }

# 1. Ground truth against itself, two sequences: everything is 1.
mkdir -p "$tmp/self"
for s in blackswan cows; do ln -s "$D/Annotations/480p/$s" "$tmp/self/$s"; done
if "$HUE_BIN" eval davis --results "$tmp/self" --davis "$D" --json >"$tmp/self.json" 2>"$tmp/err"; then
    for k in jf_mean j_mean f_mean j_recall f_recall; do
        v=$(jget $k "$tmp/self.json")
        near "$v" 1 1e-9 && ok "self $k = $v" || bad "self $k = '$v', want 1"
    done
    v=$(jget j_decay "$tmp/self.json")
    near "$v" 0 1e-9 && ok "self j_decay = $v" || bad "self j_decay = '$v', want 0"
    grep -q '"blackswan": {' "$tmp/self.json" && grep -q '"cows": {' "$tmp/self.json" \
        && ok "per-sequence values" || bad "no per-sequence values in JSON"
else
    bad "self evaluation failed: $(cat "$tmp/err")"
fi

# The table names both sequences and a last row over all objects, in percent.
if "$HUE_BIN" eval davis --results "$tmp/self" --davis "$D" >"$tmp/table" 2>"$tmp/err"; then
    grep -q '^blackswan ' "$tmp/table" && grep -q '^cows ' "$tmp/table" && grep -q '^all ' "$tmp/table" \
        && ok "table" || bad "table: $(cat "$tmp/table")"
    head -1 "$tmp/table" | grep -q '(in %)' && awk '$1 == "all" { exit !($3 == "100.0" && $4 == "100.0") }' "$tmp/table" \
        && ok "table in percent" || bad "table not in percent: $(cat "$tmp/table")"
else
    bad "table run failed: $(cat "$tmp/err")"
fi
"$HUE_BIN" eval davis --results "$tmp/self" --davis "$D" --csv "$tmp/out.csv" >/dev/null 2>&1 \
    && grep -q '^cows,1,1.000000,' "$tmp/out.csv" && ok "csv" || bad "csv: $(cat "$tmp/out.csv" 2>/dev/null)"

# 2. OSVOS results (one object in these two clips) against the ground truth.
# Expected per-object figures from the official davis2017-evaluation code
# (metrics.py / utils.py, masks read as labels 0/1):
#   blackswan J-Mean 0.943020 F-Mean 0.974096, cows J-Mean 0.952232 F-Mean 0.956727
if "$HUE_BIN" eval davis --results "$D/osvos2017" --davis "$D" --seqs blackswan,cows --json \
    >"$tmp/osvos.json" 2>"$tmp/err"; then
    v=$(jget j_mean "$tmp/osvos.json"); near "$v" 0.947626 2e-6 && ok "osvos j_mean $v" || bad "osvos j_mean '$v', want 0.947626"
    v=$(jget f_mean "$tmp/osvos.json"); near "$v" 0.965412 2e-6 && ok "osvos f_mean $v" || bad "osvos f_mean '$v', want 0.965412"
    v=$(jget jf_mean "$tmp/osvos.json"); near "$v" 0.956519 2e-6 && ok "osvos jf_mean $v" || bad "osvos jf_mean '$v', want 0.956519"
else
    bad "osvos evaluation failed: $(cat "$tmp/err")"
fi

# 2b. Several objects in DAVIS palette PNGs: OSVOS's own multi-object masks
# as the ground truth, and as the results the mask of the next frame. The
# official code gives, over the four objects of bmx-trees and horsejump-high:
# J&F-Mean 0.633416, J-Mean 0.506155, J-Recall 0.606971, J-Decay 0.034659,
# F-Mean 0.760678, F-Recall 0.916667, F-Decay -0.026517.
mkdir -p "$tmp/multi/Annotations/480p" "$tmp/next"
for s in bmx-trees horsejump-high; do
    ln -s "$D/osvos2017/$s" "$tmp/multi/Annotations/480p/$s"
    mkdir "$tmp/next/$s"
    files=("$D/osvos2017/$s"/*.png)
    for ((i = 0; i < ${#files[@]}; i++)); do
        j=$((i + 1 < ${#files[@]} ? i + 1 : i))
        ln -s "${files[$j]}" "$tmp/next/$s/$(basename "${files[$i]}")"
    done
done
if "$HUE_BIN" eval davis --results "$tmp/next" --davis "$tmp/multi" --json >"$tmp/multi.json" 2>"$tmp/err"; then
    for kv in jf_mean=0.633416 j_mean=0.506155 j_recall=0.606971 j_decay=0.034659 \
        f_mean=0.760678 f_recall=0.916667 f_decay=-0.026517 n_objects=4; do
        k=${kv%%=*} want=${kv#*=}
        v=$(jget "$k" "$tmp/multi.json")
        near "$v" "$want" 2e-6 && ok "multi $k $v" || bad "multi $k '$v', want $want"
    done
else
    bad "multi-object evaluation failed: $(cat "$tmp/err")"
fi

# 3. Bad input: exit 1 with a message that names the file.
expect_fail() { # code pattern args...
    local code=$1 pat=$2; shift 2
    "$HUE_BIN" eval davis "$@" >/dev/null 2>"$tmp/err"
    local rc=$?
    if [ $rc -eq "$code" ] && grep -q -- "$pat" "$tmp/err" && [ "$(wc -l <"$tmp/err")" -le 3 ]; then
        ok "exit $rc: $(head -1 "$tmp/err")"
    else
        bad "want exit $code and '$pat', got $rc: $(cat "$tmp/err")"
    fi
}
expect_fail 1 "$tmp/nope" --results "$tmp/nope" --davis "$D"
expect_fail 1 "Annotations/480p/nosuch" --results "$tmp/self" --davis "$D" --seqs nosuch
expect_fail 1 "$tmp/nodavis/Annotations/480p" --results "$tmp/self" --davis "$tmp/nodavis"

# A missing result frame.
mkdir -p "$tmp/miss"
cp -r "$D/Annotations/480p/blackswan" "$tmp/miss/"
rm "$tmp/miss/blackswan/00007.png"
expect_fail 1 "$tmp/miss/blackswan/00007.png" --results "$tmp/miss" --davis "$D"

# A result mask of another size.
mkdir -p "$tmp/size"
cp -r "$D/Annotations/480p/blackswan" "$tmp/size/"
if command -v ffmpeg >/dev/null; then
    # nearest-neighbour keeps the values 0 and 255
    ffmpeg -loglevel error -y -i "$D/Annotations/480p/blackswan/00003.png" -vf scale=320:240:flags=neighbor \
        -pix_fmt gray "$tmp/size/blackswan/00003.png"
    expect_fail 1 "$tmp/size/blackswan/00003.png: mask is 320x240 but the sequence's ground truth is 854x480" \
        --results "$tmp/size" --davis "$D"
else
    echo "skip: no ffmpeg to make a mask of another size"
fi

# More objects in a result than in the ground truth (OSVOS finds 2 in bmx-trees).
expect_fail 1 "$D/osvos2017/bmx-trees/" --results "$D/osvos2017" --davis "$D" --seqs bmx-trees

# --partial: results of the first 20 frames only (the ground truth itself): scored on those, said on
# stderr; without it they are refused; a result after the first missing one is a gap, refused.
mkdir -p "$tmp/part/blackswan"
cp "$D/Annotations/480p/blackswan/000"[01]*.png "$tmp/part/blackswan/"
if "$HUE_BIN" eval davis --results "$tmp/part" --davis "$D" --partial --json >"$tmp/part.json" 2>"$tmp/err" &&
    near "$(jget jf_mean "$tmp/part.json")" 1 1e-9 && grep -q "blackswan: frames 1 to 19 of 48 scored" "$tmp/err"; then
    ok "--partial scores the first 19 frames"
else
    bad "--partial: $(cat "$tmp/err")"
fi
"$HUE_BIN" eval davis --results "$tmp/part" --davis "$D" >/dev/null 2>&1; [ $? -eq 1 ] && ok "part without --partial: 1" ||
    bad "part without --partial"
cp "$D/Annotations/480p/blackswan/00030.png" "$tmp/part/blackswan/"
expect_fail 1 "a result after the missing" --results "$tmp/part" --davis "$D" --partial

# 4. Usage errors exit 2; --help exits 0 and describes the flags.
"$HUE_BIN" eval davis --davis "$D" >/dev/null 2>&1; [ $? -eq 2 ] && ok "no --results: 2" || bad "no --results"
"$HUE_BIN" eval davis --results "$tmp/self" --davis "$D" --bogus >/dev/null 2>&1; [ $? -eq 2 ] && ok "bad flag: 2" || bad "bad flag"
"$HUE_BIN" eval nonsense >/dev/null 2>&1; [ $? -eq 2 ] && ok "bad evaluation: 2" || bad "bad evaluation"
"$HUE_BIN" eval >/dev/null 2>&1; [ $? -eq 2 ] && ok "no evaluation: 2" || bad "no evaluation"
if "$HUE_BIN" eval davis --help >"$tmp/help" 2>&1 && grep -q -- --results "$tmp/help" && grep -q -- --seqs "$tmp/help" \
    && grep -q -- --json "$tmp/help"; then ok "--help"; else bad "--help"; fi

[ $fail -eq 0 ] && echo "eval davis: all checks passed"
exit $fail
