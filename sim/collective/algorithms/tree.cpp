// Double binary tree all-reduce (Sanders, Speck, Traeff, "Two-tree algorithms for full bandwidth
// broadcast, reduction and scan", Parallel Computing 2009; used by NCCL since 2.4).
// Ranks (in ring order) form an in-order binary tree A; tree B is A shifted by one rank (n even) or
// mirrored (n odd), so the leaves of A are the interior nodes of B (each rank forwards in one tree). Each tree carries half of the buffer, cut
// into K chunks of c = S/(2K), pipelined: a node of height h sends chunk k up at step k + h; the
// root (height H) starts the broadcast of chunk k at step H + k; a node at depth d forwards it to
// its children at step H + k + d.
//   T ~= H t_up + (K - 1) t_both + D t_down,  t = alpha + (load of the busiest link) / B for one
// chunk moving on every up edge (t_up), every down edge (t_down) or both at once while the reduce
// and broadcast pipelines overlap (t_both). For large S busbw approaches B (each rank sends and
// receives about S per phase; an ordered pair used by both trees, up in one and down in the other,
// halves that pair's share while the phases overlap); for small S it grows with log2(n), not n.
#include <algorithm>

#include "sim/collective/algorithm.h"

namespace xpu {
namespace {

struct Tree {
  std::vector<int> parent, height, depth;
  std::vector<std::vector<int>> children;
  int root = 0, H = 0, D = 0;
  // In-order binary tree over positions x = 1..n (1-based): x's level is its lowest set bit, leaves
  // are the odd x, parent(x) = (x - lowbit) | (lowbit << 1), skipping parents beyond n; the root is
  // the largest power of two <= n. Tree B maps position p to rank (p + 1) mod n (n even) or
  // n - 1 - p (n odd), so the leaves of A (even ranks) are the interior nodes of B.
  Tree(int n, bool second) : parent(static_cast<size_t>(n), -1), height(static_cast<size_t>(n), 0),
                             depth(static_cast<size_t>(n), 0), children(static_cast<size_t>(n)) {
    auto rank = [&](int x) {
      const int p = x - 1;
      if (!second) return p;
      return n % 2 == 0 ? (p + 1) % n : n - 1 - p;
    };
    auto up = [&](int x) {
      while (true) {
        const int low = x & -x;
        if (low > n) return -1;
        x = (x - low) | (low << 1);
        if (x <= n) return x;
      }
    };
    for (int x = 1; x <= n; ++x) {
      const int px = up(x);
      const int r = rank(x);
      if (px < 0) root = r;
      else {
        parent[static_cast<size_t>(r)] = rank(px);
        children[static_cast<size_t>(rank(px))].push_back(r);
      }
    }
    // depth: walk from each node to the root (n log n)
    for (int r = 0; r < n; ++r) {
      int d = 0;
      for (int v = r; parent[static_cast<size_t>(v)] >= 0; v = parent[static_cast<size_t>(v)]) ++d;
      depth[static_cast<size_t>(r)] = d;
      D = std::max(D, d);
    }
    // height: process nodes by decreasing depth
    std::vector<int> order(static_cast<size_t>(n));
    for (int r = 0; r < n; ++r) order[static_cast<size_t>(r)] = r;
    std::sort(order.begin(), order.end(), [&](int a, int b) {
      return depth[static_cast<size_t>(a)] != depth[static_cast<size_t>(b)] ? depth[static_cast<size_t>(a)] > depth[static_cast<size_t>(b)] : a < b;
    });
    for (int r : order)
      if (parent[static_cast<size_t>(r)] >= 0) {
        int& h = height[static_cast<size_t>(parent[static_cast<size_t>(r)])];
        h = std::max(h, height[static_cast<size_t>(r)] + 1);
      }
    H = height[static_cast<size_t>(root)];
    for (auto& c : children) std::sort(c.begin(), c.end());
  }
  // Append rank r's sends and receives at step s for K chunks of `chunk` bytes.
  void step(int r, int s, int K, double chunk, StepPlan& out) const {
    const size_t i = static_cast<size_t>(r);
    // reduce: send chunk k = s - h to the parent; receive chunk k from child c at step k + h(c)
    if (parent[i] >= 0) {
      const int k = s - height[i];
      if (k >= 0 && k < K) out.sends.push_back({parent[i], chunk});
    }
    for (int c : children[i]) {
      const int k = s - height[static_cast<size_t>(c)];
      if (k >= 0 && k < K) out.recvs++;
    }
    // broadcast: forward chunk k = s - H - d to the children; receive it from the parent one step before
    const int kb = s - H - depth[i];
    if (kb >= 0 && kb < K)
      for (int c : children[i]) out.sends.push_back({c, chunk});
    if (parent[i] >= 0) {
      const int k = s - H - (depth[i] - 1);
      if (k >= 0 && k < K) out.recvs++;
    }
  }
};

class TreeSchedule : public Schedule {
 public:
  TreeSchedule(int n, int K, double chunk) : a_(n, false), b_(n, true), K_(K), chunk_(chunk), two_(n > 2) {}
  int steps() const override {
    int sa = a_.H + K_ + a_.D, sb = two_ ? b_.H + K_ + b_.D : 0;
    return std::max(sa, sb);
  }
  void step(int r, int s, StepPlan& out) const override {
    a_.step(r, s, K_, chunk_, out);
    if (two_) b_.step(r, s, K_, chunk_, out);
  }
  const Tree& a() const { return a_; }
  const Tree& b() const { return b_; }
  bool two() const { return two_; }

