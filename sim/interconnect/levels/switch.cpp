// Switched levels: `switch` (scale-up domain) and `fat_tree` (scale-out fabric with NICs per chip).
//
// One tier (leaf_size = 0 or >= size): every member has an up link to the switch and a down link
// from it, each nics_per_chip x link_bandwidth (parallel NICs aggregated into one link). A route is
// up, switch, down: 2 links and one switch delay.
// Two tiers: leaves of leaf_size members; `spines` spine switches (default leaf_size); every leaf
// has one up and one down link to each spine of bandwidth
//     leaf_size x nics_per_chip x link_bandwidth / (spines x oversubscription),
// so the fabric is non-blocking at oversubscription 1. Within a leaf: 2 links, 1 switch. Across
// leaves: up, leaf->spine, spine->leaf, down: 4 links, 3 switches; the spine is
// (source member + destination member) mod spines: ECMP-style spreading that is deterministic and
// balanced (the load imbalance of real hash collisions is not modelled).
// As a level above a node, this is a rail-optimised fabric: local rank i of every node is on rail i.
// reduction_efficiency > 0: the switch reduces in the network (NVLS / SHARP), at that fraction of the
// link bandwidth; used by the in_switch collective algorithm (sim/collective/algorithms/in_switch.cpp).
#include "sim/interconnect/topology.h"

namespace xpu {
namespace {

class SwitchLevel : public LevelKind {
 public:
  std::int64_t ports_per_chip(const LevelSpec& l) const override { return l.nics_per_chip; }
  LevelSpec example(std::int64_t size) const override {  // two tiers where size allows
    LevelSpec l;
    l.size = size;
    if (size >= 4 && size % 2 == 0) l.leaf_size = 2;
    return l;
  }
  // reduction_efficiency in [0, 1] is range-checked by the reader; only one tier is used for
  // in-network reduction by the in_switch algorithm.
  bool has_switch() const override { return true; }
  void check(const LevelSpec& l, const Fail& fail) const override {
    if (l.leaf_size > 0 && l.leaf_size < l.size && l.size % l.leaf_size != 0)
      fail("leaf_size", "size " + std::to_string(l.size) + " is not a multiple of leaf_size " + std::to_string(l.leaf_size));
  }
  std::string resize(LevelSpec& l, std::int64_t size) const override {
    if (l.leaf_size > 0 && size > l.leaf_size && size % l.leaf_size != 0)
      return "would need " + std::to_string(size) + " members, not a multiple of its leaf_size " +
             std::to_string(l.leaf_size) + " (leaves are kept whole; at most one leaf, or whole leaves)";
    return "";
  }
  void build(Builder& b) override {
    const LevelInfo& L = *b.level;
    n_ = L.size;
    const int nics = static_cast<int>(L.spec.nics_per_chip);
    leaf_ = (L.spec.leaf_size <= 0 || L.spec.leaf_size >= n_) ? n_ : static_cast<int>(L.spec.leaf_size);
    leaves_ = n_ / leaf_;
    spines_ = leaves_ > 1 ? static_cast<int>(L.spec.spines > 0 ? L.spec.spines : leaf_) : 0;
    const double chip_bw = L.bandwidth * nics;
    const double up_bw = leaves_ > 1 ? leaf_ * chip_bw / (spines_ * L.spec.oversubscription) : 0;
    for (int inst = 0; inst < L.instances; ++inst) {
      const std::string tag = L.name + (L.instances > 1 ? "." + std::to_string(inst) : "");
      std::vector<int> leaf_nodes, spine_nodes;
      for (int f = 0; f < leaves_; ++f)
        leaf_nodes.push_back(b.add_switch(leaves_ > 1 ? tag + ".leaf" + std::to_string(f) : tag + ".sw"));
      for (int s = 0; s < spines_; ++s) spine_nodes.push_back(b.add_switch(tag + ".spine" + std::to_string(s)));
      for (int m = 0; m < n_; ++m) {
        const int chip = b.chip(inst, m), lf = leaf_nodes[static_cast<size_t>(m / leaf_)];
        up_.push_back(b.add_link(chip, lf, chip_bw, L.latency_s));
        down_.push_back(b.add_link(lf, chip, chip_bw, L.latency_s));
      }
      for (int f = 0; f < leaves_; ++f)
        for (int s = 0; s < spines_; ++s) {
          leaf_up_.push_back(b.add_link(leaf_nodes[static_cast<size_t>(f)], spine_nodes[static_cast<size_t>(s)], up_bw, L.latency_s));
          leaf_down_.push_back(b.add_link(spine_nodes[static_cast<size_t>(s)], leaf_nodes[static_cast<size_t>(f)], up_bw, L.latency_s));
        }
    }
  }
  void route(int inst, int from, int to, int, int, Route& out) const override {
    const size_t base = static_cast<size_t>(inst) * n_;
    out.links.push_back(up_[base + from]);
    const int lf = from / leaf_, lt = to / leaf_;
    if (lf != lt) {
      // Deterministic, balanced spread: spine = (source member + destination member) mod spines, so
      // every (source leaf, destination leaf) block of an all-to-all covers all spines equally.
      const int k = (from + to) % spines_;
      const size_t lb = static_cast<size_t>(inst) * leaves_ * spines_;
      out.links.push_back(leaf_up_[lb + static_cast<size_t>(lf) * spines_ + k]);
      out.links.push_back(leaf_down_[lb + static_cast<size_t>(lt) * spines_ + k]);
    }
    out.links.push_back(down_[base + to]);
  }
  int hops(int, int from, int to) const override {
    if (from == to) return 0;
    return from / leaf_ == to / leaf_ ? 2 : 4;
  }

 private:
  int n_ = 0, leaf_ = 0, leaves_ = 1, spines_ = 0;
  std::vector<int> up_, down_, leaf_up_, leaf_down_;
};

struct FatTreeLevel : SwitchLevel {};

}  // namespace
XPU_REGISTER_LEVEL_KIND("switch", SwitchLevel,
                        "scale-up switch: one tier, or leaves and spines (two tiers, ECMP over spines)",
                        level_params({"size", "nics_per_chip", "leaf_size", "spines", "oversubscription", "reduction_efficiency"}));
XPU_REGISTER_LEVEL_KIND("fat_tree", FatTreeLevel,
                        "scale-out fabric with NICs per chip (rail-optimised above a node); as switch",
                        level_params({"size", "nics_per_chip", "leaf_size", "spines", "oversubscription", "reduction_efficiency"}));
}  // namespace xpu
