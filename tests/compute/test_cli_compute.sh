#!/usr/bin/env bash
# hue devices, hue bench and the pipeline cache, as a user runs them.
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue binary}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"

# devices: text marks the picked device, JSON parses and has the fields
"$hue" devices >"$tmp/dev.txt"; check "devices exits 0" test $? -eq 0
check "devices marks the picked device" contains "$tmp/dev.txt" '^\* device'
check "devices shows the subgroup size" contains "$tmp/dev.txt" 'subgroup size'
"$hue" devices --json >"$tmp/dev.json"
check "devices lists the CPU backend" contains "$tmp/dev.txt" '^  cpu backend: .*oneDNN'
check "devices says what hue uses" contains "$tmp/dev.txt" '^hue uses the .* backend'
check "devices --json is JSON with the picked device" python3 -c "
import json,sys; d=json.load(open('$tmp/dev.json'))
assert d['picked'] >= 0 and d['devices'][d['picked']]['picked'] is True
assert all(k in d['devices'][0] for k in ('name','type','driver','heaps','subgroup_size','max_storage_buffer_range'))"
"$hue" devices --device 99 2>"$tmp/err.txt"; check "devices --device 99 exits 1" test $? -eq 1
check "devices --device 99 says why" contains "$tmp/err.txt" 'only [0-9]* Vulkan device'
HUE_DEVICE=abc "$hue" bench gemm --m 8 --n 8 --k 8 2>"$tmp/err.txt"; check "bad HUE_DEVICE exits 1" test $? -eq 1
check "bad HUE_DEVICE is named" contains "$tmp/err.txt" 'HUE_DEVICE=abc'

# no Vulkan driver: devices says so (naming the package) and that the CPU
# backend computes; auto runs on the CPU backend; --backend vulkan exits 1
nodrv() { VK_DRIVER_FILES=/nonexistent VK_ICD_FILENAMES=/nonexistent "$@"; }
nodrv "$hue" devices >"$tmp/out.txt" 2>&1
check "no driver: devices exits 0" test $? -eq 0
check "no driver: devices names mesa-vulkan-drivers" contains "$tmp/out.txt" 'mesa-vulkan-drivers'
check "no driver: devices says the CPU backend is used" contains "$tmp/out.txt" 'hue uses the cpu backend: auto (no Vulkan device'
nodrv "$hue" bench gemm --m 8 --n 8 --k 8 --runs 1 >/dev/null 2>&1
check "no driver: bench gemm runs on the CPU backend" test $? -eq 0
HUE_VALIDATE=0 nodrv "$hue" bench gemm --m 8 --n 8 --k 8 --backend vulkan 2>"$tmp/err.txt" >/dev/null
check "no driver: --backend vulkan exits 1" test $? -eq 1
check "no driver: --backend vulkan names mesa-vulkan-drivers" contains "$tmp/err.txt" 'mesa-vulkan-drivers'
check "no driver: --backend vulkan, one line" test "$(wc -l <"$tmp/err.txt")" -eq 1

# backend choice: bad names are usage errors, bad HUE_THREADS a runtime one
"$hue" bench gemm --backend gpu 2>"$tmp/err.txt"; check "--backend gpu exits 2" test $? -eq 2
check "--backend gpu is named" contains "$tmp/err.txt" "--backend 'gpu': expected auto, vulkan or cpu"
HUE_BACKEND=fast "$hue" bench gemm 2>"$tmp/err.txt"; check "HUE_BACKEND=fast exits 1" test $? -eq 1
check "HUE_BACKEND=fast is named" contains "$tmp/err.txt" "HUE_BACKEND 'fast'"
for t in 0 abc -2; do
    HUE_THREADS=$t "$hue" bench gemm --backend cpu 2>"$tmp/err.txt"
    check "HUE_THREADS=$t exits 1" test $? -eq 1
    check "HUE_THREADS=$t is named" contains "$tmp/err.txt" "HUE_THREADS='$t'"
