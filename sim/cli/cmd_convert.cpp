// `xpusim convert IN OUT`: translate a workload between formats.
//   IN  any format a trace reader recognises (native YAML, Chakra ET: dir/prefix, a .et file or a
//       directory; a scenario YAML, which is generated first).
//   OUT written by the registered trace writer named by --to, or else the one that claims OUT most
//       strongly: a .yaml/.yml path -> native YAML; anything else -> Chakra ET rank files
//       OUT.<rank>.et (OUT is a prefix such as out/resnet; a trailing '/' writes <dir>/<name>.<rank>.et).
#include <filesystem>
#include <iostream>

#include "sim/cli/command.h"
#include "sim/core/error.h"
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
  const std::string out = args.positional()[1];
  wl::Workload w;
  if (args.has("from")) {
    const auto* r = wl::trace_reader_registry().find(args.get("from"));
    if (!r) {
      std::string all;
      for (const auto& n : wl::trace_reader_registry().names()) all += (all.empty() ? "" : ", ") + n;
      throw UserError("xpusim convert: unknown reader '" + args.get("from") + "'; readers: " + all);
    }
    w = r->make()->read(in);
  } else {
    w = wl::load_workload(in);
  }
  std::string to = args.get("to");
  const auto& writers = wl::trace_writer_registry();
  if (to.empty()) {
    int best = 0;
    for (const auto& [name, e] : writers.entries()) {
      const int c = e.make()->claims(out);
      if (c > best) best = c, to = name;
    }
  }
  if (!writers.find(to)) {
    std::string all;
    for (const auto& n : writers.names()) all += (all.empty() ? "" : " or ") + n;
    throw UserError("xpusim convert: --to must be " + all + ", got '" + to + "'");
  }
  const std::vector<std::string> files = writers.make(to)->write(w, out);
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
