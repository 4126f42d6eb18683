#!/usr/bin/env bash
# `cmake --install` into a fresh prefix, then a 10-line consumer built with find_package(xpusim)
# against it: its GEMM time must equal what the installed `xpusim op --json` prints, and the
# installation must hold the tool, the library, the public header, the presets, the CMake package
# and the Python package, and no internal header.
# Usage: test_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/xpusim-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
fail() { echo "FAIL: $*" >&2; exit 1; }
libdir=$(ls -d "$prefix"/lib*/ | head -1)
for f in bin/xpusim include/xpusim/xpusim.h share/xpusim/arch-configs/chips/ascend-910b-like.yaml \
         share/xpusim/workloads/models/llama3-8b.yaml share/xpusim/analysis/plot_scaling.py; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done
ls "$prefix"/lib*/libxpusim.so* >/dev/null 2>&1 || fail "libxpusim.so not installed"
ls "$prefix"/lib*/cmake/xpusim/xpusim-config.cmake "$prefix"/lib*/cmake/xpusim/xpusim-config-version.cmake >/dev/null \
  || fail "CMake package files not installed"
[ -z "$(find "$prefix/include" -type f ! -path '*/include/xpusim/*')" ] || fail "headers outside include/xpusim installed"
[ "$(find "$prefix/include" -type f | wc -l)" -ge 1 ] || fail "no public header"
# The library exports its public interface (namespace xpusim), the tool's entry point and SystemC's
# sc_main hook; the simulator's internals (namespace xpu) stay hidden.
lib=$(ls "$prefix"/lib*/libxpusim.so | head -1)
exported=$(nm -D --defined-only -C "$lib" | awk '$2 ~ /^[TWVBDRtwvbdr]$/ {$1=""; $2=""; print}')
grep -q "xpusim::op(" <<< "$exported" || fail "libxpusim does not export xpusim::op"
grep -q "xpusim_tool_main" <<< "$exported" || fail "libxpusim does not export xpusim_tool_main"
# Mangled names: functions, objects, vtables and typeinfo of namespace xpu start _ZN3xpu / _ZT?N3xpu.
leaked=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -E "^_Z(T[VIST])?N(K)?3xpu" | head -5 || true)
[ -z "$leaked" ] || fail "libxpusim exports internal symbols, e.g.: $leaked"
# The installed tool runs from the prefix (RPATH), away from the build tree.
"$prefix/bin/xpusim" --version | grep -q "^xpusim 0.1.0$" || fail "installed xpusim --version"
# The consumer.
cmake -S "$src/tests/install/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer" >/dev/null
out=$("$work/consumer/consumer")
echo "$out"
arch=$prefix/share/xpusim/arch-configs/chips/ascend-910b-like.yaml
json=$("$prefix/bin/xpusim" op --arch "$arch" --json "gemm M=4096 N=4096 K=4096 dtype=bf16")
want_cycles=$(echo "$json" | sed -n 's/^  "cycles": \([0-9]*\),$/\1/p')
want_time=$(echo "$json" | sed -n 's/^  "time_s": \(.*\),$/\1/p')
got_cycles=$(echo "$out" | sed -n 's/^cycles //p')
got_time=$(echo "$out" | sed -n 's/^time_s //p')
[ -n "$want_cycles" ] && [ "$got_cycles" = "$want_cycles" ] || fail "cycles: consumer '$got_cycles', xpusim op '$want_cycles'"
/usr/bin/python3 - "$got_time" "$want_time" <<'PY' || fail "time_s: consumer $got_time, xpusim op $want_time"
import sys
got, want = float(sys.argv[1]), float(sys.argv[2])
sys.exit(0 if want > 0 and abs(got - want) <= 1e-9 * want else 1)
PY
# The installed Python package imports from the prefix alone.
if [ -d "$prefix/lib/python3/dist-packages/xpusim" ]; then
  (cd "$work" && PYTHONPATH="$prefix/lib/python3/dist-packages" /usr/bin/python3 -c \
     "import xpusim, sys; r = xpusim.op(sys.argv[1], 'gemm M=4096 N=4096 K=4096 dtype=bf16'); assert r['cycles'] == int(sys.argv[2]), r" \
     "$arch" "$want_cycles") || fail "installed Python package"
fi
# Model presets by name come from <prefix>/share/xpusim, for the tool and for the Python package.
node=$prefix/share/xpusim/arch-configs/pods/dgx-h100-node-like.yaml
(cd "$work" && "$prefix/bin/xpusim" plan --arch "$node" --model llama3-8b --gbs 16 --seq 4096 --max-sim 1 -j 1 >/dev/null) \
  || fail "installed xpusim plan --model llama3-8b"
if [ -d "$prefix/lib/python3/dist-packages/xpusim" ]; then
  (cd "$work" && PYTHONPATH="$prefix/lib/python3/dist-packages" /usr/bin/python3 -c \
     "import xpusim, sys; p = xpusim.plan(sys.argv[1], 'llama3-8b', gbs=16, seq=4096, max_sim=1); assert 'llama3-8b' in p.text" \
     "$node") || fail "installed Python package: plan with a model preset by name"
fi
echo "install test: ok ($prefix)"
