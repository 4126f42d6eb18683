// `xpusim convert IN OUT`: translate a workload between formats.
//   IN  any format a trace reader recognises (native YAML, Chakra ET: dir/prefix, a .et file or a
//       directory; a scenario YAML, which is generated first).
//   OUT a .yaml/.yml path -> native YAML; anything else -> Chakra ET rank files OUT.<rank>.et
//       (OUT is a prefix such as out/resnet; a trailing '/' writes <dir>/<name>.<rank>.et).
#include <filesystem>
#include <iostream>

#include "sim/cli/command.h"
#include "sim/core/error.h"
#include "sim/workload/chakra/chakra.h"
#include "sim/workload/native/yaml_writer.h"
#include "sim/workload/reader.h"

namespace xpu::cli {
namespace {

int run_convert(const std::vector<std::string>& argv) {
  Args args("convert", "translate a workload between the native YAML format and Chakra ET",
            {{"to", "FORMAT", "output format: yaml or chakra (default: from OUT: .yaml/.yml -> yaml, else chakra)", ""},
             {"from", "READER", "force the input reader (e.g. chakra, yaml, scenario)", ""},
             {"quiet", "", "do not print the files written", ""}},
            {"IN", "OUT"});
  if (!args.parse(argv)) return kExitOk;
  if (args.positional().size() != 2) throw UserError("xpusim convert: needs IN and OUT; see --help");
  const std::string in = args.positional()[0];
  std::string out = args.positional()[1];
  wl::Workload w;
  if (args.has("from")) {
    auto r = wl::make_trace_reader(args.get("from"));
    if (!r) {
      std::string all;
      for (const auto& n : wl::trace_reader_names()) all += (all.empty() ? "" : ", ") + n;
      throw UserError("xpusim convert: unknown reader '" + args.get("from") + "'; readers: " + all);
    }
    w = r->read(in);
  } else {
    w = wl::load_workload(in);
  }
  std::string to = args.get("to");
  const std::string ext = std::filesystem::path(out).extension().string();
  if (to.empty()) to = (ext == ".yaml" || ext == ".yml") ? "yaml" : "chakra";
  std::vector<std::string> files;
  if (to == "yaml") {
    wl::write_yaml_trace_file(w, out);
    files.push_back(out);
  } else if (to == "chakra") {
    if (!out.empty() && out.back() == '/') out += w.name.empty() ? "trace" : w.name;
    if (ext == ".et") out = out.substr(0, out.size() - 3);
    files = wl::chakra::write_chakra(w, out);
  } else {
    throw UserError("xpusim convert: --to must be yaml or chakra, got '" + to + "'");
  }
  if (!args.has("quiet")) {
    for (const auto& n : w.notes) std::cout << "note: " << n << "\n";
    std::cout << "wrote " << files.size() << " file" << (files.size() == 1 ? "" : "s") << ": " << files.front()
              << (files.size() > 1 ? " ... " + files.back() : "") << "\n";
  }
  return kExitOk;
}

}  // namespace
XPU_REGISTER_COMMAND("convert", "translate a workload between native YAML and Chakra ET", run_convert);
}  // namespace xpu::cli
