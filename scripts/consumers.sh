#!/usr/bin/env bash
# Builds and runs tests/consumer against sluice brought in three ways: add_subdirectory,
# FetchContent (from this git checkout) and find_package after `cmake --install`; then checks
# the installed pkg-config file.
source "$(dirname "$0")/common.sh"
need_build_tools
need_packages git pkg-config
cd "$SLUICE_ROOT"
work="build/consumers"
rm -rf "$work"
mkdir -p "$work"

consume() {
  local mode="$1"; shift
  section "consumer: $mode"
  cmake -S tests/consumer -B "$work/$mode" -G Ninja -DSLUICE_CONSUME="$mode" "$@" >/dev/null
  cmake --build "$work/$mode"
  ctest --test-dir "$work/$mode" --output-on-failure --no-tests=error
}

consume subdirectory -DSLUICE_SOURCE="$SLUICE_ROOT"
consume fetchcontent -DSLUICE_SOURCE="$SLUICE_ROOT"

section "install"
cmake -S . -B "$work/sluice" -G Ninja -DSLUICE_BUILD_TESTS=OFF -DSLUICE_BUILD_EXAMPLES=OFF \
  -DSLUICE_BUILD_BENCH=OFF -DCMAKE_INSTALL_PREFIX="$SLUICE_ROOT/$work/prefix" >/dev/null
cmake --build "$work/sluice"
cmake --install "$work/sluice" >/dev/null
consume find_package -DCMAKE_PREFIX_PATH="$SLUICE_ROOT/$work/prefix"

section "consumer: pkg-config"
export PKG_CONFIG_PATH="$SLUICE_ROOT/$work/prefix/share/pkgconfig"
# shellcheck disable=SC2046
g++ -std=c++17 $(pkg-config --cflags sluice) tests/consumer/main.cpp -o "$work/pkgconfig-consumer"
"$work/pkgconfig-consumer"
