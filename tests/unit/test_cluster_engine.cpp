// Engine ordering and overlap against hand-computed timelines.
// A fixed-cost compute model makes the arithmetic exact: a GEMM with m = X takes X microseconds.
#include <gtest/gtest.h>

#include "sim/cluster/engine.h"
#include "sim/cluster/analytic_models.h"
#include "sim/workload/reader.h"

using namespace xpu;
using namespace xpu::cluster;

namespace {

class FixedCompute : public ComputeCostModel {
 public:
  std::string name() const override { return "fixed"; }
  OpCost cost(const wl::Node& n) override {
    OpCost c;
    if (n.kind == wl::NodeKind::Gemm) c.time = units::microseconds(static_cast<double>(n.gemm.m));
    if (n.kind == wl::NodeKind::Delay) c.time = n.duration;
    c.flops = n.kind == wl::NodeKind::Gemm ? n.gemm.flops() : Flops(0);
    return c;
  }
};

// Link 1 GB/s, latency 1 us: a 1 MB send takes 1 us + 1000 us.
AlphaBetaRingNetwork comm_model() { return AlphaBetaRingNetwork(units::gbps(1), units::microseconds(1)); }

SimResult run_text(const std::string& yaml, wl::Workload* keep = nullptr) {
  static wl::Workload w;
  w = wl::read_yaml_trace_text(yaml, "test.yaml");
  FixedCompute fc;
  auto cm = comm_model();
  ClusterEngine e(w, fc, cm);
  SimResult r = e.run();
  if (keep) *keep = w;
  return r;
}

double us(Seconds s) { return s.seconds() * 1e6; }

const OpRecord& rec(const SimResult& r, wl::RankId rank, wl::NodeIndex node) {
  for (const auto& o : r.ops)
    if (o.rank == rank && o.node == node) return o;
  throw std::runtime_error("no record");
}

}  // namespace

TEST(Engine, ComputeStreamIsSerialAndRespectsDependencies) {
  // a(10) and b(20) are independent but share the compute stream: a then b (program order);
  // c(5) depends on both.
  auto r = run_text(R"(
workload:
  ranks: 1
  programs:
    - ranks: all
      nodes:
        - {id: a, op: gemm, m: 10, n: 1, k: 1}
        - {id: b, op: gemm, m: 20, n: 1, k: 1}
        - {id: c, op: gemm, m: 5, n: 1, k: 1, deps: [a, b]}
)");
  EXPECT_NEAR(us(r.makespan), 35.0, 1e-6);
  EXPECT_EQ(rec(r, 0, 1).start_ps, 10'000'000);
  EXPECT_EQ(rec(r, 0, 2).start_ps, 30'000'000);
  EXPECT_NEAR(us(r.ranks[0].compute_busy()), 35.0, 1e-6);
  EXPECT_NEAR(us(r.ranks[0].idle), 0.0, 1e-6);
}

TEST(Engine, CommunicationOverlapsComputeAndExposedIsTheRemainder) {
  // 2 ranks. g1 (100 us) -> all-reduce of 2 MB: ring 2(n-1)(a + S/(nB)) = 2*(1 + 1000) = 2002 us.
  // g2 (500 us) runs meanwhile on the compute stream; the step ends when the all-reduce ends.
  auto r = run_text(R"(
workload:
  ranks: 2
  programs:
    - ranks: all
      nodes:
        - {id: g1, op: gemm, m: 100, n: 1, k: 1}
        - {id: ar, op: allreduce, bytes: 2000000, deps: [g1]}
        - {id: g2, op: gemm, m: 500, n: 1, k: 1, deps: [g1]}
)");
  EXPECT_NEAR(us(r.makespan), 100.0 + 2002.0, 1e-6);
  for (int rank = 0; rank < 2; ++rank) {
    const auto& s = r.ranks[rank];
    EXPECT_NEAR(us(s.compute_busy()), 600.0, 1e-6);
    EXPECT_NEAR(us(s.comm_busy()), 2002.0, 1e-6);
    EXPECT_NEAR(us(s.overlap), 500.0, 1e-6);
    EXPECT_NEAR(us(s.comm_only), 1502.0, 1e-6);  // exposed communication
  }
}

