// Multi-channel ring (NCCL's ring with one channel per NIC / rail) for groups that are a full grid
// over two or more topology levels, e.g. every GPU of several DGX nodes.
//
// Model
//   * The buffer is split into C channels, C = the number of members the group has in its innermost
//     varying level (8 for whole DGX nodes: one channel per rail). Channel c runs its own ring over
//     all n ranks, moving S/C: the ring order of the topology (ring_order: a snake, node after node)
//     with the innermost coordinate rotated by c inside every node, so channel c enters a node at
//     member c and leaves it at member c-1 (or, in the snake's reversed nodes, the other way round).
//     Every node crossing is therefore rail-to-rail on one rail (the same local index on both
//     sides, as NCCL's rings without cross-NIC), and the C channels cross every node boundary on C
//     different rails: a node's traffic uses all its NICs, where a single ring uses one.
//   * All channels advance in lock step (step s of every channel is step s of the rank); messages
//     of one step to the same peer are merged into one flow (identical routes: max-min gives them
//     the same total rate), so a rank sends to at most two peers per step: its successor inside
//     the node, carrying (C-1)/C of the step's data, and, for the one channel that leaves the node
//     at this rank, the peer across the boundary, carrying 1/C.
//   * all-reduce: 2(n-1) steps, reduce-scatter and all-gather: n-1 steps; in step s every rank sends
//     `weight x S/(n C)` per peer. Closed form (the tuner's model): steps x round, where round is
//     Topology::round_time of one step's transfers (longest route latency + most loaded link's
//     bytes / capacity):  T = 2(n-1) (alpha + max_link(load) / B).  On a DGX-like pod (NVSwitch +
//     8 rails, C = 8) the rail link carries S/(8n) per step and the NVLink port 7 S/(8n), so busbw
//     approaches min(8 x rail bandwidth, 8/7 x NVLink bandwidth) instead of one rail's bandwidth.
// Not modelled: channels progressing independently (lock step is exact when the step pattern is
// symmetric, as on DGX-like pods), NCCL's channel count tuning beyond one channel per inner member,
// PXN-routed rings. Sources: NCCL's topology search and rings per NIC (NVIDIA NCCL docs, "NCCL_CROSS_NIC",
// "NCCL_MIN_NCHANNELS"); DGX SuperPOD rail-optimised design (vendor datasheets and press figures).
#include <algorithm>

#include "sim/collective/algorithm.h"

namespace xpu {
namespace {

struct Plan {
  std::vector<int> order;            // rank -> chip (channel 0's ring order)
  std::vector<int> off;              // rank r's messages are msgs[off[r] .. off[r+1])
  std::vector<std::pair<int, int>> msgs;  // (peer rank, channels carried)
  std::vector<int> recvs;            // distinct senders per step, by rank
  int channels = 1;
};

Plan build(const AlgoContext& c) {
  Plan p;
  const int n = c.n();
  p.order = c.topo.ring_order(c.chips);
  const int l0 = c.topo.varying_levels(c.chips).front();
  std::vector<int> vals;
  for (int chip : c.chips) vals.push_back(c.topo.coord(chip, l0));
  std::sort(vals.begin(), vals.end());
  vals.erase(std::unique(vals.begin(), vals.end()), vals.end());
  const int m = static_cast<int>(vals.size());
  p.channels = m;
  std::vector<int> idx(static_cast<size_t>(c.topo.levels()[static_cast<size_t>(l0)].size), -1);
  for (int i = 0; i < m; ++i) idx[static_cast<size_t>(vals[static_cast<size_t>(i)])] = i;
  std::vector<int> rank_of(static_cast<size_t>(c.topo.chips()), -1);
  for (int r = 0; r < n; ++r) rank_of[static_cast<size_t>(p.order[static_cast<size_t>(r)])] = r;
  std::vector<std::vector<std::pair<int, int>>> out(static_cast<size_t>(n));
  std::vector<int> ring(static_cast<size_t>(n));
  for (int ch = 0; ch < m; ++ch) {
    for (int j = 0; j < n; ++j) {
      const int chip = p.order[static_cast<size_t>(j)];
      const int v = vals[static_cast<size_t>((idx[static_cast<size_t>(c.topo.coord(chip, l0))] + ch) % m)];
      ring[static_cast<size_t>(j)] = rank_of[static_cast<size_t>(c.topo.with_coord(chip, l0, v))];
    }
    for (int j = 0; j < n; ++j) {
      const int from = ring[static_cast<size_t>(j)], to = ring[static_cast<size_t>((j + 1) % n)];
      auto& v = out[static_cast<size_t>(from)];
      auto it = std::find_if(v.begin(), v.end(), [to](const std::pair<int, int>& e) { return e.first == to; });
      if (it == v.end()) v.emplace_back(to, 1);
      else ++it->second;
    }
  }
  p.recvs.assign(static_cast<size_t>(n), 0);
  p.off.push_back(0);
  for (int r = 0; r < n; ++r) {
    for (const auto& e : out[static_cast<size_t>(r)]) {
      p.msgs.push_back(e);
      ++p.recvs[static_cast<size_t>(e.first)];
    }
    p.off.push_back(static_cast<int>(p.msgs.size()));
  }
  return p;
}

int ring_steps(CollOp op, int n) { return op == CollOp::AllReduce ? 2 * (n - 1) : n - 1; }

class MultiRingSchedule : public Schedule {
 public:
  MultiRingSchedule(Plan p, int steps, double per_channel) : p_(std::move(p)), steps_(steps), piece_(per_channel) {
    chips = p_.order;
  }
  int steps() const override { return steps_; }
  void step(int r, int, StepPlan& out) const override {
    for (int k = p_.off[static_cast<size_t>(r)]; k < p_.off[static_cast<size_t>(r) + 1]; ++k) {
      const auto& e = p_.msgs[static_cast<size_t>(k)];
      out.sends.push_back({e.first, piece_ * e.second});
    }
    out.recvs = p_.recvs[static_cast<size_t>(r)];
  }

 private:
  Plan p_;
  int steps_;
  double piece_;
};

class MultiRing : public Algorithm {
 public:
  bool supports(const AlgoContext& c) const override {
    if (c.op != CollOp::AllReduce && c.op != CollOp::AllGather && c.op != CollOp::ReduceScatter) return false;
    return c.topo.varying_levels(c.chips).size() >= 2 && c.topo.is_grid(c.chips);
  }
  std::unique_ptr<Schedule> plan(const AlgoContext& c) const override {
    Plan p = build(c);
    const double piece = c.bytes / c.n() / p.channels;
    return std::make_unique<MultiRingSchedule>(std::move(p), ring_steps(c.op, c.n()), piece);
  }
  Seconds model(const AlgoContext& c) const override {
    const Plan p = build(c);
    const double piece = c.bytes / c.n() / p.channels;
    std::vector<Transfer> round;
    round.reserve(p.msgs.size());
    for (int r = 0; r < c.n(); ++r)
      for (int k = p.off[static_cast<size_t>(r)]; k < p.off[static_cast<size_t>(r) + 1]; ++k) {
        const auto& e = p.msgs[static_cast<size_t>(k)];
        round.push_back({p.order[static_cast<size_t>(r)], p.order[static_cast<size_t>(e.first)], Bytes(piece * e.second)});
      }
    return Seconds(ring_steps(c.op, c.n()) * c.topo.round_time(round).seconds());
  }
};

}  // namespace
XPU_REGISTER_ALGORITHM("multi_ring", MultiRing,
                       "NCCL-style ring with one channel per rail over a multi-level grid group",
                       ::xpu::no_params());
}  // namespace xpu
