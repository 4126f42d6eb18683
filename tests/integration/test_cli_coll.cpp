// `xpusim coll`: prints time, algbw, busbw and the algorithm; bad ranks, ops and sizes exit 2.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/support/paths.h"
#include "tests/support/run.h"

using namespace xpu::test;

namespace {
const std::string kPod = src("tests/data/pod_two_tier.yaml");

double field(const std::string& out, const std::string& key) {
  auto p = out.find(key);
  if (p == std::string::npos) return -1;
  return std::atof(out.c_str() + p + key.size());
}
}  // namespace

TEST(CliColl, AllReducePrintsTimeAlgbwBusbwAndAlgorithm) {
  RunResult r = run(binary() + " coll --arch " + kPod + " --op allreduce --bytes 1GiB --ranks 32 --algo ring");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("algorithm  ring"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("time "), std::string::npos);
  const double algbw = field(r.out, "algbw"), busbw = field(r.out, "busbw");
  ASSERT_GT(algbw, 0) << r.out;
  EXPECT_NEAR(busbw / algbw, 2.0 * 31 / 32, 0.01);  // nccl-tests all-reduce factor
  // flat ring across 25 GB/s NICs: busbw just under the NIC bandwidth
  EXPECT_NEAR(busbw, 25.0, 1.0);
}

TEST(CliColl, AutoNamesItsChoiceAndAllComparesAlgorithms) {
  RunResult r = run(binary() + " coll --arch " + kPod + " --bytes 64MiB --all");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* a : {"ring", "tree", "hierarchical", "halving_doubling"})
    EXPECT_NE(r.out.find(std::string("algorithm  ") + a), std::string::npos) << a << "\n" << r.out;
  EXPECT_NE(r.out.find("(auto's choice)"), std::string::npos);
  // Direct all-reduce is offered only within one scale-up node (at most 16 ranks).
  EXPECT_EQ(r.out.find("algorithm  direct"), std::string::npos) << r.out;
  RunResult node = run(binary() + " coll --arch " + src("arch-configs/pods/ascend-910b-8node.yaml") + " --bytes 64MiB --all");
  ASSERT_EQ(node.code, 0) << node.err;
  EXPECT_NE(node.out.find("algorithm  direct"), std::string::npos) << node.out;
}

TEST(CliColl, RanksNotMatchingThePodAreRejected) {
  RunResult r = run(binary() + " coll --arch " + kPod + " --ranks 256");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--ranks 256"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("32 chips"), std::string::npos) << r.err;
  EXPECT_EQ(run(binary() + " coll --arch " + kPod + " --op allreduse").code, 2);
  EXPECT_EQ(run(binary() + " coll --arch " + kPod + " --bytes lots").code, 2);
  EXPECT_EQ(run(binary() + " coll --arch " + kPod + " --algo halving_doubling --ranks 24").code, 2);
}

TEST(CliColl, InvalidTopologyIsReportedWithFileAndLine) {
  RunResult r = run(binary() + " coll --arch " + src("tests/data/pod_disconnected.yaml"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("pod_disconnected.yaml:14:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("disconnected"), std::string::npos) << r.err;
  RunResult z = run(binary() + " coll --arch " + src("tests/data/pod_zero_bw.yaml"));
  EXPECT_EQ(z.code, 2);
  EXPECT_NE(z.err.find("pod_zero_bw.yaml:13:"), std::string::npos) << z.err;
}

// One network-building path (cluster::link_defaults / collective_options): `coll` and `run` build the
// same network and collective library from the same pod, so a 1 GiB all-reduce on 8 ranks takes the
// same time in both (coll prints 5 significant digits, hence the relative 1e-4).
TEST(CliColl, CollAndRunCostTheSameAllReduce) {
  const std::string pod = src("tests/data/validation/pod_dgx_h100.yaml");
  RunResult c = run(binary() + " coll --arch " + pod + " --op allreduce --bytes 1GiB");
  RunResult r = run(binary() + " run --json --arch " + pod + " --workload " + src("tests/data/one_allreduce_1gib.yaml"));
  ASSERT_EQ(c.code, 0) << c.err;
  ASSERT_EQ(r.code, 0) << r.err;
  const double coll_ms = field(c.out, "time       ");
  const double run_ms = field(r.out, "\"step_time_s\": ") * 1e3;
  ASSERT_GT(coll_ms, 0) << c.out;
  EXPECT_NEAR(coll_ms / run_ms, 1.0, 1e-4) << c.out << "\n" << r.out.substr(0, 400);
}

TEST(CliColl, NvlsFixtureRunsTheInSwitchAlgorithm) {
  // A switch level with reduction_efficiency (in-network reduction, NVLS): auto picks in_switch and
  // its busbw exceeds the link's bandwidth x efficiency (450 x 0.82 = 369 GB/s): closed form
  // S / (L + alpha + lambda + S (1 + 1/n) / (450 GB/s x 0.712) x (1 + 2/64)) x 2(n-1)/n = 479.8 GB/s at
  // 1 GiB (L = 2.4 us, alpha = 1.1 us, lambda = 25 us, 64 pipeline iterations: docs/models/network.md §3).
  const std::string pod = src("tests/data/validation/pod_dgx_h100_nvls.yaml");
  RunResult r = run(binary() + " coll --arch " + pod + " --op allreduce --bytes 1GiB");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("algorithm  in_switch"), std::string::npos) << r.out;
  const double S = 1073741824.0, T = 2.4e-6 + 1.1e-6 + 25e-6 + S * 9 / 8 / (450e9 * 0.712) * (1 + 2.0 / 64);
  EXPECT_NEAR(field(r.out, "busbw"), S / T * 14 / 8 / 1e9, 0.5) << r.out;
  // --all lists it next to the point-to-point algorithms; the same node without the key does not.
  RunResult all = run(binary() + " coll --arch " + pod + " --bytes 64MiB --all");
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_NE(all.out.find("algorithm  in_switch"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("algorithm  ring"), std::string::npos) << all.out;
  RunResult plain = run(binary() + " coll --arch " + src("tests/data/validation/pod_dgx_h100.yaml") + " --bytes 64MiB --all");
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("in_switch"), std::string::npos) << plain.out;
  // Forcing it where the switch does not reduce is refused, naming the supported algorithms.
  RunResult refused = run(binary() + " coll --arch " + src("tests/data/validation/pod_dgx_h100.yaml") + " --algo in_switch");
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("in_switch"), std::string::npos) << refused.err;
}
