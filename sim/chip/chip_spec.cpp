#include "sim/chip/chip_spec.h"

#include <vector>

namespace xpu {

void MatrixUnitSpec::check(const cfg::Checker& c) const {
  for (const auto& [k, r] : dtype_rate) {
    DType d;
    if (!parse_dtype(k, d)) {
      std::string all;
      for (const auto& n : dtype_names()) all += (all.empty() ? "" : ", ") + n;
      c.fail("dtype_rate." + k, "unknown datatype '" + k + "'; known: " + all);
    }
    (void)r;
  }
}

FlopsPerSecond ChipSpec::matrix_peak(DType d) const {
  auto it = matrix.dtype_rate.find(dtype_name(d));
  double rate = it == matrix.dtype_rate.end() ? 0.0 : it->second;
  double macs = static_cast<double>(matrix.rows * matrix.cols * matrix.depth) * rate;
  return FlopsPerSecond(2.0 * macs * static_cast<double>(cores) * clock.hertz());
}

FlopsPerSecond ChipSpec::vector_peak() const {
  return FlopsPerSecond(static_cast<double>(vector.lanes) * vector.flops_per_lane * static_cast<double>(cores) *
                        clock.hertz());
}

}  // namespace xpu
