// On-chip network (NoC) between cores and HBM controllers, built on the same topology and flow
// machinery as the pod network.
//
// Layout: `mesh` places the cores on a cols x rows grid of routers and adds one column of edge
// tiles on the west and one on the east; the HBM controllers sit on edge tiles, spread evenly
// (alternating west and east, top to bottom). Routing is dimension order (X then Y), so traffic from
// a controller leaves through its one eastward (or westward) link: that link is the hot spot a
// controller-heavy access pattern must share. `ring` puts cores and controllers on one
// bidirectional ring, controllers spaced evenly among the cores. Each NoC link carries
// `link_bandwidth` each way and adds `hop_latency` (router + wire).
// Not modelled: virtual channels, flit-level arbitration, buffer back-pressure, multicast.
// Use: `Noc noc(spec); Network net(noc.topology(), sched); net.send(noc.core(i), noc.hbm(j), ...)`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/config.h"
#include "sim/interconnect/topology.h"

namespace xpu {

struct NocSpec {
  std::string kind = "mesh";
  std::int64_t cols = 4, rows = 4;  // cores = cols x rows (ring: the same count)
  std::int64_t hbm_controllers = 4;
  BytesPerSecond link_bandwidth = units::gbps(256);
  Seconds hop_latency = units::nanoseconds(2);
  template <class V>
  void visit(V& v) {
    v.field("kind", kind, cfg::Field("NoC kind").one_of({"mesh", "ring"}));
    v.field("cols", cols, cfg::Field("core columns").positive());
    v.field("rows", rows, cfg::Field("core rows").positive());
    v.field("hbm_controllers", hbm_controllers, cfg::Field("HBM controllers on the NoC").min(0));
    v.field("link_bandwidth", link_bandwidth, cfg::Field("bandwidth of one NoC link, one direction").positive());
    v.field("hop_latency", hop_latency, cfg::Field("router plus wire delay of one hop").min(0));
  }
  void check(const cfg::Checker& c) const;
};

class Noc {
 public:
  explicit Noc(const NocSpec& spec);
  const Topology& topology() const { return *topo_; }
  int cores() const { return static_cast<int>(cores_.size()); }
  int hbm_controllers() const { return static_cast<int>(hbm_.size()); }
  int core(int i) const { return cores_[static_cast<size_t>(i)]; }  // endpoint (node) id
  int hbm(int j) const { return hbm_[static_cast<size_t>(j)]; }
  // The controller nearest to core i in hops (ties: lowest index).
  int nearest_hbm(int i) const;

 private:
  std::unique_ptr<Topology> topo_;
  std::vector<int> cores_, hbm_;
};

}  // namespace xpu
