// Calibration against SCALE-Sim v2 (commit 22f88b1) CALC mode, stall-free, from
// published GEMM measurements: total cycles must match exactly, utilisation to the printed 0.01 %.
// SCALE-Sim lowers conv layers with ofmap = ceil((H - Fh + s)/s) (scalesim/topology_utils.py), which
// is one more than floor((H-Fh)/s)+1 for ResNet-18 Conv1 (stride 2): 110 x 110, not 109 x 109.
#include <gtest/gtest.h>

#include "sim/chip/systolic.h"
#include "sim/core/config.h"
#include "tests/support/paths.h"

using namespace xpu;
using namespace xpu::chip;

namespace {
double util_pct(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t rows, std::int64_t cols,
                std::int64_t cycles) {
  return 100.0 * double(m) * double(n) * double(k) / (double(cycles) * double(rows * cols));
}
}  // namespace

TEST(ChipScaleSim, Gpt2QkT_32x32_WS) {
  ArrayCycles a = array_cycles(32, 32, Dataflow::WS, 1024, 1024, 64, false);
  EXPECT_EQ(a.total, 71551);
  EXPECT_NEAR(util_pct(1024, 1024, 64, 32, 32, a.total), 91.59, 0.005);
}

TEST(ChipScaleSim, ResNet18Conv1_32x32_WS) {
  ConvShape c{224, 224, 3, 7, 7, 64, 2, 2, 1};
  GemmDims g = lower_conv(c, ConvRounding::ScaleSim);
  ArrayCycles a = array_cycles(32, 32, Dataflow::WS, g.m, g.n, g.k, false);
  EXPECT_EQ(a.total, 121939);
  EXPECT_NEAR(util_pct(g.m, g.n, g.k, 32, 32, a.total), 91.17, 0.005);
}

TEST(ChipScaleSim, ResNet18Conv2_1a_32x32_WS) {
  ConvShape c{56, 56, 64, 3, 3, 64, 1, 1, 1};
  GemmDims g = lower_conv(c, ConvRounding::ScaleSim);
  ArrayCycles a = array_cycles(32, 32, Dataflow::WS, g.m, g.n, g.k, false);
  EXPECT_EQ(a.total, 108359);
  EXPECT_NEAR(util_pct(g.m, g.n, g.k, 32, 32, a.total), 96.88, 0.005);
}

TEST(ChipScaleSim, Gpt2QkT_128x128_OS) {
  ArrayCycles a = array_cycles(128, 128, Dataflow::OS, 1024, 1024, 64, false);
  EXPECT_EQ(a.total, 20351);
  EXPECT_NEAR(util_pct(1024, 1024, 64, 128, 128, a.total), 20.13, 0.005);
}

// The same case through a chip config (matrix unit read from YAML, fold_overlap: false).
TEST(ChipScaleSim, MatrixUnitFromArchConfig) {
  const cfg::Node root = cfg::load_file(test::src("tests/data/chip_scalesim_32x32.yaml"));
  ChipSpec chip = cfg::read<ChipSpec>(*root.find("chip"), "chip");
  EXPECT_EQ(matrix_cycles(chip.matrix, DType::INT8, 1024, 1024, 64).total, 71551);
  // The realistic default (fold overlap) on the same layer: 64 folds of max(T=1024, R=32) + one fill/drain.
  chip.matrix.fold_overlap = true;
  EXPECT_EQ(matrix_cycles(chip.matrix, DType::INT8, 1024, 1024, 64).total, 63 * 1024 + 1118 - 1);
}
