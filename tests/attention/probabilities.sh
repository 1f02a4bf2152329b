#!/usr/bin/env bash
# hue track --probabilities on the first 8 frames of the bundled clip
# (car-shadow, 854x480; LAB features for speed): a grayscale map per object
# (background included) and frame, whose argmax is the mask track writes and
# whose values sum to about 255 at every pixel; per clip with --clips; a
# folder that holds anything is refused without --force.
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue binary}
src=${HUE_SOURCE:?HUE_SOURCE must name the source folder}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"
mask=$src/samples/davis/Annotations/480p/car-shadow/00000.png
mkdir -p "$tmp/clips" "$tmp/masks/car"
ffmpeg -v error -y -i "$src/samples/davis/videos/car-shadow.mp4" -frames:v 8 -c:v libx264 -crf 12 "$tmp/clips/car.mp4"
# a second object: the car's bottom half as object 2 (a mask of three labels)
/usr/bin/python3 -c "
import numpy as np, subprocess
m = np.frombuffer(subprocess.run(['ffmpeg', '-v', 'error', '-i', '$mask', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
                  capture_output=True, check=True).stdout, np.uint8).reshape(480, 854) // 255
ys = np.nonzero(m.any(1))[0]; m[(ys[0] + ys[-1]) // 2:][m[(ys[0] + ys[-1]) // 2:] == 1] = 2
open('$tmp/two.pgm', 'wb').write(b'P5 854 480 255\n' + m.tobytes())"
ffmpeg -v error -y -i "$tmp/two.pgm" -pix_fmt gray "$tmp/masks/car/00000.png"

# planes DIR FRAMES ID...: the maps of each ID stacked in DIR/ID.raw
planes() { local dir=$1; shift; for id in "$@"; do
    ffmpeg -v error -y -i "$dir/$id/%05d.png" -f rawvideo -pix_fmt gray "$dir/$id.raw"; done; }

"$hue" track "$tmp/clips/car.mp4" --mask "$tmp/masks/car/00000.png" --features lab -o "$tmp/res" \
    --probabilities "$tmp/prob" --quiet
check "track --probabilities exits 0" test $? -eq 0
check "a folder per label: background 0 and objects 1, 2" test "$(ls "$tmp/prob" | tr '\n' ' ')" = "0 1 2 "
for id in 0 1 2; do
    check "label $id: a map per frame" test "$(ls "$tmp/prob/$id" | wc -l)" -eq 8
done
check "8-bit grayscale PNGs" contains <(ffprobe -v error -show_entries stream=pix_fmt "$tmp/prob/1/00003.png") gray
check "no marker left in DIR" test ! -e "$tmp/prob/.hue-unfinished"
planes "$tmp/prob" 0 1 2
ffmpeg -v error -y -i "$tmp/res/%05d.png" -f rawvideo -pix_fmt pal8 "$tmp/masks.raw"
check "argmax of the maps is the mask (>= 99.9% of pixels), they sum to 255 +- 2, frame 0 is the given mask" \
    /usr/bin/python3 -c "
import numpy as np
p = np.stack([np.fromfile('$tmp/prob/%d.raw' % i, np.uint8).reshape(8, 480, 854) for i in (0, 1, 2)]).astype(int)
m = np.fromfile('$tmp/masks.raw', np.uint8).reshape(8, -1)[:, :480 * 854].reshape(8, 480, 854)
agree = (p.argmax(0) == m).mean(axis=(1, 2)); total = p.sum(0)
print('agreement per frame', agree.round(5), 'sum', total.min(), total.max())
assert agree.min() >= 0.999 and abs(total - 255).max() <= 2, 'maps do not match the masks'
assert set(np.unique(p[:, 0])) == {0, 255} and (p[:, 0].argmax(0) == m[0]).all()
for i in (1, 2): assert (m[1:] == i).mean() > 0.01, 'object %d lost' % i
soft = ((p[:, 1:] > 0) & (p[:, 1:] < 255)).mean(); print('soft fraction', soft)
assert soft > 0.001, 'the maps after frame 0 are not soft'"

# a folder that holds anything is refused without --force, untouched
"$hue" track "$tmp/clips/car.mp4" --mask "$tmp/masks/car/00000.png" --features lab -o "$tmp/res2" \
    --probabilities "$tmp/prob" --quiet 2>"$tmp/err.txt"
check "an existing DIR: exit 1" test $? -eq 1
check "an existing DIR: says --force" contains "$tmp/err.txt" "hue track: --probabilities $tmp/prob is not empty"
check "an existing DIR: nothing written" test ! -e "$tmp/res2"
"$hue" track "$tmp/clips/car.mp4" --mask "$tmp/masks/car/00000.png" --features lab -o "$tmp/res" \
    --probabilities "$tmp/prob" --quiet --force
check "--force replaces it" test $? -eq 0
"$hue" track "$tmp/clips/car.mp4" --mask "$tmp/masks/car/00000.png" --features lab -o "$tmp/res3" \
    --probabilities "$tmp/res3" --quiet 2>"$tmp/err.txt"
check "DIR the same as -o: exit 1" test $? -eq 1
check "DIR the same as -o: says so" contains "$tmp/err.txt" "probabilities"

# --clips: DIR/NAME/ID/
"$hue" track --clips "$tmp/clips" --masks "$tmp/masks" --features lab -o "$tmp/cres" --probabilities "$tmp/cprob" \
    --quiet
check "--clips --probabilities exits 0" test $? -eq 0
check "--clips: DIR/NAME/ID/%05d.png" test "$(ls "$tmp/cprob/car/2" | wc -l)" -eq 8
check "--clips: the same maps as one clip" cmp -s "$tmp/cprob/car/1/00007.png" "$tmp/prob/1/00007.png"

check_summary
