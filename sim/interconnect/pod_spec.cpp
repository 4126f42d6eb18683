// PodSpec validation: level sizes against pod.chips, known level kinds, custom edges connected.
// Link figures are checked against the chip's defaults in check_links (called by ArchSpec::check).
#include "sim/interconnect/pod_spec.h"

#include <algorithm>

#include "sim/interconnect/topology.h"

namespace xpu {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::int64_t product(const std::vector<std::int64_t>& v) {
  std::int64_t p = 1;
  for (auto d : v) p *= d;
  return p;
}

}  // namespace

std::vector<LevelSpec> PodSpec::resolved_levels() const {
  std::vector<LevelSpec> out;
  if (topology.levels.empty()) {
    LevelSpec l;
    l.kind = topology.kind;
    l.dims = topology.dims;
    l.size = topology.dims.empty() ? chips : product(topology.dims);
    out.push_back(l);
  } else {
    out = topology.levels;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    LevelSpec& l = out[i];
    if (l.size == 0 && !l.dims.empty()) l.size = product(l.dims);
    if ((l.kind == "ring") && l.dims.empty() && l.size > 0) l.dims = {l.size};
    if (l.name.empty()) l.name = "L" + std::to_string(i) + "-" + l.kind;
  }
  return out;
}

void PodSpec::check(const cfg::Checker& c) const {
  const bool shorthand = topology.levels.empty();
  auto key = [&](size_t i, const std::string& k) {
    return shorthand ? "topology." + k : "topology.levels[" + std::to_string(i) + "]." + k;
  };
  std::vector<LevelSpec> levels = resolved_levels();
  std::int64_t total = 1;
  for (size_t i = 0; i < levels.size(); ++i) {
    const LevelSpec& l = levels[i];
    if (!level_kind_exists(l.kind)) {
      std::string near = cfg::nearest(l.kind, level_kind_names());
      c.fail(key(i, "kind"), "unknown topology kind '" + l.kind + "'" +
                                 (near.empty() ? "" : " (did you mean '" + near + "'?)") + "; known kinds: " +
                                 join(level_kind_names()));
    }
    const bool gridded = l.kind == "torus" || l.kind == "mesh";
    if (gridded && l.dims.empty())
      c.fail(key(i, "dims"), "a " + l.kind + " needs dims, e.g. [4, 4, 4]");
    if (!l.dims.empty() && l.kind != "ring" && product(l.dims) != l.size) {
      if (shorthand)
        c.fail(key(i, "dims"), "product of dims is " + std::to_string(product(l.dims)) + " but pod.chips is " +
                                   std::to_string(chips));
      c.fail(key(i, "dims"), "product of dims is " + std::to_string(product(l.dims)) + " but size is " +
                                 std::to_string(l.size));
    }
    if (l.size <= 0) c.fail(key(i, "size"), "each level needs a size > 0 (members per instance)");
    if (!shorthand) {  // optional fields are not range-checked by the reader
      if (l.link_bandwidth && !(l.link_bandwidth->value() > 0))
        c.fail(key(i, "link_bandwidth"), "zero link bandwidth: must be greater than zero");
      if (l.link_latency && l.link_latency->value() < 0)
        c.fail(key(i, "link_latency"), "must be at least 0");
      if (l.switch_latency && l.switch_latency->value() < 0)
        c.fail(key(i, "switch_latency"), "must be at least 0");
      if (l.efficiency && !(*l.efficiency > 0 && *l.efficiency <= 1))
        c.fail(key(i, "efficiency"), "must be in (0, 1]");
    }
    if (l.kind == "custom") {
      if (l.edges.empty()) c.fail(key(i, "edges"), "a custom level needs edges");
      std::vector<std::vector<int>> adj(static_cast<size_t>(l.size));
      for (size_t e = 0; e < l.edges.size(); ++e) {
        const auto& ed = l.edges[e];
        if (ed.a >= l.size || ed.b >= l.size || ed.a == ed.b)
          c.fail(key(i, "edges[" + std::to_string(e) + "]"),
                 "edge " + std::to_string(ed.a) + "-" + std::to_string(ed.b) +
                     " must join two different members in [0, " + std::to_string(l.size) + ")");
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
        c.fail(key(i, "edges"), "topology is disconnected: member(s) " + lost + (nlost > 8 ? ", ..." : "") +
                                    " cannot be reached from member 0");
    }
    if (l.kind == "switch" || l.kind == "fat_tree") {
      if (l.leaf_size > 0 && l.leaf_size < l.size && l.size % l.leaf_size != 0)
        c.fail(key(i, "leaf_size"), "size " + std::to_string(l.size) + " is not a multiple of leaf_size " +
                                        std::to_string(l.leaf_size));
    }
    total *= l.size;
  }
  if (total != chips) {
    std::string sizes;
    for (const auto& l : levels) sizes += (sizes.empty() ? "" : " x ") + std::to_string(l.size);
    c.fail(shorthand ? "chips" : "topology.levels",
           "the topology connects " + sizes + " = " + std::to_string(total) + " chips but pod.chips is " +
               std::to_string(chips));
  }
}

void PodSpec::check_links(const cfg::Checker& c, BytesPerSecond default_bandwidth, const std::string& prefix) const {
  if (chips <= 1) return;
  const bool shorthand = topology.levels.empty();
  std::vector<LevelSpec> levels = resolved_levels();
  for (size_t i = 0; i < levels.size(); ++i) {
    if (levels[i].size <= 1) continue;
    double bw = levels[i].link_bandwidth ? levels[i].link_bandwidth->value()
                : topology.link_bandwidth.value() > 0 ? topology.link_bandwidth.value()
                                                        : default_bandwidth.value();
    if (!(bw > 0)) {
      std::string k = shorthand ? prefix + ".topology.link_bandwidth"
                                : prefix + ".topology.levels[" + std::to_string(i) + "].link_bandwidth";
      c.fail(k, "level '" + levels[i].name + "' has zero link bandwidth (set it here or chip.links.bandwidth)");
    }
  }
}

}  // namespace xpu
