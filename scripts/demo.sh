#!/usr/bin/env bash
# Sets hue up and runs its main job on the bundled DAVIS clip with the shipped
# video model (samples/model): the devices hue sees; `hue track` from the
# clip's first-frame mask, writing the masks and an overlay video, scored with
# `hue eval davis` (J&F) against the clip's ground truth; and `hue colorize`,
# colouring the clip from its first frame and scoring it against its own colours.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
hue=./build/apps/hue
model=samples/model/hue-video.ckpt
clip=samples/davis/videos/car-shadow.mp4
"$hue" devices
mkdir -p out/masks
"$hue" track "$clip" --mask samples/davis/Annotations/480p/car-shadow/00000.png --model "$model" \
    -o out/masks/car-shadow --overlay out/car-shadow-overlay.mp4 --force
"$hue" eval davis --results out/masks --davis samples/davis --seqs car-shadow
"$hue" colorize "$clip" --ref-frame 0 --model "$model" -o out/car-shadow-colour.mp4 --eval --force
echo "masks in out/masks/car-shadow, overlay in out/car-shadow-overlay.mp4," \
    "colourised clip in out/car-shadow-colour.mp4"
