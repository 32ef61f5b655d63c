#!/bin/bash
# GET /api/v1/deployments/{id}/usage and GET /api/v1/billing over many usage records: the wall
# time of each request and berth's memory (VmRSS, and VmHWM = the peak), for one berth binary or
# two on the same data (e.g. before and after a change), whose usage answers are then compared.
#
#   bench/usage_memory.sh BERTH [RECORDS (default 1000000)] [OTHER_BERTH]
#
# Everything runs on 127.0.0.1 in a temporary directory (sqlite3 writes the records); every
# berth started here is stopped by its pid.
set -euo pipefail
BERTH=$(realpath "$1"); RECORDS=${2:-1000000}; OTHER=${3:+$(realpath "$3")}
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command"; exit 1; }
DIR=$(mktemp -d /tmp/berth-usage-bench.XXXXXX)
KEY=sk-usage-bench-0123456789abcdef
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
PID=
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT

start() {  # start BINARY: berth serve on $DIR/data, waits until it answers
  "$1" serve --listen 127.0.0.1:$PORT --data-dir "$DIR/data" --runtime sim --api-key $KEY \
    >>"$DIR/serve.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do curl -s $URL/healthz >/dev/null && return; sleep 0.1; done
  echo "berth did not start:"; cat "$DIR/serve.log"; exit 1
}
stop() { kill -TERM "$PID"; wait "$PID" || true; PID=; }
mb() { awk -v k="$1:" '$1 == k {printf "%.0f MB", $2 / 1024}' /proc/$PID/status; }
get() { curl -s -o "$2" -w "%{time_total}" -H "Authorization: Bearer $KEY" "$URL$1"; }

start "$BERTH"
curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"model_name":"qwen3-8b","deploy_spec":"MU1","capacity":2}' $URL/api/v1/deployments >/dev/null
stop
read -r DM DUID WS < <(sqlite3 -separator ' ' "$DIR/data/berth.db" \
  "SELECT deployed_model, uid, workspace_id FROM deployments")
NOW=$(($(date +%s%3N) - 60000)); STEP=$((86400000 / RECORDS))
sqlite3 "$DIR/data/berth.db" "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n
  WHERE i < $RECORDS - 1) INSERT INTO usage_records (deployed_model, deployment_uid,
  workspace_id, key_id, time, input_tokens, output_tokens, ptu, overflow, http_status,
  latency_ms, streamed, aborted, thinking) SELECT '$DM', '$DUID', '$WS', 'key-000000000001',
  $NOW - i * $STEP, 10 + i % 50, 20 + i % 100, 0, 0, CASE WHEN i % 97 = 0 THEN 500 ELSE 200 END,
  5 + i % 40, i % 2, i % 211 = 0, 0 FROM n"
RANGE="start=$(date -u -d '-1 day' +%Y-%m-%dT%H:00:00.000)&end=$(date -u -d '+1 hour' +%Y-%m-%dT%H:00:00.000)"

N=0
for B in "$BERTH" ${OTHER:+"$OTHER"}; do
  start "$B"
  echo "$B, $RECORDS usage records of $DM; at start: RSS $(mb VmRSS)"
  for i in 1 2 3; do
    echo "  GET usage:   $(get "/api/v1/deployments/$DM/usage?$RANGE" "$DIR/usage-$i.json") s"
  done
  echo "  after 3 usage GETs: RSS $(mb VmRSS), peak $(mb VmHWM)"
  for i in 1 2 3; do echo "  GET billing: $(get "/api/v1/billing?$RANGE" /dev/null) s"; done
  echo "  after 3 billing GETs: RSS $(mb VmRSS), peak $(mb VmHWM)"
  CURLS=()
  for i in $(seq 8); do
    get "/api/v1/deployments/$DM/usage?$RANGE" /dev/null >/dev/null &
    CURLS+=($!)
  done
  wait "${CURLS[@]}"
  echo "  after 8 concurrent usage GETs: RSS $(mb VmRSS), peak $(mb VmHWM)"
  python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['output']; print(json.dumps(d))" \
    "$DIR/usage-1.json" >"$DIR/answer-$N.json"
  N=$((N + 1))
  stop
done
if [ -n "$OTHER" ]; then
  if cmp -s "$DIR/answer-0.json" "$DIR/answer-1.json"; then
    echo "usage answers: identical"
  else
    echo "usage answers: DIFFER"
  fi
fi
