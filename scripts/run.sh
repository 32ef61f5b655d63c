#!/usr/bin/env bash
# Builds berth and runs it on its embedded defaults (SQLite under ./berth-data, process runtime).
# Extra arguments go to `berth serve`, e.g. scripts/run.sh --listen 0.0.0.0:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" --target berth
exec build/berth serve "$@"
