// ChipSpec: the parameters of one accelerator chip, as read from `chip:` in an arch config.
//
// Cores, each with a matrix (cube) unit of rows x cols x depth MACs per cycle and a vector unit, the
// on-chip buffers, the DMA engines that fill them, HBM peak bandwidth and capacity, and the
// chip-to-chip links. Per-dtype throughput is a multiplier of the matrix unit's MACs per cycle (BF16 = 1
// by convention for most chips). The compute-array model that reads these is sim/chip/chip_model.h;
// its equations are in docs/models/compute.md.
// Every parameter is declared once in `visit` (type, default, range, description); `xpusim schema
// arch` and docs/config-reference.md are generated from these declarations.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

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
  // true: the fill/drain of consecutive folds overlap (double-buffered stationary operand, skewed
  // wavefronts back to back), as real arrays do; false: every fold pays its own fill and drain, which
  // is SCALE-Sim v2's CALC-mode schedule (kept for comparison).
  bool fold_overlap = true;

  template <class V>
  void visit(V& v) {
    v.field("rows", rows, cfg::Field("PE rows of the matrix unit (cube m)").positive());
    v.field("cols", cols, cfg::Field("PE columns of the matrix unit (cube n)").positive());
    v.field("depth", depth, cfg::Field("MACs per PE per cycle along K (cube k; 1 for a 2-D systolic array)").positive());
    v.field("dtype_rate", dtype_rate, cfg::Field("MAC throughput per dtype relative to rows*cols*depth per cycle").min(0));
    v.field("dataflow", dataflow, cfg::Field("systolic dataflow").one_of({"ws", "os", "is"}));
    v.field("fold_overlap", fold_overlap,
            cfg::Field("overlap fill/drain of consecutive folds (false = SCALE-Sim v2 CALC schedule)"));
  }
  void check(const cfg::Checker& c) const;
};

// One class of vector operation: its cost per element. An element costs
//   flops / flops_per_lane + special / special_rate   lane-cycles of issue, and at least `passes`
// lane-cycles (each pass streams the tile through the unit once: max, exp-sum, normalise, ...).
struct VectorOpClassSpec {
  double flops = 1.0;      // FLOP per element (not counting special functions)
  double special = 0.0;    // special-function evaluations per element (exp, tanh, rsqrt, ...)
  double passes = 1.0;     // passes over the on-chip tile
  double inputs = 1.0;     // input tensors of the op's size read from memory
  double outputs = 1.0;    // output tensors of the op's size written to memory (reductions: 0)
  template <class V>
  void visit(V& v) {
    v.field("flops", flops, cfg::Field("FLOP per element (excluding special functions)").min(0));
    v.field("special", special, cfg::Field("special-function evaluations (exp, tanh, rsqrt) per element").min(0));
    v.field("passes", passes, cfg::Field("passes over the on-chip tile").positive());
    v.field("inputs", inputs, cfg::Field("input tensors of the op's size read from memory").min(0));
    v.field("outputs", outputs, cfg::Field("output tensors of the op's size written to memory").min(0));
  }
};

