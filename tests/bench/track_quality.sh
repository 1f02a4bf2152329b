#!/usr/bin/env bash
# Tracking quality on the DAVIS-2016 val clips: the trained model against its two
# baselines (raw LAB pixels, and the model's architecture untrained), each run with
# the same propagation settings and scored by the same `hue eval davis`.
#
#   tests/bench/track_quality.sh [MODEL] [OUTDIR]
#
# MODEL defaults to the shipped samples/model/hue-video.ckpt; OUTDIR (default
# out/track-quality) gets <features>/<seq>/%05d.png, <features>.csv and table.txt.
# HUE_DATA (default ../shared/data) holds davis2016/; SEQS overrides the clip list
# (comma-separated); FEATURES picks among "lab random model"; TRACK_ARGS adds
# propagation flags for every kind (e.g. "--context 10 --topk 5").
set -euo pipefail
cd "$(dirname "$0")/../.."
hue=${HUE_BIN:-./build/apps/hue}
model=${1:-samples/model/hue-video.ckpt}
out=${2:-out/track-quality}
davis=${HUE_DATA:-../shared/data}/davis2016
seqs=${SEQS:-$(paste -sd, "$davis/ImageSets/val.txt")}
features=${FEATURES:-lab random model}
[ -f "$model" ] || { echo "track_quality: no model at $model" >&2; exit 1; }
[ -d "$davis/videos" ] || { echo "track_quality: no DAVIS videos in $davis" >&2; exit 1; }
mkdir -p "$out"

for f in $features; do
    case $f in
        lab) args=(--features lab) ;;
        random) args=(--features random --model "$model") ;;
        model) args=(--model "$model") ;;
        *) echo "track_quality: unknown features '$f'" >&2; exit 2 ;;
    esac
    start=$(date +%s)
    for s in ${seqs//,/ }; do
        "$hue" track "$davis/videos/$s.mp4" --mask "$davis/Annotations/480p/$s/00000.png" \
            "${args[@]}" ${TRACK_ARGS:-} -o "$out/$f/$s" --force --quiet
    done
    echo "$f: tracked in $(($(date +%s) - start)) s"
    "$hue" eval davis --results "$out/$f" --davis "$davis" --seqs "$seqs" --csv "$out/$f.csv" --quiet
done

# One table: J&F-Mean per sequence for every feature kind scored in OUTDIR (this
# run's and earlier runs', so the kinds can be run one at a time).
python3 - "$out" > "$out/table.txt" <<'EOF'
import csv, os, sys
out = sys.argv[1]
kinds = [k for k in ("lab", "random", "model") if os.path.exists(f"{out}/{k}.csv")]
rows = {k: {r["sequence"]: r for r in csv.DictReader(open(f"{out}/{k}.csv"))} for k in kinds}
seqs = list(rows[kinds[0]])
print("%-18s" % "J&F-Mean" + "".join("%10s" % k for k in kinds))
for s in seqs:
    print("%-18s" % s + "".join("%10.1f" % (100 * float(rows[k][s]["J&F-Mean"])) for k in kinds))
EOF
cat "$out/table.txt"
