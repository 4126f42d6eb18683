// In-network (in-switch) reduction, the in_switch algorithm (NVLS / SHARP): simulated time against
// the closed form T = latency + lambda + t_s (1 + 2 / n_iter), t_s = S (1 + 1/n) / B_red (all-reduce)
// or S / B_red (reduce-scatter), B_red = link_bandwidth x reduction_efficiency, n_iter NCCL's NVLS
// iteration count (docs/models/network.md §3); nccl-tests busbw at 16 GiB equal
// to B_red x 2(n-1)/(n+1); where it applies (one switch instance with reduction_efficiency > 0);
// the config rules of reduction_efficiency; partial-route flows and rate caps in the network; the
// isolated fast path with in_switch traffic interrupted by another flow.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "sim/collective/collective.h"
#include "sim/core/config.h"
#include "sim/core/error.h"
#include "tests/support/paths.h"

namespace xpu {
namespace {

constexpr double kBw = 450e9;     // bytes/s, one direction (NVLink4)
constexpr double kEff = 0.82;     // link efficiency
constexpr double kEta = 0.69;     // reduction_efficiency
constexpr double kLink = 0.4e-6;  // link latency, s
constexpr double kSwitch = 0.3e-6;
constexpr double kRoute = 2 * kLink + kSwitch;  // chip -> switch -> chip

PodSpec pod_from_text(const std::string& yaml) {
  cfg::Node root = cfg::load_string(yaml, "inline.yaml");
  return cfg::read<PodSpec>(*root.find("pod"), "pod");
}
const LinkDefaults kDefaults{BytesPerSecond(kBw), Seconds(kLink)};

std::string switch_level(int size, const std::string& extra) {
  return "{kind: switch, size: " + std::to_string(size) +
         ", link_bandwidth: 450 GB/s, link_latency: 0.4 us, switch_latency: 0.3 us, efficiency: 0.82" + extra + "}";
}
PodSpec nvls_node(int n) {
  return pod_from_text("pod: {chips: " + std::to_string(n) + ", topology: {levels: [" +
                       switch_level(n, ", reduction_efficiency: 0.69") + "]}}");
}
// NCCL 2.30's NVLS chunking as docs/models/network.md §3 states it: 16 channels x n ranks, a
// 128 KiB chunk halved below 64, 8 and 2 loops of the current chunk.
double n_iter(double S, int n) {
  const double lanes = 16.0 * n;
  double chunk = 131072;
  if (S < 64 * lanes * chunk) chunk /= 2;
  if (S < 8 * lanes * chunk) chunk /= 2;
  if (S < 2 * lanes * chunk) chunk /= 2;
  return std::max(1.0, std::ceil(S / (lanes * chunk)));
}
double fill(double S, int n) { return 1 + 2 / n_iter(S, n); }
std::vector<int> iota(int n) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i) v.push_back(i);
  return v;
}

TEST(InSwitch, AllReduceMatchesTheClosedForm) {
  const double b_red = kBw * kEta;
  for (int n : {2, 3, 8}) {
    Topology t(nvls_node(n), kDefaults);
    for (double S : {0.0, 1.0 * units::MiB, 1.0 * units::GiB}) {
      CollectiveResult r = run_isolated(t, {CollOp::AllReduce, Bytes(S), iota(n), 0, "in_switch"});
      EXPECT_EQ(r.algorithm, "in_switch");
      const double want = kRoute + S * (1 + 1.0 / n) / b_red * fill(S, n);
      // 1e-9 relative, plus the simulation's time resolution (event times are whole picoseconds).
      EXPECT_NEAR(r.time.seconds(), want, 1e-9 * want + 2e-12) << n << " ranks, " << S << " bytes";
      EXPECT_NEAR(r.model.seconds(), want, 1e-9 * want) << n << " ranks, " << S << " bytes";
    }
  }
}

TEST(InSwitch, LaunchLatencyAddsOnce) {
  Topology t(nvls_node(8), kDefaults);
  CollectiveOptions o;
  o.launch_latency = Seconds(20e-6);
  const double S = 64.0 * units::MiB;
  CollectiveResult r = run_isolated(t, {CollOp::AllReduce, Bytes(S), iota(8), 0, "in_switch"}, o);
  const double want = 20e-6 + kRoute + S * (9.0 / 8) / (kBw * kEta) * (1 + 2.0 / 8);  // 8 iterations of 64 KiB
  EXPECT_NEAR(r.time.seconds(), want, 1e-9 * want + 2e-12);
}

