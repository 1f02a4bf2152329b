#!/usr/bin/env bash
# --resume without repeating flags, for `hue pretrain` and `hue train-video`:
# a run stopped early and continued with --resume CKPT alone (from another
# working directory) ends on the uninterrupted run's checkpoint, tensors and
# metadata alike but for the clock; a flag given again with another value is
# a usage error naming both values, and the checkpoint is left as it was; a
# longer run (--epochs, --steps) is allowed; the log's elapsed time goes on
# from the checkpoint's and never goes back; the summary tells the steps in
# all and in this run; no checkpoint keeps an absolute path, and a data
# folder kept by name only must be given again.
# usage: resume_flags.sh (HUE_BIN, HUE_DATA, HUE_SOURCE from ctest)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../check.sh"
hue=${HUE_BIN:?HUE_BIN is not set}
src=${HUE_SOURCE:-$here/../..}
data=${HUE_DATA:-$src/../shared/data}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-resumeflags-XXXXXX")
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
same() { /usr/bin/python3 "$here/same_checkpoint.py" "$@"; }

# meta.py FILE KEY: one metadata entry of a checkpoint
cat >"$tmp/meta.py" <<'PY'
import json, struct, sys
f = open(sys.argv[1], "rb")
n = struct.unpack("<Q", f.read(8))[0]
print(json.loads(f.read(n))["__metadata__"].get(sys.argv[2], ""))
PY
meta() { /usr/bin/python3 "$tmp/meta.py" "$1" "$2"; }
# no_absolute_path FILE: no metadata value is, or holds, an absolute path of this machine
no_absolute_path() {
    /usr/bin/python3 - "$1" "$tmp" "$src" <<'PY'
import json, struct, sys
f = open(sys.argv[1], "rb")
n = struct.unpack("<Q", f.read(8))[0]
meta = json.loads(f.read(n))["__metadata__"]
values = list(meta.values())
values += [v for v in json.loads(meta.get("flags", "{}")).values() if isinstance(v, str)]
bad = [v for v in values if v.startswith("/") or "/work/" in v or "/tmp/" in v or sys.argv[2] in v or
       sys.argv[3] in v]
assert not bad, bad
PY
}
# elapsed_grows LOG CKPT_ELAPSED STEP: the log's elapsed_s never goes back,
# and after step STEP it is past the checkpoint's CKPT_ELAPSED
elapsed_grows() {
    /usr/bin/python3 - "$@" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
t = [r["elapsed_s"] for r in rows]
assert all(a <= b for a, b in zip(t, t[1:])), t
after = [r["elapsed_s"] for r in rows if r["step"] > int(sys.argv[3])]
assert after and after[0] >= float(sys.argv[2]), (after, sys.argv[2])
PY
}
# summary_says JSON STEPS RUN_STEPS: --json's steps in all and in this run
summary_says() {
    /usr/bin/python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert (d['steps'], d['run_steps']) == (int(sys.argv[2]), int(sys.argv[3])), d
assert d['seconds'] >= d['run_seconds'] > 0, d" "$@"
}

# 6 CIFAR-10 training images of each class: 5 steps of 12 per epoch, 2 epochs
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$tmp" --wildcards 'train/*/000[0-5].jpg' || exit 1
mkdir -p "$tmp/whole" "$tmp/cut" "$tmp/elsewhere"
pre=(pretrain --method supervised --data "$tmp/train" --width 0.125 --size 16 --batch 12 --epochs 2 --lr 0.05
     --seed 3 --save-every 2 --quiet)

echo "== pretrain"
"$hue" "${pre[@]}" --out "$tmp/whole/run.ckpt" --log "$tmp/whole/run.jsonl" >/dev/null
rc=$?
check "pretrain: uninterrupted run: exit 0" test $rc -eq 0
check "pretrain: an absolute --data is kept relative to the checkpoint" test "$(meta "$tmp/whole/run.ckpt" data)" = ../train
check "pretrain: no absolute path in the metadata" no_absolute_path "$tmp/whole/run.ckpt"
"$hue" "${pre[@]}" --max-steps 3 --out "$tmp/cut/run.ckpt" --log "$tmp/cut/run.jsonl" >/dev/null
check "pretrain: stopped after 3 steps (a checkpoint of step 3)" test "$(meta "$tmp/cut/run.ckpt" step)" = 3
cp "$tmp/cut/run.ckpt" "$tmp/cut.keep"
held=$(meta "$tmp/cut/run.ckpt" elapsed_s)

# another value: refused before anything is written, naming both values
(cd "$tmp/elsewhere" && "$hue" pretrain --resume ../cut/run.ckpt --lr 0.1 --quiet 2>"$tmp/err.txt")
rc=$?
check "pretrain: --lr 0.1 on resume: exit 2 (got $rc)" test $rc -eq 2
check "pretrain: names both values ($(cat "$tmp/err.txt"))" \
    contains "$tmp/err.txt" "hue pretrain: --lr 0.1 differs from the checkpoint's 0.05 (../cut/run.ckpt)"
