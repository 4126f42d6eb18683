#!/usr/bin/env bash
# Quick start #2: install what is missing, build (warnings are errors), and run the whole test suite.
#   bash scripts/test.sh              the normal build in build/ (the README's test command; CI runs it)
#   bash scripts/test.sh --sanitize   the same suite built with AddressSanitizer + UndefinedBehaviorSanitizer
#                                     in build-sanitize/ (any report fails the test that triggered it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
if [ "${1:-}" = "--sanitize" ]; then
  bash "$root/scripts/deps.sh"
  cmake -S "$root" -B "$root/build-sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXPUSIM_WERROR=ON \
        -DXPUSIM_SANITIZE=ON >/dev/null
  cmake --build "$root/build-sanitize" -j "$jobs" >/dev/null
  cd "$root/build-sanitize"
  # Leak checking stays on; halt_on_error makes every report a test failure.
  export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  ctest --output-on-failure -j "$jobs" --timeout 600
  exit
fi
bash "$root/scripts/build.sh" -DXPUSIM_WERROR=ON >/dev/null
cd "$root/build"
ctest --output-on-failure -j "$jobs" --timeout 300
