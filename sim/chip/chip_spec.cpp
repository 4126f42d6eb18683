#include "sim/chip/chip_spec.h"

#include <vector>

namespace xpu {

namespace {
std::string known_dtypes() {
  std::string all;
  for (const auto& n : dtype_names()) all += (all.empty() ? "" : ", ") + n;
  return all;
}
void check_dtype_keys(const std::map<std::string, double>& m, const std::string& key, const cfg::Checker& c) {
  for (const auto& [k, r] : m) {
    DType d;
    if (!parse_dtype(k, d)) c.fail(key + "." + k, "unknown datatype '" + k + "'; known: " + known_dtypes());
    (void)r;
  }
}
}  // namespace

namespace {
// Visits the op classes of a VectorOpsSpec by name.
struct OpFinder {
  std::string want;
  const VectorOpClassSpec* found = nullptr;
  std::vector<std::string> names;
  template <class T>
  void field(const char* key, T& member, const cfg::Field&) {
    names.emplace_back(key);
    if (want == key) found = &member;
  }
};
}  // namespace

const VectorOpClassSpec* VectorOpsSpec::find(const std::string& name) const {
  OpFinder f{name, nullptr, {}};
  const_cast<VectorOpsSpec*>(this)->visit(f);
  return f.found;
}

std::vector<std::string> VectorOpsSpec::names() const {
  OpFinder f{"", nullptr, {}};
  const_cast<VectorOpsSpec*>(this)->visit(f);
  return f.names;
}

void MatrixUnitSpec::check(const cfg::Checker& c) const { check_dtype_keys(dtype_rate, "dtype_rate", c); }

void VectorUnitSpec::check(const cfg::Checker& c) const { check_dtype_keys(dtype_rate, "dtype_rate", c); }

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
