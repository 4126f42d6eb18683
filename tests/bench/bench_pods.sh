#!/usr/bin/env bash
# Pod-size benchmark (not a test): one GPT-3 175B training step (TP 8, PP 8, full recomputation,
# 1F1B, ZeRO-1, 192 micro-batches of 1 x 2048 per pipeline: workloads/scenarios/gpt3-175b-512.yaml)
# at growing data-parallel degree, weak scaling: 64 -> 9,216 chips on the TPU-v7-like superpod
# (arch-configs/pods/tpu-v7-superpod-like.yaml, 16 x 24 x 24 torus; a job of N chips takes its first
# N), and optionally 147,456 chips on 16 superpods (tpu-v7-16superpods-like.yaml, scale-out network).
#   bash tests/bench/bench_pods.sh [build-dir] [chips...]     default: 64 512 1024 4096 9216
#   bash tests/bench/bench_pods.sh build 147456               the 16-superpod point (minutes)
# Prints, per size: ranks simulated, simulated step time, wall and CPU seconds, peak RSS (MiB).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
shift || true
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(64 512 1024 4096 9216)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf "%8s %6s %14s %8s %8s %9s\n" chips dp step_s wall_s cpu_s rss_MiB
for n in "${sizes[@]}"; do
  dp=$((n / 64))
  if [ $((dp * 64)) -ne "$n" ] || [ "$dp" -lt 1 ]; then echo "skip $n: not a multiple of 64 (TP 8 x PP 8)" >&2; continue; fi
  arch=$root/arch-configs/pods/tpu-v7-superpod-like.yaml
  [ "$n" -gt 9216 ] && arch=$root/arch-configs/pods/tpu-v7-16superpods-like.yaml
  sc=$tmp/gpt3-$n.yaml
  cat > "$sc" <<EOF
scenario:
  name: gpt3-175b-$n
  model: gpt3-175b
  parallel: {tp: 8, pp: 8, dp: $dp, schedule: 1f1b, zero: 1}
  training: {micro_batch: 1, global_batch: $((192 * dp)), seq_len: 2048, recompute: full}
  hbm: 192 GiB
EOF
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$build/xpusim" run --arch "$arch" --workload "$sc" --json > "$tmp/out.json"
  step=$(sed -n 's/^ *"step_time_s": \([0-9.e+-]*\),*$/\1/p' "$tmp/out.json" | head -1)
  read -r wall user sys rss < "$tmp/time"
  awk -v n="$n" -v dp="$dp" -v st="$step" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" \
    'BEGIN { printf "%8d %6d %14.4f %8.2f %8.2f %9.1f\n", n, dp, st, w, u + s, r / 1024 }'
done
