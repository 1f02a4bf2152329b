#!/usr/bin/env bash
# A disk that fills up while hue writes a checkpoint, masks, a video or a
# CSV: an error that says so, and every file that was there before is as it
# was (each is written to a temporary file and renamed once complete); no
# temporary file is left behind. The disk is a small tmpfs (needs root and
# mount; exit 77 = skipped where mounting is not permitted).
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue executable}
data=${HUE_DATA:?HUE_DATA must name the data folder}
tmp=$(mktemp -d)
disk=$tmp/disk
mkdir "$disk"
if ! mount -t tmpfs -o size=3m tmpfs "$disk" 2>"$tmp/mount.txt"; then
    echo "skipped: cannot mount a tmpfs ($(cat "$tmp/mount.txt"))"
    rm -rf "$tmp"
    exit 77
fi
trap 'umount "$disk"; rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"

# fill DISK_FREE_BYTES: leaves about that much room on the disk
fill() {
    rm -f "$disk/filler"
    local free
    free=$(df -B1 --output=avail "$disk" | tail -n 1)
    head -c $((free - $1)) /dev/zero >"$disk/filler" 2>/dev/null
}
# no hidden temporary files in the folder (beyond the names given)
no_temporaries() { test -z "$(ls -A "$1" | grep '^\.' | grep -v -x -e "${2:-.hue-unfinished}")"; }
fails_full() {  # fails_full WHAT FILE: exit 1 and a message naming FILE and the full disk
    check "$1: exit 1 (got $rc)" test "$rc" -eq 1
    check "$1: says the disk is full" contains "$tmp/err" "$2.*No space left on device"
}

# 1. a checkpoint: a resumed run cannot save; the checkpoint it resumed is intact
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" -C "$tmp" --wildcards 'train/*/000[0-3].jpg'
train=(pretrain --method supervised --data "$tmp/train" --width 0.125 --size 16 --batch 8 --quiet)
"$hue" "${train[@]}" --max-steps 2 --out "$disk/run.ckpt" >/dev/null
cp "$disk/run.ckpt" "$tmp/run.ckpt"
fill 100000
"$hue" "${train[@]}" --max-steps 4 --resume "$disk/run.ckpt" --out "$disk/run.ckpt" >/dev/null 2>"$tmp/err"
rc=$?
fails_full "checkpoint" "run.ckpt: writing failed"
check "checkpoint: says the file keeps step 2" contains "$tmp/err" "run.ckpt keeps the model of step 2"
check "checkpoint: the previous one is intact" cmp -s "$disk/run.ckpt" "$tmp/run.ckpt"
check "checkpoint: no temporary left" no_temporaries "$disk"
rm -f "$disk/run.ckpt" "$disk/filler"

# 2. masks and a video: a complete run, then the same with room for a few masks
ffmpeg -v error -y -i "$data/davis2016/videos/blackswan.mp4" -frames:v 12 -vf scale=216:120 -c:v libx264 -crf 12 \
    "$tmp/clip.mp4"
ffmpeg -v error -y -i "$data/davis2016/Annotations/480p/blackswan/00000.png" -vf scale=216:120:flags=neighbor \
    -pix_fmt gray "$tmp/mask.png"
track=(track "$tmp/clip.mp4" --mask "$tmp/mask.png" --features lab --context 2 --quiet)
"$hue" "${track[@]}" -o "$tmp/whole" --overlay "$disk/overlay.mp4"
cp "$disk/overlay.mp4" "$tmp/overlay.mp4"
fill $((6 * 4096))
"$hue" "${track[@]}" -o "$disk/masks" 2>"$tmp/err"
rc=$?
fails_full "masks" "masks/000[0-9][0-9].png: cannot write"
n=$(ls "$disk/masks" | wc -l)
check "masks: some were written ($n)" test "$n" -gt 0
for f in "$disk"/masks/*.png; do
    check "masks: $(basename "$f") is whole" cmp -s "$f" "$tmp/whole/$(basename "$f")"
done
check "masks: the folder is marked unfinished" test -f "$disk/masks/.hue-unfinished"
check "masks: no temporary left" no_temporaries "$disk/masks"
rm -rf "$disk/masks"

# 3. a video replaced with --force: the old one stays
fill 20000
"$hue" colorize "$tmp/clip.mp4" --ref-frame 0 --features lab --context 2 -o "$disk/overlay.mp4" --force --quiet \
    2>"$tmp/err"
rc=$?
fails_full "video" "overlay.mp4"
check "video: the previous one is intact" cmp -s "$disk/overlay.mp4" "$tmp/overlay.mp4"
check "video: no temporary left" no_temporaries "$disk"

# 4. a CSV replaced with --force: the old one stays
mkdir -p "$tmp/davis/Annotations/480p"
cp -r "$tmp/whole" "$tmp/davis/Annotations/480p/clip"
mkdir "$tmp/res" && cp -r "$tmp/whole" "$tmp/res/clip"
rm -f "$disk/filler"
head -c 5000 /dev/urandom >"$disk/table.csv"
cp "$disk/table.csv" "$tmp/table.csv"
fill 0
"$hue" eval davis --results "$tmp/res" --davis "$tmp/davis" --csv "$disk/table.csv" --force --quiet >/dev/null \
    2>"$tmp/err"
rc=$?
fails_full "csv" "table.csv"
check "csv: the previous one is intact" cmp -s "$disk/table.csv" "$tmp/table.csv"
check "csv: no temporary left" no_temporaries "$disk"

check_summary
