// Every algorithm against its alpha-beta closed form on uncongested topologies (a full mesh: one
// link per ordered pair, so no two messages of a step share a link), hierarchical against flat on a
// two-tier pod, concurrency through max-min sharing, busbw factors and request validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "sim/collective/collective.h"
#include "sim/core/config.h"
#include "sim/core/error.h"
#include "sim/core/kernel.h"
#include "tests/support/paths.h"

namespace xpu {
namespace {

constexpr double B = 100e9;     // bytes/s per link
constexpr double A = 1e-6;      // alpha: one link's latency
constexpr double S = 64.0 * units::MiB;

PodSpec pod_from_text(const std::string& yaml) {
  cfg::Node root = cfg::load_string(yaml, "inline.yaml");
  return cfg::read<PodSpec>(*root.find("pod"), "pod");
}
PodSpec pod_from_file(const std::string& rel) {
  cfg::Node root = cfg::load_file(test::src(rel));
  return cfg::read<PodSpec>(*root.find("pod"), "pod");
}
const LinkDefaults kDefaults{BytesPerSecond(B), Seconds(A)};

// 4 DGX-like nodes: NVSwitch (300 GB/s x 0.82) and one 200 Gb/s NIC per GPU (x 0.96) on 8 rails.
const char* const kDgxLike =
    "pod: {chips: 32, topology: {levels: ["
    "{kind: switch, size: 8, link_bandwidth: 300 GB/s, link_latency: 0.4 us, switch_latency: 0.3 us, efficiency: 0.82},"
    "{kind: fat_tree, size: 4, link_bandwidth: 200 Gb/s, link_latency: 1 us, switch_latency: 0.6 us, efficiency: 0.96}]}}";

Topology mesh(int n) {
  return Topology(pod_from_text("pod: {chips: " + std::to_string(n) + ", topology: {kind: full_mesh}}"), kDefaults);
}
std::vector<int> iota(int n) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i) v.push_back(i);
  return v;
}
double run(const Topology& t, CollOp op, double bytes, const std::string& algo, int n, int root = 0,
           CollectiveOptions o = {}) {
  CollectiveRequest r{op, Bytes(bytes), iota(n), root, algo};
  CollectiveResult res = run_isolated(t, r, o);
  EXPECT_EQ(res.algorithm, algo);
  return res.time.seconds();
}
void expect_rel(double got, double want, double tol = 1e-6) { EXPECT_NEAR(got, want, tol * want) << got << " vs " << want; }

TEST(CollectiveClosedForm, RingAllReduce) {
  for (int n : {2, 3, 8}) {
    Topology t = mesh(n);
    expect_rel(run(t, CollOp::AllReduce, S, "ring", n), 2.0 * (n - 1) / n * S / B + 2.0 * (n - 1) * A);
  }
}

TEST(CollectiveClosedForm, RingAllGatherAndReduceScatter) {
  Topology t = mesh(8);
  expect_rel(run(t, CollOp::AllGather, S, "ring", 8), 7.0 / 8 * S / B + 7 * A);
  expect_rel(run(t, CollOp::ReduceScatter, S, "ring", 8), 7.0 / 8 * S / B + 7 * A);
}

TEST(CollectiveClosedForm, RingBroadcastAndReduceArePipelinedChains) {
  Topology t = mesh(8);
  CollectiveOptions o;
  o.chunk = Bytes(4.0 * units::MiB);  // K = 16 chunks
  const double K = 16, want = (8 - 2 + K) * (A + S / K / B);
  expect_rel(run(t, CollOp::Broadcast, S, "ring", 8, 3, o), want);
  expect_rel(run(t, CollOp::Reduce, S, "ring", 8, 5, o), want);
}

TEST(CollectiveClosedForm, HalvingDoubling) {
  Topology t = mesh(8);
  expect_rel(run(t, CollOp::AllReduce, S, "halving_doubling", 8), 2 * 3 * A + 2.0 * 7 / 8 * S / B);
  expect_rel(run(t, CollOp::ReduceScatter, S, "halving_doubling", 8), 3 * A + 7.0 / 8 * S / B);
  expect_rel(run(t, CollOp::AllGather, S, "halving_doubling", 8), 3 * A + 7.0 / 8 * S / B);
}

TEST(CollectiveClosedForm, RecursiveDoubling) {
  Topology t = mesh(16);
  expect_rel(run(t, CollOp::AllReduce, S, "recursive_doubling", 16), 4 * (A + S / B));
}

