// Trace readers: one registry, one implementation per format.
//
// `load_workload(path)` asks each registered reader, in registration-name order, whether it
// recognises `path` (by extension or content) and uses the first that does. A reader registers
// itself from its own .cpp with XPU_REGISTER_TRACE_READER; adding a format touches only its file.
// Every reader returns a validated Workload (see ir.h) or throws a UserError naming the file,
// line (where the format has lines) and the problem.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/workload/ir.h"

namespace xpu::wl {

class TraceReader {
 public:
  virtual ~TraceReader() = default;
  virtual std::string name() const = 0;          // "yaml", "chakra", ...
  virtual std::string description() const = 0;
  virtual bool recognises(const std::string& path) const = 0;
  virtual Workload read(const std::string& path) const = 0;
};

using TraceReaderFactory = std::function<std::unique_ptr<TraceReader>()>;
bool register_trace_reader(const std::string& name, TraceReaderFactory f);
std::vector<std::string> trace_reader_names();
std::unique_ptr<TraceReader> make_trace_reader(const std::string& name);

// Pick a reader for `path` and read it.
Workload load_workload(const std::string& path);

// The native YAML format (docs/workloads.md), also usable on in-memory text (tests).
Workload read_yaml_trace_text(const std::string& text, const std::string& name);

}  // namespace xpu::wl

#define XPU_REGISTER_TRACE_READER(NAME, TYPE)                                                   \
  static const bool xpu_trace_reader_registered_##TYPE = ::xpu::wl::register_trace_reader(    \
      NAME, [] { return std::unique_ptr<::xpu::wl::TraceReader>(new TYPE()); })
