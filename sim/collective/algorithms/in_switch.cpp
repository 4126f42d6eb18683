// In-network (in-switch) reduction: NVIDIA NVLS (NVLink SHARP, NVSwitch gen3 on H100, gen4 on
// B200; NCCL 2.17+) and the same mechanism as InfiniBand SHARP. The switch adds up what the ranks
// send it and multicasts results, so a rank's link carries each byte of its buffer once each way
// instead of the ring's 2(n-1)/n.
//   all-reduce      reduce phase: every rank sends its whole buffer S into the switch, which reduces
//                   and returns each rank its 1/n share (multimem.ld_reduce); broadcast phase: every
//                   rank sends its reduced S/n into the switch, which multicasts it to all n ranks
//                   (multimem.st). Per rank: up S + S/n, down S/n + S. NCCL pipelines the two phases
//                   over chunks, so both directions stream at once:
//                     T = alpha + S (1 + 1/n) / B_red,   busbw -> B_red x 2(n-1)/(n+1)
//   reduce-scatter  up S (the switch reads every rank's n shares), down S/n (its reduced shard):
//                     T = alpha + S / B_red
// alpha: the chip -> switch -> chip route latency; B_red = min(link_bandwidth x reduction_efficiency,
// link_bandwidth x efficiency): traffic the switch reduces or multicasts reaches reduction_efficiency
// of the nominal link bandwidth (the switch's reduction units, not the link protocol, limit it), and
// never more than the link's own capacity.
// Schedule: one step. Rank r sends an "up" message of its uplink bytes to rank (r+1) mod n that
// occupies only r's uplink into the switch, and a "down" message of the downlink bytes to the same
// peer that occupies only the switch's downlink into that peer (partial routes, network.h), each
// capped at B_red and delivered after the whole route's latency; every rank expects 2 receives.
// Supported: all-reduce and reduce-scatter of n >= 2 ranks that all hang off ONE switch (one instance
// of a single-tier switched level whose reduction_efficiency > 0). Not modelled: multi-node NVLS
// (NVLS-tree, SHARP across fat-tree tiers), the pipeline fill of the chunked phases, NCCL's size
// threshold for enabling NVLS. Equations and references: docs/models/network.md.
#include <algorithm>

#include "sim/collective/algorithm.h"

namespace xpu {
namespace {

// Bytes a rank sends into the switch (up) and receives from it (down) for a buffer of S bytes.
Algorithm::NetworkBytes bytes_per_rank(CollOp op, int n, double S) {
  if (op == CollOp::ReduceScatter) return {S, S / n};
  return {S * (1 + 1.0 / n), S * (1 + 1.0 / n)};  // all-reduce
}

class InSwitchSchedule : public Schedule {
 public:
  InSwitchSchedule(int n, Algorithm::NetworkBytes b, std::vector<double> up_cap, std::vector<double> down_cap)
      : n_(n), b_(b), up_cap_(std::move(up_cap)), down_cap_(std::move(down_cap)) {}
  int steps() const override { return 1; }
  void step(int r, int, StepPlan& out) const override {
    const int peer = (r + 1) % n_;
    out.sends.push_back({peer, b_.up, Network::Hops::First, up_cap_[static_cast<size_t>(r)]});
    out.sends.push_back({peer, b_.down, Network::Hops::Last, down_cap_[static_cast<size_t>(peer)]});
    out.recvs = 2;
  }

