#!/usr/bin/env bash
# Issue 16, point 5: what data-parallel training costs. ResNet-18 (CIFAR
# stem, full width unless WIDTH is set) trained by hue pretrain --method
# supervised on CIFAR-10 for STEPS steps of BATCH images, in one process and
# under mpirun -np 2 (--sync-bn), on the CPU backend with THREADS threads per
# process. Prints each run's images/s (after its first step), the seconds
# per step spent in sums over the group and the megabytes each rank sends per
# step (the gradients: 4 bytes per parameter, once per step, plus the
# synchronised batch-norm statistics and the logged loss).
# On one machine the ranks share its cores: expect no speed-up there.
#
# usage: tests/bench/mpi_scaling.sh   (WIDTH=1, BATCH=64, STEPS=8, THREADS=1, OUT, HUE_BIN, HUE_DATA)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
hue=${HUE_BIN:-$here/build/apps/hue}
data=${HUE_DATA:-$here/../shared/data}
out=${OUT:-$here/bench-out/mpi}
width=${WIDTH:-1} batch=${BATCH:-64} steps=${STEPS:-8} threads=${THREADS:-1}
mkdir -p "$out"
cifar=$out/cifar10
[ -d "$cifar/train" ] || { mkdir -p "$cifar" && tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$cifar"; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export HUE_THREADS=$threads
common=(pretrain --method supervised --data "$cifar" --width "$width" --batch "$batch" --max-steps "$steps"
        --seed 0 --threads 2 --backend cpu --quiet --force)
"$hue" "${common[@]}" --out "$out/one.ckpt" --log "$out/one.jsonl" >/dev/null
mpirun -np 2 "$hue" "${common[@]}" --sync-bn --out "$out/two.ckpt" --log "$out/two.jsonl" >/dev/null
/usr/bin/python3 - "$out/one.jsonl" "$out/two.jsonl" "$batch" <<'PY'
import json, sys
batch = int(sys.argv[3])
rates = {}
for name, path in (("1 process", sys.argv[1]), ("2 ranks", sys.argv[2])):
    log = [json.loads(l) for l in open(path) if '"loss"' in l]
    seconds = log[-1]["elapsed_s"] - log[0]["elapsed_s"]
    rate = (len(log) - 1) * batch / seconds
    rates[name] = rate
    line = "%-9s %7.1f images/s" % (name, rate)
    if "allreduce_s" in log[-1]:
        s = sum(l["allreduce_s"] for l in log[1:]) / (len(log) - 1)
        line += ", %.3f s per step in sums over the group (%.0f%% of a step), %.1f MB sent per rank per step" % (
            s, 100 * s * rate / batch, log[-1]["allreduce_mb"])
    print(line)
print("2 ranks / 1 process: %.2f" % (rates["2 ranks"] / rates["1 process"]))
PY
