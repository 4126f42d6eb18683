#!/usr/bin/env bash
# Sweep throughput benchmark (not a test): points per minute of a 256-chip LLM training sweep.
#   bash tests/bench/bench_sweep.sh [build-dir] [jobs...]      (default: build, jobs 1 and every core)
#   XPUSIM_BEFORE=/path/to/old/xpusim bash tests/bench/bench_sweep.sh ...   also times an older binary
# The sweep: Llama 3 70B training (workloads/scenarios/llama3-70b-train-256.yaml: TP 8, PP 4, DP 8,
# 512 x 8K sequences) on dgx-h100-superpod-like (256 H100-like GPUs), 12 points: HBM bandwidth
# 3 / 3.35 / 4 / 4.8 TB/s x InfiniBand rail bandwidth 200 / 400 / 800 Gb/s. Arch keys only, so that a
# binary from before the study layer (points one after another in one process) runs the same sweep.
# Every run's CSV must have the same rows (the old one lacks the final `error` column). A last run
# against a filled results database measures the resume path (nothing simulated).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
shift || true
jobs=("$@")
[ ${#jobs[@]} -eq 0 ] && jobs=(1 "$(nproc)")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=(sweep --arch "$root/arch-configs/pods/dgx-h100-superpod-like.yaml"
      --workload "$root/workloads/scenarios/llama3-70b-train-256.yaml"
      --vary 'chip.hbm.bandwidth=3TB/s,3.35TB/s,4TB/s,4.8TB/s'
      --vary 'pod.topology.levels[1].link_bandwidth=200Gb/s,400Gb/s,800Gb/s')
points=12
rate() { awk -v a="$1" -v b="$2" -v n="$points" -v w="$3" 'BEGIN { printf "%-22s %10.2f %14.1f\n", w, b - a, 60 * n / (b - a) }'; }
printf "%-22s %10s %14s\n" run wall_s points_per_min
if [ -n "${XPUSIM_BEFORE:-}" ]; then
  # (older binaries could only write --out relative to the working directory)
  t0=$(date +%s.%N); (cd "$tmp" && "$XPUSIM_BEFORE" "${args[@]}" --out before.csv >/dev/null 2>&1); t1=$(date +%s.%N)
  rate "$t0" "$t1" "before (old binary)"
fi
ref=""
for j in "${jobs[@]}"; do
  t0=$(date +%s.%N); "$build/xpusim" "${args[@]}" -j "$j" --out "$tmp/j$j.csv" >/dev/null; t1=$(date +%s.%N)
  rate "$t0" "$t1" "-j $j"
  if [ -z "$ref" ]; then ref="$tmp/j$j.csv"; elif ! cmp -s "$ref" "$tmp/j$j.csv"; then
    echo "error: the CSV of -j $j differs from the first run's" >&2; exit 1; fi
done
if [ -n "${XPUSIM_BEFORE:-}" ]; then
  # Same rows and figures; the new CSV has one more column (error, empty here).
  if ! diff <(sed 's/,$//; s/,error$//' "$ref") "$tmp/before.csv" >/dev/null; then
    echo "error: the old binary's CSV differs from the new one's" >&2; exit 1; fi
  echo "old and new CSV: same rows and figures"
fi
"$build/xpusim" "${args[@]}" -j "${jobs[-1]}" --db "$tmp/r.db" --out "$tmp/db.csv" >/dev/null
t0=$(date +%s.%N)
"$build/xpusim" "${args[@]}" -j "${jobs[-1]}" --db "$tmp/r.db" --out "$tmp/db2.csv"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "resume from a full database: %.2f s\n", b - a }'
cmp -s "$ref" "$tmp/db2.csv" || { echo "error: the CSV exported from the database differs" >&2; exit 1; }
echo "CSV identical for every -j and from the database"
