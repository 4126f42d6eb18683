// Report writer trace.json: the traced ranks' timeline in Chrome/Perfetto trace-event format.
#include "sim/report/report_writer.h"

namespace xpu::report {
XPU_REGISTER_REPORT_WRITER("trace.json", "the traced ranks' timeline in Chrome/Perfetto trace-event format",
                           [](const RunReport& r) -> std::string { return perfetto_json(r.workload, r.result); });
}  // namespace xpu::report
