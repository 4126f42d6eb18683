#include "sim/report/report_writer.h"

namespace xpu::report {
ReportWriterRegistry& report_writer_registry() {
  static ReportWriterRegistry r("report writer", "xpusim run --out DIR: one file per entry");
  return r;
}
}  // namespace xpu::report
