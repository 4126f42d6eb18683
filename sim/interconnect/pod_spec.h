// PodSpec: how many chips and how they are connected, as read from `pod:` in an arch config.
//
// v0: a single-level topology of `chips` chips. The alpha-beta placeholder uses only the per-link
// bandwidth and latency (defaulting to the chip's own link figures); the flow-level network model
// builds the real graph from `kind` and `dims`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/config.h"
#include "sim/core/units.h"

namespace xpu {

struct TopologySpec {
  std::string kind = "full_mesh";
  std::vector<std::int64_t> dims;       // torus / mesh dimensions (product = chips)
  BytesPerSecond link_bandwidth;        // one direction; 0 = take chip.links.bandwidth
  Seconds link_latency = Seconds(-1);   // < 0 = take chip.links.latency
  Seconds switch_latency = units::nanoseconds(0);
  template <class V>
  void visit(V& v) {
    v.field("kind", kind, cfg::Field("topology kind").one_of({"ring", "full_mesh", "switch", "torus", "fat_tree"}));
    v.field("dims", dims, cfg::Field("dimensions for torus (product must equal pod.chips)").positive());
    v.field("link_bandwidth", link_bandwidth, cfg::Field("bandwidth of one link, one direction (default: chip.links.bandwidth)").min(0));
    v.field("link_latency", link_latency, cfg::Field("latency of one link (default: chip.links.latency)"));
    v.field("switch_latency", switch_latency, cfg::Field("per-hop delay through a switch").min(0));
  }
};

struct PodSpec {
  std::string name = "single-chip";
  std::int64_t chips = 1;
  TopologySpec topology;
  template <class V>
  void visit(V& v) {
    v.field("name", name, cfg::Field("pod name shown in reports"));
    v.field("chips", chips, cfg::Field("number of chips in the pod").positive());
    v.field("topology", topology, cfg::Field("how the chips are connected"));
  }
  void check(const cfg::Checker& c) const;
};

}  // namespace xpu
