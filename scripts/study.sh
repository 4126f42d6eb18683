#!/usr/bin/env bash
# One-command study for newcomers: one training step in detail, the scaling curves, and a drawing
# of the pod, for an arch (pod preset) and a transformer scenario.
#
#   scripts/study.sh [ARCH] [SCENARIO] [OUTDIR]
#     ARCH      default arch-configs/pods/tianchi256-like.yaml
#     SCENARIO  default workloads/scenarios/llama3-70b-train-256.yaml
#     OUTDIR    default out/study
#   environment: XPUSIM=path/to/xpusim (skip the build), SCALE_ARGS="--chips 32,64,128 ..." (passed
#   to `xpusim scale`), NO_TIMELINE=1 (skip the Gantt PNG, which reads the whole ops.csv).
#
# Builds xpusim if needed (scripts/build.sh), then writes
#   OUTDIR/run/    summary.json, ops.csv, trace.json (Perfetto), links.csv, breakdown.png/.svg, timeline.png
#   OUTDIR/scale/  scaling.csv, scaling.png, scaling.svg (strong and weak scaling, 8 -> 512 chips)
#   OUTDIR/graph/  the pod drawn with Graphviz (.dot, .svg)
# To see the effect of one hardware figure, copy the arch preset, change one key (chip.hbm.bandwidth,
# a level's link_bandwidth, the cube size) and run this again into another OUTDIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
arch_in=${1:-arch-configs/pods/tianchi256-like.yaml}
scenario_in=${2:-workloads/scenarios/llama3-70b-train-256.yaml}
out=${3:-out/study}
py=/usr/bin/python3

# Paths are taken relative to the current directory, else to the repository root.
resolve() {
  if [ -e "$1" ]; then realpath "$1"
  elif [ -e "$root/$1" ]; then realpath "$root/$1"
  else echo "study.sh: no such file '$1' (looked in $(pwd) and $root)" >&2; exit 2
  fi
}
arch=$(resolve "$arch_in")
scenario=$(resolve "$scenario_in")
mkdir -p "$out"
out=$(realpath "$out")

if [ -n "${XPUSIM:-}" ]; then
  xpusim=$(realpath "$XPUSIM")
else
  echo "== building xpusim (scripts/build.sh --target xpusim)"
  bash "$root/scripts/build.sh" --target xpusim >/dev/null
  xpusim="$root/build/xpusim"
fi

plots=1
if ! "$py" -c 'import matplotlib' >/dev/null 2>&1; then
  plots=0
  echo "study.sh: $py cannot import matplotlib: plots skipped (install python3-matplotlib: scripts/deps.sh)"
fi

echo "== 1/4 one step in detail: xpusim run"
"$xpusim" run --arch "$arch" --workload "$scenario" --out "$out/run"

if [ "$plots" = 1 ]; then
  echo "== 2/4 breakdown and timeline plots"
  "$py" "$root/analysis/plot_breakdown.py" "$out/run/summary.json"
  if [ -z "${NO_TIMELINE:-}" ]; then "$py" "$root/analysis/plot_timeline.py" "$out/run/ops.csv"; fi
fi

echo "== 3/4 scaling curves: xpusim scale"
# shellcheck disable=SC2086
"$xpusim" scale --arch "$arch" --scenario "$scenario" --out "$out/scale" ${SCALE_ARGS:-}

echo "== 4/4 the pod: xpusim graph"
"$xpusim" graph --arch "$arch" --out "$out/graph"

echo
echo "study of $(basename "$scenario") on $(basename "$arch") is in $out:"
echo "  run/summary.json     step time, tokens/s, MFU/HFU, HBM footprint, breakdown (text above)"
echo "  run/trace.json       timeline: open in https://ui.perfetto.dev"
[ "$plots" = 1 ] && echo "  run/breakdown.png    time by op class, step split, HBM per chip"
[ "$plots" = 1 ] && [ -z "${NO_TIMELINE:-}" ] && echo "  run/timeline.png     Gantt of a few ranks"
echo "  run/ops.csv, run/links.csv   per-op and per-link tables"
echo "  scale/scaling.csv    strong and weak scaling points"
[ "$plots" = 1 ] && echo "  scale/scaling.png    throughput vs chips (with ideal), efficiency, step breakdown (also .svg)"
echo "  graph/               the pod topology (.dot, .svg)"
echo "Change one key in a copy of $(basename "$arch") (chip.hbm.bandwidth, a level's link_bandwidth, the cube size) and rerun to compare."
