#!/usr/bin/env bash
# Builds the web console (web/: TypeScript, Preact, uPlot, bundled by esbuild) into OUTDIR
# (default build/console), where `berth serve` finds it beside build/berth. Installs the npm
# packages pinned by web/package-lock.json with `npm ci` when they are missing or older than
# the lockfile. Needs node >= 18 and npm (scripts/deps.sh installs Debian's).
set -euo pipefail
cd "$(dirname "$0")/.."
outdir="$(realpath -m "${1:-build/console}")"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "build-console: node and npm are needed (scripts/deps.sh installs them)" >&2
  exit 1
fi
marker=web/node_modules/.package-lock.json
if [ ! -f "$marker" ] || [ web/package-lock.json -nt "$marker" ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd web && node build.mjs "$outdir")
