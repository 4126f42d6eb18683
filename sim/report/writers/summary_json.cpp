// Report writer summary.json: the run summary with the resolved config echoed (SI units).
#include "sim/report/report_writer.h"

namespace xpu::report {
XPU_REGISTER_REPORT_WRITER("summary.json", "the run summary with the resolved config echoed (SI units)",
                           [](const RunReport& r) -> std::string { return r.summary_json; });
}  // namespace xpu::report
