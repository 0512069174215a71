#!/usr/bin/env bash
# Line coverage of include/sluice by the test suite: a GCC --coverage Debug build, the whole
# suite once (randomized tests shrunk by SLUICE_TEST_SCALE, default 25), then gcovr. Prints a
# per-header table with the uncovered lines and the total line-coverage figure; fails only if
# the build or a test fails (COVERAGE_MIN=95 makes a lower figure fail too).
# Time: about 3 minutes on 2 cores (build 2, tests and gcovr 1).
source "$(dirname "$0")/common.sh"
need_build_tools
need_packages catch2 gcovr
cd "$SLUICE_ROOT"

build="build/coverage"
section "coverage: build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUICE_BUILD_BENCH=OFF \
  -DSLUICE_BUILD_EXAMPLES=OFF -DCMAKE_CXX_COMPILER=g++ \
  "-DCMAKE_CXX_FLAGS=--coverage -fprofile-update=atomic -fno-inline -fno-elide-constructors" \
  $(cmake_extra_args) >/dev/null
cmake --build "$build" --target sluice_tests -j "$JOBS"
find "$build" -name '*.gcda' -delete

section "coverage: tests"
# One process for the whole suite (ctest would start one per test case).
# A failing test fails the script, but only after the coverage figure is printed.
tests_ok=1
(cd "$build/tests" && SLUICE_TEST_SCALE="${SLUICE_TEST_SCALE:-25}" ./sluice_tests --order rand --rng-seed 1 \
  --reporter compact >"$SLUICE_ROOT/$build/tests.log" 2>&1) || { grep -E "failed" "$build/tests.log" | tail -n 20; tests_ok=0; }
tail -n 1 "$build/tests.log"

section "coverage: include/sluice"
report="$build/coverage.txt"
# Multi-threaded tests need atomic counters (-fprofile-update=atomic above); otherwise gcov
# reports negative counts that gcovr refuses to parse.
gcovr --root . --filter 'include/sluice/' --object-directory "$build" --gcov-ignore-parse-errors \
  --exclude-unreachable-branches --exclude-throw-branches --txt "$report" --print-summary \
  >"$build/summary.txt"
cat "$report"
cat "$build/summary.txt"
figure=$(sed -n 's/^lines: \([0-9.]*\)%.*/\1/p' "$build/summary.txt")
echo "line coverage of include/sluice: ${figure}%"
if [ -n "${COVERAGE_MIN:-}" ]; then
  awk -v f="$figure" -v m="$COVERAGE_MIN" 'BEGIN { exit !(f >= m) }' ||
    { echo "below COVERAGE_MIN=${COVERAGE_MIN}%"; exit 1; }
fi
[ "$tests_ok" = 1 ] || { echo "some tests failed (see $build/tests.log)"; exit 1; }