done
"$hue" bench gemm --m 40 --n 36 --k 20 --runs 2 --json --backend cpu >"$tmp/gemm-cpu.json"
check "bench gemm --backend cpu" python3 -c "
import json; d=json.load(open('$tmp/gemm-cpu.json')); assert d['median_ms'] > 0 and d['device'].startswith('CPU'), d"
HUE_PROFILE=1 "$hue" bench conv --batch 2 --size 12 --runs 1 --backend cpu 2>"$tmp/prof-cpu.txt" >/dev/null
check "profile on the CPU backend lists conv2d" contains "$tmp/prof-cpu.txt" '^  conv2d  *1 '

# the rest is the Vulkan backend's (dispatches, pipeline cache)
export HUE_BACKEND=vulkan

# bench: JSON with gflops and the shape; usage errors exit 2
"$hue" bench gemm --m 40 --n 36 --k 20 --runs 2 --json >"$tmp/gemm.json"
check "bench gemm --json" python3 -c "
import json; d=json.load(open('$tmp/gemm.json')); assert d['gflops'] > 0 and (d['m'],d['n'],d['k'])==(40,36,20)"
"$hue" bench conv --batch 2 --size 12 --runs 1 --json >"$tmp/conv.json"
check "bench conv --json" python3 -c "
import json; d=json.load(open('$tmp/conv.json')); assert d['gflops'] > 0 and d['batch']==2 and d['kernel']==3"
"$hue" bench gemm --m 0 2>/dev/null; check "bench gemm --m 0 exits 2" test $? -eq 2
"$hue" bench conv --kernel 9 --size 3 --pad 0 2>/dev/null; check "oversized kernel exits 2" test $? -eq 2
"$hue" bench nothing 2>/dev/null; check "unknown bench exits 2" test $? -eq 2
"$hue" bench gemm --help >"$tmp/help.txt"; check "bench gemm --help exits 0" test $? -eq 0
check "bench gemm --help speaks of GFLOP/s" contains "$tmp/help.txt" GFLOP

# pipeline cache: written on first use, a corrupt file is ignored and rewritten
export XDG_CACHE_HOME=$tmp/cache
HUE_PROFILE=1 "$hue" bench gemm --m 16 --n 16 --k 16 --runs 1 2>"$tmp/prof.txt" >/dev/null
check "profile lists the op with its dispatches" contains "$tmp/prof.txt" 'matmul  *1  *1 '
check "profile reports pipelines" contains "$tmp/prof.txt" 'pipelines: 1 created'
HUE_PROFILE=nodes "$hue" bench conv --batch 2 --in 3 --out 4 --size 8 --runs 1 2>"$tmp/nodes.txt" >/dev/null
check "profile=nodes lists each node with its output shape" contains "$tmp/nodes.txt" ' 0 conv2d  *2x4x8x8  *2 '
cache=$(ls "$tmp"/cache/hue/pipelines-*.bin 2>/dev/null | head -n 1)
check "pipeline cache written under XDG_CACHE_HOME/hue" test -n "$cache"
if [ -n "$cache" ]; then
    check "cache file has hue's header" contains "$cache" 'HUEPC001'
    echo "not a pipeline cache" >"$cache"
    HUE_PROFILE=1 "$hue" bench gemm --m 16 --n 16 --k 16 --runs 1 2>"$tmp/prof2.txt" >/dev/null
    check "corrupt cache: still runs" test $? -eq 0
    check "corrupt cache: said so" contains "$tmp/prof2.txt" 'ignoring pipeline cache'
    check "corrupt cache: rewritten" contains "$cache" 'HUEPC001'
fi


# which hue this is; hue help CMD is hue CMD --help
"$hue" --version >"$tmp/version.txt"
check "--version: exit 0" test $? -eq 0
check "--version: the version and the commit" grep -qE '^hue [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]+(\+dirty)?|unknown)\)$' \
    "$tmp/version.txt"
"$hue" version >"$tmp/version2.txt"
check "version: as --version" cmp -s "$tmp/version.txt" "$tmp/version2.txt"
"$hue" help track >"$tmp/help1.txt"
check "help track: exit 0" test $? -eq 0
"$hue" track --help >"$tmp/help2.txt"
check "help track: is track --help" cmp -s "$tmp/help1.txt" "$tmp/help2.txt"
"$hue" help nothing 2>"$tmp/err.txt" >/dev/null
check "help of an unknown command: exit 2" test $? -eq 2

check_summary