TEST(InSwitch, FixedLatencyAndPipelineFillRampTheBusBwUp) {
  // reduction_latency lambda = 25 us (NCCL's tuner's NVLS latency) and the fill of D = 2 iterations:
  // 8 ranks, 4 MiB -> 2 iterations of 16 KiB chunks (streaming time doubled), 16 MiB -> 4 of 32 KiB,
  // 1 GiB -> 64 of 128 KiB.
  Topology t(pod_from_text("pod: {chips: 8, topology: {levels: [" +
                           switch_level(8, ", reduction_efficiency: 0.69, reduction_latency: 25 us") + "]}}"),
             kDefaults);
  const double b_red = kBw * kEta;
  const std::pair<double, double> cases[] = {{4.0 * units::MiB, 2}, {16.0 * units::MiB, 4}, {1.0 * units::GiB, 64}};
  double last_busbw = 0;
  for (const auto& [S, iters] : cases) {
    CollectiveResult r = run_isolated(t, {CollOp::AllReduce, Bytes(S), iota(8), 0, "in_switch"});
    const double want = kRoute + 25e-6 + S * (9.0 / 8) / b_red * (1 + 2 / iters);
    // 1e-9 relative, plus whole-picosecond event times (the setup delay is rounded once more).
    EXPECT_NEAR(r.time.seconds(), want, 1e-9 * want + 2e-12) << S;
    EXPECT_NEAR(r.model.seconds(), want, 1e-9 * want) << S;
    EXPECT_GT(r.busbw.value(), last_busbw) << S;
    last_busbw = r.busbw.value();
  }
  // At 4 MiB that is under 30 % of the asymptotic busbw (the H200 sweep measures 29 %), so at 1 MiB auto
  // prefers a point-to-point algorithm; at 1 GiB in_switch wins.
  EXPECT_NE(run_isolated(t, {CollOp::AllReduce, Bytes(1.0 * units::MiB), iota(8), 0, "auto"}).algorithm, "in_switch");
  EXPECT_EQ(run_isolated(t, {CollOp::AllReduce, Bytes(1.0 * units::GiB), iota(8), 0, "auto"}).algorithm, "in_switch");
}

TEST(InSwitch, BusBwAt16GiBIsTheReductionRateTimes2nMinus1OverNPlus1) {
  // nccl-tests busbw = S/T x 2(n-1)/n -> B_red x 2(n-1)/(n+1) = 450 x 0.69 x 14/9 = 483.0 GB/s.
  Topology t(nvls_node(8), kDefaults);
  CollectiveResult r = run_isolated(t, {CollOp::AllReduce, Bytes(16.0 * units::GiB), iota(8), 0, "in_switch"});
  // The pipeline fill still costs 2 of its 1024 iterations: 483.0 / (1 + 2/1024) = 482.1 GB/s.
  const double want = kBw * kEta * 14.0 / 9.0 / (1 + 2.0 / 1024);
  EXPECT_NEAR(r.busbw.value(), want, 1e-3 * want);
  EXPECT_NEAR(r.busbw.value() / 1e9, 482.1, 0.1);
}

TEST(InSwitch, ReduceScatterMatchesTheClosedForm) {
  Topology t(nvls_node(8), kDefaults);
  const double S = 256.0 * units::MiB;
  CollectiveResult r = run_isolated(t, {CollOp::ReduceScatter, Bytes(S), iota(8), 0, "in_switch"});
  const double want = kRoute + S / (kBw * kEta) * fill(S, 8);  // up S dominates down S/n
  EXPECT_NEAR(r.time.seconds(), want, 1e-9 * want);
}

TEST(InSwitch, RateIsCappedByTheLinkCapacityToo) {
  // reduction_efficiency above the link efficiency: the link (bandwidth x efficiency) limits.
  Topology t(pod_from_text("pod: {chips: 4, topology: {levels: [" + switch_level(4, ", reduction_efficiency: 0.95") + "]}}"),
             kDefaults);
  const double S = 1.0 * units::GiB;
  CollectiveResult r = run_isolated(t, {CollOp::AllReduce, Bytes(S), iota(4), 0, "in_switch"});
  const double want = kRoute + S * 1.25 / (kBw * kEff) * fill(S, 4);
  EXPECT_NEAR(r.time.seconds(), want, 1e-9 * want);
  EXPECT_NEAR(r.model.seconds(), want, 1e-9 * want);
}

