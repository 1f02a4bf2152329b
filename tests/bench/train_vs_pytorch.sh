#!/usr/bin/env bash
# Training speed and memory of hue against PyTorch, measured in the same run:
# the same step on both sides (torchvision's resnet18 with 10 classes,
# ImageNet stem, random 64x64 images, batch 64, cross-entropy, SGD lr 0.1,
# momentum 0.9, weight decay 1e-4), 2 warm-up steps, then the median of STEPS
# timed steps. PyTorch is Debian's python3-torch (/usr/bin/python3; the pyenv
# python3 on PATH has no torch) on 2 threads. The two alternate ROUNDS times
# so that load changes hit both alike; the script prints every round, then
# the ratio of the best images/s of each (target on lavapipe: >= 0.12) and of
# the least CPU time per image (user + system of every thread). Best of
# rounds, because other work on a shared machine only ever slows a side
# down, and PyTorch's two OpenMP threads slow down about tenfold when a core
# is taken (they spin at every barrier): a median ratio mostly measures the
# load.
#
# Memory: hue's peak_bytes is the graph's planned device memory (parameters,
# momentum, activations, gradients; on lavapipe this is host memory);
# PyTorch's is the growth of the process's peak resident set (getrusage
# ru_maxrss) from just after `import torch` to after the last step: model,
# optimizer state, autograd's saved tensors, gradients and oneDNN's scratch.
# hue's rss_bytes is the same measure for the hue process (from before the
# Vulkan device is opened: it also holds lavapipe's compiled shaders).
#
# usage: tests/bench/train_vs_pytorch.sh [HUE_BIN]
#   HUE_BIN defaults to $HUE_BIN or build/apps/hue. ROUNDS=3, STEPS=5 and
#   EXTRA="--width 0.5" (more hue bench train flags, e.g. for a quick look;
#   the PyTorch side follows --width, --batch and --size) in the environment.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
hue=${1:-${HUE_BIN:-$here/build/apps/hue}}
rounds=${ROUNDS:-3}
steps=${STEPS:-5}
extra=${EXTRA:-}
py=/usr/bin/python3
[ -x "$hue" ] || { echo "train_vs_pytorch: $hue is not an executable" >&2; exit 1; }
"$py" -c 'import torch, torchvision' 2>/dev/null ||
    { echo "train_vs_pytorch: $py lacks torch or torchvision (python3-torch, python3-torchvision)" >&2; exit 1; }

width=1 batch=64 size=64
set -- $extra
while [ $# -gt 0 ]; do
    case $1 in
    --width) width=$2; shift ;;
    --batch) batch=$2; shift ;;
    --size) size=$2; shift ;;
    esac
    shift
done