check "pretrain: one line" test "$(wc -l <"$tmp/err.txt")" -eq 1
check "pretrain: the checkpoint is untouched" cmp -s "$tmp/cut/run.ckpt" "$tmp/cut.keep"
(cd "$tmp/elsewhere" && "$hue" pretrain --resume ../cut/run.ckpt --method rotation --quiet 2>"$tmp/err.txt")
rc=$?
check "pretrain: another --method: exit 2" test $rc -eq 2
check "pretrain: another --method: says so" contains "$tmp/err.txt" "--method rotation differs from the checkpoint's supervised"
(cd "$tmp/elsewhere" && "$hue" pretrain --resume ../cut/run.ckpt --no-augment --quiet 2>"$tmp/err.txt")
rc=$?
check "pretrain: a switch the run had not: exit 2 ($(cat "$tmp/err.txt"))" test $rc -eq 2

# --resume alone, from another folder: the flags, the data and the log come back
(cd "$tmp/elsewhere" && "$hue" pretrain --resume ../cut/run.ckpt --quiet --json >"$tmp/summary.json")
rc=$?
check "pretrain: --resume alone: exit 0" test $rc -eq 0
check "pretrain: the summary counts 10 steps, 7 in this run" summary_says "$tmp/summary.json" 10 7
check "pretrain: the uninterrupted run's checkpoint" same "$tmp/whole/run.ckpt" "$tmp/cut/run.ckpt"
check "pretrain: the uninterrupted run's losses" /usr/bin/python3 -c "
import json, sys
a, b = ([(r['step'], r['loss']) for r in map(json.loads, open(p))] for p in sys.argv[1:])
assert a == b and len(a) == 10, (a, b)" "$tmp/whole/run.jsonl" "$tmp/cut/run.jsonl"
check "pretrain: elapsed time goes on from the checkpoint's $held s" elapsed_grows "$tmp/cut/run.jsonl" "$held" 3
check "pretrain: the checkpoint's clock is past the log's" /usr/bin/python3 -c "
import json, sys
assert float(sys.argv[2]) >= [json.loads(l) for l in open(sys.argv[1])][-1]['elapsed_s']" \
    "$tmp/cut/run.jsonl" "$(meta "$tmp/cut/run.ckpt" elapsed_s)"

# a longer run is allowed: 3 epochs
"$hue" pretrain --resume "$tmp/cut/run.ckpt" --epochs 3 --quiet >"$tmp/out.txt"
rc=$?
check "pretrain: --epochs 3 on resume: exit 0" test $rc -eq 0
check "pretrain: the summary says 15 steps in all, 5 in this run ($(cat "$tmp/out.txt"))" \
    contains "$tmp/out.txt" "trained 15 steps in .* s in all, 5 of them in this run"
check "pretrain: the log goes on to step 15" test "$(tail -n 1 "$tmp/cut/run.jsonl" | sed 's/{"step": \([0-9]*\),.*/\1/')" = 15
check "pretrain: the checkpoint says 3 epochs" contains <(meta "$tmp/cut/run.ckpt" flags) '"epochs": "3"'
"$hue" pretrain --resume "$tmp/cut/run.ckpt" --epochs 2 --quiet 2>"$tmp/err.txt"
rc=$?
check "pretrain: fewer epochs than done: exit 1 ($(cat "$tmp/err.txt"))" test $rc -eq 1

echo "== train-video"
clips=$src/samples/davis/videos
vid=(train-video --width 0.125 --size 64 --batch 4 --steps 30 --save-every 4 --seed 4 --quiet)
"$hue" "${vid[@]}" --clips "$clips" --out "$tmp/whole/video.ckpt" --log "$tmp/whole/video.jsonl"
rc=$?
check "train-video: uninterrupted run: exit 0" test $rc -eq 0
# the clips lie under the source tree, the checkpoint under $tmp: only the folder's name is kept
check "train-video: the clips kept by name only" test "$(meta "$tmp/whole/video.ckpt" clips)" = videos
check "train-video: no absolute path in the metadata" no_absolute_path "$tmp/whole/video.ckpt"
"$hue" "${vid[@]}" --clips "$clips" --out "$tmp/cut/video.ckpt" --log "$tmp/cut/video.jsonl" &
pid=$!
while kill -0 $pid 2>/dev/null; do
    [ "$(cat "$tmp/cut/video.jsonl" 2>/dev/null | wc -l)" -ge 6 ] && { kill -9 $pid; break; }
    sleep 0.02