 private:
  int n_;
  Algorithm::NetworkBytes b_;
  std::vector<double> up_cap_, down_cap_;  // B_red of each rank's uplink / downlink, bytes/s
};

class InSwitch : public Algorithm {
 public:
  bool supports(const AlgoContext& c) const override {
    if ((c.op != CollOp::AllReduce && c.op != CollOp::ReduceScatter) || c.n() < 2) return false;
    const std::vector<int> lv = c.topo.varying_levels(c.chips);
    if (lv.size() != 1) return false;  // the group must lie in one instance of one level
    const LevelInfo& L = c.topo.levels()[static_cast<size_t>(lv[0])];
    if (!(L.spec.reduction_efficiency > 0)) return false;
    // One switch: every route between members is [member -> switch, switch -> member] through the
    // same switch node (a single tier; leaves and spines would need NVLS-tree / SHARP trees).
    int sw = -1;
    for (int i = 0; i < c.n(); ++i) {
      const Route r = c.topo.route(c.chips[static_cast<size_t>(i)], c.chips[static_cast<size_t>((i + 1) % c.n())]);
      if (r.links.size() != 2) return false;
      const TopoLink& up = c.topo.links()[static_cast<size_t>(r.links[0])];
      const TopoLink& down = c.topo.links()[static_cast<size_t>(r.links[1])];
      if (up.to != down.from || !c.topo.node_list()[static_cast<size_t>(up.to)].is_switch) return false;
      if (sw >= 0 && up.to != sw) return false;
      sw = up.to;
    }
    return true;
  }

  std::unique_ptr<Schedule> plan(const AlgoContext& c) const override {
    const Rates rt = rates(c);
    auto s = std::make_unique<InSwitchSchedule>(c.n(), bytes_per_rank(c.op, c.n(), c.bytes), rt.up_cap, rt.down_cap);
    s->chips = c.chips;
    return s;
  }

  // Exact on an idle switch: each link carries one message, at min(cap, capacity); the collective
  // ends with the last message: max over r of latency(r -> r+1) + max(up / rate_up(r), down / rate_down(r+1)).
  Seconds model(const AlgoContext& c) const override {
    const Rates rt = rates(c);
    const NetworkBytes b = bytes_per_rank(c.op, c.n(), c.bytes);
    double t = 0;
    for (int r = 0; r < c.n(); ++r) {
      const size_t i = static_cast<size_t>(r), p = static_cast<size_t>((r + 1) % c.n());
      const double up = b.up / std::min(rt.up_cap[i], rt.up_capacity[i]);
      const double down = b.down / std::min(rt.down_cap[p], rt.down_capacity[p]);
      t = std::max(t, rt.latency_s[i] + std::max(up, down));
    }
    return Seconds(t);
  }

  std::optional<NetworkBytes> in_network_bytes(const AlgoContext& c) const override {
    return bytes_per_rank(c.op, c.n(), c.bytes);
  }

 private:
  struct Rates {
    std::vector<double> up_cap, down_cap;            // B_red = nominal x reduction_efficiency, by rank
    std::vector<double> up_capacity, down_capacity;  // the links' capacity (nominal x efficiency)
    std::vector<double> latency_s;                   // route rank r -> rank r+1
  };
  static Rates rates(const AlgoContext& c) {
    Rates rt;
    const int n = c.n();
    const int l = c.topo.varying_levels(c.chips).at(0);
    const double eta = c.topo.levels()[static_cast<size_t>(l)].spec.reduction_efficiency;
    for (auto* v : {&rt.up_cap, &rt.down_cap, &rt.up_capacity, &rt.down_capacity, &rt.latency_s})
      v->assign(static_cast<size_t>(n), 0);
    for (int r = 0; r < n; ++r) {
      const int a = c.chips[static_cast<size_t>(r)], b = c.chips[static_cast<size_t>((r + 1) % n)];
      const Route route = c.topo.route(a, b);
      const TopoLink& up = c.topo.links()[static_cast<size_t>(route.links.front())];
      const TopoLink& down = c.topo.links()[static_cast<size_t>(route.links.back())];
      rt.up_cap[static_cast<size_t>(r)] = up.bandwidth * eta;
      rt.up_capacity[static_cast<size_t>(r)] = up.capacity;
      rt.down_cap[static_cast<size_t>((r + 1) % n)] = down.bandwidth * eta;
      rt.down_capacity[static_cast<size_t>((r + 1) % n)] = down.capacity;
      rt.latency_s[static_cast<size_t>(r)] = route.latency_s;
    }
    return rt;
  }
};

}  // namespace
XPU_REGISTER_ALGORITHM("in_switch", InSwitch,
                       "in-network reduction (NVLS / SHARP): all-reduce and reduce-scatter reduced inside one switch "
                       "whose level sets reduction_efficiency; each rank's link carries S(1+1/n) each way (all-reduce)",
                       ::xpu::no_params());
}  // namespace xpu
