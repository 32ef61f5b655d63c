#!/usr/bin/env bash
# Builds berth with its tests and runs the whole suite twice: under clang 14 with AddressSanitizer
# and UndefinedBehaviorSanitizer (plus the fuzz targets), then g++ 12's release build (whose ctest
# summary ends the output). Both build with BERTH_WERROR=ON: here, and only here, a warning fails
# the build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
# The Kubernetes control plane integration.kubernetes runs against: built once from Debian 12's
# `kubernetes` source package into ${BERTH_CACHE:-$HOME/.cache/berth}/kube-1.20 (about 8 min of
# both cores the first time), a no-op once cached. It builds in the background at the lowest
# priority, so it takes only the CPU the C++ builds and the tests leave idle; ctest's
# kube.control_plane step waits for it (a lock) before integration.kubernetes runs.
mkdir -p build-logs
setsid nice -n 19 scripts/kube-control-plane.sh build >build-logs/kube-control-plane.log 2>&1 &
kube_build=$!
trap 'kill -- -$kube_build 2>/dev/null || true' EXIT
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.ccache}"

# Two builds, each of everything: clang 14 with ASan + UBSan (and libFuzzer's instrumentation,
# so the same objects serve the fuzz targets) runs the whole suite and then each fuzz target for
# 10 s over its corpus; g++ 12, the reference compiler, builds the release and runs the whole
# suite again uninstrumented, with the benchmarks' regression guards (label bench, which measure
# speed and so run only there); its ctest summary ends the output. A third build would cost as
# much again for no coverage these two lack (docs/building.md).
echo "== clang 14 sanitizer build (ASan + UBSan, fuzz-instrumented): tests and fuzz targets =="
CXX=clang++-14 cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Debug -DBERTH_FUZZ=ON \
  -DBERTH_WERROR=ON >/dev/null
cmake --build build-clang -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-clang --output-on-failure -j"$jobs" -LE bench
tests/fuzz/run_fuzzers.sh build-clang 10

echo "== g++ 12 release build =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBERTH_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"
