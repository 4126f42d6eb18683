// Closed-form systolic schedules; equations in systolic.h and docs/models/compute.md.
#include "sim/chip/systolic.h"

#include <algorithm>
#include <cmath>

#include "sim/core/error.h"

namespace xpu::chip {

namespace {
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
}  // namespace

bool parse_dataflow(const std::string& s, Dataflow& out) {
  if (s == "ws") out = Dataflow::WS;
  else if (s == "os") out = Dataflow::OS;
  else if (s == "is") out = Dataflow::IS;
  else return false;
  return true;
}

const char* dataflow_name(Dataflow d) {
  switch (d) {
    case Dataflow::WS: return "ws";
    case Dataflow::OS: return "os";
    case Dataflow::IS: return "is";
  }
  return "?";
}

SpatialMap spatial_map(Dataflow df, std::int64_t m, std::int64_t n, std::int64_t k) {
  switch (df) {
    case Dataflow::WS: return {k, n, m};
    case Dataflow::OS: return {m, n, k};
    case Dataflow::IS: return {k, m, n};
  }
  return {};
}

ArrayCycles array_cycles(std::int64_t rows, std::int64_t cols, Dataflow df, std::int64_t m, std::int64_t n,
                         std::int64_t k, bool fold_overlap) {
  XPU_ASSERT(rows > 0 && cols > 0 && m > 0 && n > 0 && k > 0, "array_cycles needs positive dimensions");
  const SpatialMap s = spatial_map(df, m, n, k);
  ArrayCycles a;
  a.folds = ceil_div(s.sr, rows) * ceil_div(s.sc, cols);
  a.lines = df == Dataflow::OS ? s.t + rows + cols - 2 : 2 * rows + cols + s.t - 2;
  a.period = fold_overlap ? std::max(s.t, rows) : a.lines;
  a.occupancy = a.folds * a.period;
  a.tail = a.lines - a.period;
  a.total = a.occupancy + a.tail - 1;
  return a;
}

double matrix_dtype_rate(const MatrixUnitSpec& mu, DType d) {
  auto it = mu.dtype_rate.find(dtype_name(d));
  return it == mu.dtype_rate.end() ? 0.0 : it->second;
}

ArrayCycles matrix_cycles(const MatrixUnitSpec& mu, DType d, std::int64_t m, std::int64_t n, std::int64_t k) {
  const double rate = matrix_dtype_rate(mu, d);
  if (rate <= 0) throw UserError(std::string("matrix unit has no throughput for datatype '") + dtype_name(d) +
                                 "' (add it to chip.matrix.dtype_rate)");
  Dataflow df = Dataflow::WS;
  if (!parse_dataflow(mu.dataflow, df)) throw UserError("unknown dataflow '" + mu.dataflow + "'");
  const double per_pe = static_cast<double>(mu.depth) * rate;  // K elements per PE per cycle
  std::int64_t passes = 1;
  std::int64_t k_eff = k;
  if (per_pe >= 1.0) {
    k_eff = static_cast<std::int64_t>(std::ceil(static_cast<double>(k) / per_pe - 1e-9));
  } else {
    passes = static_cast<std::int64_t>(std::ceil(1.0 / per_pe - 1e-9));
  }
  ArrayCycles a = array_cycles(mu.rows, mu.cols, df, m, n, std::max<std::int64_t>(k_eff, 1), mu.fold_overlap);
  a.passes = passes;
  a.occupancy *= passes;
  a.total = a.occupancy + a.tail - 1;
  return a;
}

L0Traffic l0_traffic(std::int64_t rows, std::int64_t cols, Dataflow df, std::int64_t m, std::int64_t n, std::int64_t k) {
  const double M = static_cast<double>(m), N = static_cast<double>(n), K = static_cast<double>(k);
  L0Traffic t;
  switch (df) {
    case Dataflow::WS:  // B stationary; A streams once per column fold; partial sums once per row fold
      t.a_elems = M * K * static_cast<double>(ceil_div(n, cols));
      t.b_elems = K * N;
      t.acc_elems = M * N * static_cast<double>(ceil_div(k, rows));
      break;
    case Dataflow::OS:  // both operands stream; results leave once
      t.a_elems = M * K * static_cast<double>(ceil_div(n, cols));
      t.b_elems = K * N * static_cast<double>(ceil_div(m, rows));
      t.acc_elems = M * N;
      break;
    case Dataflow::IS:  // A stationary; B streams once per column fold (columns hold M)
      t.a_elems = M * K;
      t.b_elems = K * N * static_cast<double>(ceil_div(m, cols));
      t.acc_elems = M * N * static_cast<double>(ceil_div(k, rows));
      break;
  }
  return t;
}

GemmDims lower_conv(const ConvShape& c, ConvRounding r) {
  if (c.h <= 0 || c.w <= 0 || c.c <= 0 || c.fh <= 0 || c.fw <= 0 || c.f <= 0 || c.stride_h <= 0 || c.stride_w <= 0 ||
      c.batch <= 0)
    throw UserError("conv: all dimensions and strides must be positive");
  if (c.fh > c.h || c.fw > c.w) throw UserError("conv: filter larger than the input feature map");
  auto out = [&](std::int64_t in, std::int64_t f, std::int64_t s) {
    return r == ConvRounding::Floor ? (in - f) / s + 1 : ceil_div(in - f + s, s);
  };
  GemmDims g;
  g.m = c.batch * out(c.h, c.fh, c.stride_h) * out(c.w, c.fw, c.stride_w);
  g.k = c.fh * c.fw * c.c;
  g.n = c.f;
  return g;
}

}  // namespace xpu::chip
