// The isolated fast path (CollectiveOptions::isolated_fast_path) against the full flow simulation:
// the same traffic (collectives and point-to-point sends at chosen times) is run with the fast path
// on and off, and every completion time must be the same picosecond. Cases: collectives alone,
// collectives on disjoint links at once, a send that hits a reserved collective at many instants
// (start, mid-step, step boundaries, just before the end), a collective starting on the links of a
// reserved one, and a chain in which the flows of one materialised collective hit another.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "sim/collective/collective.h"
#include "sim/core/config.h"
#include "tests/support/paths.h"

namespace xpu {
namespace {

constexpr double S = 16.0 * units::MiB;
const LinkDefaults kDefaults{BytesPerSecond(100e9), Seconds(1e-6)};

PodSpec two_tier() {
  cfg::Node root = cfg::load_file(test::src("tests/data/pod_two_tier.yaml"));
  return cfg::read<PodSpec>(*root.find("pod"), "pod");
}
std::vector<int> range(int a, int b) {
  std::vector<int> v;
  for (int i = a; i < b; ++i) v.push_back(i);
  return v;
}

// An action at a time: a collective or a send; each records its completion time.
struct Action {
  std::int64_t at_ps;
  bool is_send;
  CollectiveRequest req;  // collectives
  int src = 0, dst = 0;   // sends
  double bytes = 0;
};

struct Outcome {
  std::vector<std::int64_t> done;
  NetworkStats stats;
  std::vector<double> link_bytes;
};

Outcome simulate(const Topology& t, const std::vector<Action>& acts, bool fast) {
  LocalScheduler s;
  Network net(t, s);
  CollectiveOptions o;
  o.isolated_fast_path = fast;
  CollectiveService svc(net, o);
  Outcome out;
  out.done.assign(acts.size(), -1);
  for (size_t i = 0; i < acts.size(); ++i) {
    s.after_ps(acts[i].at_ps, [&, i] {
      const Action& a = acts[i];
      auto fin = [&, i] { out.done[i] = s.now_ps(); };
      if (a.is_send) net.send(a.src, a.dst, Bytes(a.bytes), fin);
      else svc.start(a.req, fin);
    });
  }
  s.run();
  out.stats = net.stats();
  out.link_bytes = net.link_bytes();
  return out;
}

void expect_same(const Topology& t, const std::vector<Action>& acts, const std::string& what) {
  const Outcome full = simulate(t, acts, false), quick = simulate(t, acts, true);
  for (size_t i = 0; i < acts.size(); ++i) {
    EXPECT_GT(full.done[i], 0) << what << " action " << i;
    EXPECT_EQ(quick.done[i], full.done[i]) << what << " action " << i;
  }
  EXPECT_EQ(quick.stats.flows, full.stats.flows) << what;
  EXPECT_DOUBLE_EQ(quick.stats.bytes, full.stats.bytes) << what;
  for (size_t l = 0; l < full.link_bytes.size(); ++l)
    EXPECT_NEAR(quick.link_bytes[l], full.link_bytes[l], 1e-9 * (1 + full.link_bytes[l])) << what << " link " << l;
}

Action coll(std::int64_t at, CollOp op, std::vector<int> chips, const std::string& algo, double bytes = S) {
  Action a{at, false, {op, Bytes(bytes), std::move(chips), 0, algo}};
  return a;
}
Action send(std::int64_t at, int src, int dst, double bytes) {
  Action a{at, true, {}};
  a.src = src, a.dst = dst, a.bytes = bytes;
  return a;
}

TEST(CollectiveFastPath, AloneAndOnDisjointLinksMatchTheFullSimulation) {
  Topology t(two_tier(), kDefaults);
  expect_same(t, {coll(0, CollOp::AllReduce, range(0, 8), "direct")}, "direct alone");
  expect_same(t, {coll(5, CollOp::AllReduce, range(0, 32), "multi_ring")}, "multi_ring alone");
  expect_same(t,
              {coll(0, CollOp::AllReduce, range(0, 8), "ring"), coll(0, CollOp::AllReduce, range(8, 16), "direct"),
               coll(3000, CollOp::AllToAll, range(16, 24), "direct"), coll(7, CollOp::AllGather, range(24, 32), "ring")},
              "four nodes at once");
  // back to back on the same links: the second starts after the first ended (links idle again)
  expect_same(t, {coll(0, CollOp::AllReduce, range(0, 8), "direct"), coll(400'000'000, CollOp::AllReduce, range(0, 8), "direct")},
              "back to back");
  // the fast path is taken: one simulation of each distinct collective, reused
  LocalScheduler s;
  Network net(t, s);
  CollectiveService svc(net);
  int done = 0;
  for (int i = 0; i < 3; ++i) svc.start({CollOp::AllReduce, Bytes(S), range(8 * i, 8 * i + 8), 0, "direct"}, [&] { ++done; });
  EXPECT_EQ(net.active_flows(), 0u);  // reservations, not flows
  s.run();
  EXPECT_EQ(done, 3);
}

TEST(CollectiveFastPath, ASendIntoAReservedCollectiveAtAnyInstant) {
  Topology t(two_tier(), kDefaults);
  // ring all-reduce in node 0: 14 steps of 1 us + S/8/100 GB/s = 21.97 us each
  const std::int64_t step = 1'000'000 + static_cast<std::int64_t>(S / 8 / 100e9 * 1e12);
  for (std::int64_t at : {std::int64_t(0), std::int64_t(1), step / 3, step - 1'000'000, step - 1'000'000 + 1, step, step + 1,
                          5 * step + 12345, 13 * step, 14 * step - 2})
    for (int dst : {1, 2}) {  // 0 -> 1 shares the ring's link; 0 -> 2 shares no ring link (full mesh)
      expect_same(t, {coll(0, CollOp::AllReduce, range(0, 8), "ring"), send(at, 0, dst, S / 4)},
                  "send at " + std::to_string(at) + " to " + std::to_string(dst));
    }
  // a send across nodes into a multi-ring all-reduce (rail and mesh links), and into a direct one
  for (std::int64_t at : {std::int64_t(0), std::int64_t(2'000'000), std::int64_t(40'000'000)}) {
    expect_same(t, {coll(0, CollOp::AllReduce, range(0, 32), "multi_ring"), send(at, 3, 11, S)}, "multi_ring + send");
    expect_same(t, {coll(0, CollOp::AllReduce, range(0, 8), "direct"), send(at, 4, 5, S / 2)}, "direct + send");
  }
}

TEST(CollectiveFastPath, OverlappingCollectivesAndChains) {
  Topology t(two_tier(), kDefaults);
  // a second collective on the links of a reserved one: it runs as flows and materialises the first
  expect_same(t, {coll(0, CollOp::AllReduce, range(0, 8), "ring"), coll(30'000'000, CollOp::AllReduce, range(0, 4), "direct")},
              "overlap");
  expect_same(t, {coll(0, CollOp::AllToAll, range(0, 16), "direct"), coll(0, CollOp::AllReduce, range(8, 16), "ring")},
              "overlap at the same instant");
  // chain: A (node 0) and B (node 1) reserved; a multi-ring over both nodes materialises both; a send
  // later hits what is left
  expect_same(t,
              {coll(0, CollOp::AllReduce, range(0, 8), "ring"), coll(0, CollOp::AllReduce, range(8, 16), "ring"),
               coll(50'000'000, CollOp::AllReduce, range(0, 16), "multi_ring"), send(90'000'000, 1, 2, S)},
              "chain");
  // zero-byte and tiny collectives
  expect_same(t, {coll(0, CollOp::AllReduce, range(0, 8), "direct", 0), send(500'000, 0, 1, 1e3)}, "zero bytes");
  expect_same(t, {coll(0, CollOp::Broadcast, range(0, 8), "ring", 1e5), send(1'500'000, 0, 1, 1e3)}, "tiny chain");
}

}  // namespace
}  // namespace xpu
