#include "sim/workload/reader.h"

#include <filesystem>
#include <map>

namespace xpu::wl {
namespace {
std::map<std::string, TraceReaderFactory>& registry() {
  static std::map<std::string, TraceReaderFactory> r;
  return r;
}
}  // namespace

bool register_trace_reader(const std::string& name, TraceReaderFactory f) {
  registry()[name] = std::move(f);
  return true;
}

std::vector<std::string> trace_reader_names() {
  std::vector<std::string> v;
  for (const auto& [k, f] : registry()) v.push_back(k);
  return v;
}

std::unique_ptr<TraceReader> make_trace_reader(const std::string& name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second();
}

Workload load_workload(const std::string& path) {
  for (const auto& [name, f] : registry()) {
    auto r = f();
    if (r->recognises(path)) return r->read(path);
  }
  std::string all;
  for (const auto& [name, f] : registry()) all += (all.empty() ? "" : ", ") + f()->description();
  if (!std::filesystem::exists(path)) throw UserError(path + ": no such file");
  throw UserError(path + ": unrecognised trace format; readers: " + all);
}

}  // namespace xpu::wl
