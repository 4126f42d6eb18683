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
// Fixed costs (the schedule's setup(), before the step; docs/models/network.md §3):
//   T += lambda + D x t_stream / n_iter
// lambda: the level's reduction_latency (NCCL's tuner charges NVLS 25 us on NVLink: multicast
// handshakes and flag synchronisation). The second term is the fill and drain of NCCL's staged
// pipeline: each channel moves the buffer in n_iter iterations of one chunk per rank, through
// three concurrent stages (scatter into the staging buffer, reduce/multicast in the switch, gather
// out of it), so the first iteration's scatter and the last one's gather, D = 2 iteration times,
// are not overlapped. t_stream is the step's streaming time (bytes / B_red above). NCCL 2.30's
// chunking (enqueue.cc calcCollChunking, transport/nvls.cc): kNvlsChannels = 16 channels x n heads,
// chunk 128 KiB halved to 64 / 32 / 16 KiB below 64 / 8 / 2 loops of 128 KiB chunks; n_iter =
// ceil(S / (16 n chunk)). At 8 ranks: 4 MiB -> 2 iterations (T = lambda + 2 t_stream), 1 GiB -> 64.
// Schedule: one step. Rank r sends an "up" message of its uplink bytes to rank (r+1) mod n that
// occupies only r's uplink into the switch, and a "down" message of the downlink bytes to the same
// peer that occupies only the switch's downlink into that peer (partial routes, network.h), each
// capped at B_red and delivered after the whole route's latency; every rank expects 2 receives.
// Supported: all-reduce and reduce-scatter of n >= 2 ranks that all hang off ONE switch (one instance
// of a single-tier switched level whose reduction_efficiency > 0). Not modelled: multi-node NVLS
// (NVLS-tree, SHARP across fat-tree tiers), NCCL's size threshold for enabling NVLS (`auto` picks
// by the closed-form time, which the fixed latency makes lose to ring at small sizes). Equations
// and references: docs/models/network.md.
#include <algorithm>
#include <cmath>

#include "sim/collective/algorithm.h"

namespace xpu {
namespace {

// Bytes a rank sends into the switch (up) and receives from it (down) for a buffer of S bytes.
Algorithm::NetworkBytes bytes_per_rank(CollOp op, int n, double S) {
  if (op == CollOp::ReduceScatter) return {S, S / n};
  return {S * (1 + 1.0 / n), S * (1 + 1.0 / n)};  // all-reduce
}

constexpr int kNvlsChannels = 16;                    // NVLS_NCHANNELS_SM90 (NCCL 2.27+)
constexpr double kNvlsMaxChunkBytes = 128.0 * 1024;  // NCCL_NVLS_CHUNKSIZE default
constexpr double kPipelineFillIterations = 2;        // 3 concurrent stages: 2 iterations not overlapped

// Iterations of NCCL's NVLS loop for a buffer of S bytes over n ranks (see the header).
double nvls_iterations(double S, int n) {
  const double lanes = double(kNvlsChannels) * n;
  double chunk = kNvlsMaxChunkBytes;
  if (S < 64 * lanes * chunk) chunk /= 2;
  if (S < 8 * lanes * chunk) chunk /= 2;
  if (S < 2 * lanes * chunk) chunk /= 2;
  return std::max(1.0, std::ceil(S / (lanes * chunk)));
}

class InSwitchSchedule : public Schedule {
 public:
  InSwitchSchedule(int n, Algorithm::NetworkBytes b, std::vector<double> up_cap, std::vector<double> down_cap, Seconds setup)
      : n_(n), b_(b), up_cap_(std::move(up_cap)), down_cap_(std::move(down_cap)), setup_(setup) {}
  int steps() const override { return 1; }
  Seconds setup() const override { return setup_; }
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
  Seconds setup_;
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
    auto s = std::make_unique<InSwitchSchedule>(c.n(), bytes_per_rank(c.op, c.n(), c.bytes), rt.up_cap, rt.down_cap,
                                                setup(c, rt));
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
      t = std::max(t, rt.latency_s[i] + std::max(up_s(b, rt, i), down_s(b, rt, p)));
    }
    return Seconds(t) + setup(c, rt);
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
  // Seconds rank i's uplink / downlink takes for its bytes at min(cap, capacity).
  static double up_s(const NetworkBytes& b, const Rates& rt, size_t i) {
    return b.up / std::min(rt.up_cap[i], rt.up_capacity[i]);
  }
  static double down_s(const NetworkBytes& b, const Rates& rt, size_t i) {
    return b.down / std::min(rt.down_cap[i], rt.down_capacity[i]);
  }
  // lambda + D x t_stream / n_iter (header), t_stream: the slowest rank's streaming time.
  static Seconds setup(const AlgoContext& c, const Rates& rt) {
    const NetworkBytes b = bytes_per_rank(c.op, c.n(), c.bytes);
    double stream = 0;
    for (size_t i = 0; i < static_cast<size_t>(c.n()); ++i) stream = std::max({stream, up_s(b, rt, i), down_s(b, rt, i)});
    const int l = c.topo.varying_levels(c.chips).at(0);
    const Seconds lambda = c.topo.levels()[static_cast<size_t>(l)].spec.reduction_latency.value_or(Seconds(0));
    return lambda + Seconds(kPipelineFillIterations * stream / nvls_iterations(c.bytes, c.n()));
  }

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
