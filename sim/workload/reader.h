// Trace readers and writers: one registry each (registry.h), one implementation per format.
//
// `load_workload(path)` asks each registered reader, in registration-name order, whether it
// recognises `path` (by extension or content) and uses the first that does. A reader registers
// itself from its own .cpp with XPU_REGISTER_TRACE_READER, a writer with XPU_REGISTER_TRACE_WRITER;
// adding a format touches only its files. A writer names the reader that reads its output back
// (the conformance suite round-trips every such pair).
// Every reader returns a validated Workload (see ir.h) or throws a UserError naming the file,
// line (where the format has lines) and the problem.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/registry.h"
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

using TraceReaderRegistry = Registry<TraceReader>;
TraceReaderRegistry& trace_reader_registry();

class TraceWriter {
 public:
  virtual ~TraceWriter() = default;
  // The registered reader that reads what this writer writes.
  virtual std::string reader() const = 0;
  // How strongly this writer claims an output path when no format is named (0 = not at all; the
  // highest claim wins: yaml claims .yaml/.yml, chakra anything).
  virtual int claims(const std::string& out_path) const = 0;
  // Write `w` to `out` (a file, or a prefix for formats of several files); returns the files written.
  virtual std::vector<std::string> write(const Workload& w, const std::string& out) const = 0;
};
using TraceWriterRegistry = Registry<TraceWriter>;
TraceWriterRegistry& trace_writer_registry();

// Pick a reader for `path` and read it.
Workload load_workload(const std::string& path);

// The native YAML format (docs/workloads.md), also usable on in-memory text (tests).
Workload read_yaml_trace_text(const std::string& text, const std::string& name);

}  // namespace xpu::wl

// The reader's doc is its description().
#define XPU_REGISTER_TRACE_READER(NAME, TYPE)                                                           \
  XPU_REGISTER(::xpu::wl::trace_reader_registry(), NAME, TYPE().description(), ::xpu::no_params(), \
               [] { return std::unique_ptr<::xpu::wl::TraceReader>(new TYPE()); })
#define XPU_REGISTER_TRACE_WRITER(NAME, TYPE, DOC)                                        \
  XPU_REGISTER(::xpu::wl::trace_writer_registry(), NAME, DOC, ::xpu::no_params(), \
               [] { return std::unique_ptr<::xpu::wl::TraceWriter>(new TYPE()); })
