#!/usr/bin/env bash
# Instructions berth executes per proxied request and per stream: user space, all of berth's
# threads (the usage writer's database inserts included), counted by Valgrind's callgrind. A
# count is the same from run to run, where CPU time on a shared 2-core VM moves by 15% between
# runs of one binary; it does not see cache misses, contention or system calls (gateway_bench.sh
# measures those). Given a second binary (the baseline, e.g. a build of main), it is measured in
# the same invocation and every row gets the ratio.
#
# Each binary runs `berth serve` under callgrind with the two engine-sim deployments of
# gateway_bench.sh (the engines run natively); counting is on only while a phase runs:
#   requests    wrk, 1 thread, 4 connections, N seconds: POSTs answered whole
#   1-token     20 bursts of 16 streams of one token each (a stream's start and end)
#   16-token    20 bursts of 16 streams of 16 tokens
# and prints instructions per request, per stream, and per event (what a 16-token stream costs
# over a 1-token one, per extra event).
#
#   bench/instruction_bench.sh [path/to/berth] [baseline berth]
#   env: SECONDS_PER_RUN (the requests phase, default 8)
# Needs valgrind, wrk (installed with apt-get when missing) and stream_load (built as
# gateway_bench.sh builds it). Takes about 2 minutes per binary.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
binaries=("$(realpath "${1:-build/berth}")")
[[ -n ${2:-} ]] && binaries+=("$(realpath "$2")")
seconds=${SECONDS_PER_RUN:-8}
key=sk-bench-instructions-key
bursts=20 burst_streams=16

for tool in valgrind:valgrind callgrind_control:valgrind wrk:wrk; do
  command -v "${tool%%:*}" >/dev/null ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${tool##*:}" >/dev/null
done
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)"
top=$(mktemp -d)
berth_pid= engine_pids=
stop_berth() {
  if [[ -n $berth_pid ]]; then engine_pids="$engine_pids $(pgrep -P "$berth_pid" | tr "\n" " ")"; fi
  kill $berth_pid 2>/dev/null || true
  wait $berth_pid 2>/dev/null || true
  kill $engine_pids 2>/dev/null || true
  berth_pid= engine_pids=
}
trap 'stop_berth; rm -rf "$top"' EXIT

stream_load=$(dirname "${binaries[0]}")/bench/stream_load
if [[ ! -x $stream_load ]]; then
  stream_load=$top/stream_load
  ${CXX:-c++} -O2 -std=c++20 -o "$stream_load" "$repo/bench/stream_load.cc"
fi
# shellcheck source=bench/lib/gateway_setup.sh
source "$repo/bench/lib/gateway_setup.sh"

# Runs "$@" with counting on; prints the instructions counted.
counted() {
  callgrind_control -z "$berth_pid" >/dev/null 2>&1
  callgrind_control -i on "$berth_pid" >/dev/null 2>&1
  "$@" >"$work/phase.out"
  callgrind_control -i off "$berth_pid" >/dev/null 2>&1
  callgrind_control -d "$berth_pid" >/dev/null 2>&1
  local dump
  for _ in $(seq 100); do
    dump=$(ls -t "$work"/callgrind.out.*.* 2>/dev/null | head -1)
    [[ -n $dump ]] && grep -q '^totals:' "$dump" && break
    sleep 0.1
  done
  grep -m1 '^totals:' "$dump" | awk '{print $2}'
  rm -f "$work"/callgrind.out.*.*
}

bursts_of() {  # tokens → runs the bursts of streams
  for _ in $(seq $bursts); do
    "$stream_load" --port "$berth_port" --path /compatible-mode/v1/chat/completions \
      --model "$stream_model" --key $key --streams $burst_streams --max-tokens "$1" \
      --timeout-s 60 | grep -q "completed=$burst_streams failed=0" ||
      { echo "a burst of streams failed" >&2; exit 1; }
  done
}

measure() {  # berth → sets measured="per_request per_stream_1 per_stream_16"
  berth=$1 work=$top/$(basename "$1")-$RANDOM
  mkdir -p "$work"
  berth_prefix="valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$work/callgrind.out.%p"
  start_berth_with_engines >&2
  cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"model":"$fast_model","messages":[{"role":"user","content":"Hello, world!"}],"max_tokens":16}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
LUA
  local url=http://127.0.0.1:$berth_port/compatible-mode/v1/chat/completions
  wrk -t1 -c4 -d2s -s "$work/post.lua" "$url" >/dev/null  # warm: connections, caches, statements
  local ir requests
  ir=$(counted wrk -t1 -c4 -d${seconds}s -s "$work/post.lua" "$url")
  requests=$(awk '/requests in/ {print $1}' "$work/phase.out")
  local per_request=$((ir / requests))
  ir=$(counted bursts_of 1)
  local per_stream_1=$((ir / (bursts * burst_streams)))
  ir=$(counted bursts_of 16)
  local per_stream_16=$((ir / (bursts * burst_streams)))
  stop_berth
  measured="$per_request $per_stream_1 $per_stream_16"
}

declare -a results
for b in "${binaries[@]}"; do
  measure "$b"  # not in a subshell: the exit trap must see the berth it started
  results+=("$measured")
done

echo
echo "instruction_bench: instructions per unit of work, user space, all of berth's threads"
printf '%-28s %12s' metric "$(basename "${binaries[0]}")"
[[ ${#binaries[@]} -eq 2 ]] && printf ' %12s %8s' "baseline" "ratio"
echo
read -r a1 a2 a3 <<<"${results[0]}"
row() {  # name value [baseline]
  printf '%-28s %12d' "$1" "$2"
  [[ -n ${3:-} ]] && printf ' %12d %8.2f' "$3" "$(echo "$2 / $3" | bc -l)"
  echo
}
if [[ ${#binaries[@]} -eq 2 ]]; then
  read -r b1 b2 b3 <<<"${results[1]}"
  row "per request (whole answer)" "$a1" "$b1"
  row "per 1-token stream" "$a2" "$b2"
  row "per 16-token stream" "$a3" "$b3"
  row "per stream event" $(((a3 - a2) / 15)) $(((b3 - b2) / 15))
else
  row "per request (whole answer)" "$a1"
  row "per 1-token stream" "$a2"
  row "per 16-token stream" "$a3"
  row "per stream event" $(((a3 - a2) / 15))
fi
