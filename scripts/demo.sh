#!/usr/bin/env bash
# Sets hue up and runs its main job: the devices it sees, then tracking the
# bundled DAVIS clip from its first-frame mask (features: raw LAB pixels
# until a trained model ships), with the masks, an overlay video and the
# clip's J&F against its ground truth.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
hue=./build/apps/hue
"$hue" devices
mkdir -p out/masks
"$hue" track samples/davis/videos/car-shadow.mp4 \
    --mask samples/davis/Annotations/480p/car-shadow/00000.png --features lab \
    -o out/masks/car-shadow --overlay out/car-shadow-overlay.mp4 --force
"$hue" eval davis --results out/masks --davis samples/davis --seqs car-shadow
echo "masks in out/masks/car-shadow, overlay in out/car-shadow-overlay.mp4"
