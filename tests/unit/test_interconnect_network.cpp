// Flow-level network: single-flow closed form, max-min sharing cases (equal split, bottleneck
// elsewhere, bandwidth freed when a flow ends), and the Kernel-backed scheduler.
#include <gtest/gtest.h>

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
