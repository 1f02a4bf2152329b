#!/usr/bin/env bash
# The checkpoints hue writes all probe: one of 'hue pretrain --method
# supervised' (trunk, fc layer and SGD state: the fc and the state are
# ignored; 64 features at width 0.125), one of 'hue train-video' (input L,
# dense, up to layer3, a projection: 32 features of layer3 at width 0.125,
# its training size 32 the default; and the same with --input lab), the
# shipped video model (128 features at width 0.5), and a two-trunk file (rgb under "", ab under "ab_to_l.",
# plus a head and optimizer state: 64 + 128 features, the rgb trunk's equal
# to those of the same trunk alone). Run with their defaults, the JSON must
# say what --help says they are (k 200, T 0.1; 100 epochs, lr 0.1, batch
# 256) and the accuracies must be fractions.
# usage: probe_checkpoints.sh PROBE_TOOL (HUE_BIN, HUE_DATA, HUE_SOURCE from ctest)
set -uo pipefail
tool=$1
here=$(cd "$(dirname "$0")" && pwd)
hue=${HUE_BIN:?HUE_BIN is not set}
data=${HUE_DATA:-$here/../../../shared/data}
src=${HUE_SOURCE:-$here/../..}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-probeckpt-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail=0

# 30 training and 10 test images of each class (300 training images: the default batch and k fit)
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" --wildcards 'train/*/000?.jpg' 'train/*/001?.jpg' 'train/*/002?.jpg' \
    'test/*/000?.jpg' || exit 1
"$hue" pretrain --method supervised --data . --width 0.125 --batch 32 --max-steps 3 --out sup.ckpt --quiet \
    --backend cpu >/dev/null || exit 1
"$hue" train-video --clips "$src/samples/davis/videos" --size 32 --steps 2 --width 0.125 --out video.ckpt \
    --quiet >/dev/null || exit 1
"$hue" train-video --clips "$src/samples/davis/videos" --size 32 --steps 2 --width 0.125 --input lab \
    --out video-lab.ckpt --quiet >/dev/null || exit 1
"$tool" multi multi.ckpt || exit 1
"$tool" random rgb.ckpt 0.125 1 || exit 1

# field NAME FILE: a number or list of a --json line
field() {
    sed -n "s/.*\"$1\": \(\[[^]]*\]\|[^,}]*\).*/\1/p" "$2"
}
# probe NAME WANT_DIM WANT_INPUTS WANT_SIZE -- ARGS: both probes, their JSON checked
probe() {
    local name=$1 dim=$2 inputs=$3 size=$4
    shift 5
    for what in knn linear; do
        if ! "$hue" eval $what --data . --json --quiet "$@" >$name.$what 2>err; then
            echo "FAIL: $name: hue eval $what: $(cat err)"
            fail=1
            continue
        fi
        local got="$(field feature_dim $name.$what) $(field inputs $name.$what) $(field size $name.$what)"
        local top1=$(field top1 $name.$what)
        if [ "$got" != "$dim $inputs $size" ] || ! awk -v a="$top1" 'BEGIN { exit !(a >= 0 && a <= 1) }'; then
            echo "FAIL: $name: $what: feature_dim, inputs, size '$got' (want '$dim $inputs $size'), top-1 '$top1'"
            fail=1
        else
            echo "ok: $name: $what: $dim features, inputs $inputs at size $size, top-1 $top1"
        fi
    done
}

probe supervised 64 '["rgb"]' 32 -- --model sup.ckpt
probe train-video 32 '["l"]' 32 -- --model video.ckpt
probe train-video-lab 32 '["lab"]' 32 -- --model video-lab.ckpt
probe shipped-video 128 '["lab"]' 32 -- --model "$src/samples/model/hue-video.ckpt" --size 32
probe two-trunks 192 '["rgb", "ab"]' 32 -- --model multi.ckpt

# defaults: what --help says is what runs
"$hue" eval knn --help >knn.help && "$hue" eval linear --help >linear.help || fail=1
for want in "knn.help:--k K .*\(default 200;" "knn.help:--temperature T .*\(default 0.1\)" \
    "linear.help:--epochs E .*\(default 100\)" "linear.help:--lr LR .*\(default 0.1\)" \
    "linear.help:--batch B .*\(default 256;" "linear.help:--weight-decay WD .*\(default 0\)"; do
    grep -Eq -- "${want#*:}" "${want%%:*}" || { echo "FAIL: ${want%%:*} lacks '${want#*:}'"; fail=1; }
done
got="$(field k supervised.knn) $(field temperature supervised.knn) $(field epochs supervised.linear)"
got="$got $(field lr supervised.linear) $(field batch supervised.linear) $(field weight_decay supervised.linear)"
if [ "$got" != "200 0.1 100 0.1 256 0" ]; then
    echo "FAIL: the defaults run as k, T, epochs, lr, batch, weight decay = $got (--help: 200 0.1 100 0.1 256 0)"
    fail=1
else
    echo "ok: the defaults run as --help says: $got"
fi

# the two-trunk file's rgb trunk gives the features of the same trunk alone
if /usr/bin/python3 -c "import numpy" 2>/dev/null; then
    "$hue" eval knn --model multi.ckpt --data . --k 5 --quiet --save-features multi.st >/dev/null &&
        "$hue" eval knn --model rgb.ckpt --data . --k 5 --quiet --save-features rgb.st >/dev/null || fail=1
    /usr/bin/python3 - <<'PY' || fail=1
import json, struct
import numpy as np
def load(path, name):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    d = json.loads(raw[8:8 + n])[name]
    a, b = d["data_offsets"]
    return np.frombuffer(raw[8 + n + a:8 + n + b], dtype=np.float32).reshape(d["shape"])
m, r = load("multi.st", "test.features"), load("rgb.st", "test.features")
same = m.shape == (100, 192) and r.shape == (100, 64) and np.array_equal(m[:, :64], r)
ab_differs = not np.allclose(m[:, 64:], 0)
print("%s: the two-trunk features start with the rgb trunk's alone (%s, %s), the ab trunk's are not zero"
      % ("ok" if same and ab_differs else "FAIL", m.shape, r.shape))
raise SystemExit(0 if same and ab_differs else 1)
PY
else
    echo "skipped: the two-trunk features against one trunk's (no NumPy)"
fi
exit $fail
