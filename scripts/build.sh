#!/usr/bin/env bash
# Configures and builds xpusim into build/ (Release with debug info).
# Usage: build.sh [--target T] [cmake args...]   (default: everything, tests included)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/deps.sh"
target=()
if [ "${1:-}" = "--target" ]; then target=(--target "$2"); shift 2; fi
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$root/build" -j "$jobs" "${target[@]}"
