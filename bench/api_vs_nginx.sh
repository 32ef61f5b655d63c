#!/usr/bin/env bash
# The control plane's cheapest route against nginx, in one invocation on this machine:
# GET /healthz on berth vs an nginx location returning the same JSON (1 worker, no logging).
# Prints requests/s and latency percentiles for each and berth's ratio to nginx.
#   bench/api_vs_nginx.sh [path/to/berth] [seconds]
set -euo pipefail
berth=${1:-build/berth}
seconds=${2:-5}
for tool in wrk nginx; do
  command -v $tool >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q $tool >/dev/null
done
work=$(mktemp -d)
trap 'kill $(cat $work/nginx.pid 2>/dev/null) $berth_pid 2>/dev/null || true; rm -rf $work' EXIT

nginx_port=18480
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      default_type application/json;
      return 200 '{"request_id":"6c6b7676-3fea-423b-bc26-c9e2337e1142","output":{"status":"ok","region":"cn-beijing"}}';
    }
  }
}
CONF
nginx -c "$work/nginx.conf"

"$berth" serve --listen 127.0.0.1:0 --data-dir "$work/data" --api-key sk-bench-key >"$work/berth.out" 2>/dev/null &
berth_pid=$!
for _ in $(seq 50); do grep -q listening "$work/berth.out" 2>/dev/null && break; sleep 0.1; done
berth_url=$(grep -o 'http://[0-9.:]*' "$work/berth.out" | head -1)

measure() {  # url connections → "rps p50 p99"
  wrk -t$(( $2 > 1 ? 2 : 1 )) -c"$2" -d"${seconds}s" --latency "$1" |
    awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print rps, p50, p99}'
}
printf "%-8s %-6s %12s %10s %10s\n" server conns "requests/s" p50 p99
for conns in 1 32; do
  read -r n_rps n_p50 n_p99 < <(measure "http://127.0.0.1:$nginx_port/healthz" $conns)
  read -r b_rps b_p50 b_p99 < <(measure "$berth_url/healthz" $conns)
  printf "%-8s %-6s %12s %10s %10s\n" nginx $conns "$n_rps" "$n_p50" "$n_p99"
  printf "%-8s %-6s %12s %10s %10s\n" berth $conns "$b_rps" "$b_p50" "$b_p99"
  awk -v b="$b_rps" -v n="$n_rps" -v c=$conns 'BEGIN {printf "berth/nginx throughput at %d connections: %.2f\n", c, b / n}'
done
