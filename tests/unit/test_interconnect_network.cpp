// Flow-level network: single-flow closed form, max-min sharing cases (equal split, bottleneck
// elsewhere, bandwidth freed when a flow ends), and the Kernel-backed scheduler.
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/core/config.h"
#include "sim/core/kernel.h"
#include "sim/interconnect/network.h"

namespace xpu {
namespace {

PodSpec pod_from_text(const std::string& yaml) {
  cfg::Node root = cfg::load_string(yaml, "inline.yaml");
  return cfg::read<PodSpec>(*root.find("pod"), "pod");
}
const LinkDefaults kDefaults{units::gbps(100), units::microseconds(1)};

TEST(Network, SingleFlowTakesLatencyPlusSizeOverBandwidth) {
  Topology t(pod_from_text("pod: {chips: 2, topology: {kind: full_mesh}}"), kDefaults);
  LocalScheduler s;
  Network n(t, s);
  double done = -1;
  n.send(0, 1, Bytes(1e9), [&] { done = n.now().seconds(); });
  s.run();
  EXPECT_NEAR(done, 1e-6 + 1e9 / 100e9, 1e-11);
}

TEST(Network, TwoFlowsSharingALinkEachGetHalf) {
  Topology t(pod_from_text("pod: {chips: 2, topology: {kind: full_mesh}}"), kDefaults);
  LocalScheduler s;
  Network n(t, s);
  double d1 = -1, d2 = -1;
  n.send(0, 1, Bytes(1e9), [&] { d1 = n.now().seconds(); });
  n.send(0, 1, Bytes(1e9), [&] { d2 = n.now().seconds(); });
  bool probed = false;
  s.after_ps(1000000, [&] {  // 1 us in: both flows on link 0 at 50 GB/s
    auto r = n.link_flow_rates(t.route(0, 1).links[0]);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_NEAR(r[0], 50e9, 1);
    EXPECT_NEAR(r[1], 50e9, 1);
    probed = true;
  });
  s.run();
  EXPECT_TRUE(probed);
  EXPECT_NEAR(d1, 1e-6 + 2e9 / 100e9, 1e-11);
  EXPECT_NEAR(d2, d1, 1e-12);
  // the reverse direction is a separate link: no sharing
  LocalScheduler s2;
  Network n2(t, s2);
  n2.send(0, 1, Bytes(1e9), [] {});
  n2.send(1, 0, Bytes(1e9), [] {});
  EXPECT_NEAR(static_cast<double>(s2.run()) * 1e-12, 1e-6 + 1e9 / 100e9, 1e-11);
}

TEST(Network, MaxMinGivesUnusedShareToTheUnconstrainedFlow) {
  // level 0: pairs on a 10 GB/s link; level 1: pairs on a 100 GB/s link. Chips 0,1 | 2,3.
  Topology t(pod_from_text(R"(
pod: {chips: 4, topology: {link_latency: 0 s, levels: [{kind: full_mesh, size: 2, link_bandwidth: 10 GB/s},
                                                       {kind: full_mesh, size: 2, link_bandwidth: 100 GB/s}]}})"),
             kDefaults);
  LocalScheduler s;
  Network n(t, s);
  n.send(0, 1, Bytes(1e9), [] {});  // f1: 0->1 (10 GB/s link)
  n.send(0, 3, Bytes(1e9), [] {});  // f2: 0->1 then 1->3 (shares the 10 GB/s link, then 100 GB/s)
  n.send(1, 3, Bytes(1e9), [] {});  // f3: 1->3 only
  s.after_ps(1000, [&] {
    const int slow = t.route(0, 1).links[0], fast = t.route(1, 3).links[0];
    auto a = n.link_flow_rates(slow), b = n.link_flow_rates(fast);
    ASSERT_EQ(a.size(), 2u);
    ASSERT_EQ(b.size(), 2u);
    EXPECT_NEAR(a[0], 5e9, 1);
    EXPECT_NEAR(a[1], 5e9, 1);
    EXPECT_NEAR(std::max(b[0], b[1]), 95e9, 1);  // f3 takes what f2 cannot use
    EXPECT_NEAR(std::min(b[0], b[1]), 5e9, 1);
  });
  s.run();
}

TEST(Network, BandwidthIsReleasedWhenAFlowEnds) {
  Topology t(pod_from_text("pod: {chips: 2, topology: {kind: full_mesh, link_latency: 0 s}}"), kDefaults);
  LocalScheduler s;
  Network n(t, s);
  double small = -1, big = -1;
  n.send(0, 1, Bytes(1e9), [&] { small = n.now().seconds(); });
  n.send(0, 1, Bytes(3e9), [&] { big = n.now().seconds(); });
  s.run();
  EXPECT_NEAR(small, 2e9 / 100e9, 1e-11);       // both at 50 GB/s until 1 GB each
  EXPECT_NEAR(big, (1e9 + 3e9) / 100e9, 1e-11);  // then the rest at 100 GB/s
  EXPECT_EQ(n.stats().flows, 2u);
  EXPECT_NEAR(n.link_bytes()[static_cast<size_t>(t.route(0, 1).links[0])], 4e9, 1);
}

TEST(Network, RunsOnTheKernel) {
  Network n(pod_from_text("pod: {chips: 4, topology: {kind: ring}}"), kDefaults);
  double done = -1;
  n.send(0, 2, Bytes(1e8), [&] { done = Kernel::instance().now().seconds(); });  // 2 hops
  Kernel::instance().run();
  EXPECT_NEAR(done, 2e-6 + 1e8 / 100e9, 1e-11);
}

TEST(Network, SelfAndEmptySendsCompleteWithoutBandwidth) {
  Topology t(pod_from_text("pod: {chips: 2, topology: {kind: full_mesh}}"), kDefaults);
  LocalScheduler s;
  Network n(t, s);
  double a = -1, b = -1;
  n.send(1, 1, Bytes(1e9), [&] { a = n.now().seconds(); });
  n.send(0, 1, Bytes(0), [&] { b = n.now().seconds(); });
  s.run();
  EXPECT_EQ(a, 0.0);
  EXPECT_NEAR(b, 1e-6, 1e-12);
  EXPECT_THROW(n.send(0, 5, Bytes(1), [] {}), UserError);
}

}  // namespace
}  // namespace xpu

