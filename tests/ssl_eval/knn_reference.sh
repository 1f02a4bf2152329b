#!/usr/bin/env bash
# hue eval knn against a NumPy reference on the same features: on a CIFAR-10
# subset (100 training and 50 test images per class, 32x32) and a
# random-init ResNet-18 of width 0.25, 'hue eval knn --save-features' writes
# the pooled features it computed; NumPy normalises them, takes each test
# image's k most similar training images (float64, equal similarities: the
# earlier image), weights exp(sim / T) and votes. Every prediction, and the
# top-1 and top-5 that --json prints, must be the reference's, for the
# defaults (k 200, T 0.1) and for k 7, T 0.5. The labels saved must be the
# folders' (class i = the i-th folder by name, 50 test images each).
# Exit 77 (skipped) when /usr/bin/python3 lacks NumPy.
# usage: knn_reference.sh PROBE_TOOL (HUE_BIN, HUE_DATA from ctest)
set -uo pipefail
tool=$1
here=$(cd "$(dirname "$0")" && pwd)
hue=${HUE_BIN:?HUE_BIN is not set}
data=${HUE_DATA:-$here/../../../shared/data}
py=/usr/bin/python3
if ! "$py" -c "import numpy" 2>/dev/null; then
    echo "skipped: $py lacks NumPy (Debian: python3-numpy)"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-knnref-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" --wildcards 'train/*/00[0-9]?.jpg' 'test/*/00[0-4]?.jpg' || exit 1
"$tool" random model.ckpt 0.25 7 || exit 1

fail=0
run() {  # NAME K T [flags...]
    local name=$1 k=$2 t=$3
    shift 3
    if ! "$hue" eval knn --model model.ckpt --data . --json --quiet --save-features "$name.safetensors" "$@" \
        >"$name.json" 2>"$name.err"; then
        echo "FAIL: $name: hue eval knn failed:"
        cat "$name.err"
        fail=1
        return
    fi
    cat "$name.json"
    "$py" - "$name.safetensors" "$name.json" "$k" "$t" <<'PY' || fail=1
import json, struct, sys
import numpy as np

path, out, k, T = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
raw = open(path, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
body = raw[8 + n:]

def tensor(name):
    d = header[name]
    a, b = d["data_offsets"]
    dtype = {"F32": np.float32, "I64": np.int64}[d["dtype"]]
    return np.frombuffer(body[a:b], dtype=dtype).reshape(d["shape"])

xtr, ytr = tensor("train.features").astype(np.float64), tensor("train.labels")
xte, yte = tensor("test.features").astype(np.float64), tensor("test.labels")
pred_hue = tensor("test.knn_prediction")
got = json.load(open(out))
ok = True
def check(cond, what):
    global ok
    print(("ok: " if cond else "FAIL: ") + what)
    ok = ok and bool(cond)

C = 10
check(np.array_equal(ytr, np.repeat(np.arange(C), 100)) and np.array_equal(yte, np.repeat(np.arange(C), 50)),
      "labels follow the class folders (100 training, 50 test images each)")
check(xtr.shape[1] == got["feature_dim"] == 128 and np.isfinite(xtr).all() and np.isfinite(xte).all(),
      "%d finite features per image (width 0.25: 128)" % xtr.shape[1])
xtr /= np.maximum(np.linalg.norm(xtr, axis=1, keepdims=True), 1e-12)
xte /= np.maximum(np.linalg.norm(xte, axis=1, keepdims=True), 1e-12)
sim = xte @ xtr.T
# stable sort of -sim: equal similarities keep the earlier training image first
idx = np.argsort(-sim, axis=1, kind="stable")[:, :k]
w = np.exp(np.take_along_axis(sim, idx, axis=1) / T)
scores = np.zeros((len(yte), C))
for c in range(C):
    scores[:, c] = (w * (ytr[idx] == c)).sum(axis=1)
pred = scores.argmax(axis=1)  # the first maximum: the lowest class on a tie
mine = scores[np.arange(len(yte)), yte][:, None]
rank = (scores > mine).sum(axis=1) + ((scores == mine) & (np.arange(C)[None, :] < yte[:, None])).sum(axis=1)
top1, top5 = (pred == yte).mean(), (rank < 5).mean()
diff = int((pred != pred_hue).sum())
check(diff == 0, "k %d, T %g: %d of %d predictions differ from the reference" % (k, T, diff, len(yte)))
check(abs(got["top1"] - top1) < 5e-7 and abs(got["top5"] - top5) < 5e-7,
      "top-1 %.4f / top-5 %.4f, reference %.4f / %.4f" % (got["top1"], got["top5"], top1, top5))
check(got["k"] == k and abs(got["temperature"] - T) < 1e-6 and got["train_images"] == 1000
      and got["test_images"] == 500, "the JSON names k, T and the images")
check(top1 > 0.13, "top-1 %.3f above chance (0.10)" % top1)
sys.exit(0 if ok else 1)
PY
}

run defaults 200 0.1
run k7 7 0.5 --k 7 --temperature 0.5 --threads 3 --batch 96
exit $fail
