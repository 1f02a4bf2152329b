#!/usr/bin/env bash
# hue track --clips and hue colorize --clips under mpirun -np 2 against one
# process, on three real DAVIS-2016 clips (rank 0 takes two, rank 1 one):
# - the masks are byte for byte the one-process masks, and hue eval davis
#   gives the same table of them;
# - colorize's combined --eval table (rank 0 prints it) and its JSON are the
#   one-process ones, and the coloured videos are all there;
# - one VIDEO (no --clips) under mpirun is refused with one line;
# - --clips takes a single video too; a clip without a first-frame mask
#   stops the run naming the clip; two clips with one name are refused.
# usage: shard_clips.sh (HUE_BIN, HUE_DATA, HUE_MPIRUN from ctest)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../check.sh"
hue=${HUE_BIN:?HUE_BIN is not set}
davis=${HUE_DATA:-$here/../../../shared/data}/davis2016
mpirun=${HUE_MPIRUN:-mpirun}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-shard-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export HUE_THREADS=1
group() { "$mpirun" -np 2 "$@"; }

printf '%s\n' "$davis/videos/dog-agility.mp4" "$davis/videos/rollerblade.mp4" "$davis/videos/car-shadow.mp4" \
    >"$tmp/list.txt"
track=(track --clips "$tmp/list.txt" --masks "$davis/Annotations/480p" --features lab --backend cpu --quiet)
"$hue" "${track[@]}" -o "$tmp/one"
check "track --clips in one process" test $? -eq 0
group "$hue" "${track[@]}" -o "$tmp/two" >"$tmp/two.txt" 2>&1
check "track --clips on 2 ranks" test $? -eq 0
check "every clip has its masks" test "$(ls "$tmp/two" | tr '\n' ' ')" = "car-shadow dog-agility rollerblade "
check "2 ranks write the one-process masks, byte for byte" diff -r "$tmp/one" "$tmp/two"
"$hue" eval davis --results "$tmp/one" --davis "$davis" --csv "$tmp/one.csv" --quiet >/dev/null
"$hue" eval davis --results "$tmp/two" --davis "$davis" --csv "$tmp/two.csv" --quiet >/dev/null
check "... and the same J&F table" cmp "$tmp/one.csv" "$tmp/two.csv"
check "... of three clips" test "$(grep -c '^all,3,' "$tmp/two.csv")" -eq 1

colour=(colorize --clips "$tmp/list.txt" --ref-frame 0 --features lab --eval --backend cpu --quiet)
"$hue" "${colour[@]}" -o "$tmp/c1" >"$tmp/c1.txt"
check "colorize --clips in one process" test $? -eq 0
group "$hue" "${colour[@]}" -o "$tmp/c2" >"$tmp/c2.txt" 2>&1
check "colorize --clips on 2 ranks" test $? -eq 0
table() { sed -n '/^clip /,$p' "$1"; }
check "rank 0 prints the one-process table" test "$(table "$tmp/c1.txt")" = "$(table "$tmp/c2.txt")"
check "... with the mean over the clips" contains "$tmp/c2.txt" "mean over clips"
check "every clip was coloured" test -s "$tmp/c2/dog-agility.mp4" -a -s "$tmp/c2/rollerblade.mp4" -a \
    -s "$tmp/c2/car-shadow.mp4"
"$hue" "${colour[@]}" --json -o "$tmp/c3" >"$tmp/c3.json"
group "$hue" "${colour[@]}" --json -o "$tmp/c4" >"$tmp/c4.json" 2>"$tmp/c4.err"
check "--json: one object, the same on 2 ranks" cmp "$tmp/c3.json" "$tmp/c4.json"
check "... holding every clip" /usr/bin/python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert [c['clip'] for c in d['clips']] == ['dog-agility', 'rollerblade', 'car-shadow'], d
assert abs(d['ab_error'] - sum(c['ab_error'] for c in d['clips']) / 3) < 1e-3, d" "$tmp/c4.json"

group "$hue" track "$davis/videos/car-shadow.mp4" --mask "$davis/Annotations/480p/car-shadow/00000.png" \
    --features lab -o "$tmp/t" >"$tmp/t.txt" 2>&1
check "one VIDEO under mpirun is refused (exit 2)" test $? -eq 2
check "... saying to give --clips" contains "$tmp/t.txt" "under mpirun, give --clips"
check "... writing nothing" test ! -e "$tmp/t"

"$hue" track --clips "$davis/videos/car-shadow.mp4" --masks "$davis/Annotations/480p" --features lab \
    --backend cpu --quiet -o "$tmp/single"
check "--clips takes a single video" cmp "$tmp/single/car-shadow/00039.png" "$tmp/one/car-shadow/00039.png"
mkdir "$tmp/nomasks"
"$hue" track "${track[@]:1}" --masks "$tmp/nomasks" -o "$tmp/n" >"$tmp/n.txt" 2>&1
check "a clip without a mask stops the run" test $? -eq 1
check "... naming the clip" contains "$tmp/n.txt" "clip dog-agility: no first-frame mask"
printf '%s\n' "$davis/videos/car-shadow.mp4" "$HUE_SOURCE/samples/davis/videos/car-shadow.mp4" >"$tmp/twice.txt"
"$hue" track --clips "$tmp/twice.txt" --masks "$davis/Annotations/480p" --features lab -o "$tmp/w" >"$tmp/w.txt" 2>&1
check "two clips with one name are refused" contains "$tmp/w.txt" "are both clip 'car-shadow'"
check_summary
