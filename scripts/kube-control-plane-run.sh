#!/usr/bin/env bash
# Starts (start DIR) or stops (stop DIR) the loopback control plane of kube-control-plane.sh:
# etcd, kube-apiserver, kube-controller-manager and kube-scheduler, with a CA, serving
# certificate, service-account key and static tokens generated under DIR. Ports are picked
# free at start. DIR/env records the ports and pids; stop kills exactly those pids.
set -euo pipefail

cache="${BERTH_CACHE:-$HOME/.cache/berth}/kube-1.20/bin"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

make_certs() {
  local d=$1
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=berth-test-ca" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
    -keyout "$d/apiserver.key" -out "$d/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1\n' >"$d/san.ext"
  openssl x509 -req -in "$d/apiserver.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
    -CAcreateserial -days 2 -extfile "$d/san.ext" -out "$d/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
}

kubeconfig() {  # file server token namespace
  cat >"$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: $2
    certificate-authority: ca.crt
users:
- name: u
  user:
    token: $3
contexts:
- name: test
  context: {cluster: test, user: u, namespace: $4}
current-context: test
KC
}

start() {
  local d
  d=$(realpath -m "$1")
  mkdir -p "$d"
  for b in kube-apiserver kube-controller-manager kube-scheduler; do
    [ -x "$cache/$b" ] || { echo "no $b in $cache: run kube-control-plane.sh build" >&2; exit 1; }
  done
  make_certs "$d"
  local admin_token berth_token etcd_port peer_port api_port
  admin_token=$(openssl rand -hex 16)
  berth_token=$(openssl rand -hex 16)
  printf '%s,admin,admin,"system:masters"\n%s,berth,berth\n' "$admin_token" "$berth_token" \
    >"$d/tokens.csv"
  etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
  etcd --data-dir "$d/etcd" --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" >"$d/etcd.log" 2>&1 &
  local etcd_pid=$!
  "$cache/kube-apiserver" --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
    --tls-cert-file="$d/apiserver.crt" --tls-private-key-file="$d/apiserver.key" \
    --client-ca-file="$d/ca.crt" --token-auth-file="$d/tokens.csv" \
    --authorization-mode=RBAC --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$d/sa.pub" --service-account-signing-key-file="$d/sa.key" \
    --service-cluster-ip-range=10.96.0.0/24 --disable-admission-plugins=ServiceAccount \
    --watch-cache=false --insecure-port=0 --cert-dir="$d/certs" >"$d/apiserver.log" 2>&1 &
  local api_pid=$!
  local server="https://127.0.0.1:$api_port"
  cp "$d/ca.crt" "$d/ca.crt.tmp" && mv "$d/ca.crt.tmp" "$d/ca.crt"
  kubeconfig "$d/admin.kubeconfig" "$server" "$admin_token" default
  kubeconfig "$d/berth.kubeconfig" "$server" "$berth_token" berth-test
  for _ in $(seq 1 120); do
    curl -sf --cacert "$d/ca.crt" -H "Authorization: Bearer $admin_token" \
      "$server/readyz" >/dev/null 2>&1 && break
    sleep 0.5
  done
  "$cache/kube-controller-manager" --kubeconfig="$d/admin.kubeconfig" --leader-elect=false \
    --controllers='*' --port=0 --secure-port=0 \
    --service-account-private-key-file="$d/sa.key" >"$d/controller-manager.log" 2>&1 &
  local cm_pid=$!
  "$cache/kube-scheduler" --kubeconfig="$d/admin.kubeconfig" --leader-elect=false \
    --port=0 --secure-port=0 >"$d/scheduler.log" 2>&1 &
  local sched_pid=$!
  cat >"$d/env" <<ENV
SERVER=$server
ADMIN_TOKEN=$admin_token
BERTH_TOKEN=$berth_token
ETCD_ENDPOINT=http://127.0.0.1:$etcd_port
PIDS="$sched_pid $cm_pid $api_pid $etcd_pid"
ENV
  curl -sf --cacert "$d/ca.crt" -H "Authorization: Bearer $admin_token" "$server/readyz" \
    >/dev/null || { echo "kube-apiserver did not become ready; see $d/apiserver.log" >&2; exit 1; }
  echo "control plane up at $server (state in $d)"
}

stop() {
  local d=$1
  [ -f "$d/env" ] || return 0
  # shellcheck disable=SC1091
  . "$d/env"
  for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
  for pid in $PIDS; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

case "${1:-}" in
  start) start "$2" ;;
  stop) stop "$2" ;;
  *) echo "usage: $0 start DIR | stop DIR" >&2; exit 2 ;;
esac
