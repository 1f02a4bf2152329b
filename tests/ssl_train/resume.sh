#!/usr/bin/env bash
# Issue 4, resume: a run killed with SIGKILL (twice, after checkpoints written
# by --save-every) and continued each time with --resume gives the same
# per-step losses and learning rates as the same run left alone (compared
# exactly as logged, 7 significant digits), and its final checkpoint is byte
# for byte the uninterrupted run's (same_checkpoint.py: tensors and metadata,
# but for the run's clock and its flags, which name other files). Its log holds each step once: a resume
# drops the lines the killed run wrote after its last checkpoint. The run spans two
# epochs (shuffle, crop and flip of the second depend on the epoch) and uses
# augmentation, Nesterov momentum, weight decay, warm-up and cosine decay.
# A run sent SIGTERM (what Ctrl-C does too) finishes its step, writes a
# checkpoint of it and says so; --resume then ends on the uninterrupted
# run's checkpoint; --keep-checkpoints keeps one file per checkpoint.
# usage: resume.sh (HUE_BIN, HUE_DATA from ctest)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hue=${HUE_BIN:?HUE_BIN is not set}
data=${HUE_DATA:-$here/../../../shared/data}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-resume-XXXXXX")
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

# 48 training images of each CIFAR-10 class: 40 steps of 12 per epoch. The
# runs are killed after step 6 and 14 of 80: a step takes milliseconds, and
# the steps after the kill point give the polling loop below time to see
# it on a loaded machine (with 20 steps it sometimes saw the run end first)
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$tmp" --wildcards 'train/*/00[0-3][0-9].jpg' 'train/*/004[0-7].jpg'
args=(pretrain --method supervised --data "$tmp/train" --width 0.125 --size 16 --batch 12 --epochs 2 --lr 0.05
      --seed 3 --quiet)
# the first 12 of each class (10 steps an epoch) for --keep-checkpoints
for c in "$tmp"/train/*; do
    mkdir -p "$tmp/small/${c##*/}"
    cp "$c"/000[0-9].jpg "$c"/001[01].jpg "$tmp/small/${c##*/}/"
done
small=("${args[@]}" --data "$tmp/small")  # the last --data counts

"$hue" "${args[@]}" --out "$tmp/whole.safetensors" --log "$tmp/whole.jsonl"

last_step() { { sed -n 's/^{"step": \([0-9]*\), "epoch".*/\1/p' "$1" 2>/dev/null || true; } | tail -n 1; }
# Starts the run (fresh or resumed), kills it with SIGKILL once it has logged
# step $1 (a checkpoint of step $2 or later is then on disk), returns when it
# is gone.
run_and_kill() {
    local until=$1 ckpt_step=$2
    shift 2
    "$hue" "${args[@]}" --save-every 4 --out "$tmp/cut.safetensors" --log "$tmp/cut.jsonl" "$@" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        s=$(last_step "$tmp/cut.jsonl")
        if [ "${s:-0}" -ge "$until" ]; then
            kill -9 "$pid"
            break
        fi
        sleep 0.05
    done
    wait "$pid" && status=0 || status=$?
    pid=
    echo "run killed at step $(last_step "$tmp/cut.jsonl") (status $status; 137 = SIGKILL)"
    if [ "$status" -ne 137 ]; then
        echo "FAIL: the run ended (status $status) before it could be killed"
        exit 1
    fi
    [ -f "$tmp/cut.safetensors" ] || { echo "FAIL: no checkpoint after step $ckpt_step"; exit 1; }
}
run_and_kill 6 4
run_and_kill 14 12 --resume "$tmp/cut.safetensors"
"$hue" "${args[@]}" --save-every 4 --out "$tmp/cut.safetensors" --log "$tmp/cut.jsonl" --resume "$tmp/cut.safetensors"

