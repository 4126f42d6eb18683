// Validation: all-reduce bus bandwidth on the validation pods (DGX A100 / DGX H100 fixtures of
// tests/data/validation/) against nccl-tests figures from ../shared/validation/network.md.
// The single-node rows and one-GPU-per-node RDMA rows are the network model's own calibration
// (tests/golden/test_collective_calibration.cpp, link efficiencies NVLink 0.82, RDMA 0.96); here the
// same constants are used unchanged on the training pods:
//  * one node: 8x A100 232 GB/s, 8x H100 370 GB/s: tolerance 8 % (as the calibration test);
//  * several nodes (8 NICs per node): DGX A100 192 GB/s, DGX H100 380 GB/s. A documented miss:
//    xpusim's best algorithm (auto picks hierarchical / halving-doubling) reaches 130 and 215 GB/s,
//    -32 % and -43 %. NCCL runs one ring per NIC (8 channels), and each ring's node crossing uses its
//    own NIC, so busbw approaches the node's aggregate NIC bandwidth; xpusim's hierarchical
//    all-reduce runs its intra-node and inter-node phases one after the other and its flat ring uses
//    one NIC. Tolerance 45 %, and ours must stay below the published figure (the missing
//    multi-channel ring is the cause); the fix belongs in sim/collective (docs/validation.md).
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
  // The best algorithm the library offers for this group (as NCCL's tuner would pick); algorithms
  // that do not apply to the group (e.g. hierarchical inside one node) throw and are skipped.
  for (const char* algo : {"ring", "tree", "halving_doubling", "hierarchical", "direct"}) {
    try {
      CollectiveResult r = run_isolated(t, {CollOp::AllReduce, Bytes(units::GiB), ranks, 0, algo});
      best = std::max(best, r.busbw.gb_per_s());
    } catch (const UserError&) {
    }
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
TEST(ValidationNetwork, MultiNodeDgxA100AllReduceIsAKnownMiss) {
  const double ours = best_allreduce_busbw("tests/data/validation/pod_dgx_a100_32.yaml");
  expect_rel("4 DGX A100 (32 GPUs), 1 GiB", ours, 192, 0.45);
  EXPECT_LT(ours, 192);
}
TEST(ValidationNetwork, MultiNodeDgxH100AllReduceIsAKnownMiss) {
  const double ours = best_allreduce_busbw("tests/data/validation/pod_dgx_h100_48.yaml");
  expect_rel("6 DGX H100 (48 GPUs), 1 GiB", ours, 380, 0.45);
  EXPECT_LT(ours, 380);
}
