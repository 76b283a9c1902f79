#!/usr/bin/env bash
# End to end: `mom ask` on a mixture of three local tiny models and one remote
# `mom miner`, then with a miner at a closed port and one that never answers,
# then with every miner failing, then with three layers.
set -euo pipefail

: "${MOM:?set MOM to the mom binary}"
: "${MOM_SHARED_DIR:?set MOM_SHARED_DIR to the folder with models/}"
models="$MOM_SHARED_DIR/models"
for file in "$models/stories260K.gguf" "$models/TinyStories-656K-Q8_0.gguf" "$models/llama-2-tiny-random.gguf"; do
  [[ -f $file ]] || { echo "SKIP: $file not found"; exit 0; }
done

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_http() {
  local url=$1
  for _ in $(seq 1 200); do
    curl -fsS "$url" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "nothing answered at $url within 20 s"
}

# The remote miner: a real `mom miner` on loopback.
remote_port=$(free_port)
"$MOM" miner --model "$models/stories260K.gguf" --name remote-stories --host 127.0.0.1 --port "$remote_port" \
  --context-size 1024 >"$work/miner.log" 2>&1 &
pids+=($!)
wait_for_http "http://127.0.0.1:$remote_port/v1/models"

# A server that accepts connections and never answers: the kernel completes
# the TCP handshake for the listen backlog, so requests just wait.
stall_port=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
time.sleep(3600)
' "$stall_port" &
pids+=($!)

# A port with nothing listening: connections are refused.
closed_port=$(free_port)

# Every miner stops at the first full stop, so the tiny story models end
# with finish reason "stop" instead of running into max_tokens.
miner_settings='max_tokens = 96
temperature = 0
seed = 7
stop = ["."]'

cat >"$work/mom.toml" <<TOML
[miners.stories]
model = "$models/stories260K.gguf"
context_size = 1024
$miner_settings

[miners.tinystories]
model = "$models/TinyStories-656K-Q8_0.gguf"
context_size = 1024
$miner_settings

[miners.random]
model = "$models/llama-2-tiny-random.gguf"
context_size = 1024
$miner_settings

[miners.remote]
url = "http://127.0.0.1:$remote_port/v1"
model = "remote-stories"
context_size = 1024
$miner_settings

[miners.closed]
url = "http://127.0.0.1:$closed_port/v1"
model = "nobody"

[miners.stalled]
url = "http://127.0.0.1:$stall_port/v1"
model = "silent"

[miners.aggregator]
model = "$models/stories260K.gguf"
context_size = 2048
$miner_settings

[mixtures.four]
layers = [["stories", "tinystories", "random", "remote"]]
aggregator = "aggregator"

[mixtures.degraded]
layers = [["stories", "tinystories", "random", "remote", "closed", "stalled"]]
aggregator = "aggregator"
deadline_ms = 3000

[mixtures.broken]
layers = [["closed", "stalled"]]
aggregator = "aggregator"
deadline_ms = 2000

# TinyStories-656K's tokenizer cannot encode "[" and the reference headers
# contain it, so only stories260K models read references here.
[mixtures.deep]
layers = [["stories", "tinystories"], ["stories", "remote"], ["remote"]]
aggregator = "aggregator"
references = "user"
TOML

question="Once upon a time, a little fox"

echo "== four proposals"
"$MOM" ask --config "$work/mom.toml" --mixture four --trace "$work/four.json" "$question" >"$work/four.out"
[[ -s $work/four.out ]] || fail "mom ask printed no answer"
jq -e '.layers | length == 1' "$work/four.json" >/dev/null || fail "trace should have one layer"
jq -e '.layers[0] | length == 4' "$work/four.json" >/dev/null || fail "trace should list four proposals"
jq -e '[.layers[0][] | select(.usage.completion_tokens > 0 and .usage.prompt_tokens > 0 and .latency_ms > 0)] | length == 4' \
  "$work/four.json" >/dev/null || fail "every proposal needs token counts and a latency: $(jq -c '.layers[0]' "$work/four.json")"
jq -e '[.layers[0][] | select(.status == "ok")] | length >= 1' "$work/four.json" >/dev/null || fail "no proposal succeeded"
jq -e '.aggregators[0].status == "ok" or .aggregators[0].status == "truncated"' "$work/four.json" >/dev/null ||
  fail "the aggregator should answer: $(jq -c '.aggregators' "$work/four.json")"
jq -e '.usage.completion_tokens == ([.layers[0][].usage.completion_tokens] + [.aggregators[].usage.completion_tokens] | add)' \
  "$work/four.json" >/dev/null || fail "total usage should be the sum over all calls"

summarize() {
  jq -c '[.layers[][] | {miner, status, ms: (.latency_ms | floor), prompt: .usage.prompt_tokens, completion: .usage.completion_tokens}]' "$1"
}
summarize "$work/four.json"

echo "== closed port and a stalled miner"
start=$(date +%s%N)
"$MOM" ask --config "$work/mom.toml" --mixture degraded --trace "$work/degraded.json" --show-proposals "$question" \
  >"$work/degraded.out" 2>"$work/degraded.err"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[[ -s $work/degraded.out ]] || fail "mom ask printed no answer"
grep -q -- "--- proposal: layer 1, miner closed, error" "$work/degraded.err" || fail "--show-proposals should list the closed miner"
jq -e '.layers[0][] | select(.miner == "closed") | .status == "error"' "$work/degraded.json" >/dev/null ||
  fail "the closed port should be marked error"
jq -e '.layers[0][] | select(.miner == "stalled") | .status == "timeout"' "$work/degraded.json" >/dev/null ||
  fail "the stalled miner should be marked timeout"
aggregator_ms=$(jq '.aggregators | map(.latency_ms) | add' "$work/degraded.json")
total_ms=$(jq '.total_ms' "$work/degraded.json")
python3 -c "import sys; total, agg = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if total <= 3000 + agg + 1000 else 1)" \
  "$total_ms" "$aggregator_ms" || fail "run took $total_ms ms, over the 3000 ms deadline plus $aggregator_ms ms of aggregation"
summarize "$work/degraded.json"
echo "degraded run: trace total ${total_ms} ms, aggregator ${aggregator_ms} ms, process ${elapsed_ms} ms"

echo "== every miner failing"
set +e
"$MOM" ask --config "$work/mom.toml" --mixture broken --trace "$work/broken.json" "$question" >"$work/broken.out" 2>"$work/broken.err"
status=$?
set -e
[[ $status -ne 0 ]] || fail "mom ask should exit non-zero when every miner fails"
grep -q "no miner of layer 1 answered" "$work/broken.err" || fail "unclear message: $(cat "$work/broken.err")"
jq -e '.aggregators | length == 0' "$work/broken.json" >/dev/null || fail "the aggregator must not be called"

echo "== three layers"
"$MOM" ask --config "$work/mom.toml" --mixture deep --trace "$work/deep.json" "$question" >"$work/deep.out"
[[ -s $work/deep.out ]] || fail "mom ask printed no answer"
jq -e '.layers | length == 3' "$work/deep.json" >/dev/null || fail "trace should have three layers"
jq -e '[.layers[0][] | select(.status == "ok") | .used_as_reference] | all' "$work/deep.json" >/dev/null ||
  fail "layer 1's proposals should be references for layer 2"
jq -e '[.layers[1][] | select(.status == "ok") | .used_as_reference] | all' "$work/deep.json" >/dev/null ||
  fail "layer 2's proposals should be references for layer 3"

echo "PASS"
