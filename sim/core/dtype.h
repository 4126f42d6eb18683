// Datatypes the models know, and the size of one element.
#pragma once

#include <string>
#include <vector>

namespace xpu {

enum class DType { FP32, TF32, BF16, FP16, FP8, INT8, FP4 };
bool parse_dtype(const std::string& s, DType& out);
const char* dtype_name(DType d);
double dtype_bytes(DType d);  // bytes per element (FP4: 0.5)
const std::vector<std::string>& dtype_names();

}  // namespace xpu
