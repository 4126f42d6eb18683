// Round-robin tile distribution over cores; see multicore.h.
#include "sim/chip/multicore.h"

#include <algorithm>
#include <map>
#include <utility>

#include "sim/core/error.h"

namespace xpu::chip::detail {

Ctx make_ctx(const ChipSpec& chip, const mem::MemoryPort& port, const mem::AccessProfile& profile) {
  Ctx c;
  c.clock_hz = chip.clock.hertz();
  c.cores = chip.cores;
  const double bw = port.achievable_bandwidth(profile).bytes_per_second();
  XPU_ASSERT(bw > 0, "memory port reports no bandwidth");
  c.hbm_bpc = bw * chip.kernel.memory_efficiency / c.clock_hz;  // what a kernel's loads/stores reach
  c.fill_bpc = chip.dma.fill_bytes_per_cycle;
  c.drain_bpc = chip.dma.drain_bytes_per_cycle;
  const Seconds lat = chip.dma.latency.seconds() > 0 ? chip.dma.latency : port.idle_latency();
  c.first_latency = cycles_of(lat.seconds() * c.clock_hz);
  return c;
}

ChipRun run_chip(const std::vector<TileCost>& kinds, const std::vector<std::int64_t>& counts, std::int64_t cores,
                 std::int64_t first_latency, bool extrapolate) {
  XPU_ASSERT(kinds.size() == counts.size(), "one count per tile kind");
  std::int64_t total = 0;
  for (auto n : counts) total += n;
  ChipRun out;
  out.cores_used = std::min(cores, total);
  // Number of indices i in [0, x) with i = c (mod P).
  auto upto = [cores](std::int64_t x, std::int64_t c) { return x > c ? (x - c - 1) / cores + 1 : 0; };
  std::map<std::vector<std::pair<int, std::int64_t>>, PipelineResult> memo;
  for (std::int64_t c = 0; c < out.cores_used; ++c) {
    std::vector<std::pair<int, std::int64_t>> key;
    std::vector<TileRun> seq;
    std::int64_t a = 0;
    for (std::size_t k = 0; k < counts.size(); ++k) {
      const std::int64_t n = upto(a + counts[k], c) - upto(a, c);
      a += counts[k];
      if (n <= 0) continue;
      key.emplace_back(static_cast<int>(k), n);
      seq.push_back({static_cast<int>(k), n});
    }
    auto it = memo.find(key);
    if (it == memo.end()) {
      PipelineResult r = run_core(kinds, seq, first_latency, extrapolate);
      out.steps_simulated += r.steps_simulated;
      it = memo.emplace(std::move(key), r).first;
    }
    if (it->second.cycles > out.cycles || c == 0) {
      out.cycles = it->second.cycles;
      out.critical = it->second;
    }
  }
  return out;
}

std::int64_t kernel_cycles(const ChipSpec& chip, std::int64_t array_cycles) {
  const std::int64_t dispatch = cycles_of(chip.kernel.dispatch_time.seconds() * chip.clock.hertz());
  return std::max(array_cycles, dispatch) + cycles_of(chip.kernel.launch_overhead.seconds() * chip.clock.hertz());
}

OpResult matrix_result(const ChipSpec& chip, const Ctx& ctx, std::string op, Flops flops, DType dtype,
                       std::int64_t cycles, const PlanBytes& bytes, const ChipRun& run, std::int64_t steps_simulated) {
  OpResult r;
  r.op = std::move(op);
  r.cycles = Cycles(kernel_cycles(chip, cycles));
  r.time = r.cycles / chip.clock;
  r.flops = flops;
  r.bytes.hbm_read = Bytes(bytes.hbm_read);
  r.bytes.hbm_write = Bytes(bytes.hbm_write);
  r.bytes.global_to_l1 = Bytes(bytes.fill);
  r.bytes.l1_to_global = Bytes(bytes.drain);
  r.bytes.l0_operands = Bytes(bytes.l0_op);
  r.bytes.l0_accumulator = Bytes(bytes.l0_acc);
  r.hbm_bytes = r.bytes.hbm_read + r.bytes.hbm_write;
  r.utilization = r.flops.flops() / (chip.matrix_peak(dtype).flops_per_second() * r.time.seconds());
  r.compute_cycles = Cycles(run.critical.compute_busy);
  r.dma_cycles = Cycles(run.critical.load_busy);
  const bool at_floor = cycles == hbm_floor(ctx, bytes.hbm_read + bytes.hbm_write);
  r.bound = at_floor || run.critical.load_busy > run.critical.compute_busy ? "memory" : "compute";
  r.cores_used = run.cores_used;
  r.steps_simulated = steps_simulated;
  return r;
}

}  // namespace xpu::chip::detail
