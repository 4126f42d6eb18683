#!/usr/bin/env bash
# Sweep throughput benchmark (not a test): points per minute of a 256-chip LLM training sweep.
#   bash tests/bench/bench_sweep.sh [build-dir] [jobs...]     (default: build, jobs 1 and every core)
# The sweep: Llama 3 70B training (workloads/scenarios/llama3-70b-train-256.yaml: TP 8, PP 4, DP 8,
# 512 x 8K sequences) on dgx-h100-superpod-like (256 H100-like GPUs), 12 points: pipeline depth 2/4/8
# (DP follows: 16/8/4) x micro-batch 1/2 x HBM bandwidth 3.35/4.8 TB/s.
# "Before" is -j 1: the points one after another in one process, which is what `xpusim sweep` did
# before worker processes (and it could vary arch keys only). Every run's CSV must be identical.
# A final run against a filled results database measures the resume path (nothing simulated).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
shift || true
jobs=("$@")
[ ${#jobs[@]} -eq 0 ] && jobs=(1 "$(nproc)")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/study.yaml" <<YAML
study:
  name: bench-llama3-70b-256
  arch: $root/arch-configs/pods/dgx-h100-superpod-like.yaml
  workload: $root/workloads/scenarios/llama3-70b-train-256.yaml
  list:
$(for pp in 2:16 4:8 8:4; do for mb in 1 2; do for bw in 3.35TB/s 4.8TB/s; do
    echo "    - {parallel.pp: ${pp%%:*}, parallel.dp: ${pp##*:}, training.micro_batch: $mb, chip.hbm.bandwidth: $bw}"
  done; done; done)
YAML
points=12
printf "%-6s %10s %14s\n" jobs wall_s points_per_min
ref=""
for j in "${jobs[@]}"; do
  t0=$(date +%s.%N)
  "$build/xpusim" sweep --study "$tmp/study.yaml" -j "$j" --out "$tmp/j$j.csv" >/dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" -v j="$j" -v n="$points" 'BEGIN { printf "%-6s %10.2f %14.1f\n", j, b - a, 60 * n / (b - a) }'
  if [ -z "$ref" ]; then ref="$tmp/j$j.csv"; elif ! cmp -s "$ref" "$tmp/j$j.csv"; then
    echo "error: the CSV of -j $j differs from the first run's" >&2; exit 1; fi
done
"$build/xpusim" sweep --study "$tmp/study.yaml" -j "${jobs[-1]}" --db "$tmp/r.db" --out "$tmp/db.csv" >/dev/null
t0=$(date +%s.%N)
"$build/xpusim" sweep --study "$tmp/study.yaml" -j "${jobs[-1]}" --db "$tmp/r.db" --out "$tmp/db2.csv"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "resume from a full database: %.2f s\n", b - a }'
cmp -s "$ref" "$tmp/db2.csv" || { echo "error: the CSV exported from the database differs" >&2; exit 1; }
echo "CSV identical for every -j and from the database"
