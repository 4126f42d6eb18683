#include "sim/cluster/analytic_models.h"

#include <algorithm>

#include "sim/core/kernel.h"

namespace xpu::cluster {

OpCost RooflineComputeModel::cost(const wl::Node& n) {
  OpCost c;
  const BytesPerSecond mem_bw = chip_.hbm.bandwidth * chip_.hbm.efficiency;
  switch (n.kind) {
    case wl::NodeKind::Gemm: {
      c.flops = n.gemm.flops();
      c.hbm_bytes = n.gemm.min_bytes();
      FlopsPerSecond peak = chip_.matrix_peak(n.gemm.dtype) * chip_.compute_efficiency;
      if (peak.value() <= 0)
        throw UserError(std::string("chip '") + chip_.name + "' has no matrix throughput for dtype " +
                        dtype_name(n.gemm.dtype) + " (chip.matrix.dtype_rate)");
      Seconds tc = c.flops / peak, tm = c.hbm_bytes / mem_bw;
      c.time = std::max(tc, tm);
      c.bound = tc >= tm ? "compute" : "memory";
      break;
    }
    case wl::NodeKind::Vector: {
      c.flops = n.vec.flops;
      c.hbm_bytes = n.vec.bytes;
      Seconds tc = c.flops / chip_.vector_peak(), tm = c.hbm_bytes / mem_bw;
      c.time = std::max(tc, tm);
      c.bound = tc >= tm ? "compute" : "memory";
      break;
    }
    case wl::NodeKind::MemCopy: {
      c.hbm_bytes = n.copy.bytes * 2.0;
      c.time = c.hbm_bytes / mem_bw;
      if (n.copy.direction != "d2d") c.time = std::max(c.time, n.copy.bytes / chip_.links.bandwidth);
      c.bound = "memory";
      break;
    }
    case wl::NodeKind::Attention: {
      // Fused: Q, K, V read once, O written once; the score matrix never touches memory.
      const auto& a = n.attn;
      const double eb = dtype_bytes(a.dtype);
      c.flops = a.flops();
      c.hbm_bytes = Bytes(double(a.batch) * eb *
                          (double(a.heads) * double(a.q_len) * double(a.head_dim + a.vdim()) +
                           double(a.kv_heads) * double(a.kv_len) * double(a.head_dim + a.vdim())) *
                          (a.backward ? 2.0 : 1.0));
      FlopsPerSecond peak = chip_.matrix_peak(a.dtype) * chip_.compute_efficiency;
      Seconds tc = (a.causal ? c.flops * 0.5 : c.flops) / peak, tm = c.hbm_bytes / mem_bw;
      c.time = std::max(tc, tm);
      c.bound = tc >= tm ? "compute" : "memory";
      break;
    }
    case wl::NodeKind::Delay:
      c.time = n.duration;
      c.flops = n.flops_hint;
      c.bound = "fixed";
      break;
    default:
      XPU_ASSERT(false, "compute cost asked for a communication node");
  }
  return c;
}

Seconds AlphaBetaRingNetwork::collective_time(wl::CollKind kind, Bytes bytes, int n) const {
  if (n <= 1) return Seconds(0);
  const double steps = n - 1;
  const Seconds per_chunk = alpha_ + Bytes(bytes.bytes() / n) / bw_;
  switch (kind) {
    case wl::CollKind::AllReduce: return per_chunk * (2.0 * steps);
    case wl::CollKind::AllGather:
    case wl::CollKind::ReduceScatter:
    case wl::CollKind::AllToAll: return per_chunk * steps;
    case wl::CollKind::Broadcast:
    case wl::CollKind::Reduce: return alpha_ * steps + bytes / bw_;
  }
  return Seconds(0);
}

void AlphaBetaRingNetwork::start_collective(const CollectiveCall& call, std::function<void()> done) {
  Kernel::instance().after(collective_time(call.kind, call.bytes, static_cast<int>(call.ranks.size())), std::move(done));
}

void AlphaBetaRingNetwork::start_send(wl::RankId, wl::RankId, Bytes bytes, std::function<void()> done) {
  Kernel::instance().after(alpha_ + bytes / bw_, std::move(done));
}

}  // namespace xpu::cluster
