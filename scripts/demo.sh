#!/usr/bin/env bash
# Quick start #1: install what is missing, build, and run the bundled default simulation
# (a data-parallel MLP training step on an 8-NPU Ascend-910B-like node). Output lands in out/demo/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/build.sh" --target xpusim >/dev/null
cd "$root"
./build/xpusim run --arch arch-configs/pods/ascend-910b-8node.yaml \
                   --workload workloads/samples/mlp-dp8.yaml --out out/demo
