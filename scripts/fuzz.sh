#!/usr/bin/env bash
# Fuzzes hue's parsers with libFuzzer: builds the targets of tests/fuzz with
# clang (-fsanitize=fuzzer,address,undefined, every report fatal) in
# build-fuzz/, then fuzzes each for MINUTES (default 30), one after the
# other, from its seeds in tests/fuzz/<target>/. New inputs go to
# fuzz-work/<target>/ (not into the tree: copy one into the seeds by hand
# when it should become a regression test), crashes to fuzz-work/crashes/.
# Prints executions and exec/s per target; exits 1 if any target crashed.
#   scripts/fuzz.sh [MINUTES] [TARGET...]   targets: json checkpoint arch args resume mask video folder
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json checkpoint arch args resume mask video folder)

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS="$flags" >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null

work=fuzz-work
mkdir -p "$work/crashes"
# No target uses Vulkan, so ASan's defaults fit (see scripts/test_asan.sh).
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
failed=0
printf '%-12s %12s %10s %8s  %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  log="$work/$t.log"
  # -close_fd_mask=3: the targets' own messages (usage text, FFmpeg's log)
  # are dropped; libFuzzer's and the sanitizers' reports are kept.
  set +e
  "build-fuzz/tests/fuzz/fuzz_$t" -max_total_time=$((minutes * 60)) -timeout=30 -rss_limit_mb=4096 \
    -close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$work/crashes/$t-" \
    "$work/$t" "tests/fuzz/$t" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  result=ok
  if [ $rc -ne 0 ]; then
    result="FOUND: $(grep -m1 -E '^==[0-9]+==ERROR|runtime error|^SUMMARY' "$log" || echo "exit $rc") (see $log)"
    failed=1
  fi
  printf '%-12s %12s %10s %8s  %s\n' "$t" "${runs:-?}" "${secs:-?}" "$(ls "$work/$t" | wc -l)" "$result"
done
exit $failed
