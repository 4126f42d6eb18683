#!/usr/bin/env bash
# Headline benchmarks (not tests): wall time and peak memory of the questions the brief compares with
# ASTRA-sim. Run after building (scripts/build.sh); prints one line per case.
#   bash tests/bench/run_all.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
b=${1:-$root/build}
x=$b/xpusim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/scenarios"
ln -s "$root/workloads/models" "$tmp/models"
sed 's/dp: 8/dp: 64/; s/name: gpt3-175b-512/name: gpt3-175b-4096/; s/global_batch: 1536/global_batch: 12288/' \
  "$root/workloads/scenarios/gpt3-175b-512.yaml" > "$tmp/scenarios/gpt3-175b-4096.yaml"
run() {  # name, command...
  local name=$1; shift
  local t
  t=$( { /usr/bin/time -f "%e %M" "$@" >/dev/null 2>"$tmp/err"; } 2>&1; tail -1 "$tmp/err")
  printf "%-58s %8s s %8.0f MiB\n" "$name" "$(echo "$t" | awk '{print $1}')" "$(echo "$t" | awk '{print $2/1024}')"
}
printf "%-58s %10s %12s\n" "case" "wall" "peak RSS"
resnet=$root/tests/data/chakra/resnet50_dataparallel_8npus/Resnet50_DataParallel
run "ResNet-50 DP Chakra trace on 512 chips (ASTRA-sim: ~3 min)" \
  "$x" run --quiet --ranks 512 --arch "$root/arch-configs/pods/ascend-910b-64node.yaml" --workload "$resnet"
run "1 MB all-reduce on 1,024 chips (ASTRA-sim: 8 s, 365 MB)" \
  "$x" coll --arch "$root/arch-configs/pods/ascend-910b-512node.yaml" --op allreduce --bytes 1MB --ranks 1024
run "1 GiB all-reduce on 512 chips" \
  "$x" coll --arch "$root/arch-configs/pods/ascend-910b-64node.yaml" --op allreduce --bytes 1GiB
run "1 GiB all-reduce on 4,096 chips" \
  "$x" coll --arch "$root/arch-configs/pods/ascend-910b-512node.yaml" --op allreduce --bytes 1GiB
run "GPT-3 175B training step, 512 chips (TP8 PP8 DP8)" \
  "$x" run --quiet --arch "$root/arch-configs/pods/ascend-910b-64node.yaml" --workload "$root/workloads/scenarios/gpt3-175b-512.yaml"
run "GPT-3 175B training step, 4,096 chips (TP8 PP8 DP64)" \
  "$x" run --quiet --arch "$root/arch-configs/pods/ascend-910b-512node.yaml" --workload "$tmp/scenarios/gpt3-175b-4096.yaml"
run "Llama-3-70B training step, Tianchi256-like (TP8 PP4 DP8)" \
  "$x" run --quiet --arch "$root/arch-configs/pods/tianchi256-like.yaml" --workload "$root/workloads/scenarios/llama3-70b-train-256.yaml"
run "GEMM 16384^3 on one chip (SCALE-Sim v2: 3-17 s per layer)" \
  "$x" op --arch "$root/arch-configs/chips/ascend-910b-like.yaml" "gemm M=16384 N=16384 K=16384 dtype=bf16"
run "Serving: 10 min of Poisson requests (24k), 4 x Llama-3-70B TP2 engines" \
  "$x" serve --arch "$root/arch-configs/pods/dgx-h100-node-like.yaml" --serving "$root/workloads/serving/llama3-70b-chat-h100.yaml" --rate 40 --quiet
run "Serving: load sweep of 6 rates x 10 min, same engines" \
  "$x" serve --arch "$root/arch-configs/pods/dgx-h100-node-like.yaml" --serving "$root/workloads/serving/llama3-70b-chat-h100.yaml" --rates 5,10,20,30,40,50 --quiet
run "Serving: DeepSeek-V3 disaggregated on CloudMatrix384-like (1 min, 12k requests)" \
  "$x" serve --arch "$root/arch-configs/pods/cloudmatrix384-like.yaml" --serving "$root/workloads/serving/deepseek-v3-pd-cloudmatrix384.yaml" --quiet
