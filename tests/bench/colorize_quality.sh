#!/usr/bin/env bash
# Colourisation quality on the DAVIS-2016 val clips: each clip loses its colour,
# `hue colorize` carries frame 0's ab through it, and the result is compared with
# the true colour (mean ab error, PSNR) next to copying frame 0's ab unchanged.
#
#   tests/bench/colorize_quality.sh [MODEL] [OUTDIR]
#
# MODEL defaults to samples/model/hue-video.ckpt; OUTDIR (default
# out/colorize-quality) gets <seq>.mp4 and table.txt. HUE_DATA (default
# ../shared/data) holds davis2016/; SEQS overrides the clip list (comma-separated).
set -euo pipefail
cd "$(dirname "$0")/../.."
hue=${HUE_BIN:-./build/apps/hue}
model=${1:-samples/model/hue-video.ckpt}
out=${2:-out/colorize-quality}
davis=${HUE_DATA:-../shared/data}/davis2016
seqs=${SEQS:-$(paste -sd, "$davis/ImageSets/val.txt")}
[ -f "$model" ] || { echo "colorize_quality: no model at $model" >&2; exit 1; }
mkdir -p "$out"
: > "$out/results.jsonl"
for s in ${seqs//,/ }; do
    "$hue" colorize "$davis/videos/$s.mp4" --ref-frame 0 --model "$model" -o "$out/$s.mp4" \
        --eval --json --force --quiet | sed "s/^{/{\"sequence\": \"$s\", /" >> "$out/results.jsonl"
done

# Per clip and over all frames (each clip weighted by its frames).
python3 - "$out/results.jsonl" > "$out/table.txt" <<'EOF'
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("%-16s %6s %9s %8s %12s %10s" % ("sequence", "frames", "ab error", "PSNR", "copy ab err", "copy PSNR"))
for r in rows:
    print("%-16s %6d %9.3f %8.2f %12.3f %10.2f" % (r["sequence"], r["frames"], r["ab_error"], r["psnr"],
                                                r["copy_ab_error"], r["copy_psnr"]))
n = sum(r["frames"] for r in rows)
mean = lambda k: sum(r[k] * r["frames"] for r in rows) / n
print("%-16s %6d %9.3f %8.2f %12.3f %10.2f" % ("all", n, mean("ab_error"), mean("psnr"),
                                            mean("copy_ab_error"), mean("copy_psnr")))
EOF
cat "$out/table.txt"
