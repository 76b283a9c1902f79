#!/usr/bin/env bash
# mom study on the recorded MMLU answers: the report lists every requested
# strategy, "agreement" is not below the best single miner, and bad miner
# names fail with a message that names them.
set -euo pipefail

: "${MOM:?set MOM to the mom binary}"
: "${MOM_SHARED_DIR:?set MOM_SHARED_DIR to the folder with data/}"
answers="$MOM_SHARED_DIR/data/mmlu-answers"
if [[ ! -d "$answers" ]]; then
  echo "skipping: no recorded answers in $answers"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$MOM" study --answers "$answers" --data "$MOM_SHARED_DIR/data/mmlu" \
  --miners gpt-4o,llama-3-70b,mixtral-8x22b --strategies vote,agreement --folds 2 --split-halves \
  --save-scoreboard "$work/scoreboard.json" > "$work/report.md"
cat "$work/report.md"

grep -q '^questions: 14045,' "$work/report.md"
best=$(sed -n 's/^| best single ([^)]*) | \([0-9.]*\) .*/\1/p' "$work/report.md")
agreement=$(sed -n 's/^| agreement | \([0-9.]*\) .*/\1/p' "$work/report.md")
echo "best single: $best, agreement: $agreement"
awk -v a="$agreement" -v b="$best" 'BEGIN { exit !(a + 0 >= b + 0) }'
grep -q '"gpt-4o"' "$work/scoreboard.json"

if "$MOM" study --answers "$answers" --miners gpt-4 2> "$work/error.txt"; then
  echo "an ambiguous miner name was accepted" >&2
  exit 1
fi
grep -q "miner 'gpt-4' is ambiguous" "$work/error.txt"

if "$MOM" study --answers "$answers" --miners no-such-model 2> "$work/error.txt"; then
  echo "an unknown miner name was accepted" >&2
  exit 1
fi
grep -q "miner 'no-such-model' matches no file" "$work/error.txt"
echo "aggregate_study: ok"
