#!/usr/bin/env bash
# Quick start #2: install what is missing, build (warnings are errors), and run the whole test suite.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/build.sh" -DXPUSIM_WERROR=ON >/dev/null
jobs=$(nproc 2>/dev/null || echo 2)
cd "$root/build"
ctest --output-on-failure -j "$jobs" --timeout 300
