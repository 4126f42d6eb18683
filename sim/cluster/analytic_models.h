// Closed-form (analytic) models, selectable per arch (models.compute: roofline, models.network:
// alpha_beta): quick first-order estimates, and references the detailed models are tested against.
// The defaults are the compute-array model and the flow-level network (docs/engine.md).
//
// RooflineComputeModel (models.compute: roofline), per op on one chip:
//   GEMM:    t = max( F / (P_dtype * e_c),  B_min / (BW_hbm * e_m) )
//            F = 2*b*m*n*k, B_min = b*(m*k + k*n + m*n)*sizeof(dtype)
//   vector:  t = max( F / P_vec,  B / (BW_hbm * e_m) )
//   memcpy:  t = 2*B / (BW_hbm * e_m)   (read and write; h2d/d2h also bounded by the link)
//   delay:   t = recorded duration
// with P_dtype the matrix peak for the dtype, e_c = chip.compute_efficiency, e_m = chip.hbm.efficiency.
// Ignores tiling, buffer capacity, fill/drain and edge effects (see docs/models/compute.md).
//
// AlphaBetaRingNetwork (models.network: alpha_beta), n ranks, S bytes (nccl-tests convention), one link of
// bandwidth B and latency a per step, ring algorithms without congestion:
//   all-reduce              2(n-1) * (a + S/(n B))
//   all-gather, reduce-scatter (n-1) * (a + S/(n B))
//   all-to-all              (n-1) * (a + S/(n B))
//   broadcast, reduce       (n-1) * a + S/B          (pipelined chain)
//   send/recv               a + S/B
// Concurrent collectives do not slow each other (no contention): that is the flow-level network's job.
#pragma once

#include "sim/chip/chip_spec.h"
#include "sim/cluster/models.h"

namespace xpu::cluster {

class RooflineComputeModel : public ComputeCostModel {
 public:
  // `chip` as it runs (cluster::running_chip: sustained clock already applied).
  explicit RooflineComputeModel(const ChipSpec& chip) : chip_(chip) {}
  std::string name() const override { return "roofline"; }
  OpCost cost(const wl::Node& node) override;

 private:
  ChipSpec chip_;
};

class AlphaBetaRingNetwork : public CommModel {
 public:
  AlphaBetaRingNetwork(BytesPerSecond link_bandwidth, Seconds link_latency)
      : bw_(link_bandwidth), alpha_(link_latency) {}
  std::string name() const override { return "alpha-beta-ring"; }
  void start_collective(const CollectiveCall& call, std::function<void()> done) override;
  void start_send(wl::RankId src, wl::RankId dst, Bytes bytes, std::function<void()> done) override;
  std::string algorithm(const CollectiveCall&) const override { return "ring (alpha-beta, no contention)"; }
  // The closed form above (pure; used by tests and reports).
  Seconds collective_time(wl::CollKind kind, Bytes bytes, int n) const;

 private:
  BytesPerSecond bw_;
  Seconds alpha_;
};

}  // namespace xpu::cluster