namespace xpu {
namespace {

TEST(Network, MaxMinMatchesAReferenceWaterFilling) {
  // 60 flows between pseudo-random chips of a two-tier pod (leaf-spine switch level of 16 in leaves
  // of 4, then 2 such pods on a second level), all started at once: every link's flow rates must
  // equal a straightforward progressive filling (no heap, no incremental state) computed here.
  Topology t(pod_from_text(R"(
pod: {chips: 32, topology: {levels: [
  {kind: switch, size: 16, leaf_size: 4, spines: 2, link_bandwidth: 40 GB/s, oversubscription: 2},
  {kind: fat_tree, size: 2, link_bandwidth: 25 GB/s}]}})"),
             kDefaults);
  LocalScheduler s;
  Network n(t, s);
  std::vector<std::vector<int>> routes;
  std::uint64_t x = 12345;
  auto rnd = [&](int m) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((x >> 33) % static_cast<std::uint64_t>(m));
  };
  for (int i = 0; i < 60; ++i) {
    int a = rnd(32), b = rnd(32);
    if (a == b) b = (b + 1) % 32;
    routes.push_back(t.route(a, b).links);
    n.send(a, b, Bytes(1e9 * (1 + rnd(5))), [] {});
  }
  // reference progressive filling
  const size_t F = routes.size();
  std::vector<double> rate(F, -1), cap(t.links().size());
  for (size_t l = 0; l < cap.size(); ++l) cap[l] = t.links()[l].capacity;
  for (size_t left = F; left > 0;) {
    double best = 1e300;
    for (size_t l = 0; l < cap.size(); ++l) {
      int u = 0;
      for (size_t f = 0; f < F; ++f)
        if (rate[f] < 0 && std::count(routes[f].begin(), routes[f].end(), static_cast<int>(l))) ++u;
      if (u > 0) best = std::min(best, cap[l] / u);
    }
    for (size_t l = 0; l < cap.size(); ++l) {
      int u = 0;
      for (size_t f = 0; f < F; ++f)
        if (rate[f] < 0 && std::count(routes[f].begin(), routes[f].end(), static_cast<int>(l))) ++u;
      if (u == 0 || cap[l] / u > best * (1 + 1e-12)) continue;
      for (size_t f = 0; f < F; ++f)
        if (rate[f] < 0 && std::count(routes[f].begin(), routes[f].end(), static_cast<int>(l))) {
          rate[f] = best;
          --left;
          for (int l2 : routes[f]) cap[static_cast<size_t>(l2)] -= best;
        }
    }
  }
  std::vector<double> distinct = rate;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  EXPECT_GE(distinct.size(), 3u);  // the case exercises several bottleneck levels
  bool probed = false;
  s.after_ps(1000, [&] {
    for (size_t l = 0; l < t.links().size(); ++l) {
      std::vector<double> got = n.link_flow_rates(static_cast<int>(l)), want;
      for (size_t f = 0; f < F; ++f)
        if (std::count(routes[f].begin(), routes[f].end(), static_cast<int>(l))) want.push_back(rate[f]);
      std::sort(got.begin(), got.end());
      std::sort(want.begin(), want.end());
      ASSERT_EQ(got.size(), want.size()) << "link " << l;
      for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6 * want[i]) << "link " << l;
    }
    probed = true;
  });
  s.run();
  EXPECT_TRUE(probed);
}

TEST(Network, FlowsEndingTogetherAreDeliveredByOneEventInSendOrder) {
  // 7 equal flows from chip 0 on the 7 links of a full mesh end at one instant: one delivery event
  // runs their callbacks in the order they were sent; a self-send is not a flow.
  Topology t(pod_from_text("pod: {chips: 8, topology: {kind: full_mesh}}"), kDefaults);
  LocalScheduler s;
  Network n(t, s);
  std::vector<int> order;
  std::vector<double> at;
  for (int d = 7; d >= 1; --d)
    n.send(0, d, Bytes(1e9), [&, d] {
      order.push_back(d);
      at.push_back(n.now().seconds());
    });
  s.run();
  EXPECT_EQ(order, (std::vector<int>{7, 6, 5, 4, 3, 2, 1}));
  for (double a : at) EXPECT_NEAR(a, 1e-6 + 1e9 / 100e9, 1e-11);
  EXPECT_EQ(n.stats().deliveries, 1u);
  // two sizes: two instants, two delivery events
  LocalScheduler s2;
  Network n2(t, s2);
  for (int d = 1; d < 8; ++d) n2.send(0, d, Bytes(d % 2 ? 1e9 : 2e9), [] {});
  s2.run();
  EXPECT_EQ(n2.stats().deliveries, 2u);
}

}  // namespace
}  // namespace xpu
