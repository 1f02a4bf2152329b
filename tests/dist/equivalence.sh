#!/usr/bin/env bash
# hue pretrain under mpirun -np 2 against one process, on real CIFAR-10
# images (supervised, ResNet-18 width 0.125, CPU backend, batch 40 = 2 x 20):
# - with --sync-bn the per-step losses of 25 steps and the final weights
#   match the one-process run within float noise: the first 5 losses within
#   1e-4, all within 1e-2, the weights within 5e-3 (global relative L2). The
#   same run in one process on 1 thread and on 2 differs by as much (float
#   sums in another order, amplified by training), so that is the bound;
# - without --sync-bn (batch norm over each rank's 20 images) the first
#   loss already differs by more than 1e-3: the check sees batch norm;
# - a checkpoint of the 2-rank run resumes in one process and one of a
#   single process resumes under mpirun, each to the uninterrupted losses;
# - rank 0 alone writes the log (one line per step);
# - a rank that fails stops the group with its message; a batch that does
#   not split is refused with one line;
# - methods that compare samples: SimCLR (negatives gathered from both
#   ranks) and split-brain (a loss weighted per pixel) give the one-process
#   losses with --sync-bn; MoCo v2 trains as a group, and refuses --sync-bn;
# - train-video (colourisation and crw) splits its samples the same way;
#   the commands that do not run as a group refuse mpirun.
# usage: equivalence.sh (HUE_BIN, HUE_DATA, HUE_MPIRUN from ctest)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../check.sh"
hue=${HUE_BIN:?HUE_BIN is not set}
data=${HUE_DATA:-$here/../../../shared/data}
mpirun=${HUE_MPIRUN:-mpirun}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-dist-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# root in CI containers; two ranks on however many cores there are
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export HUE_THREADS=1
group() { "$mpirun" -np 2 "$@"; }

# 20 training images of each class: 5 steps of 40 per epoch; 4 test images each
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$tmp" --wildcards 'train/*/00[01][0-9].jpg' 'test/*/000[0-3].jpg' ||
    exit 1
common=(pretrain --method supervised --data "$tmp" --width 0.125 --batch 40 --epochs 5 --lr 0.003 --seed 3
        --backend cpu --threads 1 --quiet)

"$hue" "${common[@]}" --out "$tmp/one.ckpt" --log "$tmp/one.jsonl" >/dev/null
check "one process trains" test $? -eq 0
group "$hue" "${common[@]}" --sync-bn --out "$tmp/two.ckpt" --log "$tmp/two.jsonl" >"$tmp/two.txt" 2>&1
check "two ranks train" test $? -eq 0
check "rank 0 alone reports" test "$(grep -c '^trained 25 steps' "$tmp/two.txt")" -eq 1
group "$hue" "${common[@]}" --out "$tmp/local.ckpt" --log "$tmp/local.jsonl" >/dev/null 2>&1
check "two ranks train without --sync-bn" test $? -eq 0

# losses: A B FIRST_BOUND ALL_BOUND [FROM_STEP]
compare_losses() {
    /usr/bin/python3 - "$@" <<'PY'
import json, sys
a, b = ([json.loads(l) for l in open(p) if '"loss"' in l] for p in sys.argv[1:3])
first, bound = float(sys.argv[3]), float(sys.argv[4])
start = int(sys.argv[5]) if len(sys.argv) > 5 else 1
la = {x["step"]: x["loss"] for x in a}
lb = {x["step"]: x["loss"] for x in b}
steps = [s for s in sorted(lb) if s >= start]
assert len(la) == 25 and steps == list(range(start, 26)), (sorted(la), steps)
worst = [abs(la[s] - lb[s]) for s in steps]
print("largest loss difference %.2e (first five %.2e)" % (max(worst), max(worst[:5])))
assert max(worst[:5]) <= first and max(worst) <= bound, worst
PY
}
check "2 ranks with --sync-bn: the one-process losses" compare_losses "$tmp/one.jsonl" "$tmp/two.jsonl" 1e-4 1e-2
check "rank 0 alone wrote the log" test "$(grep -c '"loss"' "$tmp/two.jsonl")" -eq 25
check "without --sync-bn the first loss differs" /usr/bin/python3 - "$tmp/one.jsonl" "$tmp/local.jsonl" <<'PY'
import json, sys
a, b = ([json.loads(l)["loss"] for l in open(p) if '"loss"' in l] for p in sys.argv[1:3])
assert abs(a[0] - b[0]) > 1e-3, (a[0], b[0])
PY
check "2 ranks with --sync-bn: the one-process weights" /usr/bin/python3 - "$tmp/one.ckpt" "$tmp/two.ckpt" <<'PY'
import array, json, math, struct, sys
def load(path):
    f = open(path, "rb"); n = struct.unpack("<Q", f.read(8))[0]; head = json.loads(f.read(n)); body = f.read()
    out = {}
    for k, v in head.items():
        if k == "__metadata__" or k.startswith("optimizer.") or "running" in k or "num_batches" in k:
            continue
        a, b = v["data_offsets"]
        out[k] = array.array("f", body[a:b])
    return out