TEST(Engine, CollectiveWaitsForTheSlowestMember) {
  // Rank 0 computes 10 us, rank 1 computes 300 us before the same all-reduce.
  auto r = run_text(R"(
workload:
  ranks: 2
  programs:
    - ranks: [0]
      nodes:
        - {id: g, op: gemm, m: 10, n: 1, k: 1}
        - {id: ar, op: allreduce, bytes: 2000, deps: [g]}
    - ranks: [1]
      nodes:
        - {id: g, op: gemm, m: 300, n: 1, k: 1}
        - {id: ar, op: allreduce, bytes: 2000, deps: [g]}
)");
  const double ar = 2 * (1 + 1.0);  // 2(n-1)(a + S/(nB)) with S/(nB) = 1000 B / 1 GB/s = 1 us
  EXPECT_NEAR(us(r.makespan), 300 + ar, 1e-6);
  // Rank 0's comm stream is held from issue (10 us) to completion: it waits 290 us for rank 1.
  EXPECT_EQ(rec(r, 0, 1).start_ps, 10'000'000);
  EXPECT_NEAR(rec(r, 0, 1).end_ps * 1e-6, 300 + ar, 1e-6);
  EXPECT_NEAR(us(r.ranks[0].comm_busy()), 290 + ar, 1e-6);
}

TEST(Engine, SendRecvCarriesTheDependencyAcrossRanks) {
  // Rank 0: g (50 us) then send 1 MB to rank 1 (1 + 1000 us). Rank 1: recv then g2 (7 us).
  auto r = run_text(R"(
workload:
  ranks: 2
  programs:
    - ranks: [0]
      nodes:
        - {id: g, op: gemm, m: 50, n: 1, k: 1}
        - {id: s, op: send, peer: 1, bytes: 1000000, deps: [g]}
    - ranks: [1]
      nodes:
        - {id: r, op: recv, peer: 0, bytes: 1000000}
        - {id: g2, op: gemm, m: 7, n: 1, k: 1, deps: [r]}
)");
  EXPECT_NEAR(us(r.makespan), 50 + 1001 + 7, 1e-6);
  EXPECT_NEAR(rec(r, 1, 1).start_ps * 1e-6, 50 + 1001, 1e-6);
}

TEST(Engine, GroupSetsRunConcurrentCollectivesOnTheirOwnSubsets) {
  // Two TP groups of 2 each all-reduce 2 MB at the same time; with no contention in the
  // alpha-beta ring each takes 2002 us, so the step is 2002 us.
  auto r = run_text(R"(
workload:
  ranks: 4
  groups:
    tp: [[0, 1], [2, 3]]
  programs:
    - ranks: all
      nodes:
        - {id: ar, op: allreduce, bytes: 2000000, group: tp}
)");
  EXPECT_NEAR(us(r.makespan), 2002.0, 1e-6);
}

TEST(Engine, DeadlockIsReportedNotHung) {
  // Rank 1 never issues the all-reduce rank 0 waits for.
  try {
    run_text(R"(
workload:
  ranks: 2
  programs:
    - ranks: [0]
      nodes:
        - {id: ar, op: allreduce, bytes: 1000}
    - ranks: [1]
      nodes:
        - {id: g, op: gemm, m: 1, n: 1, k: 1}
)");
    FAIL() << "expected a deadlock";
  } catch (const SimulationError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("deadlock"), std::string::npos) << m;
    EXPECT_NE(m.find("1 of 2 ranks arrived"), std::string::npos) << m;
    EXPECT_NE(m.find("missing rank(s) 1"), std::string::npos) << m;
  }
}

