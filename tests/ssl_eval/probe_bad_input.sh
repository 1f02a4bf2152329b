#!/usr/bin/env bash
# Bad input to 'hue eval knn' and 'hue eval linear': each case must end
# with one line on stderr, starting "hue eval knn:" (or "linear:") and
# naming the problem, and exit status 2 for a usage error (a flag missing,
# unknown or out of range) or 1 for a runtime one (the model, the data, k or
# the batch larger than the training set). Nothing may crash.
# usage: probe_bad_input.sh PROBE_TOOL (HUE_BIN, HUE_DATA from ctest)
set -uo pipefail
tool=$1
here=$(cd "$(dirname "$0")" && pwd)
hue=${HUE_BIN:?HUE_BIN is not set}
data=${HUE_DATA:-$here/../../../shared/data}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hue-probebad-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail=0

# 4 training and 2 test images of each class
tar -xzf "$data/cifar10/cifar10_jpg.tar.gz" --wildcards 'train/*/000[0-3].jpg' 'test/*/000[01].jpg' || exit 1
mkdir good && mv train test good/
"$tool" random model.ckpt 0.125 0 || exit 1
"$tool" notrunk notrunk.ckpt || exit 1
"$tool" broken missing.ckpt missing || exit 1
"$tool" broken nan.ckpt nan || exit 1
echo "not a checkpoint" >text.ckpt
head -c 3000 model.ckpt >cut.ckpt

# expect NAME STATUS PATTERN -- ARGS: runs hue, checks the exit status, that
# stderr is one line starting "hue eval <what>:" and that it matches PATTERN.
expect() {
    local name=$1 want=$2 pattern=$3
    shift 4
    "$hue" "$@" >out 2>err
    local got=$? what=$2
    if [ "$got" -ne "$want" ] || [ "$(wc -l <err)" -ne 1 ] || ! grep -q "^hue eval $what: " err ||
        ! grep -Eq -- "$pattern" err; then
        echo "FAIL: $name: exit $got (want $want), stderr:"
        sed 's/^/    /' err
        fail=1
    else
        echo "ok: $name: exit $got: $(cat err)"
    fi
}

k=(eval knn --model model.ckpt --data good)
l=(eval linear --model model.ckpt --data good)
expect "no flags" 2 "--model CKPT and --data DIR are required" -- eval knn
expect "no --model" 2 "--model CKPT and --data DIR are required" -- eval knn --data good
expect "no --data" 2 "--model CKPT and --data DIR are required" -- eval linear --model model.ckpt
expect "unknown flag" 2 "unknown option '--kk'" -- "${k[@]}" --kk 3
expect "flag without its value" 2 "--k needs a value" -- "${k[@]}" --k
expect "unexpected argument" 2 "unexpected argument 'extra'" -- "${k[@]}" extra
expect "--k 0" 2 "--k 0: expected an integer from 1" -- "${k[@]}" --k 0
expect "--k -3" 2 "--k -3: expected an integer from 1" -- "${k[@]}" --k -3
expect "--k 2.5" 2 "--k 2.5: expected an integer" -- "${k[@]}" --k 2.5
expect "--temperature 0" 2 "--temperature 0: expected a number above 0" -- "${k[@]}" --temperature 0
expect "--temperature -0.1" 2 "--temperature -0.1: expected a number above 0" -- "${k[@]}" --temperature -0.1
expect "--temperature nan" 2 "--temperature nan: expected a number" -- "${k[@]}" --temperature nan
expect "--temperature 1e-50" 2 "--temperature 1e-50: too small" -- "${k[@]}" --temperature 1e-50
expect "--size 4" 2 "--size 4: expected an integer from 8 to 1024" -- "${k[@]}" --size 4
expect "--batch 0" 2 "--batch 0: expected an integer from 1" -- "${k[@]}" --batch 0
expect "--backend metal" 2 "metal" -- "${k[@]}" --backend metal
expect "k larger than the training set" 1 "--k 41 is larger than the 40 training images of good/train" -- \
    "${k[@]}" --k 41
expect "a checkpoint without a trunk" 1 "notrunk.ckpt: no trunk to measure: its metadata has neither" -- \
    eval knn --model notrunk.ckpt --data good
expect "a text file as checkpoint" 1 "text.ckpt" -- eval knn --model text.ckpt --data good
expect "a truncated checkpoint" 1 "cut.ckpt" -- eval knn --model cut.ckpt --data good
expect "no such checkpoint" 1 "nothere.ckpt" -- eval knn --model nothere.ckpt --data good
expect "a tensor missing" 1 "missing.ckpt: no tensor 'layer4.1.bn2.running_var'" -- \
    eval knn --model missing.ckpt --data good --k 5
expect "a NaN in a tensor" 1 "nan.ckpt: tensor 'layer2.0.conv1.weight' holds NaN at index 0" -- \
    eval knn --model nan.ckpt --data good --k 5

expect "no such data folder" 1 "nodata: no such folder" -- eval knn --model model.ckpt --data nodata
mkdir -p notest && cp -r good/train notest/
expect "no test split" 1 "notest/test: no such folder" -- eval knn --model model.ckpt --data notest
mkdir -p one/train one/test && cp -r good/train/cat one/train/ && cp -r good/test/cat one/test/
expect "a dataset with one class" 1 "one/train has one class \('cat'\): a probe needs at least 2" -- \
    eval knn --model model.ckpt --data one
cp -r good other && mv other/test/truck other/test/zebra
expect "splits with different classes" 1 "label 9 is class 'truck' in other/train but 'zebra' in other/test" -- \
    eval knn --model model.ckpt --data other
cp -r good emptyclass && rm emptyclass/test/dog/*.jpg
expect "a class folder without images" 1 "emptyclass/test/dog: class folder has no images" -- \
    eval knn --model model.ckpt --data emptyclass
: >exists.safetensors
expect "--save-features over a file" 1 "exists.safetensors" -- "${k[@]}" --save-features exists.safetensors
expect "--save-features onto the model" 1 "model.ckpt" -- "${k[@]}" --save-features model.ckpt --force

expect "linear: --epochs 0" 2 "--epochs 0: expected an integer from 1" -- "${l[@]}" --epochs 0
expect "linear: --lr -1" 2 "--lr -1: expected a number from 0" -- "${l[@]}" --lr -1
expect "linear: --weight-decay 2" 2 "--weight-decay 2: expected a number from 0 to 1" -- "${l[@]}" --weight-decay 2
expect "linear: --batch 0" 2 "--batch 0: expected an integer from 1" -- "${l[@]}" --batch 0
expect "linear: unknown flag" 2 "unknown option '--k'" -- "${l[@]}" --k 5
expect "linear: batch larger than the training set" 1 "--batch 41 is larger than the 40 training images" -- \
    "${l[@]}" --batch 41
expect "linear: a checkpoint without a trunk" 1 "notrunk.ckpt: no trunk" -- eval linear --model notrunk.ckpt --data good
expect "linear: a dataset with one class" 1 "has one class" -- eval linear --model model.ckpt --data one
expect "linear: splits with different classes" 1 "'truck' in other/train but 'zebra' in other/test" -- eval linear --model model.ckpt --data other

# the model survives an attempt to write features onto it
"$hue" eval knn --model model.ckpt --data good --k 5 --quiet >/dev/null 2>err ||
    { echo "FAIL: the model no longer loads: $(cat err)"; fail=1; }
exit $fail
