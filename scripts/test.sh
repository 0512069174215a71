#!/usr/bin/env bash
# Installs what the tests need and runs the whole test suite (Release, GCC).
source "$(dirname "$0")/common.sh"
need_build_tools
need_packages catch2
cd "$SLUICE_ROOT"
cmake --preset release $(cmake_extra_args) >/dev/null
cmake --build --preset release -j "$JOBS"
ctest --preset release -j "$JOBS"
