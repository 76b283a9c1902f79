#!/usr/bin/env bash
# Installs what is missing, builds everything and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
if [[ -f tests/node/package.json ]]; then
  (cd tests/node && npm install --no-audit --no-fund --loglevel=error)
fi
cd build
ctest --output-on-failure --timeout 600 -j "${MOM_TEST_JOBS:-2}"
