#include "sim/core/dtype.h"

namespace xpu {

namespace {
struct DTypeInfo {
  DType d;
  const char* name;
  double bytes;
};
const DTypeInfo kDTypes[] = {{DType::FP32, "fp32", 4}, {DType::TF32, "tf32", 4}, {DType::BF16, "bf16", 2},
                             {DType::FP16, "fp16", 2}, {DType::FP8, "fp8", 1},   {DType::INT8, "int8", 1},
                             {DType::FP4, "fp4", 0.5}};
}  // namespace

bool parse_dtype(const std::string& s, DType& out) {
  for (const auto& i : kDTypes)
    if (s == i.name) { out = i.d; return true; }
  return false;
}
const char* dtype_name(DType d) {
  for (const auto& i : kDTypes)
    if (i.d == d) return i.name;
  return "?";
}
double dtype_bytes(DType d) {
  for (const auto& i : kDTypes)
    if (i.d == d) return i.bytes;
  return 0;
}
const std::vector<std::string>& dtype_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& i : kDTypes) v.emplace_back(i.name);
    return v;
  }();
  return names;
}

}  // namespace xpu
