#!/usr/bin/env bash
# Builds berth and its web console and runs it on its embedded defaults (SQLite under
# ./berth-data, process runtime).
# Extra arguments go to `berth serve`, e.g. scripts/run.sh --listen 0.0.0.0:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" --target berth
# The web console (docs/console.md); berth serves the API without it if it cannot be built.
scripts/build-console.sh build/console || echo "warning: the web console was not built" >&2
exec build/berth serve "$@"
