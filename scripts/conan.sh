#!/usr/bin/env bash
# Creates the Conan 2 package and runs its test_package, offline.
source "$(dirname "$0")/common.sh"
need_build_tools
python3 -m conans.conan --version >/dev/null 2>&1 || python3 -m pip install --quiet "conan>=2,<3"
conan() { python3 -m conans.conan "$@"; }
cd "$SLUICE_ROOT"
export CONAN_HOME="${CONAN_HOME:-$SLUICE_ROOT/build/conan-home}"
conan profile detect --exist-ok >/dev/null
conan remote disable "*" >/dev/null 2>&1 || true
conan create . --build=missing -c tools.cmake.cmaketoolchain:generator=Ninja \
  -s compiler.cppstd=17
