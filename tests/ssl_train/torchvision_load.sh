#!/usr/bin/env bash
# Issue 4, checkpoints: torchvision loads hue's ResNet checkpoints with
# load_state_dict(strict=True) once the "optimizer." entries are split off,
# and its forward pass matches hue's (eval mode, logits within 1e-4 of
# max(|logit|, 1)). One checkpoint comes from a real 'hue pretrain' run (2
# steps on a CIFAR-10 subset: trained weights, running statistics, momentum
# buffers); the others from resnet_tool for ResNet-18 as torchvision builds
# it (1000 classes), ResNet-34, widths 0.125 to 1, the CIFAR stem and the
# dense stride-8 variant, with every batch-norm tensor moved off its
# initial value.
# usage: torchvision_load.sh RESNET_TOOL (HUE_BIN, HUE_DATA from ctest).
# Exit 77 (skipped) when /usr/bin/python3 lacks torch or torchvision.
set -euo pipefail
tool=$1
here=$(cd "$(dirname "$0")" && pwd)
hue=${HUE_BIN:?HUE_BIN is not set}
data=${HUE_DATA:-$here/../../../shared/data}
py=/usr/bin/python3
if ! "$py" -c 'import torch, torchvision' 2>/dev/null; then
    echo "skipped: $py lacks torch or torchvision (Debian: python3-torch python3-torchvision)"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-tv-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 8 training images of each CIFAR-10 class
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$tmp" --wildcards 'train/*/000[0-7].jpg'
"$hue" pretrain --method supervised --data "$tmp/train" --width 0.25 --size 16 --batch 16 --max-steps 2 \
    --out "$tmp/supervised.safetensors" --quiet
"$tool" logits "$tmp/supervised.safetensors" 32 2 "$tmp/supervised.txt"
checks=("$tmp/supervised.safetensors,$tmp/supervised.txt,32,2,optimizer")

variant() { # name arch width stem classes size [dense]
    local name=$1 size=$6
    "$tool" make "$tmp/$name.safetensors" "$2" "$3" "$4" "$5" 7 ${7:-}
    "$tool" logits "$tmp/$name.safetensors" "$size" 2 "$tmp/$name.txt"
    checks+=("$tmp/$name.safetensors,$tmp/$name.txt,$size,2")
}
variant resnet18 resnet18 1 imagenet 1000 32         # torchvision.models.resnet18() itself
variant resnet34 resnet34 0.25 imagenet 10 40
variant resnet18_cifar resnet18 0.5 cifar 7 16
variant resnet34_cifar resnet34 0.125 cifar 100 12
variant resnet18_dense resnet18 0.25 imagenet 5 48 dense
"$py" "$here/torchvision_check.py" "${checks[@]}"
