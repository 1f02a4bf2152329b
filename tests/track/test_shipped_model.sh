#!/usr/bin/env bash
# The shipped video model (samples/model) on the bundled clip (samples/davis,
# car-shadow, 854x480): what the README's main job runs. It loads, tracks the
# car far better than the raw-LAB baseline does on this clip (J&F 0.225), with
# the same J&F on the CPU and the Vulkan backend (within 0.005), and colours
# the clip better than copying frame 0's colours.
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue binary}
src=${HUE_SOURCE:?HUE_SOURCE must name the source folder}
model=$src/samples/model/hue-video.ckpt
clip=$src/samples/davis/videos/car-shadow.mp4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"

check "the model is under 20 MB" test "$(stat -c %s "$model")" -lt 20000000

# bench track times the model's own architecture with --model
"$hue" bench track --channels 8 --frames 1 --model "$model" --json >"$tmp/bench.json"
check "bench track --model exits 0" test $? -eq 0
check "bench track --model: the model's architecture" python3 -c "
import json; e = json.load(open('$tmp/bench.json'))['encoder']
assert e['arch'] == 'resnet18 x0.5 dense to layer3 + projection, LAB input' and e['model'] == '$model', e
assert e['channels'] == 64 and e['fps'] > 0 and e['cpu_ms_per_frame'] > 0, e"
head -c 100 "$model" >"$tmp/cut.ckpt"
"$hue" bench track --channels 8 --frames 1 --model "$tmp/cut.ckpt" 2>"$tmp/err.txt" >/dev/null
check "bench track, a cut checkpoint: exit 1" test $? -eq 1
check "bench track, a cut checkpoint: names it" contains "$tmp/err.txt" "cut.ckpt"

# tracking, on each backend: the same J&F within 0.005
for b in cpu vulkan; do
    "$hue" track "$clip" --mask "$src/samples/davis/Annotations/480p/car-shadow/00000.png" --model "$model" \
        -o "$tmp/masks-$b/car-shadow" --quiet --backend $b
    check "track ($b) exits 0" test $? -eq 0
    check "a mask per frame ($b)" test "$(ls "$tmp/masks-$b/car-shadow" | wc -l)" -eq 40
    "$hue" eval davis --results "$tmp/masks-$b" --davis "$src/samples/davis" --json --quiet >"$tmp/eval-$b.json"
done
check "car-shadow J&F >= 0.70 (the model gives 0.748)" python3 -c "
import json, sys; d = json.load(open('$tmp/eval-cpu.json')); print('J&F', d['jf_mean']); sys.exit(d['jf_mean'] < 0.70)"
check "the same J&F on both backends (within 0.005)" python3 -c "
import json, sys; c, v = (json.load(open('$tmp/eval-%s.json' % b))['jf_mean'] for b in ('cpu', 'vulkan'))
print('J&F cpu', c, 'vulkan', v); sys.exit(abs(c - v) > 0.005)"

"$hue" colorize "$clip" --ref-frame 0 --model "$model" -o "$tmp/colour.mp4" --eval --json --quiet >"$tmp/colour.json"
check "colorize exits 0" test $? -eq 0
check "colorize beats copying frame 0's ab" python3 -c "
import json, sys; d = json.load(open('$tmp/colour.json')); print(d)
sys.exit(not (d['frames'] == 39 and d['ab_error'] < d['copy_ab_error'] and d['psnr'] > d['copy_psnr']))"

check_summary
