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
    if (level_kind_registry().find(l.kind)) level_kind(l.kind).resolve(l);
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
    if (!level_kind_registry().find(l.kind)) {
      std::string near = cfg::nearest(l.kind, level_kind_names());
      c.fail(key(i, "kind"), "unknown topology kind '" + l.kind + "'" +
                                 (near.empty() ? "" : " (did you mean '" + near + "'?)") + "; known kinds: " +
                                 join(level_kind_names()));
    }
    if (level_kind(l.kind).needs_dims() && l.dims.empty())
      c.fail(key(i, "dims"), "a " + l.kind + " needs dims, e.g. [4, 4, 4]");
    if (!l.dims.empty() && product(l.dims) != l.size) {
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
    const LevelKind& kind = level_kind(l.kind);
    if (l.reduction_latency && l.reduction_latency->seconds() < 0)
      c.fail(key(i, "reduction_latency"), "must be at least 0");
    if (l.reduction_latency && l.reduction_latency->seconds() != 0 && !(l.reduction_efficiency > 0))
      c.fail(key(i, "reduction_latency"), "reduction_latency applies to in-network reduction only: set "
                                          "reduction_efficiency on this level too, or remove reduction_latency");
    if (l.reduction_efficiency != 0 && !kind.has_switch())
      c.fail(key(i, "reduction_efficiency"), "a " + l.kind +
                                                 " level has no switch to reduce in: only switched levels (switch, fat_tree) "
                                                 "may set reduction_efficiency (remove it or set it to 0)");
    kind.check(l, [&](const std::string& k, const std::string& msg) { c.fail(key(i, k), msg); });
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
