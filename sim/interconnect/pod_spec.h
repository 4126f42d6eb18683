// PodSpec: how many chips and how they are connected, as read from `pod:` in an arch config.
//
// A pod topology is a stack of LEVELS, innermost first. Level l has `size` members; chip ids are
// mixed-radix numbers with level 0 varying fastest:
//     chip = c0 + s0 * (c1 + s1 * (c2 + ...)),   0 <= c_l < s_l,   prod(s_l) = pod.chips.
// Level l connects the s_l chips that differ only in c_l (one INSTANCE of the level per value of the
// other coordinates). So `[full_mesh 8, fat_tree 64]` is 64 nodes of 8 chips on a full mesh each,
// plus a rail-optimised scale-out fabric per local rank (chip i of every node hangs off rail i),
// and `[torus [4,4,4]]` is one 3-D torus. Routing is dimension order across levels (innermost level
// first), and inside a level as the level kind defines it (see topology.h).
//
// Single-level shorthand: without `levels`, `kind`, `dims` and the link fields describe one level
// spanning all chips (the v0 schema; arch presets written for it keep working).
//
// Link figures: `link_bandwidth` (one direction, one link) and `link_latency` default to the
// chip's `links` figures, which the caller passes in explicitly (the interconnect module does not
// depend on the chip model); a level's value overrides the topology's, which overrides the chip's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/config.h"
#include "sim/core/units.h"

namespace xpu {

// The largest pod a config may describe: 2^20 chips (a topology of that size takes about 1 GB and a
// few seconds to build; issue-18-scale studies of 100,000 chips fit well inside).
inline constexpr double kMaxPodChips = 1048576;

// One undirected link of a `custom` level, between member indices a and b.
struct EdgeSpec {
  std::int64_t a = 0, b = 0;
  template <class V>
  void visit(V& v) {
    v.field("a", a, cfg::Field("one end (member index)").required().min(0));
    v.field("b", b, cfg::Field("other end (member index)").required().min(0));
  }
};

// Names of the registered topology level kinds (topology.h), for the `kind` choices below.
std::vector<std::string> level_kind_names();

struct LevelSpec {
  std::string name;                      // shown in reports and graphs; default "L<i>-<kind>"
  std::string kind = "full_mesh";        // a registered level kind (topology.h)
  std::int64_t size = 0;                 // members per instance (torus: product of dims)
  std::vector<std::int64_t> dims;        // torus / mesh dimensions
  std::optional<BytesPerSecond> link_bandwidth;  // absent = inherit (topology, then chip)
  std::optional<Seconds> link_latency;           // absent = inherit (topology, then chip)
  std::optional<Seconds> switch_latency;         // per switch traversed; absent = topology's
  std::optional<double> efficiency;              // absent = topology's
  std::int64_t nics_per_chip = 1;        // switch / fat_tree: parallel ports of one chip into the fabric
  std::int64_t leaf_size = 0;            // switch / fat_tree: chips per leaf switch; 0 = one switch tier
  std::int64_t spines = 0;               // two-tier: spine switches; 0 = leaf_size (non-blocking)
  double oversubscription = 1.0;         // two-tier: leaf down-bandwidth / up-bandwidth
  double reduction_efficiency = 0;       // switch / fat_tree: in-network reduction (NVLS, SHARP); 0 = none
  std::optional<Seconds> reduction_latency;  // in-network reduction: fixed cost per collective; absent = 0
  std::vector<EdgeSpec> edges;           // custom: undirected links between member indices

