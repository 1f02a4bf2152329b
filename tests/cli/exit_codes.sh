#!/usr/bin/env bash
# Exit status and first words of every command's errors: 2 for a usage
# error, 1 for a runtime one, and a message that starts with "hue CMD:".
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue binary}
src=${HUE_SOURCE:?HUE_SOURCE must name the source tree}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"
clip=$src/samples/davis/videos/car-shadow.mp4
mask=$src/samples/davis/Annotations/480p/car-shadow/00000.png
model=$src/samples/model/hue-video.ckpt

# expect STATUS PREFIX WORDS -- ARGS...: hue ARGS exits STATUS, prints one
# line on stderr that starts with PREFIX and contains WORDS
expect() {
    local status=$1 prefix=$2 words=$3; shift 4
    (cd "$tmp" && "$hue" "$@" >/dev/null 2>"$tmp/err.txt")
    local got=$?
    check "hue $* exits $status (got $got)" test "$got" -eq "$status"
    check "hue $*: one line" test "$(wc -l <"$tmp/err.txt")" -eq 1
    check "hue $*: starts with '$prefix'" test "$(head -c ${#prefix} "$tmp/err.txt")" = "$prefix"
    check "hue $*: says '$words'" contains "$tmp/err.txt" "$words"
}

# unknown options, for every command and subcommand
for cmd in devices probe overlay train-video colorize track attention pretrain plot "bench gemm" "bench conv" \
    "bench decode" "bench track" "bench train" "eval davis" "eval knn" "eval linear"; do
    # shellcheck disable=SC2086
    expect 2 "hue $cmd: " "unknown option '--no-such-flag'" -- $cmd --no-such-flag
done
expect 2 "hue track: " "unknown option '-z'" -- track -z
# a flag without its value
expect 2 "hue track: " "--context needs a value" -- track "$clip" --mask "$mask" --features lab -o out --context
expect 2 "hue eval knn: " "--model needs a value" -- eval knn --model
expect 2 "hue pretrain: " "--epochs needs a value" -- pretrain --epochs
# values out of range or not numbers: usage errors that name the flag and value
expect 2 "hue track: " "--context 0: expected an integer from 1 to 100" -- \
    track "$clip" --mask "$mask" --features lab -o out --context 0
expect 2 "hue colorize: " "--topk 1.5: expected an integer" -- \
    colorize "$clip" --ref-frame 0 --features lab -o out.mp4 --topk 1.5
expect 2 "hue attention: " "--temperature 0: expected a number above 0" -- \
    attention "$clip" --features lab --frame 1 --at 1,1 -o a.png --temperature 0
expect 2 "hue pretrain: " "--epochs 0: expected an integer from 1" -- pretrain --data d --out o --epochs 0
expect 2 "hue pretrain: " "--lr abc: expected a number" -- pretrain --data d --out o --lr abc
expect 2 "hue train-video: " "--steps 0: expected an integer from 1" -- train-video --clips c --out o --steps 0
expect 2 "hue train-video: " "--steps 1.5: expected an integer" -- train-video --clips c --out o --steps 1.5
expect 2 "hue bench gemm: " "--m 0: expected an integer from 1" -- bench gemm --m 0
expect 2 "hue devices: " "--backend 'gpu'" -- devices --backend gpu
# every command that computes takes --device, the probes too
expect 2 "hue eval knn: " "--device -1: expected an integer from 0" -- eval knn --model m --data d --device -1
expect 2 "hue eval linear: " "--device x: expected an integer" -- eval linear --model m --data d --device x
# -o and -q wherever --out and --quiet are
"$hue" track "$clip" --mask "$mask" --features lab -o "$tmp/masks" -q --context 1 >/dev/null 2>"$tmp/err.txt"
check "track takes -q and -o" test $? -eq 0
check "track -q prints nothing" test ! -s "$tmp/err.txt"
# runtime errors: exit 1, the file named
expect 1 "hue probe: " "no-such.mp4" -- probe no-such.mp4
expect 1 "hue track: " "no-such.mp4" -- track no-such.mp4 --mask "$mask" --features lab -o out
expect 1 "hue colorize: " "no-such.ckpt" -- colorize "$clip" --ref-frame 0 --model no-such.ckpt -o out.mp4
expect 1 "hue eval knn: " "no-such.ckpt" -- eval knn --model no-such.ckpt --data "$tmp"
expect 1 "hue plot: " "no-such.jsonl" -- plot no-such.jsonl -o c.svg
expect 1 "hue attention: " "not a checkpoint" -- attention "$clip" --model "$mask" --frame 1 --at 1,1 -o a.png
check_summary
