// Report writer ops.csv: one row per op of the traced ranks: start, end and cost.
#include "sim/report/report_writer.h"

namespace xpu::report {
XPU_REGISTER_REPORT_WRITER("ops.csv", "one row per op of the traced ranks: start, end and cost",
                           [](const RunReport& r) -> std::string { return ops_csv(r.workload, r.result); });
}  // namespace xpu::report
