// Validation: end-to-end training throughput against published weak-scaling tables
// (published training MFU figures), through the whole stack: transformer generator -> cluster
// engine with the compute-array model (calibrated HBM behind it) and the flow-level network.
//
// Megatron-LM on A100 (Narayanan et al. 2021, Table 1): TFLOP/s per GPU counted with the paper's
// eq. 3 (recompute included), which is what the generator puts in step.hardware_flops when
// recompute is full, so ours = HFU x peak is like for like. Megatron-Core on H100 (NVIDIA README):
// model FLOPs (no recompute in our runs), ours = MFU x peak.
//
// Calibrated parameters (shared by every row, none per test): the chips' sustained tensor clocks
// (fitted on MAMF GEMMs, tests/golden/test_validation_compute.cpp) and the link efficiencies
// NVLink 0.82 / RDMA 0.96 (fitted on nccl-tests busbw, tests/golden/test_collective_calibration.cpp).
//
// Tolerances and the known misses (docs/validation.md has the analysis):
//  * A100 rows: the scenarios model Megatron-LM 2021's dropout (p = 0.1) and its gradient
//    all-reduce after the backward (overlap_grad_reduce: false); xpusim is then 8-26 % above the
//    published figures (it was 24-32 % above without them, band [0, +40 %]). It still omits real
//    costs (separate LayerNorm/bias kernels, GEMM efficiency below the best-shape MAMF figure,
//    GPU-to-GPU clock spread), so its prediction is an upper bound: each row must lie in
//    [published, published x 1.30]. Weak-scaling shape: ours/published spreads 13 points over the
//    rows (the dropout costs most where a s / (t h^2) is largest, the 1.7B row; the PP rows keep the
//    largest gap): a known miss with its own bound of 15 points (it was 10 before dropout).
//  * H100 rows: Megatron-Core's TP communication overlap is modelled (tp_comm_overlap); the
//    remaining spread is optimistic per-kernel compute at TP 1-2 and the exposed ZeRO-1 parameter
//    all-gather at TP 8: tolerance 35 %, the TP-1 row a known miss with its own band.
// Rows not run here (test time > 2 s): A100 145.6B on 1536 GPUs (see docs/validation.md for its
// manual-run figure); the larger rows of both tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "sim/cluster/simulate.h"
#include "sim/report/report.h"
#include "sim/workload/reader.h"
#include "tests/support/paths.h"

using namespace xpu;

namespace {

struct Row {
  const char* scenario;  // tests/data/validation/<scenario>.yaml
  int gpus;
  double published_tflops;
};

// TFLOP/s per GPU: hardware FLOPs (eq. 3) for Megatron-LM, model FLOPs for Megatron-Core.
double simulate_tflops(const std::string& pod, const Row& row, bool hardware_flops) {
  const ArchSpec arch = load_arch(test::src("tests/data/validation/" + pod + "_" + std::to_string(row.gpus) + ".yaml"));
  const wl::Workload w = wl::load_workload(test::src(std::string("tests/data/validation/") + row.scenario + ".yaml"));
  cluster::SimulateOptions so;
  so.engine.record_ops = false;
  const cluster::SimResult r = cluster::simulate(arch, w, so);
  const report::Summary s = report::summarize(w, arch, r);
  const double frac = hardware_flops ? s.hfu : s.mfu;
  EXPECT_GT(frac, 0.0) << "the generator must fill the step FLOPs";
  std::printf("[validation] %-22s %5d GPUs  step %8.3f s  exposed comm %6.3f s  idle %6.3f s\n", row.scenario, row.gpus,
              s.step_time.seconds(), s.exposed_comm.seconds(), s.idle.seconds());
  return frac * s.peak_per_chip.flops_per_second() / 1e12;
}

double report_row(const Row& row, double ours, double tol_lo, double tol_hi) {
  const double err = ours / row.published_tflops - 1.0;
  std::printf("[validation] %-22s ours %6.1f TFLOP/s/GPU  published %6.1f  error %+6.1f %%  tolerance [%+.0f %%, %+.0f %%]\n",
              row.scenario, ours, row.published_tflops, 100 * err, 100 * tol_lo, 100 * tol_hi);
  EXPECT_GE(err, tol_lo) << row.scenario;
  EXPECT_LE(err, tol_hi) << row.scenario;
  return ours / row.published_tflops;
}

// Megatron-LM, A100, Table 1.
const Row kA100[] = {
    {"a100-gpt-1.7b", 32, 137},   {"a100-gpt-3.6b", 64, 138},   {"a100-gpt-7.5b", 128, 142},
    {"a100-gpt-18.4b", 256, 135}, {"a100-gpt-39.1b", 512, 138}, {"a100-gpt-76.1b", 1024, 140},
};
// Band [0, +35 %]: the rows sit at +11 ... +30 % since the HBM model reaches its refresh bound
// (docs/validation.md); xpusim is optimistic here, never pessimistic.
double a100(int i) { return report_row(kA100[i], simulate_tflops("pod_dgx_a100", kA100[i], true), 0.0, 0.35); }

// Megatron-Core, H100, README weak scaling.
const Row kH100[] = {
    {"h100-gpt-1.7b", 48, 408.8}, {"h100-gpt-7.1b", 96, 465.9}, {"h100-gpt-16b", 192, 489.1}, {"h100-gpt-32b", 384, 459.6},
};
double h100(int i) { return report_row(kH100[i], simulate_tflops("pod_dgx_h100", kH100[i], false), -0.35, 0.35); }

}  // namespace

