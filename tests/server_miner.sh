#!/usr/bin/env bash
# End to end: `mom miner` serves one GGUF model under its file stem (or
# --name), returns plain and streamed chat completions, requires the bearer
# key from --api-key-env, and exits with status 0 on SIGINT.
set -euo pipefail

: "${MOM:?set MOM to the mom binary}"
: "${MOM_SHARED_DIR:?set MOM_SHARED_DIR to the folder with models/}"
model="$MOM_SHARED_DIR/models/stories260K.gguf"
[[ -f $model ]] || { echo "SKIP: $model not found"; exit 0; }
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 0; }
command -v node >/dev/null || { echo "SKIP: node (used to check JSON) not installed"; exit 0; }

work=$(mktemp -d)
miner_pid=
cleanup() {
  if [[ -n $miner_pid ]] && kill -0 "$miner_pid" 2>/dev/null; then
    kill -KILL "$miner_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

export MOM_MINER_TEST_KEY=miner-test-key
"$MOM" miner --model "$model" --port 0 --name story --parallel 2 --context-size 256 \
  --api-key-env MOM_MINER_TEST_KEY 2>"$work/miner.log" &
miner_pid=$!

port=
for _ in $(seq 1 300); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/miner.log" | grep -o '[0-9]*$' || true)
  if [[ -n $port ]] && [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health") == 200 ]]; then
    break
  fi
  kill -0 "$miner_pid" 2>/dev/null || { cat "$work/miner.log"; echo "FAIL: mom miner exited during start-up"; exit 1; }
  sleep 0.2
done
[[ -n $port ]] || { cat "$work/miner.log"; echo "FAIL: mom miner printed no listening address"; exit 1; }
base="http://127.0.0.1:$port/v1"
auth="Authorization: Bearer $MOM_MINER_TEST_KEY"

status=$(curl -s -o "$work/noauth.json" -w '%{http_code}' "$base/models")
[[ $status == 401 ]] || { echo "FAIL: /v1/models without a key returned HTTP $status, expected 401"; exit 1; }

curl -sf -H "$auth" "$base/models" >"$work/models.json"
node -e 'const ids = JSON.parse(require("fs").readFileSync(process.argv[1])).data.map((m) => m.id);
  if (ids.join() !== "story") { console.error("models are " + ids.join()); process.exit(1); }' "$work/models.json"
echo "ok: /v1/models lists story"

request='{"model": "story", "messages": [{"role": "user", "content": "Once upon a time"}], "max_tokens": 8, "temperature": 0}'
curl -sf -H "$auth" -H 'Content-Type: application/json' -d "$request" "$base/chat/completions" >"$work/plain.json"
node -e 'const body = JSON.parse(require("fs").readFileSync(process.argv[1]));
  const choice = body.choices[0];
  if (body.object !== "chat.completion" || typeof choice.message.content !== "string" ||
      !["stop", "length"].includes(choice.finish_reason) || !(body.usage.completion_tokens > 0)) {
    console.error(JSON.stringify(body)); process.exit(1);
  }' "$work/plain.json"
echo "ok: plain completion $(head -c 200 "$work/plain.json")"

stream_request='{"model": "story", "messages": [{"role": "user", "content": "Once upon a time"}], "max_tokens": 8, "stream": true, "stream_options": {"include_usage": true}}'
curl -sfN -H "$auth" -H 'Content-Type: application/json' -d "$stream_request" "$base/chat/completions" >"$work/stream.txt"
node -e 'const events = require("fs").readFileSync(process.argv[1], "utf8").split("\n\n").filter((e) => e.startsWith("data: "));
  if (events[events.length - 1] !== "data: [DONE]") { console.error("last event: " + events[events.length - 1]); process.exit(1); }
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
  if (!chunks.some((c) => c.choices.length && c.choices[0].finish_reason)) { console.error("no finish_reason"); process.exit(1); }
  const last = chunks[chunks.length - 1];
  if (last.choices.length !== 0 || !(last.usage.completion_tokens > 0)) { console.error("no usage chunk"); process.exit(1); }' \
  "$work/stream.txt"
echo "ok: streamed completion with usage and [DONE]"

kill -INT "$miner_pid"
status=0
wait "$miner_pid" || status=$?
miner_pid=
if [[ $status != 0 ]]; then
  cat "$work/miner.log"
  echo "FAIL: mom miner exited with status $status after SIGINT"
  exit 1
fi
echo "PASS: mom miner served plain and streamed completions and stopped on SIGINT"