TEST(Engine, RecvWithoutSendIsADeadlock) {
  try {
    run_text(R"(
workload:
  ranks: 2
  programs:
    - ranks: all
      nodes:
        - {id: r, op: recv, peer_offset: 0, bytes: 10}
)");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("sends to itself"), std::string::npos) << e.what();
  }
  try {
    run_text(R"(
workload:
  ranks: 2
  programs:
    - ranks: [0]
      nodes:
        - {id: r, op: recv, peer: 1, bytes: 10}
    - ranks: [1]
      nodes:
        - {id: g, op: gemm, m: 1, n: 1, k: 1}
)");
    FAIL();
  } catch (const SimulationError& e) {
    EXPECT_NE(std::string(e.what()).find("waits in recv 'r' for a send from rank 1"), std::string::npos) << e.what();
  }
}

TEST(Engine, MismatchedCollectivesAreAnError) {
  EXPECT_THROW(run_text(R"(
workload:
  ranks: 2
  programs:
    - ranks: [0]
      nodes: [{id: a, op: allreduce, bytes: 1000}]
    - ranks: [1]
      nodes: [{id: a, op: allgather, bytes: 1000}]
)"),
               SimulationError);
}

TEST(Engine, SameInputSameTimeline) {
  const char* t = R"(
workload:
  ranks: 4
  programs:
    - ranks: all
      nodes:
        - {id: g1, op: gemm, m: 30, n: 1, k: 1}
        - {id: ar, op: allreduce, bytes: 4000000, deps: [g1]}
        - {id: g2, op: gemm, m: 70, n: 1, k: 1, deps: [g1]}
        - {id: ag, op: allgather, bytes: 4000000, deps: [g2]}
)";
  auto a = run_text(t), b = run_text(t);
  ASSERT_EQ(a.ops.size(), b.ops.size());
  for (size_t i = 0; i < a.ops.size(); ++i) {
    EXPECT_EQ(a.ops[i].start_ps, b.ops[i].start_ps);
    EXPECT_EQ(a.ops[i].end_ps, b.ops[i].end_ps);
  }
}

TEST(Engine, KernelIsReusableAcrossRuns) {
  // Two simulations in one process: the second reports time from its own start.
  const char* t = R"(
workload:
  ranks: 1
  programs:
    - ranks: all
      nodes: [{id: a, op: gemm, m: 42, n: 1, k: 1}]
)";
  auto a = run_text(t);
  auto b = run_text(t);
  EXPECT_NEAR(us(a.makespan), 42.0, 1e-6);
  EXPECT_NEAR(us(b.makespan), 42.0, 1e-6);
  EXPECT_EQ(rec(b, 0, 0).start_ps, 0);
}

TEST(Placeholder, AlphaBetaRingClosedForms) {
  AlphaBetaRingNetwork m(units::gbps(100), units::microseconds(2));
  const Bytes S(1e9);
  const int n = 8;
  const double beta = 1e9 / 8 / 100e9;  // S/(nB) seconds
  EXPECT_NEAR(m.collective_time(wl::CollKind::AllReduce, S, n).seconds(), 2 * 7 * (2e-6 + beta), 1e-12);
  EXPECT_NEAR(m.collective_time(wl::CollKind::AllGather, S, n).seconds(), 7 * (2e-6 + beta), 1e-12);
  EXPECT_NEAR(m.collective_time(wl::CollKind::Broadcast, S, n).seconds(), 7 * 2e-6 + 1e9 / 100e9, 1e-12);
  EXPECT_EQ(m.collective_time(wl::CollKind::AllReduce, S, 1).seconds(), 0.0);
}