// The cost table of the vector op classes, one entry per class (each overridable key by key:
// chip.vector.ops.softmax.passes: 2). Defaults and their FLOP counts: chip_spec.cpp.
struct VectorOpsSpec {
  //                                  flops special passes inputs outputs
  VectorOpClassSpec elementwise{1.0, 0.0, 1.0, 2.0, 1.0};  // binary add / mul / residual
  VectorOpClassSpec unary{1.0, 0.0, 1.0, 1.0, 1.0};        // scale, cast, bias
  VectorOpClassSpec copy{0.0, 0.0, 1.0, 1.0, 1.0};         // transpose, reshape, concat
  VectorOpClassSpec reduction{1.0, 0.0, 1.0, 1.0, 0.0};    // sum / max over a dimension
  VectorOpClassSpec softmax{4.0, 1.0, 3.0, 1.0, 1.0};      // max; exp(x - max) and sum; scale by 1/sum
  VectorOpClassSpec layernorm{7.0, 0.0, 2.0, 1.0, 1.0};    // sum and sum of squares; (x - mu) rstd g + b
  VectorOpClassSpec rmsnorm{4.0, 0.0, 2.0, 1.0, 1.0};      // sum of squares; x rstd g
  VectorOpClassSpec gelu{8.0, 1.0, 1.0, 1.0, 1.0};         // tanh approximation
  VectorOpClassSpec silu{3.0, 1.0, 1.0, 1.0, 1.0};         // x / (1 + exp(-x))
  VectorOpClassSpec swiglu{4.0, 1.0, 1.0, 2.0, 1.0};       // silu(a) * b
  VectorOpClassSpec rope{3.0, 0.0, 1.0, 1.0, 1.0};         // rotary embedding (tables stay on chip)
  // Inside fused attention (on-chip operands only, no memory traffic of their own):
  VectorOpClassSpec online_softmax{3.0, 1.0, 2.0, 0.0, 0.0};  // running max, exp, running sum of a score tile
  VectorOpClassSpec rescale{1.0, 0.0, 1.0, 0.0, 0.0};         // rescale of the output accumulator
  template <class V>
  void visit(V& v) {
    v.field("elementwise", elementwise, cfg::Field("binary elementwise (add, mul, residual)"));
    v.field("unary", unary, cfg::Field("unary elementwise (scale, cast, bias)"));
    v.field("copy", copy, cfg::Field("data movement (transpose, reshape, concat)"));
    v.field("reduction", reduction, cfg::Field("sum / max over a dimension"));
    v.field("softmax", softmax, cfg::Field("softmax over rows"));
    v.field("layernorm", layernorm, cfg::Field("LayerNorm over rows"));
    v.field("rmsnorm", rmsnorm, cfg::Field("RMSNorm over rows"));
    v.field("gelu", gelu, cfg::Field("GELU (tanh approximation)"));
    v.field("silu", silu, cfg::Field("SiLU / swish"));
    v.field("swiglu", swiglu, cfg::Field("SwiGLU gate: silu(a) * b"));
    v.field("rope", rope, cfg::Field("rotary position embedding"));
    v.field("online_softmax", online_softmax, cfg::Field("fused attention: online softmax of a score tile"));
    v.field("rescale", rescale, cfg::Field("fused attention: rescale of the output accumulator"));
  }
  // The class named `name`, or nullptr.
  const VectorOpClassSpec* find(const std::string& name) const;
  std::vector<std::string> names() const;
};

struct VectorUnitSpec {
  std::int64_t lanes = 128;            // SIMD lanes (FP32 elements per cycle)
  double flops_per_lane = 2.0;         // FLOP per lane per cycle for FP32 (an FMA counts 2)
  double special_rate = 0.25;          // special-function evaluations per lane per cycle
  // Elements per lane per cycle relative to FP32 (packed 16-bit math: 2).
  std::map<std::string, double> dtype_rate = {{"fp32", 1.0}, {"tf32", 1.0}, {"bf16", 2.0}, {"fp16", 2.0},
                                              {"fp8", 2.0},  {"int8", 2.0}, {"fp4", 2.0}};
  VectorOpsSpec ops;
  // Fused attention: the softmax of one tile runs on the vector unit while the matrix unit works on
  // the neighbouring tile (FlashAttention-3 ping-pong); false = the two run one after the other.
  bool overlap_with_matrix = true;
  template <class V>
  void visit(V& v) {
    v.field("lanes", lanes, cfg::Field("SIMD lanes (FP32 elements per cycle)").positive());
    v.field("flops_per_lane", flops_per_lane, cfg::Field("FLOP per lane per cycle (an FMA counts 2)").positive());
    v.field("special_rate", special_rate, cfg::Field("special-function evaluations per lane per cycle").positive());
    v.field("dtype_rate", dtype_rate, cfg::Field("elements per lane per cycle relative to FP32, per dtype").positive());
    v.field("ops", ops, cfg::Field("cost table of vector op classes (elementwise, softmax, ...)"));
    v.field("overlap_with_matrix", overlap_with_matrix,
            cfg::Field("fused attention: softmax overlaps the matrix unit (FlashAttention-3 style)"));
  }
  void check(const cfg::Checker& c) const;
};

