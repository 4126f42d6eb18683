// ChipSpec: the parameters of one accelerator chip, as read from `chip:` in an arch config.
//
// v0 covers what the roofline placeholder and the first compute-array model need: cores, each with a
// matrix (cube) unit of rows x cols x depth MACs per cycle and a vector unit, the on-chip buffers,
// HBM peak bandwidth and capacity, and the chip-to-chip links. Per-dtype throughput is a multiplier
// of the matrix unit's MACs per cycle (BF16 = 1 by convention for most chips).
// Every parameter is declared once in `visit` (type, default, range, description); `xpusim schema
// arch` and docs/config-reference.md are generated from these declarations.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "sim/core/config.h"
#include "sim/core/dtype.h"
#include "sim/core/units.h"

namespace xpu {

struct MatrixUnitSpec {
  std::int64_t rows = 16;   // PE rows (systolic array height) / cube m
  std::int64_t cols = 16;   // PE columns / cube n
  std::int64_t depth = 1;   // cube k: MACs each PE does per cycle along K (1 for a 2-D systolic array)
  // MACs per cycle relative to rows*cols*depth, per datatype (e.g. fp8: 2 when FP8 runs at twice BF16).
  std::map<std::string, double> dtype_rate = {{"bf16", 1.0}, {"fp16", 1.0}, {"fp32", 0.25}, {"fp8", 2.0}, {"int8", 2.0}};
  std::string dataflow = "ws";  // systolic dataflow used by the compute-array model

  template <class V>
  void visit(V& v) {
    v.field("rows", rows, cfg::Field("PE rows of the matrix unit (cube m)").positive());
    v.field("cols", cols, cfg::Field("PE columns of the matrix unit (cube n)").positive());
    v.field("depth", depth, cfg::Field("MACs per PE per cycle along K (cube k; 1 for a 2-D systolic array)").positive());
    v.field("dtype_rate", dtype_rate, cfg::Field("MAC throughput per dtype relative to rows*cols*depth per cycle").min(0));
    v.field("dataflow", dataflow, cfg::Field("systolic dataflow").one_of({"ws", "os", "is"}));
  }
  void check(const cfg::Checker& c) const;
};

struct VectorUnitSpec {
  std::int64_t lanes = 128;            // SIMD lanes (FP32 elements per cycle)
  double flops_per_lane = 2.0;         // FLOP per lane per cycle for FP32 (an FMA counts 2)
  template <class V>
  void visit(V& v) {
    v.field("lanes", lanes, cfg::Field("SIMD lanes (FP32 elements per cycle)").positive());
    v.field("flops_per_lane", flops_per_lane, cfg::Field("FLOP per lane per cycle (an FMA counts 2)").positive());
  }
};

struct BufferSpec {
  Bytes l0a = Bytes(64 * units::KiB);    // matrix-unit left operand buffer, per core
  Bytes l0b = Bytes(64 * units::KiB);    // right operand buffer, per core
  Bytes l0c = Bytes(256 * units::KiB);   // accumulator buffer, per core
  Bytes l1 = Bytes(1 * units::MiB);      // per-core local buffer
  Bytes global = Bytes(0);               // chip-wide shared buffer / L2 (0 = none)
  template <class V>
  void visit(V& v) {
    v.field("l0a", l0a, cfg::Field("left-operand buffer per core").positive());
    v.field("l0b", l0b, cfg::Field("right-operand buffer per core").positive());
    v.field("l0c", l0c, cfg::Field("accumulator buffer per core").positive());
    v.field("l1", l1, cfg::Field("local buffer per core").positive());
    v.field("global", global, cfg::Field("chip-wide shared buffer or L2 (0 = none)").min(0));
  }
};

struct HbmSummarySpec {
  BytesPerSecond bandwidth;   // peak, all stacks
  Bytes capacity;
  double efficiency = 0.9;    // achievable fraction of peak used by the roofline placeholder
  std::string preset;         // optional: memory preset file for the HBM model (arch-configs/memory/)
  template <class V>
  void visit(V& v) {
    v.field("bandwidth", bandwidth, cfg::Field("peak HBM bandwidth of the chip, all stacks").required().positive());
    v.field("capacity", capacity, cfg::Field("HBM capacity of the chip").required().positive());
    v.field("efficiency", efficiency, cfg::Field("achievable fraction of peak bandwidth (roofline placeholder only)").positive().max(1));
    v.field("preset", preset, cfg::Field("memory preset (arch-configs/memory/*.yaml) for the detailed HBM model; empty = none"));
  }
};

struct ChipLinkSpec {
  std::int64_t count = 1;                     // chip-to-chip ports
  BytesPerSecond bandwidth;                   // per port, one direction
  Seconds latency = units::microseconds(1.0); // per message
  template <class V>
  void visit(V& v) {
    v.field("count", count, cfg::Field("number of chip-to-chip ports").positive());
    v.field("bandwidth", bandwidth, cfg::Field("bandwidth of one port, one direction").required().positive());
    v.field("latency", latency, cfg::Field("per-message latency of one hop").min(0));
  }
};

struct ChipSpec {
  std::string name = "chip";
  Hertz clock;
  std::int64_t cores = 1;
  MatrixUnitSpec matrix;
  VectorUnitSpec vector;
  BufferSpec buffers;
  HbmSummarySpec hbm;
  ChipLinkSpec links;
  double compute_efficiency = 1.0;  // roofline placeholder: achievable fraction of matrix peak

  template <class V>
  void visit(V& v) {
    v.field("name", name, cfg::Field("chip name shown in reports"));
    v.field("clock", clock, cfg::Field("core clock").required().positive());
    v.field("cores", cores, cfg::Field("AI cores (each with a matrix and a vector unit)").positive());
    v.field("matrix", matrix, cfg::Field("matrix (cube / systolic) unit of one core"));
    v.field("vector", vector, cfg::Field("vector unit of one core"));
    v.field("buffers", buffers, cfg::Field("on-chip buffers"));
    v.field("hbm", hbm, cfg::Field("off-chip memory").required());
    v.field("links", links, cfg::Field("chip-to-chip links").required());
    v.field("compute_efficiency", compute_efficiency,
            cfg::Field("achievable fraction of matrix peak (roofline placeholder only)").positive().max(1));
  }

  // Peak matrix throughput of the whole chip for `d` (2 FLOP per MAC).
  FlopsPerSecond matrix_peak(DType d) const;
  // Peak vector throughput of the whole chip (FP32).
  FlopsPerSecond vector_peak() const;
};

}  // namespace xpu