TEST(CollectiveClosedForm, Direct) {
  Topology t = mesh(8);
  expect_rel(run(t, CollOp::AllToAll, S, "direct", 8), A + S / 8 / B);
  expect_rel(run(t, CollOp::AllReduce, S, "direct", 8), 2 * (A + S / 8 / B));
  expect_rel(run(t, CollOp::AllGather, S, "direct", 8), A + S / 8 / B);
  expect_rel(run(t, CollOp::Broadcast, S, "direct", 8, 2), A + S / B);
  expect_rel(run(t, CollOp::Reduce, S, "direct", 8, 2), A + S / B);
  expect_rel(run(t, CollOp::SendRecv, S, "direct", 2), A + S / B);
}

TEST(CollectiveClosedForm, DoubleBinaryTreeIsAPipelineOfChunkSteps) {
  // Each step moves one chunk c = S/(2K) per tree edge; H + K + D - 1 steps of at least alpha + c/B
  // (H = D = 3 for the in-order tree of 8 ranks rooted at position 8). Ordered pairs used by both
  // trees (2->1 and 6->5: up in A, down in B) carry two chunks while reduce and broadcast overlap,
  // which the tuner's model charges to every overlapped step, so it is an upper bound.
  Topology t = mesh(8);
  CollectiveOptions o;
  o.chunk = Bytes(2.0 * units::MiB);  // S/2 = 32 MiB -> K = 16
  const double K = 16, c = S / 2 / K;
  const double H = 3, D = 3;
  const double got = run(t, CollOp::AllReduce, S, "tree", 8, 0, o);
  const double lower = (H + K + D - 1) * (A + c / B);
  const double upper = (H + D) * (A + c / B) + (K - 1) * (A + 2 * c / B);
  EXPECT_GE(got, lower * (1 - 1e-6));
  EXPECT_LE(got, upper * (1 + 1e-6));
  expect_rel(model_time(t, {CollOp::AllReduce, Bytes(S), iota(8), 0, "tree"}, "tree", o).seconds(), upper);
  // large messages: busbw approaches the link bandwidth (a bandwidth-optimal all-reduce)
  const double busbw = S / got * 2 * 7 / 8;
  EXPECT_GT(busbw, 0.6 * B);
}

TEST(CollectiveClosedForm, HierarchicalTwoLevelMatchesPerLevelRings) {
  Topology t(pod_from_file("tests/data/pod_two_tier.yaml"), kDefaults);
  const double a0 = 1e-6, b0 = 100e9;                   // node: full mesh
  const double a1 = 2e-6 + 2e-6 + 0.5e-6, b1 = 25e9;   // rail: NIC up, switch, NIC down
  const double want = 2 * 7 * (a0 + S / 8 / b0) + 2 * 3 * (a1 + S / 32 / b1);
  expect_rel(run(t, CollOp::AllReduce, S, "hierarchical", 32), want);
  // the flat ring crosses the slow level every step
  const double flat = run(t, CollOp::AllReduce, S, "ring", 32);
  expect_rel(flat, 2.0 * 31 * (a1 + S / 32 / b1));
  EXPECT_LT(want * 2.5, flat);
  // all-gather / reduce-scatter halves
  expect_rel(run(t, CollOp::ReduceScatter, S, "hierarchical", 32), 7 * (a0 + S / 8 / b0) + 3 * (a1 + S / 32 / b1));
  expect_rel(run(t, CollOp::AllGather, S, "hierarchical", 32), 3 * (a1 + S / 32 / b1) + 7 * (a0 + S / 8 / b0));
}

TEST(CollectiveClosedForm, ModelEqualsSimulationWhenUncongested) {
  Topology t(pod_from_file("tests/data/pod_two_tier.yaml"), kDefaults);
  for (const char* algo : {"ring", "hierarchical", "halving_doubling", "multi_ring"}) {
    CollectiveRequest r{CollOp::AllReduce, Bytes(S), iota(32), 0, algo};
    CollectiveResult res = run_isolated(t, r);
    expect_rel(res.time.seconds(), res.model.seconds(), 1e-6);
  }
  // and on a DGX-like pod (NVSwitch + 8 rails), where the rails are the bottleneck
  Topology dgx(pod_from_text(kDgxLike), kDefaults);
  for (const char* algo : {"ring", "hierarchical", "halving_doubling", "multi_ring"})
    for (CollOp op : {CollOp::AllReduce, CollOp::AllGather, CollOp::ReduceScatter}) {
      CollectiveResult res = run_isolated(dgx, {op, Bytes(S), iota(32), 0, algo});
      expect_rel(res.time.seconds(), res.model.seconds(), 1e-6);
    }
}