done
wait $pid
status=$?
pid=
check "train-video: killed after a checkpoint (status $status)" test $status -eq 137
held=$(meta "$tmp/cut/video.ckpt" elapsed_s)
step=$(meta "$tmp/cut/video.ckpt" step)
"$hue" train-video --resume "$tmp/cut/video.ckpt" 2>"$tmp/err.txt"
rc=$?
check "train-video: clips kept by name only, not given: exit 1" test $rc -eq 1
check "train-video: says to give --clips ($(cat "$tmp/err.txt"))" contains "$tmp/err.txt" "give --clips with its place"
"$hue" train-video --resume "$tmp/cut/video.ckpt" --clips "$clips" --size 32 2>"$tmp/err.txt"
rc=$?
check "train-video: --size 32 on resume: exit 2" test $rc -eq 2
check "train-video: names both values ($(cat "$tmp/err.txt"))" \
    contains "$tmp/err.txt" "hue train-video: --size 32 differs from the checkpoint's 64 ("
"$hue" pretrain --resume "$tmp/cut/video.ckpt" 2>"$tmp/err.txt"
rc=$?
check "pretrain --resume of a train-video checkpoint: exit 2 ($(cat "$tmp/err.txt"))" test $rc -eq 2
"$hue" train-video --resume "$tmp/cut/video.ckpt" --clips "$clips" --size 64 --batch 4 --quiet --json >"$tmp/summary.json"
rc=$?
check "train-video: --resume with the clips' place (and flags of the same value): exit 0" test $rc -eq 0
check "train-video: the summary counts 30 steps, $((30 - step)) in this run" \
    summary_says "$tmp/summary.json" 30 $((30 - step))
check "train-video: the uninterrupted run's checkpoint" same "$tmp/whole/video.ckpt" "$tmp/cut/video.ckpt"
check "train-video: the uninterrupted run's losses, each step once" /usr/bin/python3 -c "
import json, sys
a, b = ([(r['step'], r['loss']) for r in map(json.loads, open(p))] for p in sys.argv[1:])
assert a == b and len(a) == 30, (a, b)" "$tmp/whole/video.jsonl" "$tmp/cut/video.jsonl"
check "train-video: elapsed time goes on from the checkpoint's $held s" \
    elapsed_grows "$tmp/cut/video.jsonl" "$held" "$step"
"$hue" train-video --resume "$tmp/cut/video.ckpt" --clips "$clips" --steps 34 --quiet --json >"$tmp/summary.json"
check "train-video: --steps 34 on resume: 34 steps, 4 in this run" summary_says "$tmp/summary.json" 34 4

# a value kept as a switch, or a switch kept with a value, would make the
# next flag its value: refused with one line naming the flag, nothing written
odd_flag() {
    local name=$1 value=$2 said=$3
    /usr/bin/python3 "$here/edit_flags.py" "$tmp/cut/video.ckpt" "$tmp/odd.ckpt" "flag:$name=$value"
    "$hue" train-video --resume "$tmp/odd.ckpt" --clips "$clips" --steps 40 --out "$tmp/odd2.ckpt" 2>"$tmp/err.txt"
    local rc=$?
    check "train-video: $name kept as $value: exit 1" test $rc -eq 1
    check "train-video: $name kept as $value: says so ($(cat "$tmp/err.txt"))" contains "$tmp/err.txt" "$said"
    check "train-video: $name kept as $value: one line" test "$(wc -l <"$tmp/err.txt")" -eq 1
    check "train-video: $name kept as $value: nothing written" test ! -e "$tmp/odd2.ckpt"
}
odd_flag zoom true \
    "flag 'zoom' in its metadata is a switch, and the switches its checkpoints keep are only hflip sync-bn keep-checkpoints"
odd_flag hflip '"1"' "flag 'hflip' in its metadata has a value, but --hflip is a switch"
odd_flag lr 0.5 "flag 'lr' in its metadata is neither text nor a switch"

# flags that keep the command alone (an edited checkpoint): the run's own
# flags cannot be rebuilt from them, even with --clips given again
/usr/bin/python3 "$here/edit_flags.py" "$tmp/cut/video.ckpt" "$tmp/bare.ckpt" 'flags={"command": "train-video"}'
"$hue" train-video --resume "$tmp/bare.ckpt" --clips "$clips" --out "$tmp/bare2.ckpt" 2>"$tmp/err.txt"
rc=$?
check "train-video: flags with the command alone: exit 1 ($(cat "$tmp/err.txt"))" test $rc -eq 1
check "train-video: flags with the command alone: says which are missing" \
    contains "$tmp/err.txt" "--clips is required, and .*bare.ckpt does not keep it"
check "train-video: flags with the command alone: nothing written" test ! -e "$tmp/bare2.ckpt"

echo "== the shipped model"
check "hue-video.ckpt: no absolute path in its metadata" no_absolute_path "$src/samples/model/hue-video.ckpt"
check_summary
