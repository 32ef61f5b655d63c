# Sourced by the gateway benchmarks: starts `berth serve` (process runtime) with two engine-sim
# deployments and fills in what the benchmark needs to call them.
#
#   qwen3-8b  --ttft-ms 0 --itl-ms 0    instant answers, for non-streamed requests
#   qwen3-4b  --ttft-ms 0 --itl-ms 20   64 chunks at 20 ms (Busbar method), for streams
#
# Each is created with capacity 2 (one replica) and rpm/tpm limits of 1e9: the limiter is on the
# path and never binds. Expects: $berth (the binary), $work (a scratch directory), $key (the API
# key). Optional: $berth_prefix (a command berth runs under, e.g. valgrind), $BERTH_FLAGS.
# Sets: berth_pid berth_port fast_model fast_port fast_pid stream_model stream_port stream_pid,
# and engine_pids (the engines' pids, which berth leaves running when it exits: the caller's
# cleanup stops them). Defines api and json for the caller.

engine_sim_command() {  # extra engine-sim arguments (JSON) → the engines config's command
  printf '["%s","engine-sim","--port","{port}","--served-model-name","{served_model_name}",%s]' \
    "$berth" "$1"
}

start_berth_with_engines() {
  cat >"$work/engines.json" <<JSON
{"engines": {
  "qwen3-8b": {"command": $(engine_sim_command '"--ttft-ms","0","--itl-ms","0"')},
  "qwen3-4b": {"command": $(engine_sim_command '"--ttft-ms","0","--itl-ms","20","--max-num-seqs","1024"')}
}}
JSON
  ${berth_prefix:-} "$berth" serve --listen 127.0.0.1:0 --data-dir "$work/data" --api-key "$key" \
    --engines "$work/engines.json" ${BERTH_FLAGS:-} >"$work/berth.out" 2>"$work/berth.err" &
  berth_pid=$!
  # Under valgrind berth takes a while to start: up to a minute.
  for _ in $(seq 600); do grep -q listening "$work/berth.out" 2>/dev/null && break; sleep 0.1; done
  berth_port=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/berth.out" | head -1 | cut -d: -f3)
  [[ -n $berth_port ]] || { echo "berth did not start:"; cat "$work/berth.err"; exit 1; }
  read -r fast_model fast_port fast_pid < <(deploy qwen3-8b)
  engine_pids="${engine_pids:-} $fast_pid"
  read -r stream_model stream_port stream_pid < <(deploy qwen3-4b)
  engine_pids="$engine_pids $stream_pid"
}

api() {  # method path [body] → response body
  curl -sf -X "$1" "http://127.0.0.1:$berth_port$2" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' ${3:+-d "$3"}
}

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

deploy() {  # model → "deployed_model engine_port engine_pid", once RUNNING
  local id status replica
  local limits='"rpm_limit":1000000000,"tpm_limit":1000000000'  # limiter on the path, never binding
  id=$(api POST /api/v1/deployments "{\"model_name\":\"$1\",\"capacity\":2,$limits}" | json 'd["output"]["deployed_model"]')
  for _ in $(seq 600); do
    status=$(api GET "/api/v1/deployments/$id" | json 'd["output"]["status"]')
    [[ $status == RUNNING ]] && break
    sleep 0.1
  done
  [[ $status == RUNNING ]] || { echo "deployment $id is $status" >&2; exit 1; }
  replica=$(api GET "/api/v1/deployments/$id/replicas" |
    json '" ".join(str(r[k]) for r in d.get("output", d)["replicas"] for k in ("port", "pid"))')
  echo "$id $replica"
}
