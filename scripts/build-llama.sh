#!/usr/bin/env bash
# Builds llama.cpp (libllama, ggml, llama-server, llama-bench) once and caches
# the result outside the work tree, keyed by version and build options.
#
# Source, in order of preference:
#   MOM_LLAMA_SOURCE=DIR   an existing llama.cpp checkout to build
#   otherwise              the git bundle shipped in the npm package
#                          node-llama-cpp@$NODE_LLAMA_CPP_VERSION
# MOM_LLAMA_CMAKE_ARGS adds CMake options (see below).
#
# The script prints the install prefix (include/, lib/, bin/) on its last
# line. A second run with the same key prints the cached prefix at once.
set -euo pipefail

NODE_LLAMA_CPP_VERSION=${NODE_LLAMA_CPP_VERSION:-3.21.1}
CACHE_ROOT=${MOM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mom}
JOBS=${MOM_BUILD_JOBS:-$(nproc)}

# GGML_NATIVE=OFF with explicit x86-64-v3 features: a native build on CPUs
# with Intel AMX crashes (SIGSEGV) in the AMX weight-repacking path on Q4_0 and
# Q8_0 models, and a native build would not run on other CPUs anyway.
# AVX-512 stays off so that the cached build runs on every AVX2 CPU.
CMAKE_OPTIONS=(
  -DCMAKE_BUILD_TYPE=Release
  -DBUILD_SHARED_LIBS=OFF
  -DGGML_NATIVE=OFF
  -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
  -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF
  -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON
  -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF
  -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF
)
if [[ $(uname -m) != x86_64 ]]; then
  CMAKE_OPTIONS=(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF
    -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_UI=OFF
    -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF)
fi
# Extra options for the llama.cpp build, e.g. MOM_LLAMA_CMAKE_ARGS="-DGGML_AVX512=ON"
# on a CPU known to have AVX-512. They are part of the cache key.
if [[ -n ${MOM_LLAMA_CMAKE_ARGS:-} ]]; then
  read -r -a extra_options <<<"$MOM_LLAMA_CMAKE_ARGS"
  CMAKE_OPTIONS+=("${extra_options[@]}")
fi
TARGETS=(llama ggml llama-server llama-bench)

log() { echo "build-llama: $*" >&2; }

if [[ -n ${MOM_LLAMA_SOURCE:-} ]]; then
  source_dir=$(cd "$MOM_LLAMA_SOURCE" && pwd)
  version=$(git -C "$source_dir" rev-parse --short HEAD 2>/dev/null || echo local)
  key_source="local-$(echo "$source_dir" | sha256sum | cut -c1-8)-$version"
else
  key_source="node-llama-cpp-$NODE_LLAMA_CPP_VERSION"
fi
key="$key_source-$(printf '%s\n' "${CMAKE_OPTIONS[@]}" | sha256sum | cut -c1-10)"
prefix="$CACHE_ROOT/llama.cpp/$key"

if [[ -f $prefix/.complete ]]; then
  log "reusing cached build $prefix"
  echo "$prefix"
  exit 0
fi

mkdir -p "$CACHE_ROOT/llama.cpp"
work="$prefix.partial"
rm -rf "$work"
mkdir -p "$work"

if [[ -z ${MOM_LLAMA_SOURCE:-} ]]; then
  log "fetching node-llama-cpp@$NODE_LLAMA_CPP_VERSION from the npm registry"
  (cd "$work" && npm pack --silent "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >/dev/null)
  tar -xzf "$work/node-llama-cpp-$NODE_LLAMA_CPP_VERSION.tgz" -C "$work" package/llama/gitRelease.bundle
  git clone --quiet "$work/package/llama/gitRelease.bundle" "$work/src" 2>/dev/null
  rm -rf "$work/package" "$work"/*.tgz
  source_dir="$work/src"
fi

log "building llama.cpp from $source_dir with $JOBS jobs (several minutes)"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$source_dir" -B "$work/build" "${generator[@]}" "${CMAKE_OPTIONS[@]}" >"$work/configure.log" 2>&1 \
  || { cat "$work/configure.log" >&2; exit 1; }
cmake --build "$work/build" --parallel "$JOBS" --target "${TARGETS[@]}" >"$work/build.log" 2>&1 \
  || { tail -50 "$work/build.log" >&2; exit 1; }

mkdir -p "$work/install/include" "$work/install/lib" "$work/install/bin" "$work/install/share"
cp "$source_dir"/include/llama*.h "$source_dir"/ggml/include/*.h "$work/install/include/"
find "$work/build" -name '*.a' \( -name 'libllama*' -o -name 'libggml*' \) -exec cp {} "$work/install/lib/" \;
cp "$work/build/bin/llama-server" "$work/build/bin/llama-bench" "$work/install/bin/"
cp "$source_dir"/models/ggml-vocab-*.gguf "$work/install/share/" 2>/dev/null || true
git -C "$source_dir" rev-parse HEAD >"$work/install/COMMIT" 2>/dev/null || echo unknown >"$work/install/COMMIT"
printf '%s\n' "${CMAKE_OPTIONS[@]}" >"$work/install/OPTIONS"

rm -rf "$prefix"
mv "$work/install" "$prefix"
rm -rf "$work"
touch "$prefix/.complete"
log "cached build in $prefix"
echo "$prefix"
