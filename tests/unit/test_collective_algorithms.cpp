// Every algorithm against its alpha-beta closed form on uncongested topologies (a full mesh: one
// link per ordered pair, so no two messages of a step share a link), hierarchical against flat on a
// two-tier pod, concurrency through max-min sharing, busbw factors and request validation.
#include <gtest/gtest.h>

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
  for (const char* algo : {"ring", "hierarchical", "halving_doubling"}) {
    CollectiveRequest r{CollOp::AllReduce, Bytes(S), iota(32), 0, algo};
    CollectiveResult res = run_isolated(t, r);
    expect_rel(res.time.seconds(), res.model.seconds(), 1e-6);
  }
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
