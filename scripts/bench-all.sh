#!/usr/bin/env bash
# Runs every benchmark program one after another and keeps each one's output.
#
#   scripts/bench-all.sh [BUILD_DIR] [OUT_DIR]
#
# BUILD_DIR defaults to ./build and must hold mom and the bench_* programs
# (cmake --build BUILD_DIR --target mom bench_make_model bench_llama bench_eval
# bench_mixture bench_memory). Results go to OUT_DIR (default
# bench-results/<date>). Set BENCH_EVAL_ARGS to pass options to bench_eval,
# for example BENCH_EVAL_ARGS="--server-slots 4" to try one slot count only.
set -euo pipefail

build_dir="${1:-build}"
out_dir="${2:-bench-results/$(date +%Y%m%d-%H%M%S)}"
threads="${BENCH_THREADS:-2}"
mkdir -p "$out_dir"

model="$("$build_dir/bench/bench_make_model" --preset qwen2.5-0.5b --type q8_0)"

run() {
  local name="$1"
  shift
  echo "== $name: $*"
  "$@" 2>&1 | tee "$out_dir/$name.txt"
}

run llama "$build_dir/bench/bench_llama" --model "$model" --threads "$threads"
run mixture "$build_dir/bench/bench_mixture" --mom "$build_dir/mom"
run memory "$build_dir/bench/bench_memory" --mom "$build_dir/mom" --model "$model" --threads "$threads"
# shellcheck disable=SC2086
run eval "$build_dir/bench/bench_eval" --mom "$build_dir/mom" --model "$model" --threads "$threads" ${BENCH_EVAL_ARGS:-}
echo "results in $out_dir"
