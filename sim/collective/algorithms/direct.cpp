// Direct algorithms: every rank talks to its peers in one step, all messages at once, and the
// network's max-min sharing decides the rates.
//   all-to-all      one step, S/n to each of the n-1 peers:     T = alpha + max_link load / B
//   all-gather      one step, own S/n to every peer:            same form
//   reduce-scatter  one step, the peer's S/n to every peer:     same form
//   all-reduce      reduce-scatter then all-gather (2 steps):   T = 2 (alpha + max_link load / B)
//   broadcast       the root sends S to every peer; reduce: every peer sends S to the root
//   send/recv       rank 0 sends S to rank 1:                   T = alpha + S/B
// On a full mesh with one link per pair, all-reduce takes 2 (alpha + S/(n B)): the HCCL "mesh"
// algorithm of 8-NPU Ascend nodes. Group order is kept as given.
#include <algorithm>

#include "sim/collective/algorithm.h"

namespace xpu {
namespace {

class DirectSchedule : public Schedule {
 public:
  DirectSchedule(CollOp op, int n, int root, double S) : op_(op), n_(n), root_(root), S_(S) {}
  int steps() const override { return op_ == CollOp::AllReduce ? 2 : 1; }
  void step(int r, int, StepPlan& out) const override {
    switch (op_) {
      case CollOp::Broadcast:
        if (r == root_) {
          for (int p = 0; p < n_; ++p)
            if (p != r) out.sends.push_back({p, S_});
        } else {
          out.recvs = 1;
        }
        return;
      case CollOp::Reduce:
        if (r == root_) out.recvs = n_ - 1;
        else out.sends.push_back({root_, S_});
        return;
      case CollOp::SendRecv:
        if (r == 0) out.sends.push_back({1, S_});
        else out.recvs = 1;
        return;
      default:
        for (int k = 1; k < n_; ++k) out.sends.push_back({(r + k) % n_, S_ / n_});
        out.recvs = n_ - 1;
    }
  }

 private:
  CollOp op_;
  int n_, root_;
  double S_;
};

class Direct : public Algorithm {
 public:
  // All-to-all and send/recv at any size; the direct forms of the other collectives up to
  // kMaxDirect ranks: beyond that n^2 simultaneous messages cost per-message overheads (incast,
  // message rate, connection state) that the fluid model does not charge, so it would flatter them.
  static constexpr int kMaxDirect = 16;  // one scale-up node (HCCL mesh all-reduce, NVSwitch)
  bool supports(const AlgoContext& c) const override {
    if (c.op == CollOp::AllToAll || c.op == CollOp::SendRecv) return c.n() >= 1;
    return c.n() >= 1 && c.n() <= kMaxDirect;
  }
  std::unique_ptr<Schedule> plan(const AlgoContext& c) const override {
    auto s = std::make_unique<DirectSchedule>(c.op, c.n(), c.root, c.bytes);
    if (c.n() == 1) s = std::make_unique<DirectSchedule>(CollOp::Broadcast, 1, 0, 0);
    s->chips = c.chips;
    return s;
  }
  Seconds model(const AlgoContext& c) const override {
    const int n = c.n();
    if (n <= 1) return Seconds(0);
    std::vector<std::pair<int, int>> pairs;
    double each = c.bytes;
    auto chip = [&](int r) { return c.chips[static_cast<size_t>(r)]; };
    if (c.op == CollOp::SendRecv) {
      pairs.emplace_back(chip(0), chip(1));
    } else if (c.op == CollOp::Broadcast || c.op == CollOp::Reduce) {
      for (int p = 0; p < n; ++p)
        if (p != c.root) c.op == CollOp::Broadcast ? pairs.emplace_back(chip(c.root), chip(p)) : pairs.emplace_back(chip(p), chip(c.root));
    } else {
      // all pairs; above 256 ranks, every (n/256)-th source, with its load scaled up to match
      const int stride = std::max(1, n / 256);
      for (int r = 0; r < n; r += stride)
        for (int k = 1; k < n; ++k) pairs.emplace_back(chip(r), chip((r + k) % n));
      each = c.bytes / n * stride;
    }
    const double t = c.topo.round_time(pairs, Bytes(each)).seconds();
    return Seconds(c.op == CollOp::AllReduce ? 2 * t : t);
  }
};

}  // namespace
XPU_REGISTER_ALGORITHM("direct", Direct,
                       "every rank sends to every peer in one step; the network shares the links (HCCL mesh on full meshes)",
                       ::xpu::no_params());
}  // namespace xpu
