#!/usr/bin/env bash
# Cross-compiles the test suite for aarch64 (NEON), 32-bit ARM and big-endian s390x with
# Debian's cross compilers and runs it under qemu-user. Usage: scripts/cross.sh [triple...]
source "$(dirname "$0")/common.sh"
triples=("$@")
[ ${#triples[@]} -gt 0 ] || triples=(aarch64-linux-gnu arm-linux-gnueabihf s390x-linux-gnu)
need_build_tools
need_packages catch2 qemu-user
for triple in "${triples[@]}"; do need_packages "g++-$triple"; done
cd "$SLUICE_ROOT"

for triple in "${triples[@]}"; do
  section "cross: $triple"
  build="build/cross-$triple"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_WERROR=ON \
    -DCMAKE_TOOLCHAIN_FILE="$SLUICE_ROOT/cmake/toolchains/$triple.cmake" \
    -DSLUICE_BUILD_BENCH=OFF -DSLUICE_BUILD_EXAMPLES=OFF -DSLUICE_HEADER_CHECK=OFF -DSLUICE_TEST_SCALE="${SLUICE_CROSS_TEST_SCALE:-20}" \
    $(cmake_extra_args) >/dev/null
  cmake --build "$build" -j "$JOBS"
  ctest --test-dir "$build" -j "$JOBS" --output-on-failure --no-tests=error
done
