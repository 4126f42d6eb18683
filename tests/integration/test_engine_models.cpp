// Model switches that must not change results: the collectives' isolated fast path is exact, so a
// whole training step gives the same timeline with it on and off.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sim/cluster/simulate.h"
#include "sim/workload/reader.h"
#include "tests/support/paths.h"

using namespace xpu;
namespace fs = std::filesystem;

TEST(EngineModels, CollectiveFastPathIsExactOnATrainingStep) {
  ArchSpec on = load_arch(test::src("arch-configs/pods/ascend-910b-8node.yaml"));
  ArchSpec off = on;
  off.models.collective_fast_path = false;
  ASSERT_TRUE(on.models.collective_fast_path);
  wl::Workload w = wl::load_workload(test::src("workloads/scenarios/student-gpt-125m-dp4.yaml"));
  cluster::SimulateOptions so;
  so.engine.record_ops = true;
  auto a = cluster::simulate(on, w, so);
  auto b = cluster::simulate(off, w, so);
  EXPECT_EQ(a.makespan.seconds(), b.makespan.seconds());
  ASSERT_EQ(a.ops.size(), b.ops.size());
  for (size_t i = 0; i < a.ops.size(); ++i) {
    EXPECT_EQ(a.ops[i].start_ps, b.ops[i].start_ps) << i;
    EXPECT_EQ(a.ops[i].end_ps, b.ops[i].end_ps) << i;
  }
  ASSERT_EQ(a.links.size(), b.links.size());
  for (size_t i = 0; i < a.links.size(); ++i) EXPECT_DOUBLE_EQ(a.links[i].bytes.value(), b.links[i].bytes.value());
}

TEST(EngineModels, SingleCommStreamSerialisesCommunicators) {
  // With one communication stream a rank's DP and TP collectives queue behind each other, so the
  // step can only get longer than with one stream per communicator.
  ArchSpec per = load_arch(test::src("arch-configs/pods/ascend-910b-8node.yaml"));
  ArchSpec single = per;
  single.models.comm_streams = "single";
  wl::Workload w = wl::load_workload(test::src("workloads/scenarios/student-gpt-125m-dp4.yaml"));
  cluster::SimulateOptions so;
  so.engine.record_ops = false;
  auto a = cluster::simulate(per, w, so);
  auto b = cluster::simulate(single, w, so);
  EXPECT_LE(a.makespan.seconds(), b.makespan.seconds());
}
