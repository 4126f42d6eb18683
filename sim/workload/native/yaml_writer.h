// Writer for the native YAML trace format (docs/workloads.md; read by readers/yaml_trace.cpp).
// Output is deterministic: programs in order, nodes in index order, exact numbers (17 significant
// digits), so write(read(write(w))) == write(w).
#pragma once

#include <string>

#include "sim/workload/ir.h"

namespace xpu::wl {

std::string write_yaml_trace(const Workload& w);
void write_yaml_trace_file(const Workload& w, const std::string& path);

}  // namespace xpu::wl
