#!/usr/bin/env bash
# Gateway overhead: berth's inference gateway against nginx as a plain proxy_pass, in one
# invocation on this machine (everything on 127.0.0.1).
#
# Starts `berth serve` (process runtime) with two deployments whose single replica is
# `berth engine-sim`:
#   qwen3-8b  --ttft-ms 0 --itl-ms 0           instant answers, for the non-streamed arms
#   qwen3-4b  --ttft-ms 0 --itl-ms 20          64 chunks at 20 ms (Busbar method), for streams
# and nginx proxying to those same two engine ports (keepalive 64, HTTP/1.1, Connection "",
# proxy_buffering off). Each measurement hits the same engine process three ways:
#   direct  the engine's port, /v1/chat/completions
#   nginx   nginx → engine, /v1/chat/completions
#   berth   berth's gateway → engine, /compatible-mode/v1/chat/completions with a Bearer key
#           (auth, routing table, RPM/TPM reservation and usage metering all on the path: the
#           deployments get rpm_limit and tpm_limit 1e9, so the limiter runs but never binds)
# Same body everywhere (model = the deployed model's name, which the engine serves).
#
# Measures: p50/p99 latency at concurrency 1 (one-second wrk runs, the arms taking turns, each
# arm's runs pooled) and requests/s at 64 connections (wrk, closed loop) with the proxy's CPU
# time per request there (all of berth's threads, nginx's processes; the figure a loaded machine
# moves least), TTFT one stream at a time (200 streams of 1 token),
# TTFT on 64 streams opened at once (16 bursts of 4-token streams per arm, the arms taking turns
# burst by burst: each burst's p99 and their median, and the p50/p99 of all 1,024 TTFTs), TTFT
# and inter-chunk gaps on 64 streams of 64 chunks (2 waves), and 512 concurrent streams
# (completion, TTFT, longest gap) with bench/stream_load.cc. Prints one table with berth − nginx
# and berth / nginx, then PASS/MISS per target (issue 12: added p99 at c=1 ≤ 100 µs; c=64
# throughput ≥ 0.85× nginx; added TTFT p99 ≤ 1 ms, for 64 streams at the median burst; 512
# streams' TTFT p99 ≤ 1.5× nginx, all complete, no stall).
#
#   bench/gateway_bench.sh [path/to/berth] [seconds per wrk run, default 5]
#   env: NGINX_WORKERS (default 2), BERTH_FLAGS (extra `berth serve` flags, e.g. "--threads 1"),
#        STALL_MS (a gap longer than this is a stall, default 250), RUNS (repeat every phase
#        and print the median, default 1), CHECK (a factor: exit 1 when berth is that many
#        times worse than its targets against nginx; the test suite's guard uses 3)
# Needs wrk and nginx (installed with apt-get when missing) and a C++20 compiler for
# stream_load (or build/bench/stream_load from -DBERTH_BENCH=ON). Takes about 2 minutes a run.
set -euo pipefail
berth=$(realpath "${1:-build/berth}")
seconds=${2:-5}
runs=${RUNS:-1}
check=${CHECK:-}
nginx_workers=${NGINX_WORKERS:-2}
stall_ms=${STALL_MS:-250}
repo=$(cd "$(dirname "$0")/.." && pwd)
key=sk-bench-gateway-key

for tool in wrk nginx; do
  command -v $tool >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q $tool >/dev/null
