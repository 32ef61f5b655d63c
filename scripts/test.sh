#!/usr/bin/env bash
# Builds berth with its tests and runs the whole suite: first under AddressSanitizer and
# UndefinedBehaviorSanitizer, then the release build (whose ctest summary ends the output).
# Both build with BERTH_WERROR=ON: here, and only here, a warning fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.ccache}"

echo "== sanitizer build (address, undefined) =="
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBERTH_SANITIZE=ON -DBERTH_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== fuzz targets (clang 14, libFuzzer + ASan + UBSan; 10 s each over tests/fuzz/corpus) =="
CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBERTH_FUZZ=ON \
  -DBUILD_TESTING=OFF >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz
tests/fuzz/run_fuzzers.sh build-fuzz 10

echo "== release build =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBERTH_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"