TEST(ValidationMegatronA100, Gpt1_7B_Tp1_32Gpus) { a100(0); }
TEST(ValidationMegatronA100, Gpt3_6B_Tp2_64Gpus) { a100(1); }
TEST(ValidationMegatronA100, Gpt7_5B_Tp4_128Gpus) { a100(2); }
TEST(ValidationMegatronA100, Gpt18_4B_Tp8_256Gpus) { a100(3); }
TEST(ValidationMegatronA100, Gpt39_1B_Tp8Pp2_512Gpus) { a100(4); }
TEST(ValidationMegatronA100, Gpt76_1B_Tp8Pp4_1024Gpus) { a100(5); }

// The weak-scaling shape: published throughput is flat (135-142 TFLOP/s) from 32 to 512 GPUs; so
// must ours be, relative to it. Rows up to 512 GPUs keep the test under 2 s. Known miss
// (docs/validation.md): with dropout modelled the ratio runs 1.08 (1.7B) .. 1.21 (39.1B); bound 15
// points (10 before dropout, when the missing dropout cost hid the trend).
TEST(ValidationMegatronA100, WeakScalingShapeHolds) {
  double lo = 1e9, hi = 0;
  for (int i = 0; i < 5; ++i) {
    const double ratio = simulate_tflops("pod_dgx_a100", kA100[i], true) / kA100[i].published_tflops;
    lo = std::min(lo, ratio);
    hi = std::max(hi, ratio);
  }
  std::printf("[validation] ours/published over 32-512 GPUs: %.3f .. %.3f (spread %.1f points, tolerance 15)\n", lo, hi,
              100 * (hi - lo));
  EXPECT_LE(hi - lo, 0.15);
}

// Known miss (docs/validation.md): the TP-1 row is pure compute, where xpusim has no framework
// overheads and runs GEMMs near best-shape efficiency, so it is optimistic. Its own band keeps the
// test failing if the model drifts further (or if a fix lands and the doc must be updated).
TEST(ValidationMegatronCoreH100, Gpt1_7B_Tp1_48Gpus) {
  report_row(kH100[0], simulate_tflops("pod_dgx_h100", kH100[0], false), 0.35, 0.80);
}
// Known miss, same cause as the 1.7B row (docs/validation.md): little communication left to hide
// the optimistic per-kernel compute.
TEST(ValidationMegatronCoreH100, Gpt7_1B_Tp2_96Gpus) {
  report_row(kH100[1], simulate_tflops("pod_dgx_h100", kH100[1], false), 0.35, 0.80);
}
TEST(ValidationMegatronCoreH100, Gpt16B_Tp4_192Gpus) { h100(2); }
TEST(ValidationMegatronCoreH100, Gpt32B_Tp8_384Gpus) { h100(3); }
