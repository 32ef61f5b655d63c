#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for berth's integration tests: etcd from Debian,
# and kube-apiserver, kube-controller-manager and kube-scheduler built from Debian 12's
# `kubernetes` source package (1.20). Nothing is downloaded but Debian packages.
#
#   kube-control-plane.sh build        fetch the source package and build the three binaries once;
#                                      cached in ${BERTH_CACHE:-$HOME/.cache/berth}/kube-1.20/bin
#   kube-control-plane.sh start DIR    start etcd + the three servers with state under DIR; writes
#                                      DIR/env (ports, pids, kubeconfig path) and DIR/admin.kubeconfig
#   kube-control-plane.sh stop DIR     stop what `start DIR` started, by pid
#
# The binaries are never part of the repository. `build` is idempotent: it returns at once when
# the three binaries are present, and rebuilds when any is missing. Builds hold a lock on the
# cache, so a second `build` (ctest's kube.control_plane step while scripts/test.sh builds in
# the background) waits for the first and then finds the binaries.
set -euo pipefail

cache="${BERTH_CACHE:-$HOME/.cache/berth}/kube-1.20"
bins=(kube-apiserver kube-controller-manager kube-scheduler)

# Bumped whenever the way the binaries are built changes, so a cache of older ones is rebuilt.
build_id="deb12-1.20.2-reflect2-1.0.2"

have_binaries() {
  [ "$(cat "$cache/bin/build-id" 2>/dev/null)" = "$build_id" ] || return 1
  for b in "${bins[@]}"; do [ -x "$cache/bin/$b" ] || return 1; done
}

# The vendored github.com/modern-go/reflect2 v1.0.1 crashes under Go >= 1.18 (its map iterator
# calls the runtime's mapiterinit with the old signature: the apiserver panics encoding a map).
# Debian 12 ships v1.0.2, which fixes exactly that with the same API; build against it.
patch_reflect2() {
  local fixed=/usr/share/gocode/src/github.com/modern-go/reflect2
  local vendored="$cache/src/tree/vendor/github.com/modern-go/reflect2"
  [ -f "$fixed/go_above_118.go" ] || {
    echo "missing $fixed: run scripts/deps.sh (golang-github-modern-go-reflect2-dev)" >&2; exit 1; }
  rm -rf "$vendored"
  mkdir -p "$vendored"
  cp "$fixed"/*.go "$fixed"/*.s "$vendored"/
}

# A private apt configuration with a deb-src entry for the archive the machine already uses,
# so the system's own sources stay untouched.
fetch_source() {
  local apt="$cache/apt" src="$cache/src"
  mkdir -p "$apt/lists/partial" "$src"
  local uri
  uri=$(grep -hoE '^URIs: *[^ ]+' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 |
        awk '{print $2}')
  [ -n "$uri" ] || uri=$(grep -hoE '^deb +[^ ]+' /etc/apt/sources.list 2>/dev/null |
                         head -1 | awk '{print $2}')
  [ -n "$uri" ] || uri="http://deb.debian.org/debian"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri bookworm main" \
    >"$apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=-"
              -o "Dir::State::Lists=$apt/lists" -o "Debug::NoLocking=1")
  apt-get "${opts[@]}" update -q
  (cd "$src" && apt-get "${opts[@]}" source --download-only kubernetes)
  local dsc
  dsc=$(ls "$src"/kubernetes_*.dsc | head -1)
  rm -rf "$src/tree"
  dpkg-source --no-check -x "$dsc" "$src/tree" >/dev/null
}

build() {
  mkdir -p "$(dirname "$cache")"
  exec 9>"$cache.lock"
  if ! flock -n 9; then
    echo "another kube control plane build is running; waiting for it"
    flock 9
  fi
  if have_binaries; then echo "kube binaries cached in $cache/bin"; return 0; fi
  local start=$SECONDS
  for tool in go rsync jq etcd etcdctl; do
    command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/deps.sh" >&2; exit 1; }
  done
  [ -d "$cache/src/tree" ] || fetch_source
  patch_reflect2
  # make (as debian/rules does) rather than plain `go build`, which fails on go.mod updates.
  (cd "$cache/src/tree" &&
   GOFLAGS=-mod=vendor GOCACHE="$cache/gocache" nice -n 10 \
     make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler")
  mkdir -p "$cache/bin"
  for b in "${bins[@]}"; do
    cp "$cache/src/tree/_output/local/bin/linux/amd64/$b" "$cache/bin/$b.tmp"
    mv "$cache/bin/$b.tmp" "$cache/bin/$b"
  done
  echo "$build_id" >"$cache/bin/build-id"
  echo "built kube control plane in $((SECONDS - start)) s into $cache/bin"
}

case "${1:-}" in
  build) build ;;
  start) shift; exec "$(dirname "$0")/kube-control-plane-run.sh" start "$@" ;;
  stop) shift; exec "$(dirname "$0")/kube-control-plane-run.sh" stop "$@" ;;
  *) echo "usage: $0 build | start DIR | stop DIR" >&2; exit 2 ;;
esac
