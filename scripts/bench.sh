#!/usr/bin/env bash
# Builds every benchmark in Release, installs the optional peers from Debian packages if
# missing, runs them all, and writes bench/results/: one CSV and one Markdown table per
# benchmark, summary.md with every ratio against its target, and charts.
# Usage: scripts/bench.sh [--build-only] [benchmark-name...] (default: all)
source "$(dirname "$0")/common.sh"
need_build_tools
need_packages libxxhash-dev libwyhash-dev robin-map-dev libabsl-dev libflathashmap-dev nlohmann-json3-dev gnuplot-nox
cd "$SLUICE_ROOT"
build=build/bench
results=bench/results
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF \
  -DSLUICE_BUILD_EXAMPLES=OFF -DSLUICE_BUILD_BENCH=ON $(cmake_extra_args) >/dev/null
cmake --build "$build" -j "$JOBS" >/dev/null
if [ "${1:-}" = "--build-only" ]; then
  echo "benchmarks built in $build/bench"
  exit 0
fi
mkdir -p "$results"

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for program in "$build"/bench/*_bench; do names+=("$(basename "$program")"); done
fi
for name in "${names[@]}"; do
  section "$name"
  "$build/bench/$name" --csv "$results/$name.csv" | tee "$results/$name.md"
done

python3 bench/summarize.py "$results" "$(${CXX:-g++} --version | head -n 1)"
if command -v gnuplot >/dev/null; then
  for plot in bench/charts/*.gp; do
    [ -e "$plot" ] && gnuplot -e "results='$results'" "$plot"
  done
fi
echo "results written to $results/"
