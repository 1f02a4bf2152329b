#!/usr/bin/env bash
# train-video on the trainer: a run killed with SIGKILL after a checkpoint
# and continued with --resume gives the same per-step losses as the run left
# alone, logs each step once, and ends with the same checkpoint byte for
# byte (the samples of a step depend only on the seed and the step, and the
# colour clusters come back from the checkpoint). METHOD colorize (the
# default) or crw (walks of 4 frames, edge dropout on: its mask comes from
# the step too), then any further train-video flags (--zoom, --hflip: each
# step's scales and mirrors come from the step as well).
# usage: video_resume.sh [METHOD [FLAG...]] (HUE_BIN, HUE_SOURCE from ctest)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../check.sh"
hue=${HUE_BIN:?HUE_BIN is not set}
src=${HUE_SOURCE:-$here/../..}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-videoresume-XXXXXX")
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
method=${1:-colorize}
shift || true
extra=("$@")
[ "$method" = crw ] && extra+=(--walk 4)
args=(train-video --method "$method" "${extra[@]}" --clips "$src/samples/davis/videos" --size 64 --batch 4
      --width 0.125 --steps 30 --save-every 5 --seed 4 --quiet)

"$hue" "${args[@]}" --out "$tmp/whole.ckpt" --log "$tmp/whole.jsonl"
check "uninterrupted run: exit 0" test $? -eq 0

# kill once the log passes step 12 (a checkpoint of step 10 is then on disk)
"$hue" "${args[@]}" --out "$tmp/cut.ckpt" --log "$tmp/cut.jsonl" &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
    [ "$(wc -l <"$tmp/cut.jsonl" 2>/dev/null || echo 0)" -ge 12 ] && { kill -9 "$pid"; break; }
    sleep 0.02
done
wait "$pid"
status=$?
pid=
check "the run was killed (status $status)" test "$status" -eq 137
"$hue" "${args[@]}" --out "$tmp/cut.ckpt" --log "$tmp/cut.jsonl" --resume "$tmp/cut.ckpt"
check "resumed run: exit 0" test $? -eq 0
check "same losses, each step once" /usr/bin/python3 - "$tmp/whole.jsonl" "$tmp/cut.jsonl" <<'PY'
import json, sys
a, b = ([json.loads(l) for l in open(p) if l.strip()] for p in sys.argv[1:3])
assert [r["step"] for r in b] == list(range(1, 31)), [r["step"] for r in b]
assert [r["loss"] for r in a] == [r["loss"] for r in b], ([r["loss"] for r in a], [r["loss"] for r in b])
PY
check "same final checkpoint" /usr/bin/python3 "$here/same_checkpoint.py" "$tmp/whole.ckpt" "$tmp/cut.ckpt" flags
check_summary
