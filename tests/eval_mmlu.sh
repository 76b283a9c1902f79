#!/usr/bin/env bash
# End to end: `mom eval mmlu --limit 2` over all 57 subjects with three tiny
# local miners and an aggregator writes the four outputs with 114 questions
# per system, and a run killed with SIGKILL halfway resumes without losing or
# double-counting a question.
set -euo pipefail

: "${MOM:?set MOM to the mom binary}"
: "${MOM_SHARED_DIR:?set MOM_SHARED_DIR to the folder with models/ and data/}"
models="$MOM_SHARED_DIR/models"
data="$MOM_SHARED_DIR/data/mmlu"
for file in "$models/stories260K.gguf" "$models/TinyStories-656K-Q8_0.gguf" "$models/llama-2-tiny-random.gguf"; do
  [[ -f $file ]] || { echo "SKIP: $file not found"; exit 0; }
done
[[ -d $data/test ]] || { echo "SKIP: $data/test not found"; exit 0; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/eval.toml" <<TOML
[miners.s260k]
model = "$models/stories260K.gguf"
context_size = 2048
parallel = 4
scoring = "logprob"

[miners.s656k]
model = "$models/TinyStories-656K-Q8_0.gguf"
context_size = 1024
parallel = 4
scoring = "logprob"

[miners.random]
model = "$models/llama-2-tiny-random.gguf"
context_size = 1024
parallel = 4
scoring = "logprob"

[miners.agg]
model = "$models/stories260K.gguf"
context_size = 2048
parallel = 4
max_tokens = 6

[mixtures.mix]
layers = [["s260k", "s656k", "random"]]
aggregator = "agg"
TOML

run_eval() {
  "$MOM" eval mmlu --config "$work/eval.toml" --data "$data" --limit 2 --parallel 4 --out "$1"
}

# Checks the outputs of a finished run: 114 questions per system in the
# summary, each (question, system) pair once in results.jsonl, and the
# report's counts equal to the JSONL's.
check_outputs() {
  python3 - "$1" <<'PY'
import json, re, sys, collections
out = sys.argv[1]
for name in ("results.jsonl", "summary.json", "report.md", "chart.svg", "run.json"):
    open(f"{out}/{name}").close()
lines = [json.loads(l) for l in open(f"{out}/results.jsonl")]
pairs = collections.Counter((l["question_id"], l["system"]) for l in lines)
dupes = [p for p, n in pairs.items() if n > 1]
assert not dupes, f"pairs written twice: {dupes[:5]}"
systems = ["s260k", "s656k", "random", "mix"]
summary = json.load(open(f"{out}/summary.json"))
assert summary["questions"] == 114, summary["questions"]
report = open(f"{out}/report.md").read()
for system in systems:
    rows = [l for l in lines if l["system"] == system]
    assert len(rows) == 114, (system, len(rows))
    assert len({r["question_id"] for r in rows}) == 114, system
    correct = sum(r["correct"] for r in rows)
    s = summary["systems"][system]
    assert s["total"] == 114, (system, s["total"])
    assert s["correct"] == correct, (system, s["correct"], correct)
    assert len(s["by_subject"]) == 57, (system, len(s["by_subject"]))
    row = re.search(r"^\| " + re.escape(system) + r" \| \w+ \| [0-9.]+% \((\d+)/(\d+)\)", report, re.M)
    assert row, f"no report row for {system}"
    assert (int(row.group(1)), int(row.group(2))) == (correct, 114), (system, row.groups(), correct)
assert "chance level" in report, "report does not say the systems are at chance level"
for system in systems:
    s = summary["systems"][system]
    lettered = sum(1 for l in lines if l["system"] == system and l["letter"])
    assert sum(s["letters"].values()) == lettered, (system, s["letters"], lettered)
mix = summary["systems"]["mix"]
mix_lines = [l for l in lines if l["system"] == "mix"]
assert mix["aggregator_failed"] == sum(1 for l in mix_lines if l["aggregator_error"]), mix["aggregator_failed"]
assert mix["answered_with_best_proposal"] == sum(l["answered_with_best_proposal"] for l in mix_lines)
for note in summary["notes"]:
    assert "- " + note in report, f"note missing from report.md: {note}"
for test in summary["paired_tests"]:
    cells = [test[k] for k in ("both_correct", "only_mixture_correct", "only_system_correct", "both_wrong")]
    assert sum(cells) == 114, (test["system"], cells)
assert "<svg" in open(f"{out}/chart.svg").read()
print("ok:", {s: summary["systems"][s]["correct"] for s in systems})
PY
}

echo "== full run"
run_eval "$work/full" >"$work/full.log" 2>&1 || { cat "$work/full.log"; exit 1; }
check_outputs "$work/full"

echo "== SIGKILL halfway, then resume"
# exec, so that $! is mom itself and not a subshell that would die alone.
(exec "$MOM" eval mmlu --config "$work/eval.toml" --data "$data" --limit 2 --parallel 4 --out "$work/killed") \
  >"$work/killed.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  lines=$( { wc -l <"$work/killed/results.jsonl"; } 2>/dev/null || echo 0)
  ((lines >= 228)) && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
before=$(wc -l <"$work/killed/results.jsonl")
echo "killed with $before lines written"
((before < 456)) || { echo "FAIL: the run finished before it could be killed"; exit 1; }
run_eval "$work/killed" >"$work/resume.log" 2>&1 || { cat "$work/resume.log"; exit 1; }
check_outputs "$work/killed"

echo "== a changed prompt setting is rejected"
if "$MOM" eval mmlu --config "$work/eval.toml" --data "$data" --limit 2 --shots 1 --out "$work/full" \
    >"$work/changed.log" 2>&1; then
  echo "FAIL: --shots 1 on a 0-shot folder was accepted"; exit 1
fi
grep -q "other settings" "$work/changed.log" || { cat "$work/changed.log"; exit 1; }
echo "PASS"
