// ChipComputeModel: the engine's ComputeCostModel backed by the compute-array model (sim/chip).
//
// Adapts trace nodes to the chip model's op descriptions and caches every distinct op (OpCache):
//   GEMM    -> chip::simulate_gemm {m, n, k, batch, dtype}
//   vector  -> chip::simulate_vector when the op class is in chip.vector.ops; the element count is
//              bytes / ((inputs + outputs) x sizeof(dtype)) from that class's table. Classes the chip
//              table does not know (e.g. an optimizer step, gather/scatter) fall back to the roofline
//              max(F / P_vector, B / BW_achievable); the op's cost detail names the fallback.
//   memcpy  -> 2 x bytes through the memory port (read + write); host copies also bound by the link
//   delay   -> the recorded duration
// Memory behind the chip: the port given at construction (the calibrated HBM fast mode when the chip
// names a memory preset, else a constant-efficiency port).
#pragma once

#include <memory>

#include "sim/chip/chip_model.h"
#include "sim/chip/op_text.h"
#include "sim/cluster/models.h"

namespace xpu::cluster {

class ChipComputeModel : public ComputeCostModel {
 public:
  // `chip` as it runs (cluster::running_chip). Built by cluster::make_chip_compute_model (simulate.h).
  ChipComputeModel(const ChipSpec& chip, std::unique_ptr<mem::MemoryPort> port, const chip::SimOptions& opt = {});
  std::string name() const override;
  OpCost cost(const wl::Node& node) override;
  double comm_slowdown() const override { return chip_.kernel.comm_slowdown; }
  double chip_spread() const override { return chip_.kernel.chip_spread; }
  // One op through the same cache as cost(): what `xpusim op` prints.
  const chip::OpResult& simulate(const chip::OpDesc& op);
  const chip::OpCache& cache() const { return *cache_; }
  const ChipSpec& chip() const { return chip_; }
  const mem::MemoryPort& port() const { return *port_; }

 private:
  ChipSpec chip_;
  std::unique_ptr<mem::MemoryPort> port_;
  std::unique_ptr<chip::OpCache> cache_;
};

}  // namespace xpu::cluster
