// Report writers: one registry (sim/core/registry.h), one file per output under sim/report/writers/.
// `xpusim run --out DIR` (and the library's run) writes one file per registered writer, named by
// the entry (summary.json, ops.csv, trace.json, links.csv); adding an output is adding a file.
#pragma once

#include <memory>
#include <string>

#include "sim/core/registry.h"
#include "sim/report/report.h"

namespace xpu::report {

// Everything a run produced, as the writers see it.
struct RunReport {
  const wl::Workload& workload;
  const ArchSpec& arch;
  const cluster::SimResult& result;
  const Summary& summary;
  const std::string& summary_json;
};

class ReportWriter {
 public:
  virtual ~ReportWriter() = default;
  virtual std::string render(const RunReport& r) const = 0;
};

using ReportWriterRegistry = Registry<ReportWriter>;
ReportWriterRegistry& report_writer_registry();

}  // namespace xpu::report

// XPU_REGISTER_REPORT_WRITER("ops.csv", "one row per op", [](const RunReport& r) { return ops_csv(...); })
#define XPU_REGISTER_REPORT_WRITER(FILE, DOC, RENDER)                                                \
  XPU_REGISTER(::xpu::report::report_writer_registry(), FILE, DOC, ::xpu::no_params(), [] {           \
    struct W : ::xpu::report::ReportWriter {                                                          \
      std::string render(const ::xpu::report::RunReport& run) const override { return (RENDER)(run); } \
    };                                                                                                \
    return std::unique_ptr<::xpu::report::ReportWriter>(new W());                                     \
  })
