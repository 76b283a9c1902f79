#!/usr/bin/env bash
# Configures and builds mom into build/ (llama.cpp comes from the cache that
# scripts/build-llama.sh fills on first use).
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release ${MOM_CMAKE_ARGS:-}
cmake --build build --parallel "${MOM_BUILD_JOBS:-$(nproc)}"
