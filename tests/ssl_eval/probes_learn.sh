#!/usr/bin/env bash
# The probes measure what a model learned: on a CIFAR-10 subset (100
# training and 50 test images per class, 32x32), a ResNet-18 of width 0.125
# trained for 3 epochs ('hue pretrain --method supervised', 93 steps on the
# CPU backend) must score at least MARGIN points (default 5) above a
# random-init one of the same architecture on the kNN classifier and on the
# linear probe, and the random-init one must score above chance (10%) on
# both, by at least 3 points (guessing exceeds 13% of 500 images with odds
# of about 1e-3). Measured here: trained 31.4% kNN and 34.4% linear,
# random-init (torchvision's initialisation) 21.6% and 24.6%.
# usage: probes_learn.sh PROBE_TOOL (HUE_BIN, HUE_DATA from ctest)
set -uo pipefail
tool=$1
here=$(cd "$(dirname "$0")" && pwd)
hue=${HUE_BIN:?HUE_BIN is not set}
data=${HUE_DATA:-$here/../../../shared/data}
margin=${MARGIN:-5}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-probelearn-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" --wildcards 'train/*/00[0-9]?.jpg' 'test/*/00[0-4]?.jpg' || exit 1

"$tool" random random.ckpt 0.125 0 || exit 1
"$hue" pretrain --method supervised --data . --width 0.125 --batch 32 --epochs 3 --lr 0.1 --out trained.ckpt \
    --quiet --backend cpu || exit 1

top1() {  # the top-1 percentage in a --json line
    sed -n 's/^{"top1": \([0-9.]*\),.*/\1/p' "$1" | awk '{ printf "%.1f", 100 * $1 }'
}
for m in random trained; do
    "$hue" eval knn --model $m.ckpt --data . --json --quiet >$m.knn || { cat $m.knn; exit 1; }
    "$hue" eval linear --model $m.ckpt --data . --json --quiet >$m.linear || { cat $m.linear; exit 1; }
done
fail=0
for probe in knn linear; do
    r=$(top1 random.$probe) t=$(top1 trained.$probe)
    [ -n "$r" ] && [ -n "$t" ] || { echo "FAIL: $probe: no top-1 in the JSON"; exit 1; }
    awk -v r="$r" -v t="$t" -v m="$margin" -v p="$probe" 'BEGIN {
        ok1 = t >= r + m; ok2 = r >= 13
        printf "%s: %s: trained %.1f%%, random-init %.1f%% (at least %g points apart)\n", ok1 ? "ok" : "FAIL", p, t, r, m
        printf "%s: %s: random-init %.1f%% above chance (10%%, bound 13%%)\n", ok2 ? "ok" : "FAIL", p, r
        exit !(ok1 && ok2) }' || fail=1
done
exit $fail