// DMA engines of one core: they move tiles between HBM (through the global buffer, if any) and the
// core's L1. Loads and stores use separate queues; HBM bandwidth is shared by all cores.
struct DmaSpec {
  double fill_bytes_per_cycle = 256;   // global buffer / L2 -> L1 bandwidth of one core
  double drain_bytes_per_cycle = 256;  // L1 -> global buffer / HBM bandwidth of one core
  Seconds latency = Seconds(0);        // first-access latency (0 = take the memory port's idle latency)
  template <class V>
  void visit(V& v) {
    v.field("fill_bytes_per_cycle", fill_bytes_per_cycle,
            cfg::Field("bytes per core clock one core's DMA moves into L1 (from the global buffer or HBM)").positive());
    v.field("drain_bytes_per_cycle", drain_bytes_per_cycle,
            cfg::Field("bytes per core clock one core's DMA moves out of L1").positive());
    v.field("latency", latency, cfg::Field("first-access latency of a DMA (0 = the memory port's idle latency)").min(0));
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
  double efficiency = 0.9;    // achievable fraction of peak: the roofline model, and the memory when preset is empty
  std::string preset;         // optional: memory preset file for the HBM model (arch-configs/memory/)
  template <class V>
  void visit(V& v) {
    v.field("bandwidth", bandwidth, cfg::Field("peak HBM bandwidth of the chip, all stacks").required().positive());
    v.field("capacity", capacity, cfg::Field("HBM capacity of the chip").required().positive());
    v.field("efficiency", efficiency, cfg::Field("achievable fraction of peak bandwidth: the roofline model's memory bound, and the compute-array model's constant-efficiency memory when preset is empty (a preset's HBM model derives its own)").positive().max(1));
    v.field("preset", preset, cfg::Field("memory preset (arch-configs/memory/*.yaml) for the detailed HBM model; a relative path is relative to the file naming it (--set: to the config file); empty = none"));
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

// What a real kernel library loses against the array model's ideal schedule (docs/models/compute.md
// §5b "Kernel effects"). Defaults are the ideal (no loss); the presets set measured values with citations.
//   every op:          t = max(t_array, dispatch_time) + launch_overhead
//                      (the host framework issues one op per dispatch_time at best, so a shorter
//                      kernel waits for the next; launch_overhead is the device-side gap per kernel)
//   memory traffic:    BW_kernel = memory_efficiency x BW_port   (achieved streaming fraction)
//   every output tile: + tile_overhead_cycles                    (prologue/epilogue of one CTA / block)
//   matrix tiles:      tm, tn >= min(min_tile, dim)              (kernel tile menu: tile quantization)
//   fused attention:   its QK^T and PV matmuls at attention_efficiency x the matrix unit's rate;
//                      backward = 2.5 x the forward's FLOPs at attention_backward_efficiency x its FLOP/s
//   in the engine:     t x (1 + comm_slowdown) for a compute op that starts while a collective runs
//                      on its chip (communication kernels hold cores and HBM bandwidth)
//                      t x (1 + chip_spread/2 x (R-1)/(R+1)) for every compute op of an R-rank job:
//                      synchronous training runs at the pace of its slowest chip; with speeds spread
//                      uniformly over chip_spread, the slowest of R is that much behind the median one
struct KernelSpec {
  Seconds launch_overhead = Seconds(0);
  Seconds dispatch_time = Seconds(0);
  double memory_efficiency = 1.0;
  double tile_overhead_cycles = 0.0;
  std::int64_t min_tile = 16;
  double comm_slowdown = 0.0;
  double chip_spread = 0.0;
  Seconds collective_launch = Seconds(0);
  double attention_efficiency = 1.0;
  double attention_backward_efficiency = 1.0;
  template <class V>
  void visit(V& v) {
    v.field("collective_launch", collective_launch,
            cfg::Field("fixed time before a collective's first transfer (communication-library kernel launch and setup)").min(0));
    v.field("launch_overhead", launch_overhead,
            cfg::Field("fixed time added to every kernel (launch + framework gap between kernels)").min(0));
    v.field("dispatch_time", dispatch_time,
            cfg::Field("host framework time to issue one op: an op never takes less (CPU-bound small kernels)").min(0));
    v.field("memory_efficiency", memory_efficiency,
            cfg::Field("fraction of the memory port's achievable bandwidth a kernel's loads/stores reach").positive().max(1));
    v.field("tile_overhead_cycles", tile_overhead_cycles,
            cfg::Field("core cycles each output tile of a matrix op pays outside its K loop (prologue, epilogue)").min(0));
    v.field("min_tile", min_tile,
            cfg::Field("smallest M/N tile of the matrix kernels (tile quantization; smaller only when the dimension is)").positive());
    v.field("comm_slowdown", comm_slowdown,
            cfg::Field("fractional slow-down of a compute op that starts while a collective runs on its chip").min(0));
    v.field("attention_efficiency", attention_efficiency,
            cfg::Field("fraction of the matrix unit's rate the fused attention kernel's QK^T and PV matmuls reach").positive().max(1));
    v.field("attention_backward_efficiency", attention_backward_efficiency,
            cfg::Field("fused attention backward's FLOP/s relative to the forward's (backward = 2.5 x the forward's FLOPs)").positive().max(1));
    v.field("chip_spread", chip_spread,
            cfg::Field("spread of sustained speed between chips of one model (fraction); a synchronous R-chip job runs at its slowest").min(0).max(0.5));
  }
};

// Energy per operation and the power cap (docs/models/power.md). Energy of a step on one chip:
//   E = sum over matrix ops of MACs x mac_pj[dtype] x s^2  +  other compute FLOPs x vector_pj_per_flop x s^2
//     + HBM bytes x hbm_pj_per_byte + bytes on network links x link_pj_per_byte + static_watts x T
// where s = running clock / sustained clock (dynamic energy per operation goes with V^2, and V with the
// clock in the DVFS range). When E / T exceeds tdp_watts and `throttle` is on, the clock is lowered
// until the step's average power meets the cap (the step is re-simulated at that clock).
// All zero (the default) = no power model: reports leave energy out.
struct PowerSpec {
  double tdp_watts = 0;
  double static_watts = 0;
  std::map<std::string, double> mac_pj;  // pJ per multiply-accumulate, per dtype, at the sustained clock
  double vector_pj_per_flop = 0;
  double hbm_pj_per_byte = 0;
  double link_pj_per_byte = 0;
  bool throttle = true;
  template <class V>
  void visit(V& v) {
    v.field("tdp_watts", tdp_watts, cfg::Field("board power cap, W (0 = no cap)").min(0).max(1e5));
    v.field("static_watts", static_watts, cfg::Field("power drawn whatever the chip does (leakage, uncore, HBM refresh), W").min(0).max(1e5));
    v.field("mac_pj", mac_pj, cfg::Field("energy of one multiply-accumulate of the matrix unit per dtype, pJ (operands from on-chip buffers)").min(0).max(1e4));
    v.field("vector_pj_per_flop", vector_pj_per_flop, cfg::Field("energy of one vector-unit FLOP, pJ").min(0).max(1e4));
    v.field("hbm_pj_per_byte", hbm_pj_per_byte, cfg::Field("energy to move one byte between HBM and the chip, pJ").min(0).max(1e5));
    v.field("link_pj_per_byte", link_pj_per_byte, cfg::Field("energy to move one byte over one network link (SerDes + switch), pJ").min(0).max(1e5));
    v.field("throttle", throttle, cfg::Field("lower the clock when a step's average power exceeds tdp_watts"));
  }
  bool known() const { return !mac_pj.empty(); }
};

struct ChipSpec {
  std::string name = "chip";
  Hertz clock;
  Hertz sustained_clock;  // 0 = clock: the clock under a long dense workload (power/thermal limits)
  std::int64_t cores = 1;
  MatrixUnitSpec matrix;
  VectorUnitSpec vector;
  BufferSpec buffers;
  DmaSpec dma;
  HbmSummarySpec hbm;
  ChipLinkSpec links;
  KernelSpec kernel;
  PowerSpec power;
  double compute_efficiency = 1.0;  // roofline model: achievable fraction of matrix peak

  template <class V>
  void visit(V& v) {
    v.field("name", name, cfg::Field("chip name shown in reports"));
    v.field("clock", clock, cfg::Field("core clock at which the datasheet peaks are quoted (peaks, MFU)").required().positive());
    v.field("sustained_clock", sustained_clock,
            cfg::Field("clock the chip holds under long dense work (power/thermal limit); timing uses it (0 = clock)").min(0));
    v.field("cores", cores, cfg::Field("AI cores (each with a matrix and a vector unit)").positive());
    v.field("matrix", matrix, cfg::Field("matrix (cube / systolic) unit of one core"));
    v.field("vector", vector, cfg::Field("vector unit of one core"));
    v.field("buffers", buffers, cfg::Field("on-chip buffers"));
    v.field("dma", dma, cfg::Field("DMA engines of one core"));
    v.field("hbm", hbm, cfg::Field("off-chip memory").required());
    v.field("links", links, cfg::Field("chip-to-chip links").required());
    v.field("kernel", kernel, cfg::Field("kernel-library effects: launch overhead, achieved memory efficiency, tile costs"));
    v.field("power", power, cfg::Field("energy per operation, static power and the TDP cap (docs/models/power.md)"));
    v.field("compute_efficiency", compute_efficiency,
            cfg::Field("achievable fraction of matrix peak (models.compute: roofline only; the compute-array model derives its own)").positive().max(1));
  }

  // Peak matrix throughput of the whole chip for `d` (2 FLOP per MAC).
  FlopsPerSecond matrix_peak(DType d) const;
  // Peak vector throughput of the whole chip (FP32).
  FlopsPerSecond vector_peak() const;
};

}  // namespace xpu
