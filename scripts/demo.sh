#!/usr/bin/env bash
# The main job on a fresh clone. It installs what is missing and builds mom.
# Then it evaluates the demo mixture (three tiny local models and an
# aggregator, examples/demo.toml) against each of its miners on a sample of
# every subject of the MMLU test split, and prints where the report is.
#
# Environment: MOM_MMLU_DIR (default ../shared/data/mmlu beside the repo),
# DEMO_LIMIT questions per subject (default 3), DEMO_OUT (default out/demo),
# DEMO_PARALLEL questions in flight (default 4).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh

data=${MOM_MMLU_DIR:-../shared/data/mmlu}
if [[ ! -d $data/test ]]; then
  echo "demo: MMLU data not found in $data; set MOM_MMLU_DIR to a folder with dev/, val/ and test/" >&2
  echo "demo: (the official copy is https://people.eecs.berkeley.edu/~hendrycks/data.tar)" >&2
  exit 2
fi
out=${DEMO_OUT:-out/demo}

start=$SECONDS
build/mom eval mmlu --config examples/demo.toml --data "$data" --split test \
  --limit "${DEMO_LIMIT:-3}" --parallel "${DEMO_PARALLEL:-4}" --out "$out"

echo
echo "demo: evaluation took $((SECONDS - start)) s"
echo "demo: report in $out/report.md, chart in $out/chart.svg, numbers in $out/summary.json"
