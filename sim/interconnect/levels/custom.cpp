// Custom level: explicit undirected edges between members (one link each way, the level's
// bandwidth and latency). Routing is shortest path by breadth-first search from the source,
// neighbours visited in increasing index, so routes are deterministic. Connectivity is checked
// when the config is read (PodSpec::check) and again here.
#include <algorithm>

#include "sim/core/error.h"
#include "sim/interconnect/topology.h"

namespace xpu {
namespace {

class CustomLevel : public LevelKind {
 public:
  void check(const LevelSpec& l, const Fail& fail) const override {
    if (l.edges.empty()) fail("edges", "a custom level needs edges");
    std::vector<std::vector<int>> adj(static_cast<size_t>(l.size));
    for (size_t e = 0; e < l.edges.size(); ++e) {
      const auto& ed = l.edges[e];
      if (ed.a >= l.size || ed.b >= l.size || ed.a == ed.b)
        fail("edges[" + std::to_string(e) + "]", "edge " + std::to_string(ed.a) + "-" + std::to_string(ed.b) +
                                                    " must join two different members in [0, " +
                                                    std::to_string(l.size) + ")");
      adj[static_cast<size_t>(ed.a)].push_back(static_cast<int>(ed.b));
      adj[static_cast<size_t>(ed.b)].push_back(static_cast<int>(ed.a));
    }
    std::vector<char> seen(adj.size(), 0);
    std::vector<int> stack{0};
    seen[0] = 1;
    while (!stack.empty()) {
      int u = stack.back();
      stack.pop_back();
      for (int w : adj[static_cast<size_t>(u)])
        if (!seen[static_cast<size_t>(w)]) seen[static_cast<size_t>(w)] = 1, stack.push_back(w);
    }
    std::string lost;
    int nlost = 0;
    for (size_t m = 0; m < seen.size(); ++m)
      if (!seen[m] && nlost++ < 8) lost += (lost.empty() ? "" : ", ") + std::to_string(m);
    if (nlost > 0)
      fail("edges", "topology is disconnected: member(s) " + lost + (nlost > 8 ? ", ..." : "") +
                        " cannot be reached from member 0");
  }
  LevelSpec example(std::int64_t size) const override {  // a ring plus one chord
    LevelSpec l;
    l.size = size;
    for (std::int64_t m = 0; m < size; ++m) l.edges.push_back({m, (m + 1) % size});
    if (size == 2) l.edges.pop_back();
    if (size >= 4) l.edges.push_back({0, size / 2});
    return l;
  }
  std::string resize(LevelSpec& l, std::int64_t size) const override {
    if (size == l.size) return "";
    return "is a custom graph and cannot be resized to " + std::to_string(size) + " members";
  }
  void build(Builder& b) override {
    const int n = b.level->size;
    n_ = n;
    adj_.assign(static_cast<size_t>(n), {});
    for (const auto& e : b.level->spec.edges) {
      const int x = static_cast<int>(e.a), y = static_cast<int>(e.b);
      if (x < 0 || y < 0 || x >= n || y >= n || x == y)
        throw UserError("level '" + b.level->name + "': bad edge " + std::to_string(x) + "-" + std::to_string(y));
      adj_[static_cast<size_t>(x)].push_back(y);
      adj_[static_cast<size_t>(y)].push_back(x);
    }
    for (auto& a : adj_) {
      std::sort(a.begin(), a.end());
      a.erase(std::unique(a.begin(), a.end()), a.end());
    }
    // link ids: link_[inst][from] -> (to, id)
    link_.assign(static_cast<size_t>(b.level->instances) * n, {});
    for (int inst = 0; inst < b.level->instances; ++inst)
      for (int x = 0; x < n; ++x)
        for (int y : adj_[static_cast<size_t>(x)])
          link_[static_cast<size_t>(inst) * n + x].emplace_back(
              y, b.add_link(b.chip(inst, x), b.chip(inst, y), b.level->bandwidth, b.level->latency_s));
    // predecessor tables, one BFS per source
    pred_.assign(static_cast<size_t>(n) * n, -1);
    for (int s = 0; s < n; ++s) {
      int* p = &pred_[static_cast<size_t>(s) * n];
      std::vector<int> q{s};
      p[s] = s;
      for (size_t h = 0; h < q.size(); ++h)
        for (int w : adj_[static_cast<size_t>(q[h])])
          if (p[w] < 0) p[w] = q[h], q.push_back(w);
      for (int w = 0; w < n; ++w)
        if (p[w] < 0)
          throw UserError("level '" + b.level->name + "': topology is disconnected (member " + std::to_string(w) +
                          " cannot be reached from member " + std::to_string(s) + ")");
    }
  }
  void route(int inst, int from, int to, int, int, Route& out) const override {
    std::vector<int> path;
    const int* p = &pred_[static_cast<size_t>(from) * n_];
    for (int v = to; v != from; v = p[v]) path.push_back(v);
    int cur = from;
    for (size_t i = path.size(); i-- > 0;) {
      const int nxt = path[i];
      int id = -1;
      for (const auto& [y, lid] : link_[static_cast<size_t>(inst) * n_ + cur])
        if (y == nxt) id = lid;
      XPU_ASSERT(id >= 0, "custom route uses a missing link");
      out.links.push_back(id);
      cur = nxt;
    }
  }

 private:
  int n_ = 0;
  std::vector<std::vector<int>> adj_;
  std::vector<std::vector<std::pair<int, int>>> link_;
  std::vector<int> pred_;
};

}  // namespace
XPU_REGISTER_LEVEL_KIND("custom", CustomLevel, "explicit undirected edges between members; shortest-path routing",
                        level_params({"size", "edges"}));
}  // namespace xpu