A, B = load(sys.argv[1]), load(sys.argv[2])
assert A.keys() == B.keys()
diff = math.sqrt(sum((x - y) ** 2 for k in A for x, y in zip(A[k], B[k])))
norm = math.sqrt(sum(x * x for k in A for x in A[k]))
print("weights: relative difference %.2e" % (diff / norm))
assert diff / norm <= 5e-3
PY

# across rank counts: 12 steps on one side, the rest on the other
group "$hue" "${common[@]}" --sync-bn --max-steps 12 --out "$tmp/a.ckpt" --log "$tmp/a.jsonl" >/dev/null 2>&1
"$hue" "${common[@]}" --resume "$tmp/a.ckpt" --out "$tmp/a.ckpt" --log "$tmp/a.jsonl" >/dev/null
check "a 2-rank checkpoint resumes in one process" test $? -eq 0
check "... to the uninterrupted losses" compare_losses "$tmp/one.jsonl" "$tmp/a.jsonl" 1e-2 1e-2 13
"$hue" "${common[@]}" --max-steps 12 --out "$tmp/b.ckpt" --log "$tmp/b.jsonl" >/dev/null
group "$hue" "${common[@]}" --sync-bn --resume "$tmp/b.ckpt" --out "$tmp/b.ckpt" --log "$tmp/b.jsonl" >/dev/null 2>&1
check "a one-process checkpoint resumes under mpirun" test $? -eq 0
check "... to the uninterrupted losses" compare_losses "$tmp/one.jsonl" "$tmp/b.jsonl" 1e-2 1e-2 13

# a rank that fails (a bad HUE_THREADS on rank 1 only) stops the group
timeout 120 "$mpirun" -np 1 "$hue" "${common[@]}" --out "$tmp/c.ckpt" : \
    -np 1 -x HUE_THREADS=zero "$hue" "${common[@]}" --out "$tmp/c.ckpt" >"$tmp/c.txt" 2>&1
rc=$?
check "a failing rank stops the group (exit $rc, not a hang)" test $rc -ne 0 -a $rc -ne 124
check "... with its message" contains "$tmp/c.txt" "HUE_THREADS='zero'"
group "$hue" "${common[@]}" --batch 41 --out "$tmp/d.ckpt" >"$tmp/d.txt" 2>&1
check "a batch that does not split is refused" test $? -ne 0
check "... naming the flag" contains "$tmp/d.txt" "--batch 41: does not split into 2 equal parts"
check "nothing was written by the refused run" test ! -e "$tmp/d.ckpt"

# first five losses: A B FIRST_BOUND REST_BOUND
early_losses() {
    /usr/bin/python3 - "$@" <<'PY'
import json, sys
one, two = ([json.loads(l)["loss"] for l in open(p) if '"loss"' in l] for p in sys.argv[1:3])
assert len(one) == len(two) >= 3, (one, two)
d = [abs(a - b) for a, b in zip(one, two)][:5]
print("losses differ by %s" % " ".join("%.1e" % x for x in d))
assert d[0] <= float(sys.argv[3]) and max(d) <= float(sys.argv[4]), (one, two)
PY
}
short=(--data "$tmp" --width 0.125 --batch 40 --epochs 1 --seed 3 --backend cpu --threads 1 --quiet)
for m in simclr splitbrain; do
    "$hue" pretrain --method $m "${short[@]}" --out "$tmp/$m-1.ckpt" --log "$tmp/$m-1.jsonl" >/dev/null
    group "$hue" pretrain --method $m "${short[@]}" --sync-bn --out "$tmp/$m-2.ckpt" --log "$tmp/$m-2.jsonl" \
        >/dev/null 2>&1
    check "$m: 2 ranks with --sync-bn give the one-process losses" early_losses "$tmp/$m-1.jsonl" \
        "$tmp/$m-2.jsonl" 1e-5 1e-3
