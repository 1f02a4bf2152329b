#!/usr/bin/env bash
# How the propagation settings move J&F on the DAVIS-2016 val clips for one
# model: from the defaults (context 20, top-k 10, radius 12), one setting at a
# time to context 10, top-k 5 or 20, radius 8 or 16. Each row is a
# track_quality.sh run of the model with those flags.
#
#   tests/bench/track_settings.sh [MODEL] [OUTDIR]
#
# MODEL defaults to samples/model/hue-video.ckpt; OUTDIR (default
# out/track-settings) gets one track_quality.sh folder per setting and
# table.txt. A folder already scored (its model.csv) is reused, so an
# interrupted sweep goes on where it stopped. SETTINGS overrides the list (one
# "NAME:FLAGS" word per row, FLAGS with commas for spaces).
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:-samples/model/hue-video.ckpt}
out=${2:-out/track-settings}
settings=${SETTINGS:-"defaults: context-10:--context,10 topk-5:--topk,5 topk-20:--topk,20 radius-8:--radius,8 radius-16:--radius,16"}
mkdir -p "$out"
for s in $settings; do
    name=${s%%:*} flags=${s#*:}
    [ -f "$out/$name/model.csv" ] && continue
    TRACK_ARGS=${flags//,/ } FEATURES=model tests/bench/track_quality.sh "$model" "$out/$name" >/dev/null
done

# One table: J&F-Mean per sequence for every setting.
python3 - "$out" $settings > "$out/table.txt" <<'PY'
import csv, sys
out, names = sys.argv[1], [s.split(":")[0] for s in sys.argv[2:]]
rows = {n: {r["sequence"]: r for r in csv.DictReader(open(f"{out}/{n}/model.csv"))} for n in names}
seqs = list(rows[names[0]])
print("%-16s" % "J&F-Mean" + "".join("%11s" % n for n in names))
for s in seqs:
    print("%-16s" % s + "".join("%11.1f" % (100 * float(rows[n][s]["J&F-Mean"])) for n in names))
PY
cat "$out/table.txt"
