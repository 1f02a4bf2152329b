#!/usr/bin/env bash
# Issue 12's quality table: SimCLR and MoCo v2 (and any other method named)
# trained on CIFAR-10's train split, measured on its test split by hue eval
# knn (k=200, T=0.1) and hue eval linear, next to a random-init trunk and the
# pretext methods at the same budget: tests/bench/pretext_quality.sh with
# the MoCo CIFAR-10 demo's batch of 512. The MoCo demo (official repository,
# full width, on a GPU) reaches 48.0% kNN after 10 epochs and 61.4% after 20.
# Resumable as pretext_quality.sh; one OUT folder per budget. HOLDOUT=1 and
# FLAGS, as there, choose settings on a held-out part of the train split.
#
# usage: tests/bench/contrastive_quality.sh [train|eval|all] [METHOD...]
#   OUT=bench-out/contrastive-EPOCHS (default), EPOCHS=10, WIDTH=0.25, BATCH=512, THREADS=2,
#   HOLDOUT=0, FLAGS, HUE_BIN, HUE_DATA
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export EPOCHS=${EPOCHS:-10}
export WIDTH=${WIDTH:-0.25} BATCH=${BATCH:-512}
export OUT=${OUT:-$here/../../bench-out/contrastive-$EPOCHS}
phase=${1:-all}
shift || true
methods=("$@")
[ ${#methods[@]} -gt 0 ] || methods=(random simclr mocov2 rotation colorize splitbrain)
exec bash "$here/pretext_quality.sh" "$phase" "${methods[@]}"