done
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d)
berth_pid= nginx_pid= engine_pids=
cleanup() {
  # berth leaves engines running on exit (to adopt them): kill its children (the engines) too
  if [[ -n $berth_pid ]]; then engine_pids="$engine_pids $(pgrep -P "$berth_pid" | tr "\n" " ")"; fi
  kill $nginx_pid $berth_pid 2>/dev/null || true
  wait $berth_pid 2>/dev/null || true
  kill $engine_pids 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The load generator for streams: the CMake-built one if present, else compile it here.
stream_load=$(dirname "$berth")/bench/stream_load
if [[ ! -x $stream_load ]]; then
  stream_load=$work/stream_load
  ${CXX:-c++} -O2 -std=c++20 -o "$stream_load" "$repo/bench/stream_load.cc"
fi

# --- berth with two engine-sim deployments ----------------------------------------------------
# shellcheck source=bench/lib/gateway_setup.sh
source "$repo/bench/lib/gateway_setup.sh"
start_berth_with_engines

# --- nginx: plain proxy_pass to the same two engines ----------------------------------------
nginx_fast=18491 nginx_stream=18492
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<CONF
daemon off;
worker_processes $nginx_workers;
worker_rlimit_nofile 16384;
pid $work/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  upstream fast { server 127.0.0.1:$fast_port; keepalive 64; }
  upstream stream { server 127.0.0.1:$stream_port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_fast backlog=4096;
    location / {
      proxy_pass http://fast;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
  server {
    listen 127.0.0.1:$nginx_stream backlog=4096;
    location / {
      proxy_pass http://stream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 60s;
    }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx.conf" &
nginx_pid=$!

# arm → "port path key" for the non-streamed (fast) and streamed engines
declare -A fast=([direct]="$fast_port /v1/chat/completions -" [nginx]="$nginx_fast /v1/chat/completions -"
                 [berth]="$berth_port /compatible-mode/v1/chat/completions $key")
declare -A slow=([direct]="$stream_port /v1/chat/completions -" [nginx]="$nginx_stream /v1/chat/completions -"
                 [berth]="$berth_port /compatible-mode/v1/chat/completions $key")
arms="direct nginx berth"
body="{\"model\":\"$fast_model\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello, world!\"}],\"max_tokens\":16}"

# Every arm must answer 200 before anything is measured.
for arm in $arms; do
  read -r port path k <<<"${fast[$arm]}"
  for _ in $(seq 50); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path" -d "$body" \
      -H 'Content-Type: application/json' -H "Authorization: Bearer $k") || true
    [[ $code == 200 ]] && break
    sleep 0.1
  done
  [[ $code == 200 ]] || { echo "$arm answers $code"; exit 1; }
done

# --- non-streamed: wrk --------------------------------------------------------------------
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("BENCH_KEY")
if key ~= "-" then wrk.headers["Authorization"] = "Bearer " .. key end
-- With HIST_OUT set: append the run's latency histogram ("us count" per distinct value) to that
-- file, so runs can be pooled. latency(i) answers 0 past the last value; 100,000 lines at most.
function done(summary, latency, requests)
  local out = os.getenv("HIST_OUT")
  if out == nil or out == "" then return end
  local f = io.open(out, "a")
  for i = 1, 100000 do
    local value, count = latency(i)
    if value == 0 then break end
    f:write(string.format("%d %d\n", value, count))
  end
  f:close()
end
LUA
declare -A r
wrk_run() {  # arm conns seconds → "rps p50_us p99_us errors p90_us"
  local port path k
  read -r port path k <<<"${fast[$1]}"
  BENCH_BODY=$body BENCH_KEY=$k wrk -t$(($2 > 1 ? 2 : 1)) -c"$2" -d"$3s" --latency \
    -s "$work/post.lua" "http://127.0.0.1:$port$path" | awk '
    function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; if (v ~ /[0-9]s$/) return v * 1e6; return v }
    /Requests\/sec/ {rps = $2} /^ +50%/ {p50 = us($2)} /^ +90%/ {p90 = us($2)} /^ +99%/ {p99 = us($2)}
    /Non-2xx/ {err += $NF} /Socket errors/ {gsub(/,/, ""); err += $4 + $6 + $8 + $10}
    END {printf "%.0f %.0f %.0f %d %.0f\n", rps, p50, p99, err, p90}'
}
for arm in $arms; do wrk_run $arm 8 1 >/dev/null; done  # warm-up: connections, caches

# One connection: `seconds` one-second wrk runs per arm, the arms taking turns (the order turning
# each second), every run's latency histogram pooled per arm. So a slow second of the machine
# falls on one arm's one second, not on one arm's whole window, and the p99 is still over every
# request of the arm (bench/README.md: why).
c1_runs() {  # run-number → r[arm,c1p50|c1p90|c1p99|c1err,n]
  local n=$1 arm i order errors
  for arm in $arms; do rm -f "$work/hist-$arm" && r[$arm,c1err,$n]=0; done
  order=$arms
  for i in $(seq "$seconds"); do
    for arm in $order; do
      read -r _ _ _ errors _ < <(HIST_OUT="$work/hist-$arm" wrk_run $arm 1 1)
      r[$arm,c1err,$n]=$((r[$arm,c1err,$n] + errors))
    done
    order="${order#* } ${order%% *}"  # direct nginx berth → nginx berth direct → ...
  done
  for arm in $arms; do
    touch "$work/hist-$arm"  # no run answered: no histogram, and -1 for every percentile
    read -r r[$arm,c1p50,$n] r[$arm,c1p90,$n] r[$arm,c1p99,$n] < <(sort -n "$work/hist-$arm" | awk '
      {v[NR] = $1; c[NR] = $2; total += $2}
      END {
        if (total == 0) { print "-1 -1 -1"; exit }
        split("50 90 99", ps, " ")
        for (k = 1; k <= 3; k++) {
          rank = int(ps[k] / 100 * total + 0.5); seen = 0; out = v[NR]
          for (i = 1; i <= NR; i++) { seen += c[i]; if (seen >= rank) { out = v[i]; break } }
          printf "%d%s", out, (k < 3 ? " " : "\n")
        }
      }')
  done
}

# --- streams: stream_load -----------------------------------------------------------------
stream_run() {  # arm streams waves [max_tokens [stream_load flags]] → key=value line
  local port path k
  read -r port path k <<<"${slow[$1]}"
  "$stream_load" --port "$port" --path "$path" --model "$stream_model" --key "${k/#-/}" \
    --streams "$2" --waves "$3" --max-tokens "${4:-64}" --timeout-s 30 "${@:5}" || true
}
percentile() {  # p file → the p-th percentile of the file's numbers (stream_load's rounding)
  sort -n "$2" | awk -v p="$1" '{v[NR] = $1} END {i = int(p / 100 * (NR - 1) + 0.5) + 1; print (NR ? v[i] : -1)}'
}
field() { grep -o "$1=[-0-9.]*" <<<"$2" | cut -d= -f2; }
# CPU time (ns) the proxy of an arm has used so far: every thread of berth (its engines are other
# processes), or nginx's master and workers; 0 for direct. A figure the machine's load barely
# moves, where throughput and latency swing with what else runs on the two cores.
arm_cpu_ns() {
  local pids t=0 f
  case $1 in berth) pids=$berth_pid ;; nginx) pids="$nginx_pid $(pgrep -P "$nginx_pid" | tr "\n" " ")" ;; *) echo 0; return ;; esac
  for f in $(for p in $pids; do echo /proc/$p/task/*/schedstat; done); do
    t=$((t + $(cut -d' ' -f1 "$f" 2>/dev/null || echo 0)))
  done
  echo $t
}
measure() {  # one run of every phase, arms interleaved; results into r[arm,key,run]
  local n=$1 arm out
  c1_runs "$n"
  local cpu0
  for arm in $arms; do
    cpu0=$(arm_cpu_ns $arm)
    read -r r[$arm,c64rps,$n] _ r[$arm,c64p99,$n] r[$arm,c64err,$n] _ < <(wrk_run $arm 64 "$seconds")
    r[$arm,c64cpu,$n]=$(awk -v d=$(($(arm_cpu_ns $arm) - cpu0)) -v rps="${r[$arm,c64rps,$n]}" -v s="$seconds" \
      'BEGIN {printf "%.1f", (rps > 0 ? d / 1000 / (rps * s) : 0)}')
  done
  for arm in $arms; do  # one stream at a time: the per-request TTFT a proxy adds
    out=$(stream_run $arm 1 200 1)
    r[$arm,sttft50,$n]=$(field ttft_p50_us "$out") r[$arm,sttft99,$n]=$(field ttft_p99_us "$out")
  done
  # 64 streams opened at once, 16 bursts of each arm, the arms taking turns burst by burst (so
  # a slow moment of the machine falls on one burst of one arm, not on all of an arm's). Each
  # burst's own TTFT p99 (the figure of "64 streams opened at once"), and the median of those
  # 16; also the p50 and p99 over all 1,024 streams, which the one or two slowest bursts of the
  # run decide (bench/README.md: why the target is judged on the median burst).
  for arm in $arms; do rm -f "$work/ttft-$arm" "$work/burst99-$arm" && r[$arm,s64fail,$n]=0; done
  for _ in $(seq 16); do
    for arm in $arms; do
      out=$(stream_run $arm 64 1 4 --ttft-out "$work/ttft-$arm")
      r[$arm,s64fail,$n]=$((r[$arm,s64fail,$n] + $(field failed "$out")))
      field ttft_p99_us "$out" >>"$work/burst99-$arm"
    done
  done
  for arm in $arms; do
    r[$arm,ttft50,$n]=$(percentile 50 "$work/ttft-$arm") r[$arm,ttft99,$n]=$(percentile 99 "$work/ttft-$arm")
    r[$arm,burst99,$n]=$(percentile 50 "$work/burst99-$arm")
  done
  for arm in $arms; do  # 64 long streams at once, twice: the gaps between chunks (and TTFT)
    out=$(stream_run $arm 64 2)
    r[$arm,lttft99,$n]=$(field ttft_p99_us "$out")
    r[$arm,gap99,$n]=$(field gap_p99_us "$out")
    r[$arm,s64fail,$n]=$((r[$arm,s64fail,$n] + $(field failed "$out")))
  done
  for arm in $arms; do
    out=$(stream_run $arm 512 1)
    r[$arm,s512ok,$n]=$(( $(field completed "$out") - $(field short "$out") ))
    r[$arm,s512ttft99,$n]=$(field ttft_p99_us "$out") r[$arm,s512gapmax,$n]=$(field gap_max_us "$out")
  done
}
keys="c1p50 c1p90 c1p99 c1err c64rps c64p99 c64cpu c64err sttft50 sttft99 burst99 ttft50 ttft99 lttft99 gap99 s64fail s512ok s512ttft99 s512gapmax"
for n in $(seq "$runs"); do measure "$n"; done
for arm in $arms; do  # the median of the runs (errors: the sum)
  for key in $keys; do
    values=$(for n in $(seq "$runs"); do echo "${r[$arm,$key,$n]:-0}"; done | sort -n)
    if [[ $key == *err || $key == *fail ]]; then
      r[$arm,$key]=$(awk '{s += $1} END {print s + 0}' <<<"$values")
    else
      r[$arm,$key]=$(awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}' <<<"$values")
    fi
  done
done

# --- report ---------------------------------------------------------------------------------
echo
echo "gateway_bench: $(nproc) cores, nginx worker_processes $nginx_workers, berth serve ${BERTH_FLAGS:-(defaults)}, wrk ${seconds}s per run, median of $runs run(s)"
printf '%-30s %10s %10s %10s %12s %12s\n' metric direct nginx berth berth-nginx berth/nginx
row() {  # label key
  local d=${r[direct,$2]} n=${r[nginx,$2]} b=${r[berth,$2]}
  awk -v l="$1" -v d="$d" -v n="$n" -v b="$b" 'BEGIN {
    printf "%-30s %10s %10s %10s %12s %12s\n", l, d, n, b, b - n, (n > 0 ? sprintf("%.2f", b / n) : "-") }'
}
row "c=1 p50 latency (us)" c1p50
row "c=1 p90 latency (us)" c1p90
row "c=1 p99 latency (us)" c1p99
row "c=64 throughput (req/s)" c64rps
row "c=64 p99 latency (us)" c64p99
row "c=64 proxy CPU per req (us)" c64cpu
row "stream TTFT p50 (us) [1x200]" sttft50
row "stream TTFT p99 (us) [1x200]" sttft99
row "burst TTFT p99 median [64x16]" burst99
row "stream TTFT p50 (us) [64x16]" ttft50
row "stream TTFT p99 (us) [64x16]" ttft99
row "stream TTFT p99 (us) [64x2]" lttft99
row "inter-chunk p99 (us) [64x2]" gap99
row "512 streams complete (of 512)" s512ok
row "512 streams TTFT p99 (us)" s512ttft99
row "512 streams longest gap (us)" s512gapmax
errors=0 where=
for arm in $arms; do
  for key in c1err c64err s64fail; do
    errors=$((errors + r[$arm,$key]))
    if ((r[$arm,$key] > 0)); then where="$where $arm:$key=${r[$arm,$key]}"; fi
  done
done
echo "errors (non-2xx, socket errors, failed streams; all arms): $errors${where:+ (}${where# }${where:+)}"
verdict() { if awk "BEGIN {exit !($2)}"; then echo "PASS  $1"; else echo "MISS  $1"; fi; }
b() { echo "${r[berth,$1]}"; }
n() { echo "${r[nginx,$1]}"; }
ratio() { awk "BEGIN {printf \"%.2f\", $1 / ($2 > 0 ? $2 : 1)}"; }
verdict "added p99 at c=1 <= 100 us: $(( $(b c1p99) - $(n c1p99) )) us" "$(b c1p99) - $(n c1p99) <= 100"
verdict "c=64 throughput >= 0.85x nginx: $(ratio "$(b c64rps)" "$(n c64rps)")x" \
  "$(b c64rps) >= 0.85 * $(n c64rps)"
verdict "added TTFT p99 <= 1 ms, one stream at a time: $(( $(b sttft99) - $(n sttft99) )) us" \
  "$(b sttft99) - $(n sttft99) <= 1000"
verdict "added TTFT p99 <= 1 ms, 64 streams at once (median burst): $(( $(b burst99) - $(n burst99) )) us" \
  "$(b burst99) - $(n burst99) <= 1000"
verdict "512 streams TTFT p99 <= 1.5x nginx: $(ratio "$(b s512ttft99)" "$(n s512ttft99)")x" \
  "$(b s512ttft99) <= 1.5 * $(n s512ttft99)"
verdict "512 streams, all complete, no gap > ${stall_ms} ms: $(b s512ok)/512, longest $(( $(b s512gapmax) / 1000 )) ms" \
  "$(b s512ok) == 512 && $(b s512gapmax) <= $stall_ms * 1000"
if [[ -n $check ]]; then
  # The regression guard (tests/bench): fail only when berth is about `check` times worse than
  # its targets against nginx in this run, so a loaded machine's noise does not fail it.
  guard=$(awk -v c="$check" -v b64="$(b c64rps)" -v n64="$(n c64rps)" -v b1="$(b c1p50)" \
    -v n1="$(n c1p50)" -v bt="$(b s512ttft99)" -v nt="$(n s512ttft99)" -v ok="$(b s512ok)" \
    -v err="$errors" 'BEGIN {
      if (b64 < 0.85 * n64 / c) print "c=64 throughput " b64 " < 0.85/" c " of nginx " n64
      if (b1 > c * (n1 + 100)) print "c=1 p50 " b1 " us > " c "x (nginx " n1 " us + 100 us)"
      if (bt > 1.5 * c * nt + 5000) print "512 streams TTFT p99 " bt " us > " 1.5 * c "x nginx " nt " us"
      if (ok != 512) print "512 streams: " ok " complete"
      if (err > 0) print err " errors" }')
  if [[ -n $guard ]]; then echo "REGRESSION (guard x$check):"; echo "$guard"; exit 1; fi
  echo "guard x$check: OK"
fi
