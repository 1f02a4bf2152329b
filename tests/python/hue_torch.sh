#!/usr/bin/env bash
# python/hue_torch.py loads every kind of checkpoint hue writes and computes
# what hue computes: small checkpoints of each method (one or two steps on
# real CIFAR-10 images and the bundled DAVIS clip, plus the shipped video
# model) are run by ckpt_forward in hue and by hue_torch_check.py in
# PyTorch: every trunk, head and the representation must agree to 1e-4 of
# their largest value, and every tensor of a file must be loaded strictly.
# Two of them also load into plain torchvision as the README says. The
# command-line mode prints what it built; a broken file is one error line.
# usage: hue_torch.sh CKPT_FORWARD (HUE_BIN, HUE_DATA, HUE_SOURCE from ctest).
# Exit 77 (skipped) when no python3 with torch and torchvision is found.
set -uo pipefail
tool=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../check.sh"
hue=${HUE_BIN:?HUE_BIN is not set}
data=${HUE_DATA:-$here/../../../shared/data}
src=${HUE_SOURCE:-$here/../..}
py=""
for cand in /usr/bin/python3 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import torch, torchvision" >/dev/null 2>&1; then
        py=$cand
        break
    fi
done
[ -n "$py" ] || { echo "skipped: no python3 with torch and torchvision"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-torch-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$tmp" --wildcards 'train/*/000[0-1].jpg' || exit 1

# one step of 8 images at an eighth of the width, unless the case says otherwise
small=(--data "$tmp" --width 0.125 --batch 8 --max-steps 1 --quiet)
# NAME EXPECT HUE-ARGS...: trains the checkpoint, then compares hue and PyTorch
case_() {
    local name=$1 expect=$2
    shift 2
    if ! "$hue" "$@" --out "$tmp/$name.ckpt" >"$tmp/$name.train" 2>&1; then
        check "$name: hue trains it" false
        cat "$tmp/$name.train" >&2
        return
    fi
    run_check "$name" "$tmp/$name.ckpt" "$expect"
}
# the cases for hue_torch_check.py, run at the end in one python process
cases=() names=()
run_check() {
    local name=$1 ckpt=$2 expect=$3
    check "$name: ckpt_forward runs it in hue" "$tool" "$ckpt" 2 32 "$tmp/$name.fwd"
    cases+=("$name" "$ckpt" "$tmp/$name.fwd" "$expect")
    names+=("$name")
}

case_ supervised "trunks=-,logits,stem=cifar,channels=3" pretrain --method supervised "${small[@]}"
case_ supervised34-imagenet "trunks=-,logits,stem=imagenet" pretrain --method supervised "${small[@]}" \
    --arch resnet34 --imagenet-stem
case_ torchvision "trunks=-,logits,stem=imagenet,torchvision" pretrain --method supervised --data "$tmp" \
    --width 1 --batch 8 --max-steps 1 --quiet --imagenet-stem
case_ rotation "trunks=-,heads=rotation" pretrain --method rotation "${small[@]}"
case_ jigsaw "trunks=-,heads=jigsaw" pretrain --method jigsaw "${small[@]}" --size 32
case_ simclr "trunks=-,heads=projection" pretrain --method simclr "${small[@]}"
case_ moco "trunks=-+momentum.,heads=projection+momentum_projection,tensors=queue" \
    pretrain --method moco "${small[@]}" --queue 16 --bn-groups 2
case_ mocov2 "trunks=-+momentum.,heads=projection+momentum_projection,tensors=queue" \
    pretrain --method mocov2 "${small[@]}" --queue 16 --bn-groups 2
case_ cmc "trunks=-+ab.,heads=l+ab,channels=1" pretrain --method cmc "${small[@]}"
case_ cmc-clip "trunks=-+ab.,heads=l+ab,tensors=logit_scale" pretrain --method cmc "${small[@]}" --loss clip
# at width 2 each trunk of cmc is torchvision's width, with the CIFAR stem and one input channel
case_ cmc-torchvision "trunks=-+ab.,channels=1,stem=cifar,torchvision" pretrain --method cmc --data "$tmp" \
    --width 2 --batch 8 --max-steps 1 --quiet
case_ colorize "trunks=-,heads=decoder,channels=1" pretrain --method colorize "${small[@]}"
case_ splitbrain "trunks=-+ab_to_l.,heads=l_to_ab+ab_to_l" pretrain --method splitbrain "${small[@]}"
case_ inpaint "trunks=-,heads=decoder+discriminator" pretrain --method inpaint "${small[@]}"
case_ cpc "trunks=-,heads=context+predict" pretrain --method cpc "${small[@]}" --size 32 --grid 3 --cpc-steps 2
case_ train-video "trunks=-,dense,stem=imagenet,channels=1" train-video --clips "$src/samples/davis/videos" \
    --size 32 --steps 2 --width 0.125 --quiet
case_ train-video-crw "trunks=-,dense,channels=1" train-video --method crw --clips "$src/samples/davis/videos" \
    --size 32 --steps 1 --width 0.125 --quiet
# LAB input: the representation's L, a and b from the same RGB bytes
case_ train-video-lab "trunks=-,dense,channels=3" train-video --input lab --clips "$src/samples/davis/videos" \
    --size 32 --steps 2 --width 0.125 --quiet
run_check shipped-video "$src/samples/model/hue-video.ckpt" "trunks=-,dense,channels=3"
"$py" "$here/hue_torch_check.py" "${cases[@]}" >"$tmp/check.out" 2>&1
cat "$tmp/check.out"
for name in "${names[@]}"; do
    check "$name: PyTorch matches hue" grep -qx "$name: passed" "$tmp/check.out"
done

# the command-line mode
"$py" "$src/python/hue_torch.py" "$tmp/moco.ckpt" >"$tmp/cli.txt" 2>&1
check "command line: exit 0" test $? -eq 0
check "command line: names the key encoder" contains "$tmp/cli.txt" "trunk 'momentum.': resnet18 width 0.125"
check "command line: names the queue" contains "$tmp/cli.txt" "tensor 'queue'"
check "command line: says the input scaling" contains "$tmp/cli.txt" "input rgb (v/255 - mean"
# a file cut short, a tensor missing, a file that is no checkpoint: one line, exit 1
head -c 5000 "$tmp/supervised.ckpt" >"$tmp/cut.ckpt"
"$py" - "$tmp/supervised.ckpt" "$tmp/missing.ckpt" <<'PY'
import json, struct, sys
blob = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", blob[:8])[0]
header = json.loads(blob[8:8 + n])
del header["layer2.0.bn1.running_var"]
text = json.dumps(header).encode()
open(sys.argv[2], "wb").write(struct.pack("<Q", len(text)) + text + blob[8 + n:])
PY
echo "not a checkpoint" >"$tmp/text.ckpt"
for bad in cut missing text nonexistent; do
    "$py" "$src/python/hue_torch.py" "$tmp/$bad.ckpt" >"$tmp/$bad.out" 2>"$tmp/$bad.err"
    rc=$?
    check "$bad file: exit 1 (got $rc)" test $rc -eq 1
    check "$bad file: one line naming the file" test "$(wc -l <"$tmp/$bad.err")" -eq 1 -a \
        "$(grep -c "^hue_torch: $tmp/$bad.ckpt: " "$tmp/$bad.err")" -eq 1
    sed "s/^/  $bad: /" "$tmp/$bad.err"
done
check "missing tensor: named" contains "$tmp/missing.err" "layer2.0.bn1.running_var"
"$py" "$src/python/hue_torch.py" >/dev/null 2>&1
check "no argument: usage error, exit 2" test $? -eq 2
check_summary
