// Full mesh level: one link per ordered pair of members (n(n-1) links per instance), so every
// route is one hop and no two pairs share a link (e.g. 8 NPUs on HCCS, 8 GPUs on xGMI).
#include "sim/core/error.h"
#include "sim/interconnect/topology.h"

namespace xpu {
namespace {

constexpr int kMaxFullMeshSize = 1024;

class FullMeshLevel : public LevelKind {
 public:
  bool circular() const override { return true; }
  void build(Builder& b) override {
    const int n = b.level->size;
    // n(n-1) links per instance: beyond this size the mesh alone would hold millions of links.
    // Larger groups are switched (switch / fat_tree) in every real system.
    if (n > kMaxFullMeshSize)
      throw UserError("pod.topology level '" + b.level->name + "': a full_mesh of " + std::to_string(n) +
                      " members needs " + std::to_string(static_cast<long long>(n) * (n - 1)) +
                      " links per instance; at most " + std::to_string(kMaxFullMeshSize) +
                      " members (the default kind when a level names none; use switch or fat_tree)");
    base_ = static_cast<int>(b.topo->links().size());
    for (int inst = 0; inst < b.level->instances; ++inst)
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
          if (i != j) b.add_link(b.chip(inst, i), b.chip(inst, j), b.level->bandwidth, b.level->latency_s);
  }
  void route(int inst, int from, int to, int, int, Route& out) const override {
    const int n = level_->size;
    out.links.push_back(base_ + (inst * n + from) * (n - 1) + (to < from ? to : to - 1));
  }
  int hops(int, int from, int to) const override { return from == to ? 0 : 1; }

 private:
  int base_ = 0;
};

}  // namespace
XPU_REGISTER_LEVEL_KIND("full_mesh", FullMeshLevel, "one link per ordered pair of members (e.g. 8 chips on HCCS or xGMI)",
                        level_params({"size"}));
}  // namespace xpu
