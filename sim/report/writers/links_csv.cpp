// Report writer links.csv: bytes and utilisation of every network link (flow-level network).
#include "sim/report/report_writer.h"

namespace xpu::report {
XPU_REGISTER_REPORT_WRITER("links.csv", "bytes and utilisation of every network link (flow-level network)",
                           [](const RunReport& r) -> std::string { return links_csv(r.result); });
}  // namespace xpu::report
