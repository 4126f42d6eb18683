// Validation: single-GEMM time and best achievable GEMM throughput on real chips, through the same
// compute model the engine uses for training (make_compute_model: compute-array model with the chip's
// calibrated HBM preset behind its memory port). Figures: published GEMM measurements.
//
// Calibrated parameter (one per chip, in the fixtures): the sustained tensor-core clock, fitted on
// the MAMF best-shape BF16 GEMM of that chip. The MAMF tests of A100 and H100 BF16 therefore check
// the fit (tolerance 1 %); every other row is a prediction with the fitted clock:
//  * LLMCompass A100 8192x12288x12288 (8.62 ms): tolerance 8 %. Measured on the 40 GB part, our
//    fixture is the 80 GB part; compute-bound, so only the clock matters; compute.md quotes a ~5 %
//    spread between GPUs of one node, and MAMF and LLMCompass were measured on different GPUs.
//  * LLMCompass A100 64x12288x12288 (0.190 ms): memory-bound (streams the 302 MB B matrix); 10 %.
//  * H100 FP8 MAMF (1402.6 TFLOP/s): the BF16-fitted clock carried to FP8; 10 %.
// B200 has no fitted clock (no fixture): arch-configs/chips/b200-like.yaml as it is. At the time of
// writing it predicts 65.6 % of peak against the measured 77.6 %, because the preset's estimated
// L2->SM fill rate (64 B/clk for a 4096-MAC/clk SM) makes this shape DMA-bound: a documented miss
// of the preset's estimates, not of the array model; tolerance 25 %.
#include <gtest/gtest.h>

#include <cstdio>

#include "sim/cluster/simulate.h"
#include "tests/support/paths.h"

using namespace xpu;

namespace {

struct Gemm {
  double seconds, tflops;
};

Gemm run_gemm(const std::string& arch_file, std::int64_t m, std::int64_t n, std::int64_t k, DType dt) {
  const ArchSpec arch = load_arch(test::src(arch_file));
  auto model = cluster::make_compute_model(arch);
  wl::Node node;
  node.name = "gemm";
  node.kind = wl::NodeKind::Gemm;
  node.gemm.m = m;
  node.gemm.n = n;
  node.gemm.k = k;
  node.gemm.dtype = dt;
  const cluster::OpCost c = model->cost(node);
  return {c.time.seconds(), node.gemm.flops().flops() / c.time.seconds() / 1e12};
}

void expect_rel(double ours, double published, double tol, const char* what) {
  const double err = ours / published - 1.0;
  std::printf("[validation] %-44s ours %10.4g  published %10.4g  error %+6.1f %%  tolerance %4.1f %%\n", what, ours,
              published, 100 * err, 100 * tol);
  EXPECT_LE(std::abs(err), tol) << what << ": ours " << ours << " vs published " << published;
}

constexpr const char* kA100 = "tests/data/validation/chip_a100_80gb.yaml";
constexpr const char* kH100 = "tests/data/validation/chip_h100_80gb.yaml";

}  // namespace

TEST(ValidationCompute, A100MamfBestShapeBf16IsTheClockFit) {
  expect_rel(run_gemm(kA100, 1024, 10240, 5120, DType::BF16).tflops, 271.2, 0.01, "A100 MAMF 1024x10240x5120 bf16 TFLOP/s");
}

TEST(ValidationCompute, A100LlmCompassLargeGemm) {
  expect_rel(run_gemm(kA100, 8192, 12288, 12288, DType::FP16).seconds * 1e3, 8.62, 0.08,
             "A100 LLMCompass 8192x12288x12288 fp16 ms");
}

// Known miss (docs/validation.md): the measured kernel streams B at about 78 % of the HBM peak; the
// model's DRAM reaches its refresh-bound 90.7 % and the chip model has no kernel-level loss on a
// memory-bound GEMM, so ours must be faster than the measurement, by at most 15 %.
TEST(ValidationCompute, A100LlmCompassSkinnyGemmIsMemoryBound) {
  const double ours = run_gemm(kA100, 64, 12288, 12288, DType::FP16).seconds * 1e3;
  expect_rel(ours, 0.190, 0.15, "A100 LLMCompass 64x12288x12288 fp16 ms");
  EXPECT_LE(ours, 0.190);
}

TEST(ValidationCompute, H100MamfBestShapeBf16IsTheClockFit) {
  expect_rel(run_gemm(kH100, 2048, 2048, 13312, DType::BF16).tflops, 794.5, 0.01, "H100 MAMF 2048x2048x13312 bf16 TFLOP/s");
}

TEST(ValidationCompute, H100MamfFp8WithTheBf16Clock) {
  expect_rel(run_gemm(kH100, 1024, 9216, 14336, DType::FP8).tflops, 1402.6, 0.10, "H100 MAMF 1024x9216x14336 fp8 TFLOP/s");
}

TEST(ValidationCompute, B200MamfFromThePresetUnfitted) {
  const double ours = run_gemm("arch-configs/chips/b200-like.yaml", 1792, 16128, 3072, DType::BF16).tflops;
  expect_rel(ours, 1745.0, 0.25, "B200 MAMF 1792x16128x3072 bf16 TFLOP/s (no fit)");
}
