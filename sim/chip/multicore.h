// Spreading tiles over the cores of a chip (internal to sim/chip).
//
// Tiles are issued kind-major (all full tiles first, edge tiles last) and dealt round-robin: the
// tile with global index i runs on core i mod P. Each core then runs its own sequence through the
// pipeline of pipeline.h; cores with the same sequence share one evaluation. The chip finishes when
// its slowest core does. HBM bandwidth is shared evenly by the cores that have work
// (min(P, tiles)); the tail, where fewer cores are still busy, is not given the freed bandwidth
// (a conservative simplification, see docs/models/compute.md).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/chip/chip_model.h"
#include "sim/core/error.h"
#include "sim/chip/chip_spec.h"
#include "sim/chip/pipeline.h"
#include "sim/memory/memory_port.h"

namespace xpu::chip::detail {

inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
// Cycle counts beyond 2^62 (an op of years on any clock) cannot be represented downstream: refused.
inline std::int64_t cycles_of(double c) {
  if (!(c < 4.6e18)) throw UserError("an op needs more than 4.6e18 cycles; its dimensions are implausible");
  return static_cast<std::int64_t>(std::ceil(c - 1e-9));
}

// Per-op constants of the chip and its memory, in bytes per core clock.
struct Ctx {
  double clock_hz = 1;
  std::int64_t cores = 1;
  double hbm_bpc = 1;        // achievable HBM bytes per core-clock cycle, whole chip
  double fill_bpc = 1, drain_bpc = 1;
  std::int64_t first_latency = 0;
};
Ctx make_ctx(const ChipSpec& chip, const mem::MemoryPort& port, const mem::AccessProfile& profile);

// Load-queue cycles for `l1_bytes` into L1 of which `hbm_bytes` come from HBM, when `active` cores
// share HBM evenly. Stores get the same per-core share: the load and store queues of a core may
// overlap in time, so the sum can exceed the memory's bandwidth for a while; the op as a whole is
// held to it by hbm_floor().
inline std::int64_t load_cycles(const Ctx& c, double l1_bytes, double hbm_bytes, std::int64_t active) {
  const double share = c.hbm_bpc / static_cast<double>(active);
  return cycles_of(std::max(l1_bytes / c.fill_bpc, hbm_bytes / share));
}
inline std::int64_t store_cycles(const Ctx& c, double bytes, std::int64_t active) {
  const double share = c.hbm_bpc / static_cast<double>(active);
  return cycles_of(std::max(bytes / c.drain_bpc, bytes / share));
}
// No op finishes before its first access plus all its HBM traffic at the achievable bandwidth.
inline std::int64_t hbm_floor(const Ctx& c, double hbm_bytes) {
  return c.first_latency + cycles_of(hbm_bytes / c.hbm_bpc);
}

struct ChipRun {
  std::int64_t cycles = 0;
  PipelineResult critical;   // the slowest core
  std::int64_t cores_used = 0;
  std::int64_t steps_simulated = 0;
};
ChipRun run_chip(const std::vector<TileCost>& kinds, const std::vector<std::int64_t>& counts, std::int64_t cores,
                 std::int64_t first_latency, bool extrapolate);

// An op's cycles as a kernel: max(array cycles, chip.kernel.dispatch_time) + chip.kernel.launch_overhead
// (every op's result goes through this once).
std::int64_t kernel_cycles(const ChipSpec& chip, std::int64_t array_cycles);

// Bytes a matrix-unit plan moves per level (GEMM and fused attention plans).
struct PlanBytes {
  double hbm_read = 0, hbm_write = 0, fill = 0, drain = 0, l0_op = 0, l0_acc = 0;
};
// The common part of a matrix op's result from its chosen plan and chip run: time, bytes per level,
// utilisation against the matrix peak of `dtype`, and the bound (memory when the op sits on its HBM
// floor or the critical core's load queue is busier than its compute). The caller adds the mapping.
OpResult matrix_result(const ChipSpec& chip, const Ctx& ctx, std::string op, Flops flops, DType dtype,
                       std::int64_t cycles, const PlanBytes& bytes, const ChipRun& run, std::int64_t steps_simulated);

}  // namespace xpu::chip::detail