TEST(InSwitch, AutoPicksItAndBeatsTheRingOnlyWhereTheSwitchReduces) {
  Topology t(nvls_node(8), kDefaults);
  const CollectiveRequest req{CollOp::AllReduce, Bytes(1.0 * units::GiB), iota(8), 0, "auto"};
  EXPECT_EQ(choose_algorithm(t, req), "in_switch");
  // The same node without reduction_efficiency: not supported, auto picks a point-to-point algorithm.
  Topology plain(pod_from_text("pod: {chips: 8, topology: {levels: [" + switch_level(8, "") + "]}}"), kDefaults);
  auto names = supported_algorithms(plain, req);
  EXPECT_EQ(std::count(names.begin(), names.end(), "in_switch"), 0);
  EXPECT_NE(choose_algorithm(plain, req), "in_switch");
  // Other ops are not supported.
  for (CollOp op : {CollOp::AllGather, CollOp::AllToAll, CollOp::Broadcast, CollOp::Reduce}) {
    auto ok = supported_algorithms(t, {op, Bytes(1.0 * units::MiB), iota(8), 0, "auto"});
    EXPECT_EQ(std::count(ok.begin(), ok.end(), "in_switch"), 0) << coll_op_name(op);
  }
  // A single rank is not a reduction.
  auto one = supported_algorithms(t, {CollOp::AllReduce, Bytes(1.0 * units::MiB), {3}, 0, "auto"});
  EXPECT_EQ(std::count(one.begin(), one.end(), "in_switch"), 0);
}

TEST(InSwitch, OnlyInsideOneSwitchInstance) {
  // Two nodes of 4 on reducing switches, joined by a fat tree: one node's chips are supported, the
  // whole pod (two switch instances) is not; nor is a two-tier switch (leaves and spines).
  Topology t(pod_from_text("pod: {chips: 8, topology: {levels: [" + switch_level(4, ", reduction_efficiency: 0.69") +
                           ", {kind: fat_tree, size: 2, link_bandwidth: 50 GB/s}]}}"),
             kDefaults);
  const CollectiveRequest node{CollOp::AllReduce, Bytes(1.0 * units::MiB), {4, 5, 6, 7}, 0, "in_switch"};
  EXPECT_EQ(choose_algorithm(t, node), "in_switch");
  const CollectiveRequest pod{CollOp::AllReduce, Bytes(1.0 * units::MiB), iota(8), 0, "in_switch"};
  EXPECT_THROW(choose_algorithm(t, pod), UserError);
  auto across = supported_algorithms(t, {CollOp::AllReduce, Bytes(1.0 * units::MiB), {0, 4}, 0, "auto"});
  EXPECT_EQ(std::count(across.begin(), across.end(), "in_switch"), 0);
  Topology two_tier(pod_from_text("pod: {chips: 8, topology: {levels: [" +
                                  switch_level(8, ", leaf_size: 4, reduction_efficiency: 0.69") + "]}}"),
                    kDefaults);
  auto tiers = supported_algorithms(two_tier, {CollOp::AllReduce, Bytes(1.0 * units::MiB), iota(8), 0, "auto"});
  EXPECT_EQ(std::count(tiers.begin(), tiers.end(), "in_switch"), 0);
  // Inside one leaf it is one switch again.
  auto leaf = supported_algorithms(two_tier, {CollOp::AllReduce, Bytes(1.0 * units::MiB), {0, 1, 2, 3}, 0, "auto"});
  EXPECT_EQ(std::count(leaf.begin(), leaf.end(), "in_switch"), 1);
}

