#!/usr/bin/env bash
# End to end: curl against `mom serve` with invalid JSON, a missing
# "messages" field, a 10 MB body and an unknown model gets a 4xx status with
# an OpenAI error object each time, the server keeps serving in between,
# and SIGTERM stops it with exit status 0.
set -euo pipefail

: "${MOM:?set MOM to the mom binary}"
: "${MOM_SHARED_DIR:?set MOM_SHARED_DIR to the folder with models/}"
model="$MOM_SHARED_DIR/models/stories260K.gguf"
[[ -f $model ]] || { echo "SKIP: $model not found"; exit 0; }
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 0; }
command -v node >/dev/null || { echo "SKIP: node (used to check JSON) not installed"; exit 0; }

work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/serve.toml" <<TOML
[miners.tiny]
model = "$model"
context_size = 512
parallel = 2
max_tokens = 8
temperature = 0
seed = 1

[server]
max_body_bytes = 1048576
TOML

"$MOM" serve --config "$work/serve.toml" --port 0 2>"$work/server.log" &
server_pid=$!

port=
for _ in $(seq 1 300); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/server.log" | grep -o '[0-9]*$' || true)
  if [[ -n $port ]] && [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health") == 200 ]]; then
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; echo "FAIL: mom serve exited during start-up"; exit 1; }
  sleep 0.2
done
[[ -n $port ]] || { cat "$work/server.log"; echo "FAIL: mom serve printed no listening address"; exit 1; }
url="http://127.0.0.1:$port/v1/chat/completions"

# Checks that FILE contains {"error": {"message", "type", "param", "code"}} with a non-empty message.
check_error_object() {
  node -e '
    const body = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const e = body.error;
    for (const key of ["message", "type", "param", "code"]) {
      if (!e || !(key in e)) { console.error("missing error." + key + " in " + JSON.stringify(body)); process.exit(1); }
    }
    if (!e.message) { console.error("empty error.message"); process.exit(1); }
  ' "$1"
}

# post NAME EXPECTED_STATUS CURL_DATA_ARGS...: sends a request and checks the status and error object.
post_expect_error() {
  local name=$1 expected=$2
  shift 2
  local status
  status=$(curl -s -o "$work/$name.json" -w '%{http_code}' -H 'Content-Type: application/json' "$@" "$url")
  if [[ $status != "$expected" ]]; then
    echo "FAIL: $name returned HTTP $status, expected $expected: $(head -c 300 "$work/$name.json")"
    exit 1
  fi
  check_error_object "$work/$name.json" || { echo "FAIL: $name has no OpenAI error object"; exit 1; }
  echo "ok: $name -> $status $(head -c 200 "$work/$name.json")"
  expect_still_serving "$name"
}

expect_still_serving() {
  local status
  status=$(curl -s -o "$work/ok.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"model": "tiny", "messages": [{"role": "user", "content": "Once upon a time"}]}' "$url")
  if [[ $status != 200 ]]; then
    echo "FAIL: after $1 a valid request returned HTTP $status: $(head -c 300 "$work/ok.json")"
    exit 1
  fi
}

post_expect_error invalid_json 400 -d '{"model": "tiny", "messages": ['
post_expect_error missing_messages 400 -d '{"model": "tiny"}'
head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$work/big.txt"
printf '{"model": "tiny", "messages": [{"role": "user", "content": "%s"}]}' "$(cat "$work/big.txt")" >"$work/big.json"
post_expect_error body_10mb 413 --data-binary "@$work/big.json"
post_expect_error unknown_model 404 -d '{"model": "no-such-model", "messages": [{"role": "user", "content": "Hi"}]}'
node -e 'const e = JSON.parse(require("fs").readFileSync(process.argv[1])).error;
  if (e.code !== "model_not_found") { console.error("code is " + e.code); process.exit(1); }' "$work/unknown_model.json"

kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=
if [[ $status != 0 ]]; then
  cat "$work/server.log"
  echo "FAIL: mom serve exited with status $status after SIGTERM"
  exit 1
fi
echo "PASS: every bad request got a 4xx OpenAI error object and the server kept serving"
