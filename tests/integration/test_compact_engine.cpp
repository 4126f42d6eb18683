// The engine walks a compact program (blocks placed by instances) lazily. Simulating it must give
// exactly what simulating its expansion as one literal block gives: same step time, per-rank
// breakdown, events and per-op timeline.
#include <gtest/gtest.h>

#include "sim/cluster/simulate.h"
#include "sim/workload/reader.h"
#include "tests/support/paths.h"

using namespace xpu;

namespace {
void compare(const std::string& scenario, const std::string& arch_file) {
  ArchSpec arch = load_arch(test::src(arch_file));
  wl::Workload w = wl::load_workload(test::src(scenario));
  wl::Workload flat = w;
  std::size_t instances = 0;
  for (auto& p : flat.programs) {
    instances += p.instances.size();
    p = wl::Program::from_nodes(p.name, p.expand());
  }
  ASSERT_GT(instances, w.programs.size()) << "the generator should have cut blocks";
  cluster::SimulateOptions so;
  so.engine.record_ops = true;
  cluster::SimResult a = cluster::simulate(arch, w, so);
  cluster::SimResult b = cluster::simulate(arch, flat, so);
  EXPECT_EQ(a.makespan.seconds(), b.makespan.seconds());
  EXPECT_EQ(a.events, b.events);
  ASSERT_EQ(a.ranks.size(), b.ranks.size());
  for (size_t r = 0; r < a.ranks.size(); ++r) {
    EXPECT_EQ(a.ranks[r].compute_only.seconds(), b.ranks[r].compute_only.seconds()) << r;
    EXPECT_EQ(a.ranks[r].comm_only.seconds(), b.ranks[r].comm_only.seconds()) << r;
    EXPECT_EQ(a.ranks[r].overlap.seconds(), b.ranks[r].overlap.seconds()) << r;
    EXPECT_EQ(a.ranks[r].flops.value(), b.ranks[r].flops.value()) << r;
  }
  ASSERT_EQ(a.ops.size(), b.ops.size());
  for (size_t i = 0; i < a.ops.size(); ++i) {
    EXPECT_EQ(a.ops[i].node, b.ops[i].node) << i;
    EXPECT_EQ(a.ops[i].start_ps, b.ops[i].start_ps) << i;
    EXPECT_EQ(a.ops[i].end_ps, b.ops[i].end_ps) << i;
    const int p = w.program_of_rank[a.ops[i].rank];
    EXPECT_EQ(a.cost(w, p, a.ops[i].node).time.seconds(), b.cost(flat, p, b.ops[i].node).time.seconds()) << i;
  }
}
}  // namespace

TEST(CompactEngine, PipelineWithDataParallelMatchesItsExpansion) {
  compare("workloads/scenarios/student-gpt-125m-dp4.yaml", "arch-configs/pods/ascend-910b-8node.yaml");
}

TEST(CompactEngine, InterleavedPipelineMatchesItsExpansion) {
  compare("workloads/scenarios/llama3-70b-train-256.yaml", "arch-configs/pods/tianchi256-like.yaml");
}