done
group "$hue" pretrain --method mocov2 "${short[@]}" --queue 80 --bn-groups 2 --out "$tmp/m.ckpt" \
    --log "$tmp/m.jsonl" >/dev/null 2>&1
check "mocov2 trains under mpirun" test "$(grep -c '"loss"' "$tmp/m.jsonl")" -eq 5
group "$hue" pretrain --method mocov2 "${short[@]}" --queue 80 --bn-groups 2 --sync-bn --out "$tmp/e.ckpt" \
    >"$tmp/e.txt" 2>&1
check "mocov2 refuses --sync-bn" test $? -ne 0
check "... saying why" contains "$tmp/e.txt" "--sync-bn: moco takes batch-norm statistics per group"
check "... and writes nothing" test ! -e "$tmp/e.ckpt"

# train-video (colourisation) the same way: 8 steps of 4 samples on the
# bundled clip; the first loss equal, the next two within 1e-3 (Adam's early
# steps amplify float noise faster than SGD's), and not without --sync-bn
video=(train-video --clips "$HUE_SOURCE/samples/davis/videos" --size 64 --batch 4 --steps 8 --seed 2
       --backend cpu --quiet)
"$hue" "${video[@]}" --out "$tmp/v1.ckpt" --log "$tmp/v1.jsonl" >/dev/null
group "$hue" "${video[@]}" --sync-bn --out "$tmp/v2.ckpt" --log "$tmp/v2.jsonl" >/dev/null 2>&1
check "train-video under mpirun trains" test $? -eq 0
group "$hue" "${video[@]}" --out "$tmp/v3.ckpt" --log "$tmp/v3.jsonl" >/dev/null 2>&1
check "train-video: 2 ranks with --sync-bn give the one-process losses" /usr/bin/python3 - "$tmp/v1.jsonl" \
    "$tmp/v2.jsonl" "$tmp/v3.jsonl" <<'PY'
import json, sys
one, two, local = ([json.loads(l)["loss"] for l in open(p) if '"loss"' in l] for p in sys.argv[1:4])
assert len(one) == len(two) == 8, (one, two)
assert abs(one[0] - two[0]) <= 1e-5 and max(abs(a - b) for a, b in zip(one[:3], two[:3])) <= 1e-3, (one, two)
assert abs(one[0] - local[0]) > 1e-3, (one[0], local[0])
PY
# crw (each walk home to a moved crop, so each rank's targets are its own samples'):
# three steps, as for colourisation: Adam grows the float noise of the
# first step (1e-6) about tenfold a step, past 1e-2 by the fifth on some draws
crw=(train-video --method crw --clips "$HUE_SOURCE/samples/davis/videos" --size 64 --batch 4 --steps 3 --seed 2
     --return-shift 2 --backend cpu --quiet)
"$hue" "${crw[@]}" --out "$tmp/w1.ckpt" --log "$tmp/w1.jsonl" >/dev/null
group "$hue" "${crw[@]}" --sync-bn --out "$tmp/w2.ckpt" --log "$tmp/w2.jsonl" >/dev/null 2>&1
check "train-video --method crw: 2 ranks with --sync-bn give the one-process losses (edge dropout, moved home crops)" \
    early_losses "$tmp/w1.jsonl" "$tmp/w2.jsonl" 1e-5 1e-2
group "$hue" probe "$tmp" >"$tmp/t.txt" 2>&1
check "probe refuses to run as a group" test $? -ne 0
check "... saying so" contains "$tmp/t.txt" "hue probe: runs in one process"
check_summary
