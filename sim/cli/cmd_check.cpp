// `xpusim check FILE...`: validate arch configs and traces without simulating.
#include <filesystem>
#include <iostream>

#include "sim/cli/command.h"
#include "sim/cluster/arch.h"
#include "sim/cluster/simulate.h"
#include "sim/core/config.h"
#include "sim/core/registry.h"
#include "sim/serving/serving.h"
#include "sim/workload/reader.h"

namespace xpu::cli {
namespace {

int check_cmd(const std::vector<std::string>& argv) {
  Args a("check", "Validate config or trace files (arch configs with a top-level 'chip:', serving files with "
                  "'serving:', traces with 'workload:', or any format a trace reader recognises). Prints one line per file; "
                  "exit code 2 on the first invalid one. With --list, print every registered implementation (compute, memory and "
                  "network models, collective algorithms, topology level kinds, trace readers and writers, report "
                  "writers, subcommands) with its parameters instead.",
         {{"list", "", "list every registered implementation and the config keys it reads", ""}}, {"FILE..."});
  // Accept any number of files: parse manually after --help handling.
  std::vector<std::string> files;
  for (const auto& s : argv) {
    if (s == "--help" || s == "-h") {
      std::cout << a.usage();
      return kExitOk;
    }
    if (s == "--list") {
      for (const auto& [what, r] : registry_catalog()) {
        std::cout << what << " (" << r->selected_by() << "):\n";
        for (const auto& e : r->info()) {
          std::cout << "  " << e.name << ": " << e.doc << "\n";
          for (const auto& p : e.params)
            std::cout << "      " << p.key << " (" << p.type << (p.default_text.empty() ? "" : ", default " + p.default_text)
                      << (p.range.empty() ? "" : ", " + p.range) << "): " << p.description << "\n";
        }
      }
      return kExitOk;
    }
    if (s.rfind("--", 0) == 0) throw UserError("xpusim check: unknown option '" + s + "'; see --help");
    files.push_back(s);
  }
  if (files.empty()) throw UserError("xpusim check: name at least one file; see --help");
  for (const auto& f : files) {
    std::string ext = std::filesystem::path(f).extension().string();
    bool yaml = ext == ".yaml" || ext == ".yml";
    if (yaml) {
      cfg::Node root = cfg::load_file(f);
      if (root.is_map() && root.find("chip")) {
        ArchSpec arch = load_arch(f);
        // Build the models `run` would build, so what `run` would reject is rejected here too.
        (void)cluster::make_compute_model(arch);
        (void)cluster::make_comm_model(arch);
        std::cout << f << ": ok (arch: " << arch.chip.name << ", " << arch.pod.chips << " chip"
                  << (arch.pod.chips == 1 ? "" : "s") << ")\n";
        continue;
      }
      if (root.is_map() && root.find("serving")) {
        const serve::ServingSpec s = serve::load_serving(f);
        const auto reqs = serve::make_requests(s);  // draws (or reads the trace): its errors are located too
        std::cout << f << ": ok (serving '" << s.name << "': " << s.model.name << ", " << reqs.size() << " requests)\n";
        continue;
      }
    }
    wl::Workload w = wl::load_workload(f);
    std::size_t nodes = 0;
    for (const auto& p : w.programs) nodes += p.size();
    std::cout << f << ": ok (workload '" << w.name << "': " << w.num_ranks << " ranks, " << w.programs.size()
              << " distinct program" << (w.programs.size() == 1 ? "" : "s") << ", " << nodes << " nodes)\n";
    for (const auto& n : w.notes) std::cout << "  note: " << n << "\n";
  }
  return kExitOk;
}

}  // namespace
XPU_REGISTER_COMMAND("check", "validate config and trace files", check_cmd);
}  // namespace xpu::cli
