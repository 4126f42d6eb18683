// Symmetry reduction: simulating one representative per DP replica class must give the same step
// time and per-rank breakdown as simulating every rank, on a symmetric pod.
#include <gtest/gtest.h>

#include "sim/cluster/simulate.h"
#include "sim/workload/reader.h"
#include "tests/support/paths.h"

using namespace xpu;

namespace {
void compare(const std::string& scenario, const std::string& arch_file) {
  ArchSpec arch = load_arch(test::src(arch_file));
  wl::Workload w = wl::load_workload(test::src(scenario));
  ASSERT_FALSE(w.representative.empty()) << "scenario has no DP replicas to fold";
  cluster::SimulateOptions so;
  so.engine.record_ops = false;
  cluster::SimResult reduced = cluster::simulate(arch, w, so);
  wl::Workload full_w = w;
  full_w.representative.clear();
  cluster::SimResult full = cluster::simulate(arch, full_w, so);
  EXPECT_LT(reduced.simulated_ranks, full.simulated_ranks);
  EXPECT_LT(reduced.events, full.events);
  EXPECT_DOUBLE_EQ(reduced.makespan.seconds(), full.makespan.seconds());
  ASSERT_EQ(reduced.ranks.size(), full.ranks.size());
  for (size_t r = 0; r < full.ranks.size(); ++r) {
    EXPECT_DOUBLE_EQ(reduced.ranks[r].compute_only.seconds(), full.ranks[r].compute_only.seconds()) << r;
    EXPECT_DOUBLE_EQ(reduced.ranks[r].comm_only.seconds(), full.ranks[r].comm_only.seconds()) << r;
    EXPECT_DOUBLE_EQ(reduced.ranks[r].overlap.seconds(), full.ranks[r].overlap.seconds()) << r;
    EXPECT_DOUBLE_EQ(reduced.ranks[r].flops.value(), full.ranks[r].flops.value()) << r;
  }
}
}  // namespace

TEST(Symmetry, ReducedEqualsFullForTpDp) {
  compare("workloads/scenarios/student-gpt-125m-dp4.yaml", "arch-configs/pods/ascend-910b-8node.yaml");
}

TEST(Symmetry, ReducedEqualsFullForTinyScenario) {
  compare("workloads/scenarios/student-gpt-125m-tiny.yaml", "arch-configs/pods/ascend-910b-8node.yaml");
}

TEST(Symmetry, BrokenRepresentativeIsRejected) {
  wl::Workload w = wl::load_workload(test::src("workloads/scenarios/student-gpt-125m-dp4.yaml"));
  ASSERT_GE(w.representative.size(), 4u);
  w.representative[1] = 3;  // 3 is not its own representative
  EXPECT_THROW(wl::validate(w), ConfigError);
}
