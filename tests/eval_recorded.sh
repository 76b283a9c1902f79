#!/usr/bin/env bash
# `mom eval mmlu` on the ten models' recorded MMLU answers (replay miners of
# examples/recorded/all10.toml) over the whole test split, with every label
# strategy as a system of its own. Checks: every system covers all 14,079
# questions, and the 34 questions the recorded files do not cover count as
# failed miner calls. The strategies that do not learn from the right
# answers agree with `mom study`, and the report states the cross-fitting.
set -euo pipefail

: "${MOM:?set MOM to the mom binary}"
: "${MOM_SOURCE_DIR:?set MOM_SOURCE_DIR to the repository}"
: "${MOM_SHARED_DIR:?set MOM_SHARED_DIR to the folder with data/}"
answers="$MOM_SHARED_DIR/data/mmlu-answers"
data="$MOM_SHARED_DIR/data/mmlu"
if [[ ! -d $answers || ! -d $data/test ]]; then
  echo "SKIP: no recorded answers in $answers or no MMLU data in $data"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The shipped config, with its replay paths pointed at this MMLU answers folder.
sed "s#\"[./]*shared/data/mmlu-answers/#\"$answers/#" "$MOM_SOURCE_DIR/examples/recorded/all10.toml" \
  > "$work/all10.toml"
strategies=vote,weighted-vote,subject-weights,dawid-skene,agreement,best-miner,select

"$MOM" eval mmlu --config "$work/all10.toml" --data "$data" --strategies "$strategies" --folds 2 \
  --out "$work/out" > "$work/stdout.txt" 2> "$work/stderr.txt"
cat "$work/stdout.txt"

"$MOM" study --answers "$answers" --data "$data" --strategies "$strategies" --folds 2 \
  --miners claude-3-opus,gemini-1.5-flash,gemini-1.5-pro,text-unicorn,llama-3-70b,mixtral-8x22b,gpt-4-0613,gpt-4-1106,gpt-4o,palmyra-x-v3 \
  > "$work/study.md"

node - "$work/out/summary.json" "$work/study.md" <<'JS'
const fs = require("fs");
const summary = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const study = fs.readFileSync(process.argv[3], "utf8");
const fail = (message) => { console.error("FAIL: " + message); process.exit(1); };

const systems = summary.systems;
const names = Object.keys(systems);
if (names.length !== 10 + 1 + 7) fail(`expected 18 systems, got ${names.length}: ${names}`);
for (const name of names) {
  if (systems[name].total !== 14079) fail(`${name} has ${systems[name].total} questions, expected 14079`);
}
// 34 rows of the 2020 CSVs have no recorded answer: failed calls for every miner.
if (systems["gpt-4o"].errors !== 34) fail(`gpt-4o has ${systems["gpt-4o"].errors} errors, expected 34`);

// Over the 14,045 covered questions, strategies that are not fitted on the
// right answers must give exactly what `mom study` reports.
for (const name of ["vote", "dawid-skene", "best-miner"]) {
  const match = study.match(new RegExp(`^\\| ${name} \\| ([0-9.]+) \\|`, "m"));
  if (!match) fail(`mom study did not report ${name}`);
  const aligned = (100 * systems[name].correct / 14045).toFixed(2);
  if (aligned !== match[1]) fail(`${name}: eval ${aligned}% of 14045, study ${match[1]}%`);
}
console.log("summary checks passed");
JS

grep -q "cross-fitted over 2 folds" "$work/out/report.md"
grep -q "runs its strategy agreement unfitted" "$work/out/report.md"
# Failed calls are logged for the first few questions of each miner, then counted.
grep -q "failed calls system=gpt-4o count=34" "$work/stderr.txt"
echo "PASS"
