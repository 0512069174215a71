#!/usr/bin/env bash
# The compiler matrix: GCC 12 and Clang 14 in C++17 and C++20, warnings as errors, each pair
# built and tested once. Usage: scripts/matrix.sh [name...]
# Names: gcc-17 gcc-20 clang-17 clang-20 (Release), asan (ASan+UBSan, GCC, C++20, Debug),
# tsan (ThreadSanitizer, Clang, C++17). The default, clang-20 asan tsan, covers the four
# pairs with scripts/test.sh's build (GCC, C++17) and builds the suite three times, not five.
source "$(dirname "$0")/common.sh"
need_build_tools
need_packages catch2 clang-14 libclang-rt-14-dev
cd "$SLUICE_ROOT"

run_config() {
  local name="$1"; shift
  section "matrix: $name"
  local build="build/matrix-$name"
  cmake -S . -B "$build" -G Ninja -DSLUICE_WERROR=ON -DSLUICE_BUILD_BENCH=OFF \
    $(cmake_extra_args) "$@" >/dev/null
  cmake --build "$build" -j "$JOBS"
  ctest --test-dir "$build" -j "$JOBS" --output-on-failure --no-tests=error
}

sanitize="-fno-omit-frame-pointer -fno-sanitize-recover=all"
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(clang-20 asan tsan)
for config in "${configs[@]}"; do
  case "$config" in
    gcc-17) run_config "$config" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++-12 -DCMAKE_CXX_STANDARD=17 ;;
    gcc-20) run_config "$config" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++-12 -DCMAKE_CXX_STANDARD=20 ;;
    clang-17) run_config "$config" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_STANDARD=17 ;;
    clang-20) run_config "$config" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_STANDARD=20 ;;
    asan)
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      run_config "$config" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=g++-12 -DCMAKE_CXX_STANDARD=20 \
        -DSLUICE_TEST_SCALE=25 -DSLUICE_HEADER_CHECK=OFF \
        "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined $sanitize" ;;
    tsan)
      TSAN_OPTIONS=halt_on_error=1 \
      run_config "$config" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_STANDARD=17 \
        -DSLUICE_TEST_SCALE=25 -DSLUICE_HEADER_CHECK=OFF "-DCMAKE_CXX_FLAGS=-fsanitize=thread $sanitize" ;;
    *) echo "unknown configuration: $config" >&2; exit 2 ;;
  esac
done
