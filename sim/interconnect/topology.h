// Topology: the graph of chips, switches and one-directional links a pod is built from, plus
// deterministic routing. Built from a PodSpec and the chip's default link figures (passed in: the
// interconnect module does not depend on the chip model).
//
// Model
//   * Nodes 0 .. chips-1 are the chips; switches follow. A switch adds `switch_latency` to every
//     route through it. A link is one direction of a cable: capacity = link_bandwidth x efficiency
//     (bytes/s) and a latency. A route's latency is the sum of its links' latencies plus the delays of
//     the switches it crosses; its bandwidth is shared with other flows by the network model.
//   * Levels (pod_spec.h): level l connects the chips that differ only in coordinate l. Each level is
//     an instance of a registered LevelKind (one file per kind under sim/interconnect/levels/):
//       ring       bidirectional ring, shortest direction (ties: positive direction);
//       torus      k-D torus with wrap-around (`dims`), dimension-order routing, shortest direction
//                  per dimension (ties: positive) -- TPU-style 2-D/3-D tori;
//       mesh       k-D mesh without wrap-around (on-chip NoC style), dimension order;
//       full_mesh  one link per ordered pair of members (e.g. 8 chips on HCCS/xGMI);
//       switch     every member has `nics_per_chip` ports into one switch, or into leaf switches of
//                  `leaf_size` members joined by `spines` spine switches (two tiers, optional
//                  oversubscription); ECMP: the spine is a fixed hash of (source, destination), so
//                  routes are deterministic and spread over spines;
//       fat_tree   the same fabric used as a scale-out network (NICs per chip; as a level above a
//                  node it is rail-optimised: local rank i of every node shares rail i);
//                  switch and fat_tree may reduce in the network (reduction_efficiency > 0: NVLS /
//                  SHARP; the in_switch collective algorithm);
//       custom     explicit undirected edges; shortest path (BFS, lowest index first).
//   * Routing across levels is dimension order, innermost level first: a route from a to b first
//     corrects coordinate 0 inside level 0, then coordinate 1 inside level 1, and so on (for a node
//     plus rail fabric this is the PXN-style "move to the right rail over NVLink, then cross").
// Not modelled: adaptive routing, packet-level effects (head-of-line blocking, incast, credit
// stalls), link failures, non-rail-optimised scale-out (a chip reaching any leaf).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/registry.h"
#include "sim/core/units.h"
#include "sim/interconnect/pod_spec.h"

namespace xpu {

// Link figures used where the pod does not give its own (normally the chip's `links` block).
struct LinkDefaults {
  BytesPerSecond bandwidth;                     // one direction
  Seconds latency = units::microseconds(1.0);
};

struct TopoNode {
  std::string name;
  bool is_switch = false;
  int level = -1;          // level that owns it (-1 for chips)
  double delay_s = 0;      // added to every route through the node (switches)
};

struct TopoLink {
  int from = 0, to = 0;
  double capacity = 0;     // bytes/s available to flows (bandwidth x efficiency)
  double bandwidth = 0;    // nominal bytes/s, one direction
  double latency_s = 0;
  int level = 0;
};

// A path: the links in order and its latency (links plus switch delays).
struct Route {
  std::vector<int> links;
  double latency_s = 0;
  void clear() { links.clear(); latency_s = 0; }
};

// One transfer of a round: `bytes` from chip `src` to chip `dst`.
struct Transfer {
  int src = 0, dst = 0;
  Bytes bytes;
};

// Level as resolved: inherited figures filled in.
struct LevelInfo {
  std::string name;
  std::string kind;
  int size = 1;            // members per instance
  int instances = 1;
  int stride = 1;          // chip-id distance between consecutive members
  std::vector<int> dims;   // torus / mesh
  double bandwidth = 0;    // nominal bytes/s of one chip link of this level
  double capacity = 0;     // bandwidth x efficiency
  double latency_s = 0;    // one link
  double switch_latency_s = 0;
  double efficiency = 1;
  LevelSpec spec;          // as written (for kind-specific fields)
};

class Topology;

// Builds one level and routes inside one of its instances. One object per level of a pod.
// Also answers the config questions about its kind (which keys it needs, how it resizes, how many
// ports a chip has into it), so that no code outside the kind's own file matches its name.
class LevelKind {
 public:
  virtual ~LevelKind() = default;
  // Members per instance implied by the spec (torus: product of dims), or 0 when the spec gives none.
  virtual int implied_size(const LevelSpec& spec) const;
  // Fill what the kind derives from the spec as written (ring: dims = {size}).
  virtual void resolve(LevelSpec& spec) const;
  // Whether the spec must give `dims` (torus, mesh).
  virtual bool needs_dims() const;
  // Whether the level's members meet in switches, which may reduce in the network (the level's
  // reduction_efficiency; pod_spec.cpp refuses the key on any other kind).
  virtual bool has_switch() const;
  // Kind-specific rules of a resolved spec (size > 0 already checked): report a violation with fail(key of the level, message).
  using Fail = std::function<void(const std::string& key, const std::string& message)>;
  virtual void check(const LevelSpec& spec, const Fail& fail) const;
  // Resize to `size` members for a scaling study (kind-specific fields follow); "" when done, else
  // why it cannot be done ("is a custom graph and cannot be resized to 8 members").
  virtual std::string resize(LevelSpec& spec, std::int64_t size) const;
  // Parallel ports a chip has into this level (switched fabrics: nics_per_chip; others 1).
  virtual std::int64_t ports_per_chip(const LevelSpec& spec) const;
  // Whether the members of a single level are best drawn on a circle (graph layout).
  virtual bool circular() const;
  // A valid spec of this kind with `size` members (size >= 2), without link figures: used by the
  // conformance suite (tests/integration/test_conformance.cpp) to build every registered kind.
  virtual LevelSpec example(std::int64_t size) const;
  // Add this level's switches and links. `Builder` hands out node and link ids.
  struct Builder {
    Topology* topo;
    const LevelInfo* level;
    int level_index;
    int chip(int instance, int member) const;
    int add_switch(const std::string& name);
    int add_link(int from, int to, double bandwidth, double latency_s);
  };
  virtual void build(Builder& b) = 0;
  // Append the links from member `from` to member `to` of `instance` to `out` (and the delays of
  // the switches crossed). `src_chip`/`dst_chip` are the end points of the whole route (ECMP hash).
  virtual void route(int instance, int from, int to, int src_chip, int dst_chip, Route& out) const = 0;
  // Hops between two members (for ring ordering and models); default: size of the route.
  virtual int hops(int instance, int from, int to) const;

