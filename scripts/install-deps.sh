#!/usr/bin/env bash
# Installs the Debian 12 packages mom needs to build and test, when missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build git pkg-config ca-certificates curl
  nlohmann-json3-dev libcurl4-openssl-dev libcpp-httplib-dev libspdlog-dev
  libcli11-dev libtomlplusplus-dev libgtest-dev libgmock-dev libbenchmark-dev
)
# Node.js and npm fetch node-llama-cpp (the llama.cpp source) and run the
# OpenAI client tests; a machine that already has them keeps its own.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
