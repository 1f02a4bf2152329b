#!/usr/bin/env bash
# Every command that loads a model, given a checkpoint whose 'architecture'
# metadata lacks a field: exit 1 with one line naming the file and the field
# (these used to crash). And a one-step `hue pretrain` under glibc's malloc
# perturbation, which turned a graph bug into garbage shapes.
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue binary}
src=${HUE_SOURCE:?HUE_SOURCE must name the source folder}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"
clip=$src/samples/davis/videos/car-shadow.mp4
mask=$src/samples/davis/Annotations/480p/car-shadow/00000.png

# the shipped model, its architecture without one field (and without the
# 'flags' it keeps for --resume, which would send pretrain --resume away
# before the architecture is read: checked on its own below)
for field in in_channels last_layer num_classes; do
python3 - "$src/samples/model/hue-video.ckpt" "$tmp/no-$field.ckpt" "$field" <<'PY'
import json, struct, sys
src, dst, field = sys.argv[1:]
data = open(src, 'rb').read()
n = struct.unpack('<Q', data[:8])[0]
header = json.loads(data[8:8 + n])
arch = json.loads(header['__metadata__']['architecture'])
del arch[field]
header['__metadata__']['architecture'] = json.dumps(arch)
header['__metadata__'].pop('flags', None)
h = json.dumps(header).encode()
h += b' ' * (-len(h) % 8)
open(dst, 'wb').write(struct.pack('<Q', len(h)) + h + data[8 + n:])
PY
done

# a small image folder of two classes, for pretrain
mkdir -p "$tmp/img/a" "$tmp/img/b"
for i in 1 2 3 4; do
    ffmpeg -loglevel error -f lavfi -i "testsrc=size=32x32:rate=1" -frames:v 1 -vf "hue=h=$((i * 40))" \
        "$tmp/img/a/$i.png"
    ffmpeg -loglevel error -f lavfi -i "mandelbrot=size=32x32:rate=1" -frames:v 1 -vf "hue=h=$((i * 40))" \
        "$tmp/img/b/$i.png"
done

run() {  # run NAME FIELD cmd...: exit 1, one line naming the file and the field
    local name=$1 field=$2; shift 2
    "$@" >"$tmp/out.txt" 2>"$tmp/err.txt"
    local rc=$?
    check "$name without $field: exit 1 (got $rc)" test $rc -eq 1
    check "$name without $field: names the file" contains "$tmp/err.txt" "no-$field.ckpt"
    check "$name without $field: names the field" contains "$tmp/err.txt" "'$field'"
    check "$name without $field: one line" test "$(wc -l <"$tmp/err.txt")" -eq 1
}
for field in in_channels last_layer num_classes; do
    ck=$tmp/no-$field.ckpt
    run track $field "$hue" track "$clip" --mask "$mask" --model "$ck" -o "$tmp/masks" --quiet
    run colorize $field "$hue" colorize "$clip" --ref-frame 0 --model "$ck" -o "$tmp/c.mp4" --quiet
    run "bench track" $field "$hue" bench track --channels 8 --frames 1 --model "$ck"
    run "train-video --resume" $field "$hue" train-video --clips "$src/samples/davis/videos" --resume "$ck" \
        --out "$tmp/tv.ckpt" --steps 1 --quiet
    run "pretrain --resume" $field "$hue" pretrain --method supervised --data "$tmp/img" --batch 4 --resume "$ck" \
        --out "$tmp/pt.ckpt" --quiet
done

# the shipped model as it is: a train-video checkpoint, which pretrain --resume refuses
"$hue" pretrain --method supervised --data "$tmp/img" --batch 4 --resume "$src/samples/model/hue-video.ckpt" \
    --out "$tmp/pt.ckpt" --quiet >"$tmp/out.txt" 2>"$tmp/err.txt"
rc=$?
check "pretrain --resume (a train-video checkpoint): exit 2 (got $rc)" test $rc -eq 2
check "pretrain --resume (a train-video checkpoint): sends it to train-video" contains "$tmp/err.txt" \
    "is a checkpoint of hue train-video"
check "pretrain --resume (a train-video checkpoint): nothing written" test ! -e "$tmp/pt.ckpt"

# one training step of a full ResNet-18 graph, freed memory perturbed
GLIBC_TUNABLES=glibc.malloc.perturb=69 "$hue" pretrain --method supervised --data "$tmp/img" --width 0.25 \
    --batch 4 --max-steps 1 --out "$tmp/one.ckpt" --quiet 2>"$tmp/err.txt"
rc=$?
check "one-step pretrain under malloc perturbation: exit 0 (got $rc: $(head -c 300 "$tmp/err.txt"))" test $rc -eq 0
check_summary