TEST(CollectiveClosedForm, MultiRingCrossesNodesOnEveryRail) {
  // 4 nodes x 8 on pod_two_tier: C = 8 channels, piece p = S/(32 x 8). Per step every rank sends
  // 7p to its successor in the node (full-mesh link, 100 GB/s, 1 us) and p across the boundary on
  // its own rail (25 GB/s; NIC up 2 us + switch 0.5 us + NIC down 2 us); each link carries one
  // flow, so a step takes max(1 us + 7p/100, 4.5 us + p/25) and the flat single ring's rail
  // crossing of S/32 is gone.
  Topology t(pod_from_file("tests/data/pod_two_tier.yaml"), kDefaults);
  const double p = S / 32 / 8;
  const double step = std::max(1e-6 + 7 * p / 100e9, 4.5e-6 + p / 25e9);
  expect_rel(run(t, CollOp::AllReduce, S, "multi_ring", 32), 2 * 31 * step);
  expect_rel(run(t, CollOp::AllGather, S, "multi_ring", 32), 31 * step);
  expect_rel(run(t, CollOp::ReduceScatter, S, "multi_ring", 32), 31 * step);
  EXPECT_LT(run(t, CollOp::AllReduce, S, "multi_ring", 32) * 4, run(t, CollOp::AllReduce, S, "ring", 32));

  // DGX-like: every rail carries the same bytes (a node's traffic uses all 8 NICs), and the rail is
  // the bottleneck: T = 2(n-1)(alpha_rail + S/(8 n B_rail)), busbw -> 8 B_rail.
  Topology dgx(pod_from_text(kDgxLike), kDefaults);
  LocalScheduler sched;
  Network net(dgx, sched);
  CollectiveService svc(net);
  double done = -1;
  svc.start({CollOp::AllReduce, Bytes(S), iota(32), 0, "multi_ring"}, [&] { done = net.now().seconds(); });
  sched.run();
  const double rail = 25e9 * 0.96, alpha_rail = 1e-6 + 0.6e-6 + 1e-6;
  expect_rel(done, 2 * 31 * (alpha_rail + S / (8 * 32) / rail));
  double first = -1;
  int rails = 0;
  for (size_t i = 0; i < dgx.links().size(); ++i) {
    const TopoLink& l = dgx.links()[i];
    if (l.level != 1 || l.from >= dgx.chips()) continue;  // chip -> rail switch (NIC up)
    ++rails;
    if (first < 0) first = net.link_bytes()[i];
    EXPECT_NEAR(net.link_bytes()[i], first, 1e-9 * first) << "NIC of chip " << l.from;
  }
  EXPECT_EQ(rails, 32);
  EXPECT_NEAR(first, 2 * 31 * S / (8 * 32), 1e-9 * first);
}

TEST(CollectiveSelection, MultiRingOnlyForMultiLevelGrids) {
  Topology t(pod_from_file("tests/data/pod_two_tier.yaml"), kDefaults);
  auto offered = [&](std::vector<int> g) {
    auto v = supported_algorithms(t, {CollOp::AllReduce, Bytes(S), g, 0, "auto"});
    return std::find(v.begin(), v.end(), "multi_ring") != v.end();
  };
  EXPECT_TRUE(offered(iota(32)));
  EXPECT_TRUE(offered({0, 1, 8, 9}));           // 2 x 2 grid: 2 channels
  EXPECT_FALSE(offered(iota(8)));               // one node: a single ring is the same
  EXPECT_FALSE(offered({0, 8, 16, 24}));        // one rail
  EXPECT_FALSE(offered({0, 1, 8}));             // not a grid
  expect_rel(run_isolated(t, {CollOp::AllReduce, Bytes(S), {0, 1, 8, 9}, 0, "multi_ring"}).time.seconds(),
             model_time(t, {CollOp::AllReduce, Bytes(S), {0, 1, 8, 9}, 0, "multi_ring"}, "multi_ring").seconds());
}

TEST(CollectiveSelection, AutoPicksByModel) {
  Topology t(pod_from_file("tests/data/pod_two_tier.yaml"), kDefaults);
  CollectiveRequest big{CollOp::AllReduce, Bytes(1.0 * units::GiB), iota(32), 0, "auto"};
  CollectiveResult rb = run_isolated(t, big);
  EXPECT_NE(rb.algorithm, "ring");
  for (const auto& a : supported_algorithms(t, big))
    EXPECT_LE(rb.model.seconds(), model_time(t, big, a).seconds() * (1 + 1e-9)) << a;
  CollectiveRequest tiny{CollOp::AllReduce, Bytes(1024), iota(32), 0, "auto"};
  std::string small_algo = run_isolated(t, tiny).algorithm;
  EXPECT_TRUE(small_algo == "recursive_doubling" || small_algo == "direct" || small_algo == "tree") << small_algo;
  CollectiveRequest a2a{CollOp::AllToAll, Bytes(S), iota(32), 0, "auto"};
  EXPECT_EQ(run_isolated(t, a2a).algorithm, "direct");
}