 private:
  Tree a_, b_;
  int K_;
  double chunk_;
  bool two_;
};

class DoubleBinaryTree : public Algorithm {
 public:
  bool supports(const AlgoContext& c) const override { return c.op == CollOp::AllReduce && c.n() >= 2; }
  static int chunks(const AlgoContext& c) { return c.chunks(c.bytes / (c.n() > 2 ? 2 : 1)); }
  std::unique_ptr<Schedule> plan(const AlgoContext& c) const override {
    const int K = chunks(c);
    auto s = std::make_unique<TreeSchedule>(c.n(), K, c.bytes / (c.n() > 2 ? 2 : 1) / K);
    s->chips = c.topo.ring_order(c.chips);
    return s;
  }
  // Ordered pairs used by both trees (up in one, down in the other) carry two chunks only while
  // the reduce and broadcast pipelines overlap; the model charges every overlapped step for them.
  ModelAccuracy model_accuracy() const override { return {true, 0.3}; }
  Seconds model(const AlgoContext& c) const override {
    const int n = c.n(), K = chunks(c);
    const double chunk = c.bytes / (n > 2 ? 2 : 1) / K;
    TreeSchedule ts(n, K, chunk);
    std::vector<int> order = c.topo.ring_order(c.chips);
    // one up round (every child to its parent, both trees) and one down round
    std::vector<std::pair<int, int>> up, down;
    auto add = [&](const Tree& t) {
      for (int r = 0; r < n; ++r)
        if (t.parent[static_cast<size_t>(r)] >= 0) {
          up.emplace_back(order[static_cast<size_t>(r)], order[static_cast<size_t>(t.parent[static_cast<size_t>(r)])]);
          down.emplace_back(order[static_cast<size_t>(t.parent[static_cast<size_t>(r)])], order[static_cast<size_t>(r)]);
        }
    };
    add(ts.a());
    if (ts.two()) add(ts.b());
    const double tu = c.topo.round_time(up, Bytes(chunk)).seconds();
    const double td = c.topo.round_time(down, Bytes(chunk)).seconds();
    std::vector<std::pair<int, int>> both = up;
    both.insert(both.end(), down.begin(), down.end());
    const double tb = c.topo.round_time(both, Bytes(chunk)).seconds();
    const int H = std::max(ts.a().H, ts.b().H), D = std::max(ts.a().D, ts.b().D);
    return Seconds(H * tu + (K - 1) * tb + D * td);
  }
};

}  // namespace
XPU_REGISTER_ALGORITHM("tree", DoubleBinaryTree,
                       "NCCL double binary tree all-reduce, pipelined in chunks",
                       ::xpu::chunked_algorithm_params());
}  // namespace xpu
