// `xpusim op`: simulate one op on one chip and print its cost (cycles, time, utilisation, bytes per
// level, bound, mapping). The chip comes from an arch config (--arch) and is built by the same model
// factory as `xpusim run` (cluster::make_chip_compute_model: sustained clock, the chip's memory
// preset, kernel effects), so an op costs here what it costs inside a run.
#include <iostream>

#include "sim/api/eval.h"
#include "sim/cli/command.h"
#include "sim/core/error.h"

namespace xpu::cli {
namespace {

int run_op(const std::vector<std::string>& argv) {
  Args args("op", "Simulate one op on one chip of an arch config and print its cost.\n\n"
                  "OP is one quoted string, e.g.\n"
                  "  \"gemm M=4096 N=4096 K=4096 dtype=bf16\"   (B=<batch> for batched GEMM)\n"
                  "  \"conv H=56 W=56 C=64 F=64 FH=3 FW=3 stride=1\"  (lowered to GEMM by im2col)\n"
                  "  \"attention B=1 H=32 KVH=8 S=4096 KV=4096 D=128 causal=1\"  (backward=1: the backward kernel)\n"
                  "  \"softmax rows=4096 cols=4096\", \"gelu N=16777216\", \"rmsnorm rows=4096 cols=8192\"\n"
                  "vector op classes are the keys of chip.vector.ops; see docs/models/compute.md",
            {{"arch", "FILE", "arch config (arch-configs/chips/*.yaml or a pod preset)", "", true},
             {"json", "", "print the result as JSON", "", false},
             {"set", "KEY=VALUE", "override one arch key (repeatable), e.g. --set chip.matrix.rows=32", "", false},
             {"no-extrapolate", "", "simulate every tile (no steady-state extrapolation)", "", false}},
            {"OP"});
  if (!args.parse(argv)) return kExitOk;
  if (args.positional().empty()) throw UserError("xpusim op: missing OP (e.g. \"gemm M=4096 N=4096 K=4096\"); see --help");
  api::OpRequest q;
  q.arch = args.get("arch");
  q.op = args.positional()[0];
  q.set = args.get_all("set");
  q.extrapolate = !args.has("no-extrapolate");
  const api::OpOutcome o = api::op(q);  // the figures the facade and the Python module return
  std::cout << (args.has("json") ? o.json : o.text);
  return kExitOk;
}

}  // namespace

XPU_REGISTER_COMMAND("op", "simulate one op (gemm, conv, attention, vector) on one chip", run_op);

}  // namespace xpu::cli
