// Topology construction, routing (dimension order on tori, rails across levels, ECMP on two-tier
// switches, BFS on custom graphs) and rejection of invalid pods with file:line errors.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sim/core/config.h"
#include "sim/core/error.h"
#include "sim/interconnect/topology.h"
#include "tests/support/paths.h"

namespace xpu {
namespace {

PodSpec pod_from_file(const std::string& rel) {
  cfg::Node root = cfg::load_file(test::src(rel));
  return cfg::read<PodSpec>(*root.find("pod"), "pod");
}
PodSpec pod_from_text(const std::string& yaml) {
  cfg::Node root = cfg::load_string(yaml, "inline.yaml");
  return cfg::read<PodSpec>(*root.find("pod"), "pod");
}
const LinkDefaults kDefaults{units::gbps(100), units::microseconds(1)};

std::vector<int> chip_path(const Topology& t, int a, int b) {
  std::vector<int> p{a};
  for (int id : t.route(a, b).links) p.push_back(t.links()[static_cast<size_t>(id)].to);
  return p;
}

TEST(Topology, TorusDimensionOrderRouteXThenYWithWrap) {
  Topology t(pod_from_file("tests/data/pod_torus_4x4.yaml"), kDefaults);
  EXPECT_EQ(t.chips(), 16);
  EXPECT_EQ(t.links().size(), 16u * 4u);  // 4 neighbours per chip, one link each way
  // (0,0) -> (2,3): x first: 0->1->2 (distance 2 is a tie: + direction), then y 0->3 wraps: one hop.
  EXPECT_EQ(chip_path(t, 0, 2 + 3 * 4), (std::vector<int>{0, 1, 2, 14}));
  // (3,1) -> (0,1): x wraps forward, one hop.
  EXPECT_EQ(chip_path(t, 7, 4), (std::vector<int>{7, 4}));
  // every route is hops = |dx|_torus + |dy|_torus
  for (int a = 0; a < 16; ++a)
    for (int b = 0; b < 16; ++b) {
      if (a == b) continue;
      auto d = [](int x, int y) { int v = x > y ? x - y : y - x; return std::min(v, 4 - v); };
      EXPECT_EQ(t.route(a, b).links.size(), static_cast<size_t>(d(a % 4, b % 4) + d(a / 4, b / 4)));
    }
}

TEST(Topology, ThreeDTorusRouteLatencyIsHopsTimesLinkLatency) {
  Topology t(pod_from_text(R"(
pod: {chips: 64, topology: {kind: torus, dims: [4, 4, 4], link_latency: 2 us}})"),
             kDefaults);
  Route r = t.route(0, 2 + 2 * 4 + 3 * 16);  // 2 + 2 + 1 hops
  EXPECT_EQ(r.links.size(), 5u);
  EXPECT_NEAR(r.latency_s, 5 * 2e-6, 1e-15);
}

TEST(Topology, TwoTierRoutesInsideNodeThenOnTheRail) {
  Topology t(pod_from_file("tests/data/pod_two_tier.yaml"), kDefaults);
  ASSERT_EQ(t.levels().size(), 2u);
  EXPECT_EQ(t.levels()[1].instances, 8);  // one rail per local rank
  // chip 0 (node 0, rank 0) -> chip 13 (node 1, rank 5): full-mesh hop to rank 5, then rail 5.
  Route r = t.route(0, 13);
  ASSERT_EQ(r.links.size(), 3u);
  EXPECT_EQ(t.links()[static_cast<size_t>(r.links[0])].to, 5);
  EXPECT_EQ(t.links()[static_cast<size_t>(r.links[2])].to, 13);
  // latency = 1 us (mesh) + 2 x 2 us (NIC links) + 0.5 us (switch)
  EXPECT_NEAR(r.latency_s, 1e-6 + 4e-6 + 0.5e-6, 1e-15);
  EXPECT_NEAR(t.path_capacity(0, 13), 25e9, 1);
}

TEST(Topology, TwoTierSwitchSpreadsPairsOverSpinesDeterministically) {
  Topology t(pod_from_text(R"(
pod: {chips: 64, topology: {levels: [{kind: switch, size: 64, leaf_size: 8, spines: 8}]}})"),
             kDefaults);
  EXPECT_EQ(t.route(0, 7).links.size(), 2u);
  EXPECT_EQ(t.route(0, 8).links.size(), 4u);
  std::map<int, int> spine_use;
  for (int a = 0; a < 64; ++a)
    for (int b = 0; b < 64; ++b)
      if (a / 8 != b / 8) spine_use[t.links()[static_cast<size_t>(t.route(a, b).links[1])].to]++;
  ASSERT_EQ(spine_use.size(), 8u);
  const double mean = 64.0 * 56.0 / 8.0;
  for (auto& [s, n] : spine_use) EXPECT_NEAR(n, mean, 0.1 * mean) << "spine " << s;
  EXPECT_EQ(t.route(3, 42).links, t.route(3, 42).links);
  // non-blocking: leaf uplink = 8 chips x 100 GB/s / 8 spines
  EXPECT_NEAR(t.path_capacity(0, 8), 100e9, 1);
}

TEST(Topology, RingOrderIsOneHopPerStepOnATorus) {
  Topology t(pod_from_file("tests/data/pod_torus_4x4.yaml"), kDefaults);
  std::vector<int> all;
  for (int c = 15; c >= 0; --c) all.push_back(c);
  std::vector<int> ring = t.ring_order(all);
  ASSERT_EQ(ring.size(), 16u);
  for (size_t i = 0; i < ring.size(); ++i)
    EXPECT_EQ(t.route(ring[i], ring[(i + 1) % ring.size()]).links.size(), 1u) << i;
}

TEST(Topology, GridDetection) {
  Topology t(pod_from_file("tests/data/pod_two_tier.yaml"), kDefaults);
  EXPECT_TRUE(t.is_grid({0, 1, 8, 9}));
  EXPECT_EQ(t.varying_levels({0, 1, 8, 9}), (std::vector<int>{0, 1}));
  EXPECT_FALSE(t.is_grid({0, 1, 8}));
  EXPECT_EQ(t.varying_levels({3, 11, 19}), (std::vector<int>{1}));
}

TEST(Topology, CustomLevelShortestPath) {
  Topology t(pod_from_text(R"(
pod: {chips: 5, topology: {levels: [{kind: custom, size: 5, edges: [{a: 0, b: 1}, {a: 1, b: 2}, {a: 2, b: 3}, {a: 3, b: 4}, {a: 4, b: 0}]}]}})"),
             kDefaults);
  EXPECT_EQ(chip_path(t, 0, 3), (std::vector<int>{0, 4, 3}));
  EXPECT_EQ(chip_path(t, 0, 2), (std::vector<int>{0, 1, 2}));
}

std::string error_of(const std::string& rel) {
  try {
    pod_from_file(rel);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(TopologyErrors, DisconnectedRejectedWithLocation) {
  std::string e = error_of("tests/data/pod_disconnected.yaml");
  EXPECT_NE(e.find("pod_disconnected.yaml:14:"), std::string::npos) << e;
  EXPECT_NE(e.find("disconnected"), std::string::npos) << e;
  EXPECT_NE(e.find("member(s) 3"), std::string::npos) << e;
}

TEST(TopologyErrors, ZeroBandwidthRejectedWithLocation) {
  std::string e = error_of("tests/data/pod_zero_bw.yaml");
  EXPECT_NE(e.find("pod_zero_bw.yaml:13:"), std::string::npos) << e;
  EXPECT_NE(e.find("pod.topology.levels[1].link_bandwidth"), std::string::npos) << e;
  EXPECT_NE(e.find("greater than zero"), std::string::npos) << e;
}

TEST(TopologyErrors, LevelSizesNotMatchingChips) {
  std::string e = error_of("tests/data/pod_bad_size.yaml");
  EXPECT_NE(e.find("pod_bad_size.yaml:12:"), std::string::npos) << e;
  EXPECT_NE(e.find("4 x 4 = 16 chips but pod.chips is 12"), std::string::npos) << e;
}

TEST(TopologyErrors, UnknownKindSuggestsNearest) {
  try {
    pod_from_text("pod: {chips: 4, topology: {kind: toruss, dims: [2, 2]}}");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'torus'"), std::string::npos) << e.what();
  }
}

TEST(TopologyErrors, ZeroDefaultBandwidthRejectedByBuilder) {
  PodSpec p = pod_from_text("pod: {chips: 4, topology: {kind: ring}}");
  EXPECT_THROW(Topology(p, LinkDefaults{BytesPerSecond(0), Seconds(0)}), UserError);
}

}  // namespace
}  // namespace xpu