  template <class V>
  void visit(V& v) {
    v.field("name", name, cfg::Field("level name shown in reports and graphs"));
    v.field("kind", kind, cfg::Field("level kind (a registered topology level kind)").one_of(level_kind_names()));
    v.field("size", size, cfg::Field("members of one instance of this level (torus/mesh: product of dims)").min(0).max(kMaxPodChips));
    v.field("dims", dims, cfg::Field("torus / mesh dimensions, e.g. [4, 4, 4]").positive().max(kMaxPodChips));
    v.field("link_bandwidth", link_bandwidth,
            cfg::Field("bandwidth of one link of this level, one direction (default: the topology's)").positive());
    v.field("link_latency", link_latency, cfg::Field("latency of one link of this level (default: the topology's)"));
    v.field("switch_latency", switch_latency, cfg::Field("delay through one switch of this level (default: the topology's)").min(0));
    v.field("efficiency", efficiency,
            cfg::Field("fraction of link bandwidth a transfer achieves (protocol overhead; default: the topology's)").positive().max(1));
    v.field("nics_per_chip", nics_per_chip, cfg::Field("switch/fat_tree: ports (NICs) per chip into this fabric").positive());
    v.field("leaf_size", leaf_size, cfg::Field("switch/fat_tree: chips per leaf switch; 0 = a single switch tier").min(0));
    v.field("spines", spines, cfg::Field("switch/fat_tree: spine switches of a two-tier fabric; 0 = leaf_size").min(0));
    v.field("oversubscription", oversubscription,
            cfg::Field("switch/fat_tree: leaf down-bandwidth divided by up-bandwidth").min(1));
    v.field("reduction_efficiency", reduction_efficiency,
            cfg::Field("switch/fat_tree: the switch reduces in the network (NVLink SHARP / NVLS, InfiniBand SHARP): "
                       "fraction of link_bandwidth that switch-reduced traffic reaches (its reduction units' limit); "
                       "0 = the switch does not reduce")
                .min(0)
                .max(1));
    v.field("reduction_latency", reduction_latency,
            cfg::Field("switch/fat_tree with reduction_efficiency: fixed time of one in-network-reduced collective on top "
                       "of launch and route latency (multicast-object handshakes, flag synchronisation; NCCL's tuner "
                       "charges NVLS 25 us on NVLink)")
                .min(0));
    v.field("edges", edges, cfg::Field("custom: undirected links, e.g. [{a: 0, b: 1}, ...]"));
  }
};

struct TopologySpec {
  // Single-level shorthand (used when `levels` is empty) and defaults for every level.
  std::string kind = "full_mesh";
  std::vector<std::int64_t> dims;       // torus / mesh dimensions (product = chips)
  BytesPerSecond link_bandwidth;        // one direction; 0 = take chip.links.bandwidth
  Seconds link_latency = Seconds(-1);   // < 0 = take chip.links.latency
  Seconds switch_latency = units::nanoseconds(0);
  double efficiency = 1.0;
  std::vector<LevelSpec> levels;        // innermost first; empty = one level of `kind`
  template <class V>
  void visit(V& v) {
    v.field("kind", kind, cfg::Field("single-level shorthand: topology kind (when `levels` is absent)").one_of(level_kind_names()));
    v.field("dims", dims, cfg::Field("single-level shorthand: torus / mesh dimensions (product must equal pod.chips)").positive().max(kMaxPodChips));
    v.field("link_bandwidth", link_bandwidth, cfg::Field("bandwidth of one link, one direction (default: chip.links.bandwidth)").min(0));
    v.field("link_latency", link_latency, cfg::Field("latency of one link (default: chip.links.latency)"));
    v.field("switch_latency", switch_latency, cfg::Field("per-hop delay through a switch").min(0));
    v.field("efficiency", efficiency,
            cfg::Field("fraction of link bandwidth a transfer achieves (protocol overhead)").positive().max(1));
    v.field("levels", levels, cfg::Field("topology levels, innermost first (product of sizes = pod.chips)"));
  }
};

struct PodSpec {
  std::string name = "single-chip";
  std::int64_t chips = 1;
  TopologySpec topology;
  template <class V>
  void visit(V& v) {
    v.field("name", name, cfg::Field("pod name shown in reports"));
    v.field("chips", chips, cfg::Field("number of chips in the pod").positive().max(kMaxPodChips));
    v.field("topology", topology, cfg::Field("how the chips are connected"));
  }
  void check(const cfg::Checker& c) const;
  // Rejects a level whose resolved link bandwidth is zero, given the chip's default; `prefix` is the
  // key path of this pod in the file ("pod"). Called by ArchSpec::check.
  void check_links(const cfg::Checker& c, BytesPerSecond default_bandwidth, const std::string& prefix) const;

  // The levels with the single-level shorthand expanded, names and sizes filled in (inheritance of
  // link figures is resolved by the topology builder, which knows the chip's defaults).
  std::vector<LevelSpec> resolved_levels() const;
};

}  // namespace xpu
