// `xpusim op`: simulate one op on one chip and print its cost (cycles, time, utilisation, bytes per
// level, bound, mapping). The chip comes from an arch config (--arch) and is built by the same model
// factory as `xpusim run` (cluster::make_chip_compute_model: sustained clock, the chip's memory
// preset, kernel effects), so an op costs here what it costs inside a run.
#include <cstdio>
#include <iostream>
#include <sstream>

#include "sim/chip/chip_model.h"
#include "sim/chip/op_text.h"
#include "sim/cli/command.h"
#include "sim/cluster/arch.h"
#include "sim/cluster/simulate.h"
#include "sim/core/config.h"
#include "sim/core/error.h"

namespace xpu::cli {
namespace {

std::string fixed(double v, int prec) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

std::string flops_text(Flops f) {
  const double v = f.flops();
  if (v >= 1e12) return fixed(v / 1e12, 3) + " TFLOP";
  if (v >= 1e9) return fixed(v / 1e9, 3) + " GFLOP";
  if (v >= 1e6) return fixed(v / 1e6, 3) + " MFLOP";
  return fixed(v, 0) + " FLOP";
}

int run_op(const std::vector<std::string>& argv) {
  Args args("op", "Simulate one op on one chip of an arch config and print its cost.\n\n"
                  "OP is one quoted string, e.g.\n"
                  "  \"gemm M=4096 N=4096 K=4096 dtype=bf16\"   (B=<batch> for batched GEMM)\n"
                  "  \"conv H=56 W=56 C=64 F=64 FH=3 FW=3 stride=1\"  (lowered to GEMM by im2col)\n"
                  "  \"attention B=1 H=32 KVH=8 S=4096 KV=4096 D=128 causal=1\"\n"
                  "  \"softmax rows=4096 cols=4096\", \"gelu N=16777216\", \"rmsnorm rows=4096 cols=8192\"\n"
                  "vector op classes are the keys of chip.vector.ops; see docs/models/compute.md",
            {{"arch", "FILE", "arch config (arch-configs/chips/*.yaml or a pod preset)", "", true},
             {"json", "", "print the result as JSON", "", false},
             {"no-extrapolate", "", "simulate every tile (no steady-state extrapolation)", "", false}},
            {"OP"});
  if (!args.parse(argv)) return kExitOk;
  if (args.positional().empty()) throw UserError("xpusim op: missing OP (e.g. \"gemm M=4096 N=4096 K=4096\"); see --help");
  const ArchSpec arch = load_arch(args.get("arch"));
  const chip::OpDesc op = chip::parse_op(args.positional()[0]);
  chip::SimOptions opt;
  opt.extrapolate = !args.has("no-extrapolate");
  auto model = cluster::make_chip_compute_model(arch, opt);
  const ChipSpec& chip = model->chip();  // as it runs (sustained clock)
  const mem::MemoryPort& port = model->port();
  const chip::OpResult r = model->simulate(op);
  const DType dt = op.kind == chip::OpDesc::Kind::Gemm        ? op.gemm.dtype
                   : op.kind == chip::OpDesc::Kind::Attention ? op.attention.dtype
                                                              : op.vector.dtype;
  const bool vec = op.kind == chip::OpDesc::Kind::Vector;
  const FlopsPerSecond peak = vec ? chip.vector_peak() : chip.matrix_peak(dt);
  const FlopsPerSecond achieved = r.time.seconds() > 0 ? r.flops / r.time : FlopsPerSecond(0);
  const BytesPerSecond hbm_rate = r.time.seconds() > 0 ? r.hbm_bytes / r.time : BytesPerSecond(0);
  if (args.has("json")) {
    std::ostringstream os;
    auto q = [](const std::string& s) { return "\"" + cfg::json_escape(s) + "\""; };
    os << "{\n  \"op\": " << q(r.op) << ",\n  \"chip\": " << q(chip.name) << ",\n  \"cycles\": " << r.cycles.count()
       << ",\n  \"time_s\": " << cfg::json_scalar(r.time.seconds()) << ",\n  \"flops\": " << cfg::json_scalar(r.flops.flops())
       << ",\n  \"utilization\": " << cfg::json_scalar(r.utilization) << ",\n  \"bound\": " << q(r.bound)
       << ",\n  \"mapping\": " << q(r.mapping) << ",\n  \"cores_used\": " << r.cores_used
       << ",\n  \"compute_cycles\": " << r.compute_cycles.count() << ",\n  \"dma_cycles\": " << r.dma_cycles.count()
       << ",\n  \"bytes\": {\"hbm_read\": " << cfg::json_scalar(r.bytes.hbm_read.bytes())
       << ", \"hbm_write\": " << cfg::json_scalar(r.bytes.hbm_write.bytes())
       << ", \"global_to_l1\": " << cfg::json_scalar(r.bytes.global_to_l1.bytes())
       << ", \"l1_to_global\": " << cfg::json_scalar(r.bytes.l1_to_global.bytes())
       << ", \"l0_operands\": " << cfg::json_scalar(r.bytes.l0_operands.bytes())
       << ", \"l0_accumulator\": " << cfg::json_scalar(r.bytes.l0_accumulator.bytes()) << "}\n}\n";
    std::cout << os.str();
    return kExitOk;
  }
  std::cout << "op           " << r.op << "\n";
  if (arch.models.compute == "roofline")
    std::cout << "             (note: this arch runs workloads on the roofline model, models.compute: roofline;\n"
                 "              op shows the compute-array model)\n";
  if (!op.note.empty()) std::cout << "             (" << op.note << ")\n";
  std::cout << "chip         " << chip.name << ": " << chip.cores << " cores at " << fixed(chip.clock.hertz() / 1e9, 3)
            << " GHz, memory " << port.name() << " " << format_bandwidth(port.achievable_bandwidth({})) << "\n"
            << "cycles       " << r.cycles.count() << "\n"
            << "time         " << format_seconds(r.time) << "\n"
            << "work         " << flops_text(r.flops) << " -> " << format_flops_rate(achieved) << "\n"
            << "utilization  " << fixed(100.0 * r.utilization, 2) << " % of "
            << (vec ? "vector issue slots" : format_flops_rate(peak) + " " + dtype_name(dt) + " matrix peak") << "\n"
            << "bound        " << r.bound << " (critical core busy: compute " << r.compute_cycles.count()
            << " cycles, DMA " << r.dma_cycles.count() << " cycles)\n"
            << "mapping      " << r.mapping << "\n"
            << "bytes        HBM read " << format_bytes(r.bytes.hbm_read) << ", HBM write "
            << format_bytes(r.bytes.hbm_write) << " (" << format_bandwidth(hbm_rate) << ")\n"
            << "             global->L1 " << format_bytes(r.bytes.global_to_l1) << ", L1->global "
            << format_bytes(r.bytes.l1_to_global) << "\n";
  if (!vec)
    std::cout << "             L0 operands " << format_bytes(r.bytes.l0_operands) << ", L0 accumulators "
              << format_bytes(r.bytes.l0_accumulator) << "\n";
  return kExitOk;
}

}  // namespace

XPU_REGISTER_COMMAND("op", "simulate one op (gemm, conv, attention, vector) on one chip", run_op);

}  // namespace xpu::cli
