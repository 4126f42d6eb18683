// Validation: all-reduce bus bandwidth on the validation pods (DGX A100 / DGX H100 fixtures of
// tests/data/validation/) against nccl-tests figures from published nccl-tests and vendor busbw figures.
// The single-node rows and one-GPU-per-node RDMA rows are the network model's own calibration
// (tests/golden/test_collective_calibration.cpp, link efficiencies NVLink 0.82, RDMA 0.96); here the
// same constants are used unchanged on the training pods:
//  * one node: 8x A100 232 GB/s, 8x H100 370 GB/s: tolerance 8 % (as the calibration test);
//  * several nodes (8 NICs per node): DGX A100 192 GB/s, DGX H100 380 GB/s. The best algorithm is
//    the multi-channel ring (multi_ring: one ring per rail, as NCCL runs one channel per NIC), whose
//    node crossings use all 8 NICs: busbw approaches the node's aggregate NIC bandwidth
//    (8 x 25 GB/s x 0.96 = 192, 8 x 50 x 0.96 = 384), less the per-step latency. Ours 189 and 368,
//    -1.5 % and -3.3 %: tolerance 8 %, and ours must stay below the published figure (no in-network
//    reduction, nothing faster than the rails). Before multi_ring the best was hierarchical /
//    halving-doubling at 130 and 215 GB/s (-32 %, -43 %).
#include <gtest/gtest.h>

#include <cstdio>

#include "sim/cluster/arch.h"
#include "sim/collective/collective.h"
#include "sim/core/error.h"
#include "tests/support/paths.h"

using namespace xpu;

namespace {

double best_allreduce_busbw(const std::string& pod_file) {
  const ArchSpec arch = load_arch(test::src(pod_file));
  Topology t(arch.pod, LinkDefaults{arch.chip.links.bandwidth, arch.chip.links.latency});
  std::vector<int> ranks;
  for (int i = 0; i < t.chips(); ++i) ranks.push_back(i);
  double best = 0;
  // The best algorithm the library offers for this group (as NCCL's tuner would pick).
  const CollectiveRequest req{CollOp::AllReduce, Bytes(units::GiB), ranks, 0, "auto"};
  for (const std::string& algo : supported_algorithms(t, req)) {
    CollectiveRequest r = req;
    r.algorithm = algo;
    best = std::max(best, run_isolated(t, r).busbw.gb_per_s());
  }
  return best;
}

void expect_rel(const char* what, double ours, double published, double tol) {
  const double err = ours / published - 1.0;
  std::printf("[validation] %-40s ours %6.1f GB/s  published %6.1f  error %+6.1f %%  tolerance %.0f %%\n", what, ours,
              published, 100 * err, 100 * tol);
  EXPECT_LE(std::abs(err), tol) << what;
}

}  // namespace

TEST(ValidationNetwork, DgxA100NodeAllReduce) {
  expect_rel("8x A100 NVLink3, 1 GiB", best_allreduce_busbw("tests/data/validation/pod_dgx_a100.yaml"), 232, 0.08);
}
TEST(ValidationNetwork, DgxH100NodeAllReduce) {
  expect_rel("8x H100 NVLink4, 1 GiB", best_allreduce_busbw("tests/data/validation/pod_dgx_h100.yaml"), 370, 0.08);
}
TEST(ValidationNetwork, MultiNodeDgxA100AllReduce) {
  const double ours = best_allreduce_busbw("tests/data/validation/pod_dgx_a100_32.yaml");
  expect_rel("4 DGX A100 (32 GPUs), 1 GiB", ours, 192, 0.08);
  EXPECT_LT(ours, 192);
}
TEST(ValidationNetwork, MultiNodeDgxH100AllReduce) {
  const double ours = best_allreduce_busbw("tests/data/validation/pod_dgx_h100_48.yaml");
  expect_rel("6 DGX H100 (48 GPUs), 1 GiB", ours, 380, 0.08);
  EXPECT_LT(ours, 380);
}
