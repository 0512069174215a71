#!/usr/bin/env bash
# Builds the fuzz targets of tests/fuzz (libFuzzer, clang-14, ASan+UBSan), replays each
# committed seed corpus, then fuzzes each target for FUZZ_SECONDS (default 60). Fails on any
# finding; a finding is left in build/fuzz/findings/ and should be committed as a regression
# input under tests/fuzz/corpus/<target>/ once fixed (FUZZ_KEEP_FINDINGS=1 copies it there).
#
# Usage: scripts/fuzz.sh [target...]        targets: hash arena dedup scd2 compaction dead_letter
# Environment:
#   FUZZ_SECONDS=60       fuzzing time per target (0: replay the corpus only)
#   FUZZ_REPLAY_ONLY=1    no libFuzzer: build plain replay programs with $FUZZ_CXX (default g++)
#                         and run them over the corpus (any compiler, any architecture)
#   FUZZ_CXX=clang++-14   compiler of the libFuzzer build (replay: g++, or a cross compiler with
#                         FUZZ_RUNNER="qemu-s390x -L /usr/s390x-linux-gnu", for example)
# Time: about 40 s to build all six, then 6 x FUZZ_SECONDS (about 7 minutes by default).
source "$(dirname "$0")/common.sh"
cd "$SLUICE_ROOT"

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(dead_letter hash arena dedup scd2 compaction)
seconds="${FUZZ_SECONDS:-60}"
build="$SLUICE_ROOT/build/fuzz"
mkdir -p "$build/findings"

common_flags=(-std=c++17 -g -I "$SLUICE_ROOT/include" -I "$SLUICE_ROOT/tests"
              -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror)

if [ "${FUZZ_REPLAY_ONLY:-0}" = 1 ]; then
  cxx="${FUZZ_CXX:-g++}"
  for target in "${targets[@]}"; do
    section "replay $target ($cxx)"
    "$cxx" "${common_flags[@]}" -O1 ${FUZZ_EXTRA_FLAGS:-} \
      "tests/fuzz/fuzz_$target.cpp" tests/fuzz/replay_main.cpp -o "$build/replay_$target"
    ${FUZZ_RUNNER:-} "$build/replay_$target" "tests/fuzz/corpus/$target"
  done
  exit 0
fi

cxx="${FUZZ_CXX:-clang++-14}"
need_packages clang-14 libclang-rt-14-dev
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for target in "${targets[@]}"; do
  section "fuzz $target"
  binary="$build/fuzz_$target"
  "$cxx" "${common_flags[@]}" -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    "tests/fuzz/fuzz_$target.cpp" -o "$binary"
  corpus="tests/fuzz/corpus/$target"
  work="$build/corpus_$target"
  mkdir -p "$work"
  # The committed corpus first, input by input: every regression input must still pass.
  if ! "$binary" -runs=0 "$corpus" >"$build/replay_$target.log" 2>&1; then
    tail -n 30 "$build/replay_$target.log"
    failed+=("$target (corpus)")
    continue
  fi
  echo "corpus replayed: $(find "$corpus" -type f | wc -l) inputs"
  [ "$seconds" -gt 0 ] || continue
  # New inputs go to a scratch corpus; the committed one is only read.
  if "$binary" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len=8192 \
      -print_final_stats=1 -artifact_prefix="$build/findings/$target-" \
      "$work" "$corpus" >"$build/fuzz_$target.log" 2>&1; then
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/fuzz_$target.log" | tr '\n' ' '
    echo
  else
    tail -n 40 "$build/fuzz_$target.log"
    failed+=("$target")
    if [ "${FUZZ_KEEP_FINDINGS:-0}" = 1 ]; then
      for finding in "$build/findings/$target-"*; do
        [ -e "$finding" ] && cp "$finding" "$corpus/regression-$(basename "$finding")"
      done
    fi
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]} (inputs in $build/findings)"
  exit 1
fi
echo "fuzzing clean: ${targets[*]}"
