// Hierarchical (multi-dimensional) algorithms for groups that are a full grid over two or more
// topology levels (e.g. all chips of several nodes, or a 2-D/3-D torus): one ring per level.
// With the group spanning levels 0..m-1 of sizes n_0 .. n_{m-1} (innermost first) and S the size:
//   all-reduce      reduce-scatter along level 0 (S -> S/n_0), then along level 1 (-> S/(n_0 n_1)),
//                   ..., then all-gather back, outermost level first (NCCL-style intra-node
//                   reduce-scatter -> inter-node all-reduce -> intra-node all-gather; per-dimension
//                   rings on tori):
//                   T = sum_l 2 (n_l - 1) (alpha_l + S / (n_0 .. n_l B_l))
//   reduce-scatter  the first half;  all-gather  the second half (outermost first, so the slow outer
//                   level moves the smallest pieces).
// The bytes crossing level l shrink by the product of the inner sizes, which is why it beats a flat
// ring when the outer level is slower. Every ring step of a phase runs on all its rings at once.
#include <algorithm>
#include <map>

#include "sim/collective/algorithm.h"

namespace xpu {
namespace {

struct Phase {
  std::vector<int> next;  // rank -> next rank in its ring of this phase
  int steps = 0;
  double bytes = 0;       // per message
};

class HierSchedule : public Schedule {
 public:
  std::vector<Phase> phases;
  int steps() const override {
    int s = 0;
    for (const auto& p : phases) s += p.steps;
    return s;
  }
  void step(int r, int s, StepPlan& out) const override {
    for (const auto& p : phases) {
      if (s < p.steps) {
        out.sends.push_back({p.next[static_cast<size_t>(r)], p.bytes});
        out.recvs = 1;
        return;
      }
      s -= p.steps;
    }
  }
};

class Hierarchical : public Algorithm {
 public:
  bool supports(const AlgoContext& c) const override {
    if (c.op != CollOp::AllReduce && c.op != CollOp::AllGather && c.op != CollOp::ReduceScatter) return false;
    return c.topo.varying_levels(c.chips).size() >= 2 && c.topo.is_grid(c.chips);
  }
  std::unique_ptr<Schedule> plan(const AlgoContext& c) const override {
    auto s = std::make_unique<HierSchedule>();
    s->chips = c.chips;
    const int n = c.n();
    std::vector<int> levels = c.topo.varying_levels(c.chips);
    std::map<int, int> rank_of;
    for (int r = 0; r < n; ++r) rank_of[c.chips[static_cast<size_t>(r)]] = r;
    // rings per level: chips that agree on every other varying level
    std::vector<Phase> ring_of_level;
    std::vector<int> sizes;
    for (int l : levels) {
      std::map<int, std::vector<int>> groups;  // key: chip with coordinate l zeroed
      for (int chip : c.chips) groups[c.topo.with_coord(chip, l, 0)].push_back(chip);
      Phase p;
      p.next.assign(static_cast<size_t>(n), 0);
      int size = 0;
      for (auto& [k, g] : groups) {
        std::vector<int> ring = c.topo.ring_order(g);
        size = static_cast<int>(ring.size());
        for (size_t i = 0; i < ring.size(); ++i)
          p.next[static_cast<size_t>(rank_of[ring[i]])] = rank_of[ring[(i + 1) % ring.size()]];
      }
      p.steps = size - 1;
      ring_of_level.push_back(p);
      sizes.push_back(size);
    }
    const size_t m = levels.size();
    if (c.op == CollOp::AllReduce || c.op == CollOp::ReduceScatter) {
      double held = c.bytes;
      for (size_t i = 0; i < m; ++i) {
        Phase p = ring_of_level[i];
        p.bytes = held / sizes[i];
        held = p.bytes;
        s->phases.push_back(p);
      }
      if (c.op == CollOp::AllReduce)
        for (size_t i = m; i-- > 0;) {
          Phase p = ring_of_level[i];
          p.bytes = held;
          held *= sizes[i];
          s->phases.push_back(p);
        }
    } else {  // all-gather, outermost first; each rank starts with S/n
      double held = c.bytes / n;
      for (size_t i = m; i-- > 0;) {
        Phase p = ring_of_level[i];
        p.bytes = held;
        held *= sizes[i];
        s->phases.push_back(p);
      }
    }
    return s;
  }
  Seconds model(const AlgoContext& c) const override {
    auto s = plan(c);
    const auto& hs = static_cast<const HierSchedule&>(*s);
    double t = 0;
    for (const auto& p : hs.phases) t += p.steps * c.round(hs.chips, p.next, p.bytes);
    return Seconds(t);
  }
};

}  // namespace
XPU_REGISTER_ALGORITHM("hierarchical", Hierarchical,
                       "one ring per topology level for groups that are a full grid over two or more levels",
                       ::xpu::no_params());
}  // namespace xpu