TEST(Placeholder, RooflineGemmIsComputeOrMemoryBound) {
  ChipSpec c;
  c.clock = units::ghz(1);
  c.cores = 1;
  c.matrix.rows = c.matrix.cols = 16;
  c.matrix.depth = 16;  // 4096 MAC/cycle -> 8.192 TFLOP/s bf16
  c.hbm.bandwidth = units::gbps(100);
  c.hbm.capacity = Bytes(1e9);
  c.hbm.efficiency = 1.0;
  RooflineComputeModel m(c);
  wl::Node big;
  big.kind = wl::NodeKind::Gemm;
  big.gemm = {4096, 4096, 4096, 1, DType::BF16};
  OpCost cb = m.cost(big);
  EXPECT_EQ(cb.bound, "compute");
  EXPECT_NEAR(cb.time.seconds(), 2.0 * 4096 * 4096 * 4096 / 8.192e12, 1e-12);
  wl::Node gemv = big;
  gemv.gemm.m = 1;  // decode-style GEMV: bytes ~ K*N*2
  OpCost cv = m.cost(gemv);
  EXPECT_EQ(cv.bound, "memory");
  EXPECT_NEAR(cv.time.seconds(), (4096.0 + 4096.0 * 4096 + 4096) * 2 / 100e9, 1e-12);
}

namespace {
// The fixed-cost model above with chip.kernel.comm_slowdown = 0.25.
class ContendedCompute : public FixedCompute {
 public:
  double comm_slowdown() const override { return 0.25; }
};
}  // namespace

// Compute slowed by concurrent communication (chip.kernel.comm_slowdown): an op that starts while a
// collective of its rank runs takes (1 + s) x its cost; one that starts with no collective in flight
// does not. Same timeline as CommunicationOverlapsComputeAndExposedIsTheRemainder with s = 0.25:
// g2 starts at 100 us with the all-reduce in flight: 500 x 1.25 = 625 us (< 2002, still hidden); g3
// starts after the all-reduce (2102 us): 10 us unchanged.
TEST(Engine, ComputeOverlappingACollectiveIsSlowedByCommSlowdown) {
  static wl::Workload w;
  w = wl::read_yaml_trace_text(R"(
workload:
  ranks: 2
  programs:
    - ranks: all
      nodes:
        - {id: g1, op: gemm, m: 100, n: 1, k: 1}
        - {id: ar, op: allreduce, bytes: 2000000, deps: [g1]}
        - {id: g2, op: gemm, m: 500, n: 1, k: 1, deps: [g1]}
        - {id: g3, op: gemm, m: 10, n: 1, k: 1, deps: [ar, g2]}
)",
                               "test.yaml");
  ContendedCompute cc;
  auto cm = comm_model();
  EngineOptions eo;
  eo.record_ops = true;
  ClusterEngine e(w, cc, cm, eo);
  const SimResult r = e.run();
  EXPECT_NEAR((rec(r, 0, 2).end_ps - rec(r, 0, 2).start_ps) * 1e-6, 625.0, 1e-6);
  EXPECT_NEAR((rec(r, 0, 3).end_ps - rec(r, 0, 3).start_ps) * 1e-6, 10.0, 1e-6);
  EXPECT_NEAR(us(r.makespan), 100.0 + 2002.0 + 10.0, 1e-6);
}

namespace {
class SpreadCompute : public FixedCompute {
 public:
  double chip_spread() const override { return 0.3; }
};
}  // namespace

// chip.kernel.chip_spread: an R-rank job runs every compute op (1 + spread/2 (R-1)/(R+1)) slower (the
// slowest of R chips with speeds uniform over the spread, against the median one); one rank: exact.
TEST(Engine, ChipSpreadSlowsSynchronousJobsByTheExpectedSlowestChip) {
  const std::string two = R"(
workload:
  ranks: 2
  programs:
    - ranks: all
      nodes:
        - {id: g, op: gemm, m: 100, n: 1, k: 1}
)";
  const std::string one = R"(
workload:
  ranks: 1
  programs:
    - ranks: all
      nodes:
        - {id: g, op: gemm, m: 100, n: 1, k: 1}
)";
  for (const auto& [text, factor] : {std::pair<std::string, double>{two, 1.0 + 0.15 * 1.0 / 3.0}, {one, 1.0}}) {
    static wl::Workload w;
    w = wl::read_yaml_trace_text(text, "test.yaml");
    SpreadCompute sc;
    auto cm = comm_model();
    ClusterEngine e(w, sc, cm);
    EXPECT_NEAR(us(e.run().makespan), 100.0 * factor, 1e-6);
  }
}