 protected:
  const Topology* topo_ = nullptr;
  const LevelInfo* level_ = nullptr;
  friend class Topology;
};

// The registry of level kinds (registry.h): selected by pod.topology.levels[].kind.
using LevelKindRegistry = Registry<LevelKind>;
LevelKindRegistry& level_kind_registry();
// A shared instance of kind `name` for the config queries above (not built); UserError if unknown.
const LevelKind& level_kind(const std::string& name);
// The keys of LevelSpec a kind reads, as its registry parameters.
inline ParamDocs level_params(std::vector<std::string> keys) {
  return params_of<LevelSpec>("pod.topology.levels[]", std::move(keys));
}

class Topology {
 public:
  // Throws UserError when the pod cannot be built (zero bandwidth, sizes not matching chips).
  Topology(const PodSpec& pod, const LinkDefaults& defaults);
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  const std::string& name() const { return name_; }
  int chips() const { return chips_; }
  int nodes() const { return static_cast<int>(nodes_.size()); }
  const std::vector<TopoNode>& node_list() const { return nodes_; }
  const std::vector<TopoLink>& links() const { return links_; }
  const std::vector<LevelInfo>& levels() const { return levels_; }

  // Coordinate of `chip` in level l, the instance of level l it belongs to, and the chip with
  // coordinate l replaced.
  int coord(int chip, int l) const { return (chip / levels_[l].stride) % levels_[l].size; }
  int instance_of(int chip, int l) const;
  int with_coord(int chip, int l, int c) const { return chip + (c - coord(chip, l)) * levels_[l].stride; }

  // Deterministic route from chip `src` to chip `dst` (src != dst), appended to `out` (cleared first).
  void route(int src, int dst, Route& out) const;
  Route route(int src, int dst) const { Route r; route(src, dst, r); return r; }
  // Bottleneck nominal capacity (bytes/s, after efficiency) and latency of the route src -> dst.
  double path_capacity(int src, int dst) const;
  double path_latency(int src, int dst) const;

  // `chips` reordered so that consecutive chips (and the last and first) are close: a snake
  // (boustrophedon) order over the level coordinates, innermost level varying fastest. On a ring
  // or torus level every step is one hop.
  std::vector<int> ring_order(const std::vector<int>& chips) const;

  // Levels over which the group varies, and whether it is a full grid (the Cartesian product of
  // its coordinate sets): the condition for hierarchical / multi-dimensional algorithms.
  std::vector<int> varying_levels(const std::vector<int>& chips) const;
  bool is_grid(const std::vector<int>& chips) const;

  // Uncongested time of one round of concurrent transfers (src, dst, bytes each): every transfer
  // ends after its route latency plus the time the most loaded link on its route needs for all the
  // bytes routed over that link; the round ends with the last transfer:
  //     T = max_transfer ( latency(route) + max_{link in route} load(link) / capacity(link) ).
  // This is the alpha-beta model with link load, used by the collective tuner; on uncongested
  // symmetric patterns (every flow on a link equal and bottlenecked there) it equals the flow model.
  Seconds round_time(const std::vector<std::pair<int, int>>& pairs, Bytes bytes_each) const;
  // The same with a size per transfer.
  Seconds round_time(const std::vector<Transfer>& transfers) const;

  std::string summary() const;  // one line per level

 private:
  friend struct LevelKind::Builder;
  std::string name_;
  int chips_ = 0;
  std::vector<TopoNode> nodes_;
  std::vector<TopoLink> links_;
  std::vector<LevelInfo> levels_;
  std::vector<std::unique_ptr<LevelKind>> kinds_;
};

}  // namespace xpu

// XPU_REGISTER_LEVEL_KIND("torus", TorusLevel, "one-line doc", level_params({"dims"})).
#define XPU_REGISTER_LEVEL_KIND(NAME, CLASS, DOC, PARAMS)         \
  XPU_REGISTER(::xpu::level_kind_registry(), NAME, DOC, PARAMS, \
               [] { return std::unique_ptr<::xpu::LevelKind>(new CLASS()); })
