#!/usr/bin/env bash
# Issue 11's quality table: every pretext method trained on CIFAR-10's train
# split for the same number of images (EPOCHS epochs of 50,000), then its
# trunk measured on the test split by hue eval knn (k=200, T=0.1) and hue
# eval linear, next to a random-init trunk of the same architecture and the
# supervised baseline at the same budget. ResNet-18 with the CIFAR stem at
# WIDTH, batch BATCH, seed 0, each method's default flags, on the CPU
# backend. tests/bench/contrastive_quality.sh runs the same for the
# contrastive methods.
#
# Resumable: each run checkpoints every epoch into OUT/<method>.ckpt and a
# second call continues unfinished runs (--resume) and skips finished ones,
# so the table can be built over several sessions. Writes OUT/table.md and
# OUT/results.jsonl, and prints the table.
#
# HOLDOUT=1 chooses settings without touching the test split: it trains on
# 45,000 train images and measures on the other 5,000 (the last tenth of
# each class, hard links in OUT/cifar10-holdout). FLAGS adds pretrain flags
# to every run (say FLAGS='--key-momentum 0.99'); give each setting its own
# OUT, as the checkpoints are named by method.
#
# usage: tests/bench/pretext_quality.sh [train|eval|all] [METHOD...]
#   OUT=bench-out/pretext (default), EPOCHS=5, WIDTH=0.25, BATCH=128, THREADS=2,
#   HOLDOUT=0, FLAGS, HUE_BIN, HUE_DATA
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
hue=${HUE_BIN:-$here/build/apps/hue}
data=${HUE_DATA:-$here/../shared/data}
out=${OUT:-$here/bench-out/pretext}
epochs=${EPOCHS:-5}
width=${WIDTH:-0.25}
batch=${BATCH:-128}
threads=${THREADS:-2}
phase=${1:-all}
shift || true
methods=("$@")
[ ${#methods[@]} -gt 0 ] || methods=(random supervised rotation patch jigsaw inpaint colorize splitbrain)
mkdir -p "$out"
cifar=$out/cifar10
if [ ! -d "$cifar/train" ]; then
    mkdir -p "$cifar"
    tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$cifar"
fi
if [ "${HOLDOUT:-0}" = 1 ]; then
    held=$out/cifar10-holdout
    if [ ! -d "$held" ]; then
        rm -rf "$held.part"
        for dir in "$cifar"/train/*/; do
            class=$(basename "$dir")
            files=("$dir"*.jpg)
            keep=$((${#files[@]} - ${#files[@]} / 10))
            mkdir -p "$held.part/train/$class" "$held.part/test/$class"
            ln "${files[@]:0:keep}" "$held.part/train/$class/"
            ln "${files[@]:keep}" "$held.part/test/$class/"
        done
        mv "$held.part" "$held"  # a folder that exists is complete
    fi
    cifar=$held
fi
images=$(find "$cifar/train" -name '*.jpg' | wc -l)
read -r -a extra <<<"${FLAGS:-}"
common=(--data "$cifar" --width "$width" --batch "$batch" --epochs "$epochs" --seed 0 --threads "$threads" --backend cpu)

# the step a checkpoint holds (0 when there is none)
step_of() {
    [ -f "$1" ] || { echo 0; return; }
    /usr/bin/python3 -c '
import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]
print(json.loads(f.read(n))["__metadata__"]["step"])' "$1"
}

train() {
    local m=$1 ckpt=$out/$1.ckpt
    if [ "$m" = random ]; then
        # the untrained trunk: one step at learning rate 0 writes it with its initialisation
        [ -f "$ckpt" ] || "$hue" pretrain --method supervised "${common[@]}" --lr 0 --max-steps 1 --out "$ckpt" --quiet
        return
    fi
    local total=$((images / batch * epochs)) have
    have=$(step_of "$ckpt")
    if [ "$have" -ge "$total" ]; then
        echo "$m: trained ($have steps)"
        return
    fi
    # a run killed before its first checkpoint left only a log: start it again
    local resume=(--force)
    [ "$have" -gt 0 ] && resume=(--resume "$ckpt")
    echo "$m: training from step $have to $total"
    "$hue" pretrain --method "$m" "${common[@]}" "${extra[@]}" "${resume[@]}" --out "$ckpt" --log "$out/$m.jsonl" --quiet
}

evaluate() {
    local m=$1 ckpt=$out/$1.ckpt
    [ -f "$ckpt" ] || { echo "$m: no checkpoint"; return; }
    local knn linear
    knn=$("$hue" eval knn --model "$ckpt" --data "$cifar" --json --backend cpu)
    linear=$("$hue" eval linear --model "$ckpt" --data "$cifar" --json --backend cpu)
    /usr/bin/python3 - "$m" "$(step_of "$ckpt")" "$knn" "$linear" "$out/$m.jsonl" >>"$out/results.jsonl" <<'PY'
import json, os, sys
m, step, knn, linear, log = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5]
seconds = quiet = None
if os.path.exists(log):
    lines = [l for l in (json.loads(t) for t in open(log) if t.strip()) if l.get("elapsed_s") is not None]
    # a resumed run's clock starts again: add each segment's last time
    seconds, last = 0.0, 0.0
    for l in lines:
        e = l["elapsed_s"]
        if e < last:
            seconds += last
        last = e
    seconds += last
    # the wall time counts pauses and other work beside the run; the steps
    # times the median step time leaves them out (on a shared machine, the
    # figure to compare)
    gaps = sorted(b["elapsed_s"] - a["elapsed_s"] for a, b in zip(lines, lines[1:])
                  if b["step"] == a["step"] + 1 and b["elapsed_s"] > a["elapsed_s"])
    if gaps:
        quiet = step * gaps[len(gaps) // 2]
print(json.dumps({"method": m, "steps": step, "knn_top1": knn["top1"], "linear_top1": linear["top1"],
                  "train_s": seconds, "train_quiet_s": quiet}))
PY
}

for m in "${methods[@]}"; do
    case $phase in
    train) train "$m" ;;
    eval) evaluate "$m" ;;
    all) train "$m"; evaluate "$m" ;;
    *) echo "usage: $0 [train|eval|all] [METHOD...]" >&2; exit 2 ;;
    esac
done

split=""
[ "${HOLDOUT:-0}" = 1 ] && split=", held-out split (trained on $images train images, measured on the rest)"
[ -f "$out/results.jsonl" ] && /usr/bin/python3 - "$out/results.jsonl" "$epochs" "$width" "$batch" "$images" "$split" \
    "${FLAGS:+, flags $FLAGS}" >"$out/table.md" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows[r["method"]] = r  # the latest measurement of each method
random = rows.get("random", {}).get("knn_top1")
print("CIFAR-10%s, ResNet-18 (CIFAR stem) width %s, %s epochs of %s images, batch %s, CPU backend%s\n"
      % (sys.argv[6], sys.argv[3], sys.argv[2], format(int(sys.argv[5]), ","), sys.argv[4], sys.argv[7]))
print("| method | steps | kNN top-1 | vs random | linear top-1 | training time (wall) | steps x median step time |")
print("|---|---|---|---|---|---|---|")
for m in ["random", "supervised", "simclr", "moco", "mocov2", "cmc", "rotation", "patch", "jigsaw", "inpaint",
          "colorize", "splitbrain"]:
    if m not in rows:
        continue
    r = rows[m]
    d = "" if random is None or m == "random" else "%+.1f" % (100 * (r["knn_top1"] - random))
    t = "" if not r.get("train_s") else "%.0f min" % (r["train_s"] / 60)
    q = "" if not r.get("train_quiet_s") else "%.0f min" % (r["train_quiet_s"] / 60)
    print("| %s | %d | %.1f%% | %s | %.1f%% | %s | %s |" % (m, r["steps"], 100 * r["knn_top1"], d,
                                                          100 * r["linear_top1"], t, q))
PY
[ -f "$out/table.md" ] && cat "$out/table.md"
