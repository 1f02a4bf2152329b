#!/usr/bin/env bash
# The test command's sanitizer run (scripts/test.sh calls it after the normal
# tests): hue built with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-asan/ (gcc, every report fatal), then the unit, ops and video tests
# and a small end-to-end set run under it. Any sanitizer report, in a test
# or in a process a test started, fails the run. The README says what is
# and is not covered.
set -euo pipefail
cd "$(dirname "$0")/.."

werror=OFF
[ -n "${CI:-}" ] && werror=ON
flags="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUE_WERROR=$werror -DCMAKE_C_FLAGS="$flags" >/dev/null
cmake --build build-asan -j"$(nproc)"

# End to end on small frames only (216x120 clips, tiny benchmarks, short
# runs); the 480p and the long training tests are left to the normal run.
# So is the op sweep's second pass through staging buffers (6 minutes under
# ASan): test_graph_plan_staging and test_optim_staging take that path here.
e2e="test_cli_compute test_track_cli test_train_bad_input test_train_resume test_arch_metadata_cli test_eval_davis test_contrastive_methods"
tests=$(ctest --test-dir build-asan -N -L 'unit|ops|video' | sed -n 's/^ *Test *#[0-9]*: *//p' | grep -vx test_op_sweep_staging)
regex="^($(echo $tests $e2e | tr ' ' '|'))\$"

# Lavapipe's compute shaders allocate 24-byte coroutine frames aligned to
# 4096 bytes, hundreds of thousands per test. ASan's quarantine counts their
# 24 bytes, not the ~8 KB each occupies, so its default 256 MB grows a
# process by tens of GB; 1 MB keeps every test here under 1 GB. Freed
# memory is then reused sooner, so a use after free is caught only while
# the chunk waits in that smaller quarantine (typically the next thousands
# of frees). Reports go to files: a test that expects a command to fail
# would otherwise take a sanitizer's exit for the expected failure.
reports=$PWD/build-asan/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
export ASAN_OPTIONS="quarantine_size_mb=1:thread_local_quarantine_size_kb=64:malloc_context_size=10:detect_leaks=1:halt_on_error=1:exitcode=66:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=66:log_path=$reports/ubsan"
# A leak does not change a process's exit status: the reports below judge
# it (a test that expects a failure would take one for it, as above).
export LSAN_OPTIONS="exitcode=0"

# A report whose every leak was allocated directly by code that is no longer
# mapped: the Vulkan loader dlopens a driver per instance and dlcloses it at
# vkDestroyInstance, so what the driver keeps from a one-time initialisation
# (128 bytes under vkEnumeratePhysicalDevices with Debian's Mesa
# 22.3.6-1+deb12u2) becomes unreachable and is reported. Such a stack stops
# at its first frame past the allocator (the driver has no frame pointers)
# and that frame has no symbol: "<unknown module>", or whatever library was
# mapped at the freed addresses later. hue is built with frame pointers and
# symbols and stays mapped, so its leaks show its functions. (A suppression
# cannot name an unloaded module, and the slow unwinder that would reach the
# loader's frames deadlocks in dlopen.)
unloaded_driver_leaks_only() {
  awk '/ERROR: / && !/ERROR: LeakSanitizer/ { bad = 1 }
       /^(Direct|Indirect) leak/ { inleak = 1; frames = 0; next }
       inleak && /^ *#[0-9]+ / {
         frames++
         if (frames == 2 && ($0 ~ / in / || $0 !~ /\((<unknown module>|[^ ]*\+0x[0-9a-f]+)\)$/)) bad = 1
         if (frames > 2) bad = 1
         next
       }
       inleak && /^$/ { if (frames != 2) bad = 1; inleak = 0 }
       END { if (inleak && frames != 2) bad = 1; exit bad }' "$1"
}

status=0
ctest --test-dir build-asan --output-on-failure -j2 -R "$regex" || status=1
benign=0
for f in "$reports"/*; do
  [ -e "$f" ] || continue
  case $(basename "$f") in
    asan.*) if unloaded_driver_leaks_only "$f"; then benign=$((benign + 1)); continue; fi ;;
  esac
  echo "hue test (sanitizers): $f:" >&2
  cat "$f" >&2
  status=1
done
[ $benign -eq 0 ] ||
  echo "hue test (sanitizers): $benign processes reported only leaks of unloaded Vulkan driver code (not hue's)"
exit $status
