#!/usr/bin/env bash
# Checks that need real engines on a GPU machine (docs/runtime.md, "Engine kinds"). Runs only
# where `nvidia-smi` works and the engines are installed; needs no network (the models must be
# on disk already). Prints what it saw; exits 0 unless the script itself breaks.
#
#   BERTH=build/berth \
#   GPU_MODEL=/models/Qwen3-0.6B GPU_LORA=/models/loras/qwen3-0.6b-sql \
#   scripts/gpu-check.sh
#
# GPU_MODEL: a small Hugging Face model directory both vLLM and SGLang can load.
# GPU_LORA:  a PEFT adapter directory for it (rank <= 64).
# Checks: SGLang's /health through berth's prober; a vLLM LoRA load with and without
# VLLM_ALLOW_RUNTIME_LORA_UPDATING; a group SIGTERM during a 20 s stream; kill -9 of vLLM's API
# server followed by a look for GPU workers that outlive it.
set -u
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1
BERTH=${BERTH:-build/berth}
MODEL=${GPU_MODEL:-}
LORA=${GPU_LORA:-}
PY=${PYTHON:-python3}
WORK=$(mktemp -d /tmp/berth-gpu-check.XXXXXX)
STARTED=()  # process groups this script started; killed on exit
PID=0

say() { printf '%s\n' "$*"; }
skip() { say "gpu-check: skipped: $*"; exit 0; }
cleanup() {
  for g in "${STARTED[@]:-}"; do [ -n "$g" ] && kill -KILL -- "-$g" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1 || skip "no GPU (nvidia-smi)"
[ -n "$MODEL" ] && [ -d "$MODEL" ] || skip "GPU_MODEL is not a model directory"
[ -x "$BERTH" ] || skip "no berth binary at $BERTH"
HAVE_VLLM=0; command -v vllm >/dev/null && HAVE_VLLM=1
HAVE_SGLANG=0; $PY -c 'import sglang' 2>/dev/null && HAVE_SGLANG=1
say "gpu-check: $(nvidia-smi -L | head -1); vllm: $HAVE_VLLM; sglang: $HAVE_SGLANG"

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# http METHOD PORT PATH [JSON]: prints "<status> <first 200 bytes of the body>".
http() {
  $PY - "$@" <<'PYEOF'
import http.client, sys
method, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
body = sys.argv[4] if len(sys.argv) > 4 else None
try:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request(method, path, body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    print(r.status, r.read()[:200].decode(errors="replace").replace("\n", " "))
except OSError as e:
    print("-", e)
PYEOF
}

# start NAME CMD...: runs CMD in its own session (a process group), logs to $WORK/NAME.log;
# its pid (and process group) is left in $PID. Not in $(...): STARTED must see it.
start() {
  local name=$1; shift
  setsid "$@" >"$WORK/$name.log" 2>&1 &
  PID=$!
  STARTED+=("$PID")
}

wait_health() {  # PORT SECONDS
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(http GET "$1" /health | cut -d' ' -f1)" = 200 ] && return 0
    sleep 2
  done
  return 1
}

group_left() { ps -o pid=,comm= -g "$1" 2>/dev/null | tr '\n' ' '; }

check_sglang_health() {
  [ $HAVE_SGLANG = 1 ] || { say "sglang health: skipped (no sglang)"; return; }
  cat >"$WORK/engines.json" <<JSON
{"engines": {"*": {"kind": "sglang", "startup_timeout_s": 900, "model_path": "$MODEL",
  "command": ["$PY", "-m", "sglang.launch_server", "--model-path", "{model_path}",
              "--host", "127.0.0.1", "--port", "{port}", "--served-model-name", "{served_model_name}"]}}}
JSON
  local port; port=$(free_port)
  start berth "$BERTH" serve --runtime process --engines "$WORK/engines.json" \
    --listen "127.0.0.1:$port" --data-dir "$WORK/data" --api-key gpu-check-admin-key
  local pid=$PID
  sleep 3
  local auth=(-H "Authorization: Bearer gpu-check-admin-key" -H "Content-Type: application/json")
  local dm; dm=$(curl -s "${auth[@]}" "http://127.0.0.1:$port/api/v1/deployments" \
    -d '{"model_name": "qwen3-8b", "capacity": 2}' | $PY -c 'import json,sys; print(json.load(sys.stdin)["output"]["deployed_model"])' 2>/dev/null)
  local status="" deadline=$((SECONDS + 900))
  while [ $SECONDS -lt $deadline ]; do
    status=$(curl -s "${auth[@]}" "http://127.0.0.1:$port/api/v1/deployments/$dm" | $PY -c 'import json,sys; print(json.load(sys.stdin)["output"]["status"])' 2>/dev/null)
    [ "$status" = RUNNING ] || [ "$status" = FAILED ] && break
    sleep 5
  done
  say "sglang health through berth's prober: deployment $dm is $status"
  curl -s "${auth[@]}" "http://127.0.0.1:$port/api/v1/deployments/$dm/replicas" | head -c 600; echo
  curl -s -X DELETE "${auth[@]}" "http://127.0.0.1:$port/api/v1/deployments/$dm" >/dev/null
  sleep 40
  kill -TERM "$pid"; sleep 2; kill -KILL -- "-$pid" 2>/dev/null
}

vllm() {  # PORT [ENV=VALUE...]: starts vllm serve with LoRA enabled; its pid in $PID
  local port=$1; shift
  start "vllm-$port" env "$@" vllm serve "$MODEL" --host 127.0.0.1 --port "$port" \
    --served-model-name base --enable-lora --max-lora-rank 64 --gpu-memory-utilization 0.5
}

check_vllm_lora() {
  [ $HAVE_VLLM = 1 ] && [ -n "$LORA" ] || { say "vllm lora: skipped (no vllm or GPU_LORA)"; return; }
  for allow in "" True; do
    local port; port=$(free_port)
    vllm "$port" ${allow:+VLLM_ALLOW_RUNTIME_LORA_UPDATING=$allow}
    local pid=$PID
    if wait_health "$port" 900; then
      say "vllm lora load, VLLM_ALLOW_RUNTIME_LORA_UPDATING='$allow': $(http POST "$port" /v1/load_lora_adapter "{\"lora_name\":\"a\",\"lora_path\":\"$LORA\"}")"
    else
      say "vllm lora: engine not healthy; see $WORK/vllm-$port.log"
    fi
    kill -TERM -- "-$pid"; sleep 10; kill -KILL -- "-$pid" 2>/dev/null
  done
}

check_vllm_sigterm_and_kill9() {
  [ $HAVE_VLLM = 1 ] || { say "vllm signals: skipped (no vllm)"; return; }
  local port; port=$(free_port)
  vllm "$port"
  local pid=$PID
  wait_health "$port" 900 || { say "vllm signals: engine not healthy"; return; }
  # A stream of about 20 s, then SIGTERM to the whole group after 5 s.
  ( http POST "$port" /v1/completions '{"model":"base","prompt":"Count:","max_tokens":4000,"min_tokens":4000,"stream":true}' >"$WORK/stream.out" ) &
  local client=$!
  sleep 5
  local t0=$SECONDS
  kill -TERM -- "-$pid"
  while [ -n "$(group_left "$pid")" ] && [ $((SECONDS - t0)) -lt 60 ]; do sleep 1; done
  wait "$client"
  say "vllm group SIGTERM during a stream: group gone after $((SECONDS - t0)) s; left: [$(group_left "$pid")]; client saw: $(head -c 200 "$WORK/stream.out")"
  kill -KILL -- "-$pid" 2>/dev/null

  port=$(free_port)
  vllm "$port"
  pid=$PID
  wait_health "$port" 900 || { say "vllm kill -9: engine not healthy"; return; }
  kill -KILL "$pid"
  sleep 5
  say "vllm kill -9 of the API server: processes left in its group: [$(group_left "$pid")]"
  say "GPU compute processes now: $(nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader | tr '\n' ';')"
  kill -KILL -- "-$pid" 2>/dev/null
}

check_sglang_health
check_vllm_lora
check_vllm_sigterm_and_kill9
say "gpu-check: done (logs were in $WORK)"