torch_step() {
    "$py" - "$width" "$batch" "$size" "$steps" <<'EOF'
import json, resource, sys, time

def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

import torch, torchvision
from torchvision.models.resnet import BasicBlock

width, batch, size, steps = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(2)
rss0 = rss()
model = torchvision.models.resnet18(num_classes=10)
if width != 1:  # every width scaled as hue's --width: torchvision's layers rebuilt narrower
    base = max(1, round(64 * width))
    planes = [base, base * 2, base * 4, base * 8]
    model.conv1 = torch.nn.Conv2d(3, base, 7, 2, 3, bias=False)
    model.bn1 = torch.nn.BatchNorm2d(base)
    model.inplanes = base
    for i, p in enumerate(planes):
        setattr(model, "layer%d" % (i + 1), model._make_layer(BasicBlock, p, 2, stride=1 if i == 0 else 2))
    model.fc = torch.nn.Linear(planes[-1], 10)
model.train()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
g = torch.Generator().manual_seed(12345)
x = torch.rand(batch, 3, size, size, generator=g) * 2 - 1
y = torch.arange(batch) % 10
times, warm = [], 2
for k in range(warm + steps):
    if k == warm:
        cpu0 = cpu()
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    loss.item()
    times.append(time.perf_counter() - t0)
cpu_per_image = (cpu() - cpu0) / (steps * batch)
med = sorted(times[warm:])[steps // 2]
print(json.dumps({"images_per_s": batch / med, "median_step_s": med, "cpu_s_per_image": cpu_per_image,
                  "peak_bytes": rss() - rss0, "torch": torch.__version__, "threads": torch.get_num_threads()}))
EOF
}

field() { sed -n "s/.*\"$1\": \([-0-9.e+]*\).*/\1/p"; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" \
    "(other work on the machine skews both figures)"
echo "step: resnet18 (ImageNet stem) width $width, ${size}x${size}, batch $batch, 10 classes, SGD momentum;" \
    "$steps timed steps"
printf '%-6s %12s %12s %9s %13s %13s %9s %12s %12s %12s\n' round hue_img_s torch_img_s ratio hue_cpu_s/img \
    torch_cpu_s/img cpu_ratio hue_peak_MiB hue_rss_MiB torch_rss_MiB
best_h=0 best_t=0 cpu_h=1e9 cpu_t=1e9 peak_h=0 rss_h=0 peak_t=0
for r in $(seq "$rounds"); do
    h=$("$hue" bench train --json --steps "$steps" $extra)
    t=$(torch_step)
    hi=$(echo "$h" | field images_per_s) ti=$(echo "$t" | field images_per_s)
    hc=$(echo "$h" | field cpu_s_per_image) tc=$(echo "$t" | field cpu_s_per_image)
    hp=$(echo "$h" | field peak_bytes) hr=$(echo "$h" | field rss_bytes) tp=$(echo "$t" | field peak_bytes)
    ratio=$(awk -v a="$hi" -v b="$ti" 'BEGIN { printf "%.3f", a / b }')
    cratio=$(awk -v a="$hc" -v b="$tc" 'BEGIN { printf "%.3f", b / a }')
    read -r best_h best_t cpu_h cpu_t peak_h rss_h peak_t < <(echo "$best_h $hi $best_t $ti $cpu_h $hc $cpu_t $tc" \
        "$peak_h $hp $rss_h $hr $peak_t $tp" | awk '{ printf "%s %s %s %s %s %s %s\n", ($2 > $1 ? $2 : $1),
        ($4 > $3 ? $4 : $3), ($6 < $5 ? $6 : $5), ($8 < $7 ? $8 : $7), ($10 > $9 ? $10 : $9),
        ($12 > $11 ? $12 : $11), ($14 > $13 ? $14 : $13) }')
    awk -v r="$r" -v hi="$hi" -v ti="$ti" -v ra="$ratio" -v hc="$hc" -v tc="$tc" -v cr="$cratio" -v hp="$hp" \
        -v hr="$hr" -v tp="$tp" 'BEGIN { printf "%-6s %12.2f %12.2f %9s %13.4f %13.4f %9s %12.1f %12.1f %12.1f\n",
        r, hi, ti, ra, hc, tc, cr, hp / 1048576, hr / 1048576, tp / 1048576 }'
done
awk -v bh="$best_h" -v bt="$best_t" -v ch="$cpu_h" -v ct="$cpu_t" -v n="$rounds" 'BEGIN {
    printf "best of %d rounds: hue %.2f images/s, PyTorch %.2f: ratio %.3f (target >= 0.12); least CPU time per",
        n, bh, bt, bh / bt
    printf " image: hue %.4f s, PyTorch %.4f s: ratio %.3f\n", ch, ct, ct / ch }'
awk -v a="$peak_h" -v r="$rss_h" -v b="$peak_t" 'BEGIN {
    printf "peak memory (largest of the rounds): hue graph %.1f MiB vs PyTorch resident-set growth %.1f MiB:", \
        a / 1048576, b / 1048576
    printf " %.2fx (target < 1); hue resident-set growth %.1f MiB: %.2fx\n", a / b, r / 1048576, r / b }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
