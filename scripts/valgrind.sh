#!/usr/bin/env bash
# Runs every example under valgrind memcheck (no sanitizers; -O1 -g), failing on any invalid
# read or write, use of uninitialized memory, or leak (--error-exitcode=1).
# Usage: scripts/valgrind.sh [example...]      (default: every example that is built)
# Arguments for one example: VALGRIND_ARGS_<name>="..." (e.g. VALGRIND_ARGS_edge_collector).
# Time: about 1 minute to build, then a few seconds per example (valgrind is ~30x slower).
source "$(dirname "$0")/common.sh"
need_build_tools
need_packages valgrind
cd "$SLUICE_ROOT"

build="build/valgrind"
section "valgrind: build examples"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUICE_BUILD_TESTS=OFF \
  -DSLUICE_BUILD_BENCH=OFF -DSLUICE_BUILD_EXAMPLES=ON "-DCMAKE_CXX_FLAGS=-O1 -g" \
  $(cmake_extra_args) >/dev/null
cmake --build "$build" -j "$JOBS"

examples=("$@")
if [ ${#examples[@]} -eq 0 ]; then
  while IFS= read -r binary; do examples+=("$(basename "$binary")"); done < <(
    find "$build/examples" -maxdepth 2 -type f -perm -u+x ! -name '*.so' ! -path '*/CMakeFiles/*' | sort)
fi
[ ${#examples[@]} -gt 0 ] || { echo "no examples built"; exit 1; }

failed=()
for name in "${examples[@]}"; do
  binary=$(find "$build/examples" -maxdepth 2 -type f -name "$name" -perm -u+x | head -n 1)
  [ -n "$binary" ] || { echo "no example named $name"; failed+=("$name"); continue; }
  args_var="VALGRIND_ARGS_${name}"
  section "valgrind: $name ${!args_var:-}"
  start=$SECONDS
  # shellcheck disable=SC2086
  if valgrind --tool=memcheck --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect \
      --errors-for-leak-kinds=definite,indirect --track-origins=yes --quiet \
      "$binary" ${!args_var:-} >"$build/$name.log" 2>&1; then
    echo "clean ($((SECONDS - start)) s)"
  else
    tail -n 40 "$build/$name.log"
    failed+=("$name")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "valgrind found problems in: ${failed[*]}"
  exit 1
fi
echo "valgrind clean: ${examples[*]}"
