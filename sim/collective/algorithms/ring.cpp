// Ring algorithms. Ranks are placed in the topology's ring order (snake over the levels, so that
// neighbours are one hop apart on rings and tori and most steps stay inside a node).
//   all-reduce      reduce-scatter then all-gather: 2(n-1) steps, each rank sends S/n to the next:
//                   T = 2(n-1) (alpha + S/(n B))
//   reduce-scatter  n-1 steps of S/n: T = (n-1)(alpha + S/(n B))
//   all-gather      n-1 steps of S/n (S = gathered size): same form
//   broadcast       pipelined chain from the root, K chunks of S/K: T = (n-2+K)(alpha + S/(K B))
//   reduce          the reverse chain into the root: same form
// alpha and B come from Topology::round_time for the step's actual pairs (latency of the longest
// hop, load of the most loaded link), so a ring that crosses a slow level pays that level.
#include "sim/collective/algorithm.h"

namespace xpu {
namespace {

class RingSchedule : public Schedule {
 public:
  RingSchedule(CollOp op, int n, int root_pos, double bytes, int k) : op_(op), n_(n), root_(root_pos), k_(k) {
    if (op == CollOp::AllReduce) steps_ = 2 * (n - 1), piece_ = bytes / n;
    else if (op == CollOp::AllGather || op == CollOp::ReduceScatter) steps_ = n - 1, piece_ = bytes / n;
    else steps_ = n - 2 + k, piece_ = bytes / k;  // chains
  }
  int steps() const override { return steps_; }
  void step(int r, int s, StepPlan& out) const override {
    if (op_ == CollOp::Broadcast) {
      const int p = (r - root_ + n_) % n_;  // distance from the root along the ring
      if (p < n_ - 1 && s - p >= 0 && s - p < k_) out.sends.push_back({(r + 1) % n_, piece_});
      if (p >= 1 && s - (p - 1) >= 0 && s - (p - 1) < k_) out.recvs = 1;
      return;
    }
    if (op_ == CollOp::Reduce) {
      const int p = (root_ - r + n_) % n_;  // hops to the root; the chain starts at p = n-1
      if (p >= 1 && s - (n_ - 1 - p) >= 0 && s - (n_ - 1 - p) < k_) out.sends.push_back({(r + 1) % n_, piece_});
      if (p <= n_ - 2 && s - (n_ - 2 - p) >= 0 && s - (n_ - 2 - p) < k_) out.recvs = 1;
      return;
    }
    out.sends.push_back({(r + 1) % n_, piece_});
    out.recvs = 1;
  }

 private:
  CollOp op_;
  int n_, root_, k_;
  int steps_ = 0;
  double piece_ = 0;
};

class Ring : public Algorithm {
 public:
  bool supports(const AlgoContext& c) const override {
    switch (c.op) {
      case CollOp::AllReduce:
      case CollOp::AllGather:
      case CollOp::ReduceScatter:
      case CollOp::Broadcast:
      case CollOp::Reduce: return c.n() >= 1;
      default: return false;
    }
  }
  std::unique_ptr<Schedule> plan(const AlgoContext& c) const override {
    std::vector<int> order = c.n() > 1 ? c.topo.ring_order(c.chips) : c.chips;
    int root_pos = 0;
    for (int i = 0; i < c.n(); ++i)
      if (order[static_cast<size_t>(i)] == c.chips[static_cast<size_t>(c.root)]) root_pos = i;
    const int k = (c.op == CollOp::Broadcast || c.op == CollOp::Reduce) ? c.chunks(c.bytes) : 1;
    auto s = std::make_unique<RingSchedule>(c.op, c.n(), root_pos, c.bytes, k);
    if (c.n() == 1) s = std::make_unique<RingSchedule>(CollOp::AllGather, 1, 0, 0, 1);
    s->chips = order;
    return s;
  }
  Seconds model(const AlgoContext& c) const override {
    const int n = c.n();
    if (n <= 1) return Seconds(0);
    std::vector<int> order = c.topo.ring_order(c.chips), next(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) next[static_cast<size_t>(i)] = (i + 1) % n;
    if (c.op == CollOp::AllReduce) return Seconds(2.0 * (n - 1) * c.round(order, next, c.bytes / n));
    if (c.op == CollOp::AllGather || c.op == CollOp::ReduceScatter)
      return Seconds((n - 1) * c.round(order, next, c.bytes / n));
    const int k = c.chunks(c.bytes);
    return Seconds((n - 2 + k) * c.round(order, next, c.bytes / k));
  }
};

}  // namespace
XPU_REGISTER_ALGORITHM("ring", Ring,
                       "ring in topology ring order; pipelined chain for broadcast and reduce",
                       ::xpu::chunked_algorithm_params());
}  // namespace xpu
