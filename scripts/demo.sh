#!/usr/bin/env bash
# Builds the examples in Release and runs the demo (edge_collector; arguments are passed on,
# see --help). Dead letters go to build/demo/examples/edge_collector/dead_letters.jsonl.
source "$(dirname "$0")/common.sh"
need_build_tools
cd "$SLUICE_ROOT"
build=build/demo
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF \
  -DSLUICE_BUILD_BENCH=OFF $(cmake_extra_args) >/dev/null
cmake --build "$build" -j "$JOBS" >/dev/null
demo="$build/examples/edge_collector/edge_collector"
[ -x "$demo" ] || demo="$build/examples/quickstart"
exec "$demo" "$@"