std::string config_error(const std::string& yaml) {
  try {
    pod_from_text(yaml);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(InSwitch, ReductionEfficiencyConfigRules) {
  // Only switched levels may reduce: a torus level refuses the key, naming it.
  std::string msg = config_error(
      "pod: {chips: 16, topology: {levels: [{kind: torus, dims: [4, 4], reduction_efficiency: 0.5}]}}");
  EXPECT_NE(msg.find("topology.levels[0].reduction_efficiency"), std::string::npos) << msg;
  EXPECT_NE(msg.find("only switched levels"), std::string::npos) << msg;
  msg = config_error("pod: {chips: 4, topology: {levels: [{kind: full_mesh, size: 4, reduction_efficiency: 0.5}]}}");
  EXPECT_NE(msg.find("reduction_efficiency"), std::string::npos) << msg;
  // Above 1 (or negative) is refused by the reader, naming the key.
  msg = config_error("pod: {chips: 8, topology: {levels: [" + switch_level(8, ", reduction_efficiency: 1.2") + "]}}");
  EXPECT_NE(msg.find("reduction_efficiency"), std::string::npos) << msg;
  msg = config_error("pod: {chips: 8, topology: {levels: [" + switch_level(8, ", reduction_efficiency: -0.1") + "]}}");
  EXPECT_NE(msg.find("reduction_efficiency"), std::string::npos) << msg;
  // Switch and fat_tree accept it; 0 (the default) is accepted anywhere.
  EXPECT_EQ(config_error("pod: {chips: 8, topology: {levels: [" + switch_level(8, ", reduction_efficiency: 1") + "]}}"), "");
  EXPECT_EQ(config_error("pod: {chips: 8, topology: {levels: [{kind: fat_tree, size: 8, reduction_efficiency: 0.5}]}}"), "");
  EXPECT_EQ(config_error("pod: {chips: 4, topology: {levels: [{kind: ring, size: 4, reduction_efficiency: 0}]}}"), "");
  // reduction_latency belongs to a reducing level; negative is refused by the reader.
  msg = config_error("pod: {chips: 8, topology: {levels: [" + switch_level(8, ", reduction_latency: 25 us") + "]}}");
  EXPECT_NE(msg.find("topology.levels[0].reduction_latency"), std::string::npos) << msg;
  EXPECT_NE(msg.find("reduction_efficiency"), std::string::npos) << msg;
  msg = config_error("pod: {chips: 8, topology: {levels: [" +
                     switch_level(8, ", reduction_efficiency: 0.5, reduction_latency: -1 us") + "]}}");
  EXPECT_NE(msg.find("reduction_latency"), std::string::npos) << msg;
}

TEST(InSwitch, PartialRouteFlowsOccupyOneLinkAndHonourTheirCap) {
  // Directly on the network: a First-hop send uses only the sender's uplink, a Last-hop send only
  // the receiver's downlink; each is delivered after the whole route's latency.
  Topology t(nvls_node(4), kDefaults);
  LocalScheduler ls;
  Network net(t, ls);
  const double S = 1e9, cap = 100e9;
  std::int64_t up_at = -1, down_at = -1, full_at = -1;
  net.send(0, 1, Bytes(S), [&] { up_at = ls.now_ps(); }, Network::Hops::First, cap);
  net.send(2, 1, Bytes(S), [&] { down_at = ls.now_ps(); }, Network::Hops::Last, 0);
  net.send(3, 2, Bytes(S), [&] { full_at = ls.now_ps(); });
  ls.run();
  const Route r01 = t.route(0, 1), r21 = t.route(2, 1);
  EXPECT_GT(net.link_bytes()[static_cast<size_t>(r01.links.front())], 0);
  EXPECT_EQ(net.link_bytes()[static_cast<size_t>(r01.links.back())], S);  // only 2 -> 1's downlink
  EXPECT_EQ(net.link_bytes()[static_cast<size_t>(r21.links.front())], 0);  // 2's uplink unused
  EXPECT_NEAR(up_at * 1e-12, kRoute + S / cap, 1e-9);
  EXPECT_NEAR(down_at * 1e-12, kRoute + S / (kBw * kEff), 1e-9);
  EXPECT_NEAR(full_at * 1e-12, kRoute + S / (kBw * kEff), 1e-9);
}

TEST(InSwitch, CappedFlowLeavesTheRestOfItsLinkToOthers) {
  // One capped flow (100 GB/s) and one uncapped flow on the same uplink of capacity 369 GB/s:
  // max-min gives the capped flow its cap and the other flow the remaining 269 GB/s.
  Topology t(nvls_node(4), kDefaults);
  LocalScheduler ls;
  Network net(t, ls);
  const double S = 1e9, cap = 100e9, c = kBw * kEff;
  std::int64_t capped = -1, other = -1;
  net.send(0, 1, Bytes(S), [&] { capped = ls.now_ps(); }, Network::Hops::First, cap);
  net.send(0, 2, Bytes(S), [&] { other = ls.now_ps(); });
  ls.run();
  // The other flow runs at c - cap until it ends (S / (c - cap) < S / cap).
  EXPECT_NEAR(other * 1e-12, kRoute + S / (c - cap), 1e-9);
  EXPECT_NEAR(capped * 1e-12, kRoute + S / cap, 1e-9);
}

TEST(InSwitch, FastPathMatchesTheFullSimulationWhenInterrupted) {
  // The isolated fast path reserves the in_switch collective's links; a send that needs one of them
  // mid-way re-simulates it and continues as flows: the same times as without the fast path.
  Topology t(nvls_node(8), kDefaults);
  auto times = [&](bool fast) {
    LocalScheduler ls;
    Network net(t, ls);
    CollectiveOptions o;
    o.isolated_fast_path = fast;
    CollectiveService svc(net, o);
    std::int64_t coll = -1, p2p = -1;
    svc.start({CollOp::AllReduce, Bytes(256.0 * units::MiB), iota(8), 0, "in_switch"}, [&] { coll = ls.now_ps(); });
    ls.after_ps(200'000'000, [&] { net.send(0, 5, Bytes(64.0 * units::MiB), [&] { p2p = ls.now_ps(); }); });
    ls.run();
    return std::make_pair(coll, p2p);
  };
  const auto full = times(false), fast = times(true);
  EXPECT_EQ(fast.first, full.first);
  EXPECT_EQ(fast.second, full.second);
  // The point-to-point flow slowed the collective down (it shared rank 0's uplink).
  const double alone = kRoute + 256.0 * units::MiB * (9.0 / 8) / (kBw * kEta);
  EXPECT_GT(full.first * 1e-12, alone * (1 + 1e-6));
}

}  // namespace
}  // namespace xpu
