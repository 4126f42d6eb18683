#!/usr/bin/env bash
# Coverage-guided fuzzing of the input readers with libFuzzer (clang), ASan + UBSan on.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]     (default: 60 s per target, all targets)
#   bash scripts/fuzz.sh --runs N [TARGET...]      (N executions per target instead of a time)
# Targets: arch (arch-config loader + model building), scenario (scenario/model loader + generator),
# trace (native YAML trace reader + engine), chakra (Chakra ET reader + engine), serving (serving file
# reader + scheduler on a closed-form step cost); see tests/fuzz/.
# Seeds come from the repository's own presets, scenarios and traces; the grown corpus is kept in
# build-fuzz/corpus/<target> so later runs continue from it. A crash, sanitizer report, hang
# (> 10 s on one input) or out-of-memory (> 2 GiB) stops that target, leaves the input in
# build-fuzz/findings/ and makes the script exit non-zero. Turn each finding into a regression test
# (tests/integration/test_robustness.cpp) before fixing it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
limit=(-max_total_time=60)
if [ "${1:-}" = "--runs" ]; then limit=(-runs="$2"); shift 2
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then limit=(-max_total_time="$1"); shift; fi
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(arch scenario trace chakra serving)

bash "$root/scripts/deps.sh"
if ! command -v clang++ >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi
b=$root/build-fuzz
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S "$root" -B "$b" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DXPUSIM_FUZZ=ON -DXPUSIM_BUILD_TESTS=OFF >/dev/null
cmake --build "$b" -j "$jobs" --target $(printf 'fuzz_%s ' "${targets[@]}")

seed() {  # target -> seed files from the repository
  case $1 in
    arch) ls "$root"/arch-configs/pods/*.yaml "$root"/arch-configs/chips/*.yaml "$root"/tests/data/*.yaml ;;
    scenario) ls "$root"/workloads/scenarios/*.yaml ;;
    trace) ls "$root"/workloads/samples/*.yaml ;;
    chakra) ls "$root"/tests/data/chakra/*/*.et "$root"/workloads/chakra/*/*.et 2>/dev/null ;;
    serving) ls "$root"/workloads/serving/*.yaml ;;
  esac
}
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:quarantine_size_mb=32
status=0
summary=()
for t in "${targets[@]}"; do
  corpus=$b/corpus/$t
  mkdir -p "$corpus" "$b/findings"
  for f in $(seed "$t"); do cp -n "$f" "$corpus/seed-$(basename "$(dirname "$f")")-$(basename "$f")"; done
  log=$b/fuzz-$t.log
  maxlen=16384; [ "$t" = chakra ] && maxlen=4096  # binary protobuf: short inputs mutate faster
  echo "xpusim fuzz: $t (${limit[*]}) -> $log"
  if "$b/fuzz/fuzz_$t" "$corpus" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=$maxlen \
       -print_final_stats=1 -artifact_prefix="$b/findings/$t-" >"$log" 2>&1; then
    result=clean
  else
    result="FINDING (see $log and $b/findings/)"
    status=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{print $2}' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | awk '{print $2}' | tail -1)
  for d in /dev/shm/xpusim-fuzz-*; do  # scratch folders of finished fuzzers (libFuzzer exits without cleanup)
    [ -d "$d" ] && ! kill -0 "${d##*-}" 2>/dev/null && rm -rf "$d"
  done
  summary+=("$(printf '%-9s %12s executions %8s exec/s  %s' "$t" "${execs:-?}" "${rate:-?}" "$result")")
done
printf '%s\n' "${summary[@]}"
exit $status