TEST(CollectiveService, ConcurrentCollectivesShareLinksMaxMin) {
  Topology t = mesh(2);
  LocalScheduler s;
  Network net(t, s);
  CollectiveService svc(net);
  double d1 = -1, d2 = -1;
  svc.start({CollOp::SendRecv, Bytes(S), {0, 1}, 0, "direct"}, [&] { d1 = net.now().seconds(); });
  svc.start({CollOp::SendRecv, Bytes(S), {0, 1}, 0, "direct"}, [&] { d2 = net.now().seconds(); });
  s.run();
  expect_rel(d1, A + 2 * S / B);
  expect_rel(d2, A + 2 * S / B);
}

TEST(CollectiveService, RunsOnTheKernelWithConcurrentGroups) {
  // Two ring all-reduces on disjoint halves of an 8-chip ring pod: the rings do not share links
  // with each other (each half's ring order wraps through its own chips) only if the halves are
  // contiguous; here they interleave, so each takes longer than alone.
  Topology t(pod_from_text("pod: {chips: 8, topology: {kind: ring}}"), kDefaults);
  Network net(t);
  CollectiveService svc(net);
  double even = -1, odd = -1;
  svc.start({CollOp::AllReduce, Bytes(S), {0, 2, 4, 6}, 0, "ring"}, [&] { even = Kernel::instance().now().seconds(); });
  svc.start({CollOp::AllReduce, Bytes(S), {1, 3, 5, 7}, 0, "ring"}, [&] { odd = Kernel::instance().now().seconds(); });
  Kernel::instance().run();
  // alone: each ring step is 2 hops, the 4 flows of a ring use 8 distinct links:
  const double alone = 2.0 * 3 * (2 * A + S / 4 / B);
  // together: every link carries one flow of each ring -> half the bandwidth each
  const double shared = 2.0 * 3 * (2 * A + S / 4 / (B / 2));
  expect_rel(even, shared);
  expect_rel(odd, shared);
  EXPECT_GT(even, alone * 1.5);
}

TEST(CollectiveBusBw, NcclTestsFactors) {
  EXPECT_DOUBLE_EQ(busbw_factor(CollOp::AllReduce, 8), 2.0 * 7 / 8);
  EXPECT_DOUBLE_EQ(busbw_factor(CollOp::AllGather, 8), 7.0 / 8);
  EXPECT_DOUBLE_EQ(busbw_factor(CollOp::ReduceScatter, 4), 3.0 / 4);
  EXPECT_DOUBLE_EQ(busbw_factor(CollOp::AllToAll, 4), 3.0 / 4);
  EXPECT_DOUBLE_EQ(busbw_factor(CollOp::Broadcast, 4), 1.0);
  EXPECT_EQ(parse_coll_op("all_reduce"), CollOp::AllReduce);
  EXPECT_EQ(parse_coll_op("All-Gather"), CollOp::AllGather);
  EXPECT_THROW(parse_coll_op("allreduse"), UserError);
}

TEST(CollectiveErrors, BadRequestsAreUserErrors) {
  Topology t = mesh(8);
  EXPECT_THROW(run_isolated(t, {CollOp::AllReduce, Bytes(S), {0, 1, 9}, 0, "ring"}), UserError);
  EXPECT_THROW(run_isolated(t, {CollOp::AllReduce, Bytes(S), {0, 1, 1}, 0, "ring"}), UserError);
  EXPECT_THROW(run_isolated(t, {CollOp::Broadcast, Bytes(S), {0, 1}, 2, "ring"}), UserError);
  EXPECT_THROW(run_isolated(t, {CollOp::AllReduce, Bytes(S), iota(6), 0, "halving_doubling"}), UserError);
  EXPECT_THROW(run_isolated(t, {CollOp::AllReduce, Bytes(S), iota(8), 0, "rign"}), UserError);
  EXPECT_THROW(run_isolated(t, {CollOp::SendRecv, Bytes(S), iota(3), 0, "direct"}), UserError);
}

}  // namespace
}  // namespace xpu
