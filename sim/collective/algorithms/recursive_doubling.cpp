// Recursive-doubling all-reduce for power-of-two groups: log2(n) steps, in step k every rank
// exchanges its whole buffer with rank r xor 2^k and reduces. Latency-optimal, bandwidth-poor:
//   T = log2(n) (alpha + S/B)
// so the tuner picks it only for small messages.
#include "sim/collective/algorithm.h"

namespace xpu {
namespace {

class RdSchedule : public Schedule {
 public:
  RdSchedule(int n, double S) : S_(S) {
    while ((1 << L_) < n) ++L_;
  }
  int steps() const override { return L_; }
  void step(int r, int s, StepPlan& out) const override {
    out.sends.push_back({r ^ (1 << s), S_});
    out.recvs = 1;
  }

 private:
  int L_ = 0;
  double S_;
};

class RecursiveDoubling : public Algorithm {
 public:
  bool supports(const AlgoContext& c) const override {
    return c.op == CollOp::AllReduce && c.n() >= 2 && is_power_of_two(c.n());
  }
  std::unique_ptr<Schedule> plan(const AlgoContext& c) const override {
    auto s = std::make_unique<RdSchedule>(c.n(), c.bytes);
    s->chips = c.topo.ring_order(c.chips);
    return s;
  }
  Seconds model(const AlgoContext& c) const override {
    RdSchedule rs(c.n(), c.bytes);
    std::vector<int> order = c.topo.ring_order(c.chips), peer(static_cast<size_t>(c.n()));
    double t = 0;
    for (int s = 0; s < rs.steps(); ++s) {
      for (int r = 0; r < c.n(); ++r) peer[static_cast<size_t>(r)] = r ^ (1 << s);
      t += c.round(order, peer, c.bytes);
    }
    return Seconds(t);
  }
};

}  // namespace
XPU_REGISTER_ALGORITHM("recursive_doubling", RecursiveDoubling,
                       "log2(n) full-buffer exchanges for power-of-two groups (latency-optimal)",
                       ::xpu::no_params());
}  // namespace xpu
