#!/usr/bin/env bash
# The video objectives side by side at one training budget: colourisation (on
# lightness, and on LAB with its colour cut at random: the shipped model), the
# contrastive random walk, and both on one encoder, each trained on the 30
# DAVIS-2016 train clips, then scored on the 14 val clips by track_quality.sh
# (J&F with the default propagation: context 20, top-k 10, radius 12, T 0.05)
# and, where the model colourises, by colorize_quality.sh (ab error).
#
#   tests/bench/video_ablation.sh [OUTDIR]
#
# OUTDIR (default out/video-ablation) gets METHOD.ckpt, METHOD.jsonl,
# track-METHOD/ and colorize-METHOD/. Budgets are steps chosen so that each
# method trains for about the same time on the machine that made the table
# (COLORIZE_STEPS, LAB_STEPS, CRW_STEPS, BOTH_STEPS override them; colorize-lab
# runs 4400 steps, the shipped model's, in about the time of 2800 lightness
# steps); METHODS picks among "colorize colorize-lab crw both"; WIDTH (default
# 0.5) is the trunk's width for all.
set -euo pipefail
cd "$(dirname "$0")/../.."
hue=${HUE_BIN:-./build/apps/hue}
out=${1:-out/video-ablation}
davis=${HUE_DATA:-../shared/data}/davis2016
methods=${METHODS:-colorize colorize-lab crw both}
width=${WIDTH:-0.5}
mkdir -p "$out"
sed "s|.*|$(cd "$davis" && pwd)/videos/&.mp4|" "$davis/ImageSets/train.txt" > "$out/clips.txt"

for m in $methods; do
    case $m in
        colorize) args=(--method colorize --size 256 --steps "${COLORIZE_STEPS:-2200}") ;;
        colorize-lab) args=(--method colorize --input lab --size 256 --steps "${LAB_STEPS:-4400}") ;;
        crw) args=(--method crw --size 128 --steps "${CRW_STEPS:-6500}") ;;
        both) args=(--method both --size 128 --steps "${BOTH_STEPS:-4300}") ;;
        *) echo "video_ablation: unknown method '$m'" >&2; exit 2 ;;
    esac
    if [ ! -f "$out/$m.done" ]; then
        if [ -f "$out/$m.ckpt" ]; then
            "$hue" train-video --resume "$out/$m.ckpt" --quiet
        else
            "$hue" train-video --clips "$out/clips.txt" --out "$out/$m.ckpt" --log "$out/$m.jsonl" \
                --width "$width" --save-every 100 --seed 0 "${args[@]}" --quiet
        fi
        touch "$out/$m.done"
    fi
    FEATURES=model tests/bench/track_quality.sh "$out/$m.ckpt" "$out/track-$m"
    [ "$m" = crw ] || tests/bench/colorize_quality.sh "$out/$m.ckpt" "$out/colorize-$m"
done

# Baselines with the same propagation: the trunk untrained (the first method's
# architecture at its seed-0 initialisation) and raw LAB pixels (BASELINES).
first=${methods%% *}
FEATURES=${BASELINES:-random lab} tests/bench/track_quality.sh "$out/$first.ckpt" "$out/track-baselines"
