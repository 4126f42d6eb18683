#include "sim/workload/reader.h"

#include <filesystem>
#include <map>

namespace xpu::wl {
TraceReaderRegistry& trace_reader_registry() {
  static TraceReaderRegistry r("trace reader", "the trace file (recognised by extension or content), or convert --from");
  return r;
}
TraceWriterRegistry& trace_writer_registry() {
  static TraceWriterRegistry r("trace writer", "convert --to (default: from the output path)");
  return r;
}

Workload load_workload(const std::string& path) {
  for (const auto& [name, e] : trace_reader_registry().entries()) {
    auto r = e.make();
    if (r->recognises(path)) return r->read(path);
  }
  std::string all;
  for (const auto& [name, e] : trace_reader_registry().entries()) all += (all.empty() ? "" : ", ") + e.doc;
  if (!std::filesystem::exists(path)) throw UserError(path + ": no such file");
  throw UserError(path + ": unrecognised trace format; readers: " + all);
}

}  // namespace xpu::wl