/usr/bin/python3 - "$tmp/whole.jsonl" "$tmp/cut.jsonl" <<'PY'
import json, sys
def steps(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]
whole = {r["step"]: r for r in steps(sys.argv[1]) if "loss" in r}
cut = [r for r in steps(sys.argv[2]) if "loss" in r]
same = lambda r: r["step"] in whole and (r["loss"], r["lr"]) == (whole[r["step"]]["loss"], whole[r["step"]]["lr"])
bad = [r["step"] for r in cut if not same(r)]
seen = sorted({r["step"] for r in cut})
twice = sorted({s for s in [r["step"] for r in cut] if [r["step"] for r in cut].count(s) > 1})
print("uninterrupted: %d steps; interrupted twice: %d logged steps (%d logged twice), %d differ"
      % (len(whole), len(cut), len(twice), len(bad)))
for s in bad[:5]:
    print("FAIL: step %d: loss %s (uninterrupted %s)"
          % (s, [r["loss"] for r in cut if r["step"] == s], whole.get(s, {}).get("loss")))
if twice:
    print("FAIL: steps %s are logged more than once" % twice)
if seen != sorted(whole):
    print("FAIL: the interrupted run logged steps %s, the uninterrupted %s" % (seen, sorted(whole)))
# 2 epochs of 40 steps: an empty or short log (a renamed key) must not pass as equal
short = len(whole) != 80 or len(cut) != 80
if short:
    print("FAIL: expected 80 logged steps in each run")
sys.exit(1 if bad or twice or short or seen != sorted(whole) else 0)
PY
same() { /usr/bin/python3 "$here/same_checkpoint.py" "$1" "$2" flags; }
if same "$tmp/whole.safetensors" "$tmp/cut.safetensors"; then
    echo "final checkpoints are identical but for the clock and flags ($(stat -c %s "$tmp/whole.safetensors") bytes)"
else
    echo "FAIL: the final checkpoints differ"
    exit 1
fi

# --keep-checkpoints: every checkpoint stays under its step; the last is the run's
"$hue" "${small[@]}" --out "$tmp/small.safetensors"
"$hue" "${small[@]}" --save-every 5 --keep-checkpoints --json --out "$tmp/kept.safetensors" >"$tmp/kept.json"
/usr/bin/python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['steps'] == 20 and d['checkpoint'].endswith('kept.safetensors') and d['last_loss'] > 0, d" "$tmp/kept.json" ||
    { echo "FAIL: pretrain --json: $(cat "$tmp/kept.json")"; exit 1; }
kept=$(cd "$tmp" && ls kept.step*.safetensors | tr '\n' ' ')
if [ "$kept" != "kept.step000005.safetensors kept.step000010.safetensors kept.step000015.safetensors kept.step000020.safetensors " ]; then
    echo "FAIL: --keep-checkpoints kept '$kept'"
    exit 1
fi
same "$tmp/kept.step000020.safetensors" "$tmp/small.safetensors" ||
    { echo "FAIL: the step-20 checkpoint kept is not the run's"; exit 1; }
echo "--keep-checkpoints: $kept"

# SIGTERM (as Ctrl-C) mid-run: the step finishes, a checkpoint of it is
# written, the run says how to go on, and --resume ends where the
# uninterrupted run ends
long=("${args[@]}")
"$hue" "${long[@]}" --out "$tmp/long.safetensors"
"$hue" "${long[@]}" --out "$tmp/int.safetensors" --log "$tmp/int.jsonl" 2>"$tmp/int.txt" &
pid=$!
until [ "$(last_step "$tmp/int.jsonl")" -ge 5 ] 2>/dev/null || ! kill -0 $pid 2>/dev/null; do sleep 0.05; done
kill -TERM $pid 2>/dev/null
rc=0
wait $pid || rc=$?
pid=
stopped=$(last_step "$tmp/int.jsonl")
if [ $rc -ne 1 ] || ! grep -q "stopped by SIGTERM after step $stopped: .*int.safetensors keeps the model of that step" \
    "$tmp/int.txt"; then
    echo "FAIL: SIGTERM: exit $rc after step $stopped, said: $(cat "$tmp/int.txt")"
    exit 1
fi
"$hue" "${long[@]}" --out "$tmp/int.safetensors" --resume "$tmp/int.safetensors"
same "$tmp/int.safetensors" "$tmp/long.safetensors" ||
    { echo "FAIL: resumed after SIGTERM at step $stopped, the final checkpoint differs"; exit 1; }
echo "SIGTERM after step $stopped: checkpoint written, --resume ends where the uninterrupted run does"
