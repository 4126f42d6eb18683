// Closed-form cycle counts of the systolic matrix unit (SCALE-Sim v2 schedule and fold overlap),
// worked by hand from the per-fold schedule, edge folds included; conv lowering; L0 traffic.
#include <gtest/gtest.h>

#include "sim/chip/systolic.h"
#include "sim/core/error.h"

using namespace xpu;
using namespace xpu::chip;

// 4x4 array, GEMM M=10 N=6 K=5: every dataflow has partial (edge) folds in both spatial dims.
TEST(ChipSystolic, WeightStationaryEdgeFolds) {
  // (Sr,Sc,T) = (K,N,M) = (5,6,10): folds = 2*2 = 4, lines = 2*4+4+10-2 = 20, total = 4*20-1.
  ArrayCycles a = array_cycles(4, 4, Dataflow::WS, 10, 6, 5, false);
  EXPECT_EQ(a.folds, 4);
  EXPECT_EQ(a.lines, 20);
  EXPECT_EQ(a.total, 79);
  // Overlapped folds: (folds-1)*max(T,R) + lines - 1 = 3*10 + 19.
  EXPECT_EQ(array_cycles(4, 4, Dataflow::WS, 10, 6, 5, true).total, 49);
}

TEST(ChipSystolic, OutputStationaryEdgeFolds) {
  // (Sr,Sc,T) = (M,N,K) = (10,6,5): folds = 3*2 = 6, lines = 5+4+4-2 = 11, total = 65.
  ArrayCycles a = array_cycles(4, 4, Dataflow::OS, 10, 6, 5, false);
  EXPECT_EQ(a.folds, 6);
  EXPECT_EQ(a.lines, 11);
  EXPECT_EQ(a.total, 65);
  EXPECT_EQ(array_cycles(4, 4, Dataflow::OS, 10, 6, 5, true).total, 5 * 5 + 11 - 1);
}

TEST(ChipSystolic, InputStationaryEdgeFolds) {
  // (Sr,Sc,T) = (K,M,N) = (5,10,6): folds = 2*3 = 6, lines = 8+4+6-2 = 16, total = 95.
  ArrayCycles a = array_cycles(4, 4, Dataflow::IS, 10, 6, 5, false);
  EXPECT_EQ(a.folds, 6);
  EXPECT_EQ(a.lines, 16);
  EXPECT_EQ(a.total, 95);
  EXPECT_EQ(array_cycles(4, 4, Dataflow::IS, 10, 6, 5, true).total, 5 * 6 + 16 - 1);
}

TEST(ChipSystolic, OverlapHidesPreloadOnlyWhenStreamIsLongerThanArray) {
  // T = 2 < R = 8: the next fold's 8-cycle preload cannot hide under a 2-cycle stream.
  ArrayCycles a = array_cycles(8, 8, Dataflow::WS, 2, 16, 16, true);
  EXPECT_EQ(a.period, 8);
  EXPECT_EQ(a.folds, 4);
  EXPECT_EQ(a.total, 3 * 8 + (2 * 8 + 8 + 2 - 2) - 1);
  // A single fold is the same in both modes.
  EXPECT_EQ(array_cycles(8, 8, Dataflow::OS, 8, 8, 100, true).total,
            array_cycles(8, 8, Dataflow::OS, 8, 8, 100, false).total);
}

TEST(ChipSystolic, OverlapNeverSlowerAndApproachesOneMacPerPe) {
  for (Dataflow df : {Dataflow::WS, Dataflow::OS, Dataflow::IS}) {
    ArrayCycles with = array_cycles(32, 32, df, 4096, 4096, 4096, true);
    ArrayCycles without = array_cycles(32, 32, df, 4096, 4096, 4096, false);
    EXPECT_LT(with.total, without.total) << dataflow_name(df);
    const double ideal = 4096.0 * 4096.0 * 4096.0 / (32.0 * 32.0);
    EXPECT_NEAR(double(with.total) / ideal, 1.0, 0.001) << dataflow_name(df);
  }
}

TEST(ChipSystolic, CubeDepthAndDtypeRateShortenK) {
  MatrixUnitSpec mu;
  mu.rows = 16;
  mu.cols = 16;
  mu.depth = 16;  // Ascend-style 16x16x16 cube
  mu.dataflow = "os";
  mu.fold_overlap = false;
  // K = 256 -> K' = 16 per PE at depth 16: lines = 16+16+16-2 = 46, folds = (64/16)*(64/16) = 16.
  ArrayCycles a = matrix_cycles(mu, DType::BF16, 64, 64, 256);
  EXPECT_EQ(a.folds, 16);
  EXPECT_EQ(a.total, 16 * 46 - 1);
  // fp8 at rate 2: K' = 8.
  EXPECT_EQ(matrix_cycles(mu, DType::FP8, 64, 64, 256).total, 16 * (8 + 30) - 1);
  // fp32 at rate 0.25 with depth 1: four passes of the array.
  mu.depth = 1;
  ArrayCycles f = matrix_cycles(mu, DType::FP32, 64, 64, 256);
  EXPECT_EQ(f.passes, 4);
  EXPECT_EQ(f.occupancy, 4 * 16 * (256 + 30));
  mu.dtype_rate.erase("int8");
  EXPECT_THROW(matrix_cycles(mu, DType::INT8, 64, 64, 64), UserError);
}

TEST(ChipSystolic, ConvLoweringFloorAndScaleSimRounding) {
  ConvShape c;
  c.h = c.w = 224;
  c.c = 3;
  c.fh = c.fw = 7;
  c.f = 64;
  c.stride_h = c.stride_w = 2;
  GemmDims f = lower_conv(c, ConvRounding::Floor);  // (224-7)/2+1 = 109
  EXPECT_EQ(f.m, 109 * 109);
  EXPECT_EQ(f.k, 147);
  EXPECT_EQ(f.n, 64);
  EXPECT_EQ(lower_conv(c, ConvRounding::ScaleSim).m, 110 * 110);  // ceil((224-7+2)/2) = 110
  c.stride_h = c.stride_w = 1;
  EXPECT_EQ(lower_conv(c, ConvRounding::Floor).m, lower_conv(c, ConvRounding::ScaleSim).m);
  c.fh = 300;
  EXPECT_THROW(lower_conv(c), UserError);
}

TEST(ChipSystolic, L0TrafficStationaryOperandReadOnce) {
  // WS, 4x4, M=10 N=6 K=5: B (5x6) once, A (10x5) once per column fold (2), psums per row fold (2).
  L0Traffic t = l0_traffic(4, 4, Dataflow::WS, 10, 6, 5);
  EXPECT_EQ(t.b_elems, 30);
  EXPECT_EQ(t.a_elems, 100);
  EXPECT_EQ(t.acc_elems, 120);
  L0Traffic o = l0_traffic(4, 4, Dataflow::OS, 10, 6, 5);
  EXPECT_EQ(o.acc_elems, 60);
  EXPECT_EQ(o.b_elems, 30 * 3);
}
