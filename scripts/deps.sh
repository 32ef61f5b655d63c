#!/usr/bin/env bash
# Installs berth's build and test dependencies from Debian 12 packages (idempotent).
set -euo pipefail
packages=(build-essential cmake ccache pkg-config libboost-dev nlohmann-json3-dev libsqlite3-dev
          libfmt-dev libcli11-dev libgtest-dev python3 curl clang-14 libclang-rt-14-dev chromium
          libpq-dev postgresql-15 libssl-dev libyaml-dev
          nginx wrk  # nginx and wrk: the gateway benchmark's baseline and load (bench/)
          # the Kubernetes runtime's integration test builds its control plane from Debian's
          # source package (scripts/kube-control-plane.sh) and runs etcd from Debian
          golang-go etcd-server etcd-client rsync jq openssl golang-github-modern-go-reflect2-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# chromium runs the web console's browser tests (tests/web), driven by the playwright-core
# pinned in web/package-lock.json; nothing is downloaded by npm.
# node and npm build the web console (scripts/build-console.sh) and run the official OpenAI
# Node SDK test (tests/integration/node); Debian 12's nodejs is Node 18, which the pinned
# openai 4.x, esbuild 0.28 and playwright-core 1.61 support. An existing node (any source) is kept.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "installing: ${missing[*]}"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "${missing[@]}"
fi
