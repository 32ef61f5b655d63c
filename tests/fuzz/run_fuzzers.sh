#!/usr/bin/env bash
# Runs every libFuzzer target briefly over its committed seed corpus (tests/fuzz/corpus/<target>)
# and fails if any of them finds a crash, a leak, undefined behaviour or a hang. The committed
# corpus is only read; inputs the run discovers go to a scratch directory, and a failing input is
# kept under <build dir>/fuzz-artifacts/ with the target's log.
# Usage: tests/fuzz/run_fuzzers.sh BUILD_DIR [SECONDS_PER_TARGET (default 10)]
set -euo pipefail
build=$(cd "${1:?usage: run_fuzzers.sh BUILD_DIR [SECONDS_PER_TARGET]}" && pwd)
seconds=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
targets=(fuzz_http_request fuzz_api_codec fuzz_native_protocol fuzz_sse fuzz_engines_config
         fuzz_catalog fuzz_kubeconfig fuzz_request_skim)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

failed=()
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target"
  log="$artifacts/$target.log"
  if "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$target-" "$scratch/$target" "$here/corpus/$target" \
      >"$log" 2>&1; then
    runs=$(grep -o 'number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    echo "$target: $runs executions in ${seconds}s, no crash, leak or UB"
  else
    echo "$target: FAILED (log: $log)"
    grep -E 'ERROR|SUMMARY|FUZZ_CHECK|runtime error|Test unit written' "$log" | head -20 || true
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz targets failed: ${failed[*]}"
  exit 1
fi
echo "all ${#targets[@]} fuzz targets passed"
