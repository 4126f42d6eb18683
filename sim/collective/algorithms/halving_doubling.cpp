// Halving-doubling (Rabenseifner; Thakur, Rabenseifner, Gropp, "Optimization of collective
// communication operations in MPICH", IJHPCA 2005) for power-of-two groups, ranks in ring order.
//   reduce-scatter  recursive halving: step k exchanges S/2^(k+1) with rank r xor 2^k
//                   T = log2(n) alpha + (n-1)/n S/B
//   all-gather      recursive doubling: step j exchanges S/n 2^j with rank r xor 2^(L-1-j)
//                   T = log2(n) alpha + (n-1)/n S/B
//   all-reduce      the two in sequence: T = 2 log2(n) alpha + 2 (n-1)/n S/B
// The largest exchanges go to the nearest partners (distance 1 in ring order), so on a node plus
// scale-out pod most bytes stay inside the node.
#include "sim/collective/algorithm.h"

namespace xpu {
namespace {

int log2i(int n) {
  int l = 0;
  while ((1 << l) < n) ++l;
  return l;
}

class HdSchedule : public Schedule {
 public:
  HdSchedule(CollOp op, int n, double S) : op_(op), L_(log2i(n)), n_(n), S_(S) {}
  int steps() const override { return op_ == CollOp::AllReduce ? 2 * L_ : L_; }
  // partner bit and bytes of step s
  void at(int s, int& bit, double& bytes) const {
    if (op_ == CollOp::ReduceScatter || (op_ == CollOp::AllReduce && s < L_)) {
      bit = s;
      bytes = S_ / static_cast<double>(2 << s);
    } else {
      const int j = op_ == CollOp::AllReduce ? s - L_ : s;
      bit = L_ - 1 - j;
      bytes = S_ / n_ * static_cast<double>(1 << j);
    }
  }
  void step(int r, int s, StepPlan& out) const override {
    int bit;
    double b;
    at(s, bit, b);
    out.sends.push_back({r ^ (1 << bit), b});
    out.recvs = 1;
  }

 private:
  CollOp op_;
  int L_, n_;
  double S_;
};

class HalvingDoubling : public Algorithm {
 public:
  bool supports(const AlgoContext& c) const override {
    return (c.op == CollOp::AllReduce || c.op == CollOp::AllGather || c.op == CollOp::ReduceScatter) && c.n() >= 2 &&
           is_power_of_two(c.n());
  }
  std::unique_ptr<Schedule> plan(const AlgoContext& c) const override {
    auto s = std::make_unique<HdSchedule>(c.op, c.n(), c.bytes);
    s->chips = c.topo.ring_order(c.chips);
    return s;
  }
  Seconds model(const AlgoContext& c) const override {
    HdSchedule hs(c.op, c.n(), c.bytes);
    std::vector<int> order = c.topo.ring_order(c.chips), peer(static_cast<size_t>(c.n()));
    double t = 0;
    for (int s = 0; s < hs.steps(); ++s) {
      int bit;
      double b;
      hs.at(s, bit, b);
      for (int r = 0; r < c.n(); ++r) peer[static_cast<size_t>(r)] = r ^ (1 << bit);
      t += c.round(order, peer, b);
    }
    return Seconds(t);
  }
};

}  // namespace
XPU_REGISTER_ALGORITHM("halving_doubling", HalvingDoubling,
                       "Rabenseifner recursive halving / doubling for power-of-two groups",
                       ::xpu::no_params());
}  // namespace xpu
