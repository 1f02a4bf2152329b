#!/usr/bin/env bash
# Decode speed of hue (every frame to LAB planes) against the ffmpeg command
# line decoding the same file to RGB24 into /dev/null, measured in the same
# run. Both are timed the same way: wall time of the whole process, best of
# REPEAT runs, alternating. Prints one line per clip and the overall ratio,
# with the ratio of CPU time (ffmpeg's over hue's) beside it: on a busy
# machine the wall-clock ratio mostly measures the other work.
#
# usage: tests/bench/decode_vs_ffmpeg.sh [HUE_BIN] [FILE...]
#   HUE_BIN defaults to $HUE_BIN or build/apps/hue; files default to every
#   DAVIS clip in ${HUE_DATA:-../shared/data}/davis2016/videos.
#   REPEAT=3 (environment) sets the number of runs per program.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
hue=${1:-${HUE_BIN:-$here/build/apps/hue}}
[ $# -gt 0 ] && shift
data=${HUE_DATA:-$here/../shared/data}
repeat=${REPEAT:-3}
if [ $# -gt 0 ]; then files=("$@"); else files=("$data"/davis2016/videos/*.mp4); fi
command -v ffmpeg >/dev/null || { echo "decode_vs_ffmpeg: ffmpeg not found" >&2; exit 1; }
[ -x "$hue" ] || { echo "decode_vs_ffmpeg: $hue is not an executable" >&2; exit 1; }

# "wall cpu" seconds of "$@": wall clock, and user+system time of the
# process and its threads (less sensitive to other work on the machine).
measure() {
    local out
    out=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1; } 2>&1 )
    echo "$out" | awk '{print $1, $2 + $3}'
}
min() { echo "$1 $2" | awk '{print ($1 < $2 ? $1 : $2)}'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (other work on the machine skews both figures)"
total_frames=0 total_hue=0 total_ff=0 cpu_hue=0 cpu_ff=0
printf '%-22s %7s %10s %10s %7s %9s\n' clip frames hue_fps ffmpeg_fps ratio cpu_ratio
for f in "${files[@]}"; do
    frames=$("$hue" probe --json "$f" | sed 's/.*"frames": \([0-9]*\).*/\1/')
    th=1e9 tf=1e9 ch=1e9 cf=1e9
    for _ in $(seq "$repeat"); do # alternate, so that load changes hit both alike
        read -r w c < <(measure "$hue" bench decode "$f")
        th=$(min "$th" "$w") ch=$(min "$ch" "$c")
        read -r w c < <(measure ffmpeg -v error -threads 0 -i "$f" -f rawvideo -pix_fmt rgb24 -y /dev/null)
        tf=$(min "$tf" "$w") cf=$(min "$cf" "$c")
    done
    awk -v n="$frames" -v th="$th" -v tf="$tf" -v ch="$ch" -v cf="$cf" -v name="$(basename "$f")" \
        'BEGIN { printf "%-22s %7d %10.1f %10.1f %7.3f %9.3f\n", name, n, n / th, n / tf, tf / th, cf / ch }'
    total_frames=$((total_frames + frames))
    read -r total_hue total_ff cpu_hue cpu_ff < <(echo "$total_hue $th $total_ff $tf $cpu_hue $ch $cpu_ff $cf" |
        awk '{print $1 + $2, $3 + $4, $5 + $6, $7 + $8}')
done
awk -v n="$total_frames" -v th="$total_hue" -v tf="$total_ff" -v ch="$cpu_hue" -v cf="$cpu_ff" \
    'BEGIN { printf "all %d frames: hue %.1f frames/s to LAB, ffmpeg %.1f frames/s to RGB24: ratio %.3f (target >= 0.9); CPU time ratio %.3f\n", n, n / th, n / tf, tf / th, cf / ch }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
