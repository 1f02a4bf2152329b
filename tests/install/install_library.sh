#!/usr/bin/env bash
# Installs the build into a temporary prefix, moves the prefix elsewhere (an
# installed hue is relocatable), and builds the installed example,
# share/doc/hue/examples/track_clip.c, against it: with CMake's
# find_package(hue), shared (hue::hue) and static (hue::hue_static), and with
# pkg-config, shared and static. Each build tracks samples/davis (car-shadow)
# with LAB features and must give what `hue track` gives: the same masks,
# byte for byte, and the J&F `hue eval davis` computes; through libhue.so on
# the Vulkan backend (its embedded shaders), masks that agree with the CPU
# backend's.
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue binary}
src=${HUE_SOURCE:?HUE_SOURCE must name the source folder}
build=${HUE_BUILD:?HUE_BUILD must name the build folder}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"
export LC_ALL=C
clip=$src/samples/davis/videos/car-shadow.mp4
truth=$src/samples/davis/Annotations/480p/car-shadow

cmake --install "$build" --prefix "$tmp/staging" >"$tmp/install.log"
check "cmake --install exits 0" test $? -eq 0
mv "$tmp/staging" "$tmp/prefix"
P=$tmp/prefix
version=$(sed -n 's/^project(hue VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
check "the project's version ($version)" test -n "$version"

# what is installed
check "bin/hue runs: hue --version" contains <("$P/bin/hue" --version) "^hue $version (commit "
check "libhue.a" test -f "$P/lib/libhue.a"
so=$(readlink -f "$P/lib/libhue.so")
check "libhue.so -> libhue.so.$version" test "$(basename "$so")" = "libhue.so.$version"
check "libhue.so's SONAME carries the ABI version" contains <(readelf -d "$so") "SONAME.*\[libhue\.so\.${version%.*}\]"
# the exports: exactly the functions the installed headers declare
nm -D --defined-only "$so" | awk '{print $3}' | sort -u >"$tmp/exported.txt"
for h in "$P"/include/hue/*.h; do cc -fpreprocessed -dD -E -P "$h"; done | grep -o 'hue_[a-z0-9_]*(' | tr -d '(' |
    sort -u >"$tmp/declared.txt"  # comments stripped: they name functions too
check "libhue.so exports every function the headers declare ($(comm -13 "$tmp/exported.txt" "$tmp/declared.txt" | head -3 | tr '\n' ' '))" \
    test -z "$(comm -13 "$tmp/exported.txt" "$tmp/declared.txt")"
check "libhue.so exports nothing else ($(comm -23 "$tmp/exported.txt" "$tmp/declared.txt" | head -3 | tr '\n' ' '))" \
    test -z "$(comm -23 "$tmp/exported.txt" "$tmp/declared.txt")"
check "the umbrella header" test -f "$P/include/hue/hue.h"
check "no internal header installed" test -z "$(ls "$P/include/hue" | grep -e _internal -e '^vk_' -e '^cpu_')"
check "every header hue.h includes is installed" bash -c "
    grep -o '^#include \"[a-z_]*\\.h\"' '$P/include/hue/hue.h' | cut -d'\"' -f2 | while read -r h; do
        test -f '$P/include/hue/'\$h || { echo \"missing \$h\"; exit 1; }
    done"
check "hue-config.cmake" test -f "$P/lib/cmake/hue/hue-config.cmake"

# pkg-config: found from the moved prefix, with the static case's dependencies
export PKG_CONFIG_PATH=$P/lib/pkgconfig
check "pkg-config: libhue $version" test "$(pkg-config --modversion libhue)" = "$version"
check "pkg-config --cflags: the moved prefix's include/" contains <(pkg-config --cflags libhue) "-I$P/lib/pkgconfig/../../include"
static_libs=$(pkg-config --static --libs libhue)
for lib in -lhue -lavformat -lavcodec -lavutil -lswscale -lpng16 -lvulkan -ldnnl -lgomp -lpthread -lm; do
    check "pkg-config --static --libs has $lib" contains <(echo " $static_libs ") " $lib "
done
if readelf -d "$so" | grep -q 'NEEDED.*libmpi'; then  # built with MPI
    check "pkg-config --static --libs has -lmpi" contains <(echo " $static_libs ") " -lmpi "
fi

# the example, four ways
ex=$P/share/doc/hue/examples
check "the example is installed" test -f "$ex/track_clip.c" -a -f "$ex/CMakeLists.txt"
warn="-Wall -Wextra -Wpedantic -Werror"
for kind in shared static; do
    static=OFF
    [ $kind = static ] && static=ON
    cmake -S "$ex" -B "$tmp/cmake-$kind" -DCMAKE_PREFIX_PATH="$P" -DHUE_STATIC=$static -DCMAKE_C_FLAGS="$warn" \
        >"$tmp/cmake-$kind.log" 2>&1 && cmake --build "$tmp/cmake-$kind" >>"$tmp/cmake-$kind.log" 2>&1
    check "CMake find_package(hue) build, $kind" test -x "$tmp/cmake-$kind/track_clip"
    [ -x "$tmp/cmake-$kind/track_clip" ] || cat "$tmp/cmake-$kind.log"
done
check "CMake, shared: needs libhue.so" contains <(readelf -d "$tmp/cmake-shared/track_clip") "NEEDED.*libhue\.so"
check "CMake, static: no libhue.so" test -z "$(readelf -d "$tmp/cmake-static/track_clip" | grep 'NEEDED.*libhue')"
cc -std=c11 $warn "$ex/track_clip.c" $(pkg-config --cflags --libs libhue) -Wl,-rpath,"$P/lib" -o "$tmp/pc-shared"
check "pkg-config build, shared" test -x "$tmp/pc-shared"
# libhue.a, with the packages it needs linked shared (Debian's FFmpeg has
# no static libraries for `pkg-config --static` to link)
cc -std=c11 $warn "$ex/track_clip.c" $(pkg-config --cflags libhue) "$P/lib/libhue.a" \
    $(pkg-config --libs $(pkg-config --print-requires-private libhue)) $(pkg-config --variable=hue_deps libhue) \
    -o "$tmp/pc-static"
check "pkg-config build, static" test -x "$tmp/pc-static"
check "pkg-config, static: no libhue.so" test -z "$(readelf -d "$tmp/pc-static" | grep 'NEEDED.*libhue')"

# what hue itself gives on the clip (CPU backend)
"$hue" track "$clip" --mask "$truth/00000.png" --features lab --backend cpu -o "$tmp/hue/car-shadow" --quiet
check "hue track exits 0" test $? -eq 0
"$hue" eval davis --results "$tmp/hue" --davis "$src/samples/davis" --json --quiet >"$tmp/eval.json"
jf=$(sed -n '1s/^{"jf_mean": \([0-9.]*\),.*/\1/p' "$tmp/eval.json")
check "hue eval davis gives a J&F ($jf)" test -n "$jf"

same_masks() {  # same_masks DIR N: DIR holds hue track's first N masks, byte for byte
    local i f
    [ "$(ls "$1" | wc -l)" -eq "$2" ] || { echo "$1: $(ls "$1" | wc -l) masks, not $2"; return 1; }
    for ((i = 0; i < $2; i++)); do
        f=$(printf '%05d.png' $i)
        cmp -s "$1/$f" "$tmp/hue/car-shadow/$f" || { echo "$1/$f differs from hue track's"; return 1; }
    done
}

# CMake, shared: the whole clip, the masks and J&F of hue track and hue eval davis
HUE_BACKEND=cpu "$tmp/cmake-shared/track_clip" "$clip" "$truth/00000.png" --truth "$truth" --out "$tmp/ex-cmake-shared" \
    >"$tmp/ex.txt"
check "track_clip (CMake, shared) exits 0" test $? -eq 0
check "track_clip: 40 frames" test "$(grep -c '^frame [0-9]*: [0-9]* pixels' "$tmp/ex.txt")" -eq 40
check "track_clip (CMake, shared): hue track's 40 masks" same_masks "$tmp/ex-cmake-shared" 40
check "track_clip (CMake, shared): J&F $jf as hue eval davis" contains "$tmp/ex.txt" "^J&F $jf (J .*) over 38 frames, 1 object$"
tail -n 1 "$tmp/ex.txt"

# the other builds on the first 6 frames (the masks are those of the whole run's first 6)
HUE_BACKEND=cpu "$tmp/cmake-static/track_clip" "$clip" "$truth/00000.png" --frames 6 --out "$tmp/ex-cmake-static" >/dev/null
check "track_clip (CMake, static): hue track's first 6 masks" same_masks "$tmp/ex-cmake-static" 6
HUE_BACKEND=cpu "$tmp/pc-static" "$clip" "$truth/00000.png" --frames 6 --out "$tmp/ex-pc-static" >/dev/null
check "track_clip (pkg-config, static): hue track's first 6 masks" same_masks "$tmp/ex-pc-static" 6

# libhue.so on the Vulkan backend (shaders embedded in the library; the
# validation layer on): masks that agree with the CPU backend's
mkdir -p "$tmp/cpu6/Annotations/480p/car-shadow" "$tmp/ex-vk"
cp "$tmp/hue/car-shadow/0000"[0-5].png "$tmp/cpu6/Annotations/480p/car-shadow/"
HUE_BACKEND=vulkan HUE_VALIDATE=1 "$tmp/pc-shared" "$clip" "$truth/00000.png" --frames 6 --out "$tmp/ex-vk/car-shadow" \
    >"$tmp/ex-vk.txt"
check "track_clip (pkg-config, shared) on Vulkan exits 0" test $? -eq 0
"$hue" eval davis --results "$tmp/ex-vk" --davis "$tmp/cpu6" --json --quiet >"$tmp/agree.json"
check "Vulkan through libhue.so agrees with the CPU backend (J&F >= 0.98)" python3 -c "
import json, sys; d = json.load(open('$tmp/agree.json')); print('J&F of Vulkan against CPU', d['jf_mean'])
sys.exit(d['jf_mean'] < 0.98)"

# a usage error and a missing file: the example says so
"$tmp/pc-shared" "$clip" >/dev/null 2>"$tmp/err.txt"
check "track_clip without FIRST.png: exit 2" test $? -eq 2
"$tmp/pc-shared" "$tmp/none.mp4" "$truth/00000.png" >/dev/null 2>"$tmp/err.txt"
check "track_clip, a missing video: exit 1" test $? -eq 1
check "track_clip, a missing video: names it" contains "$tmp/err.txt" "none.mp4"

check_summary
