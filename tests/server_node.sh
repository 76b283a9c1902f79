#!/usr/bin/env bash
# End to end: the official OpenAI Node.js client (npm package openai, pinned
# in tests/node/package.json) against `mom serve` with local miners. Needs
# `npm install` in tests/node first, which scripts/test.sh runs.
set -euo pipefail

: "${MOM:?set MOM to the mom binary}"
: "${MOM_SOURCE_DIR:?set MOM_SOURCE_DIR to the repository root}"
: "${MOM_SHARED_DIR:?set MOM_SHARED_DIR to the folder with models/}"
command -v node >/dev/null || { echo "SKIP: node not installed"; exit 0; }

cd "$MOM_SOURCE_DIR/tests/node"
if [[ ! -d node_modules/openai ]]; then
  echo "FAIL: tests/node/node_modules/openai is missing; run 'npm install' in tests/node"
  exit 1
fi
export MOM MOM_SHARED_DIR
exec node --test
