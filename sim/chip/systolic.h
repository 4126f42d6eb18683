// Systolic matrix unit: stall-free cycle counts of one GEMM on one R x C array (or an m x n x k cube).
//
// Mapping (SCALE-Sim v2 convention, Samajdar et al., ISPASS 2020 / scale-sim-v2): a GEMM
// C[M,N] = A[M,K] * B[K,N] is laid on the array as spatial rows Sr, spatial columns Sc and a
// temporal dimension T:
//     WS (B stationary):  (Sr, Sc, T) = (K, N, M)
//     OS (C stationary):  (Sr, Sc, T) = (M, N, K)
//     IS (A stationary):  (Sr, Sc, T) = (K, M, N)
// folds = ceil(Sr/R) * ceil(Sc/C). Every fold, edge folds included, runs the full-array schedule
// (partial folds are padded), so per fold:
//     WS, IS: lines = 2R + C + T - 2   (R cycles to load the stationary operand, T to stream, R+C-2
//                                       skew to fill and drain the wavefront)
//     OS:     lines = T + R + C - 2    (T to stream, R+C-2 skew; results shift out afterwards)
// SCALE-Sim CALC mode (fold_overlap = false):  total = folds * lines - 1.
// With fold overlap (the default): the stationary operand of fold f+1 is loaded (WS/IS), or the
// results of fold f shifted out (OS), while fold f streams, and the wavefronts run back to back, so a
// fold occupies the array for period = max(T, R) cycles and only the first fill and last drain show:
//     total = (folds - 1) * max(T, R) + lines - 1.
// Both are written as occupancy + tail - 1 with occupancy = folds * period and tail = lines - period.
// A cube of depth d (d MACs per PE per cycle along K) and a datatype running at rate r MACs per PE per
// cycle relative to the reference dtype see K' = ceil(K / (d*r)) (for d*r >= 1); d*r < 1 runs
// ceil(1/(d*r)) passes of the array (e.g. FP32 as four BF16 passes).
// Not modelled here: operand starvation (the caller's DMA pipeline), sparsity, clock gating.
#pragma once

#include <cstdint>
#include <string>

#include "sim/chip/chip_spec.h"
#include "sim/core/dtype.h"

namespace xpu::chip {

enum class Dataflow { WS, OS, IS };
bool parse_dataflow(const std::string& s, Dataflow& out);
const char* dataflow_name(Dataflow d);

struct SpatialMap {
  std::int64_t sr = 0, sc = 0, t = 0;
};
SpatialMap spatial_map(Dataflow df, std::int64_t m, std::int64_t n, std::int64_t k);

struct ArrayCycles {
  std::int64_t folds = 0;
  std::int64_t lines = 0;      // cycles of one fold on its own (fill + stream + drain)
  std::int64_t period = 0;     // cycles a fold occupies the array (lines without overlap)
  std::int64_t passes = 1;     // array passes for dtypes slower than one MAC per PE per cycle
  std::int64_t occupancy = 0;  // folds * period * passes: cycles the array is busy
  std::int64_t tail = 0;       // lines - period: latency from the last fold's end to its last result
  std::int64_t total = 0;      // occupancy + tail - 1 (SCALE-Sim counts cycle indices from 0)
};

// Cycles of one M x N x K GEMM on a bare R x C array (depth 1, one MAC per PE per cycle).
ArrayCycles array_cycles(std::int64_t rows, std::int64_t cols, Dataflow df, std::int64_t m, std::int64_t n,
                         std::int64_t k, bool fold_overlap);

// Cycles on the chip's matrix unit for datatype `d` (depth and dtype_rate applied as described above).
// Throws UserError when the unit has no throughput for `d`.
ArrayCycles matrix_cycles(const MatrixUnitSpec& mu, DType d, std::int64_t m, std::int64_t n, std::int64_t k);
double matrix_dtype_rate(const MatrixUnitSpec& mu, DType d);  // 0 when the dtype is not supported

// Bytes the matrix unit reads from L0 (operands) and moves through the accumulators for one GEMM:
// the stationary operand is read once, the streamed one once per fold of the other spatial dim.
struct L0Traffic {
  double a_elems = 0, b_elems = 0, acc_elems = 0;
};
L0Traffic l0_traffic(std::int64_t rows, std::int64_t cols, Dataflow df, std::int64_t m, std::int64_t n, std::int64_t k);

// Convolution lowered to GEMM by im2col: M = output pixels, K = Fh*Fw*C, N = filters. No padding.
// Output size: floor((H - Fh)/s) + 1 (the convolution's true size) or SCALE-Sim v2's
// ceil((H - Fh + s)/s), which counts one more window when (H - Fh) is not a multiple of s.
enum class ConvRounding { Floor, ScaleSim };
struct ConvShape {
  std::int64_t h = 0, w = 0, c = 0;      // input feature map
  std::int64_t fh = 0, fw = 0, f = 0;    // filter height, width, count
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t batch = 1;
};
struct GemmDims {
  std::int64_t m = 0, n = 0, k = 0;
};
GemmDims lower_conv(const ConvShape& c, ConvRounding r = ConvRounding::Floor);

}  // namespace xpu::chip
