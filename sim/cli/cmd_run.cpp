// `xpusim run`: simulate a workload on an arch and report.
#include <cstdlib>
#include <iostream>

#include "sim/cli/command.h"
#include "sim/core/output.h"
#include "sim/cluster/simulate.h"
#include "sim/report/report.h"
#include "sim/workload/reader.h"
#include "sim/workload/replicate.h"

namespace xpu::cli {
namespace {

int run_cmd(const std::vector<std::string>& argv) {
  Args a("run", "Simulate a workload (trace or scenario) on an arch config and report step time, "
                "compute/communication breakdown and utilisation.",
         {{"arch", "FILE", "arch config (arch-configs/...)", "", true},
          {"workload", "FILE", "workload: native YAML trace, Chakra ET prefix, or scenario", "", true},
          {"out", "DIR", "write summary.json, ops.csv, trace.json (Perfetto) and links.csv here", "", false},
          {"json", "", "print summary.json to stdout instead of the text summary", "", false},
          {"set", "KEY=VALUE", "override one arch key (repeatable), e.g. --set chip.hbm.bandwidth=2TB/s", "", false},
          {"ranks", "N", "replay a data-parallel trace on N ranks (one program, collectives over all ranks)", "", false},
          {"no-symmetry", "", "simulate every rank, even where the workload marks ranks as repeating a representative", "", false},
          {"quiet", "", "print nothing (files only)", "", false}});
  if (!a.parse(argv)) return kExitOk;
  // Load and validate everything before producing any output.
  std::vector<ArchOverride> overrides;
  for (const auto& s : a.get_all("set")) overrides.push_back(parse_override(s));
  ArchSpec arch = load_arch(a.get("arch"), overrides);
  wl::Workload w = wl::load_workload(a.get("workload"));
  if (a.has("ranks"))
    wl::replicate_data_parallel(w, static_cast<wl::RankId>(positive_int_option("run", "ranks", a.get("ranks"))));
  if (a.has("no-symmetry")) w.representative.clear();
  if (a.has("out")) prepare_output_dir(a.get("out"), "--out");  // fail before simulating, not after
  cluster::SimulateOptions so;
  so.engine.record_ops = a.has("out");  // timelines are only needed for ops.csv and trace.json
  cluster::SimResult r = cluster::simulate(arch, w, so);
  report::Summary s = report::summarize(w, arch, r);
  std::string sj = report::summary_json(s, arch);
  if (a.has("out")) {
    report::write_files(a.get("out"), {{"summary.json", sj},
                                       {"ops.csv", report::ops_csv(w, r)},
                                       {"trace.json", report::perfetto_json(w, r)},
                                       {"links.csv", report::links_csv(r)}});
  }
  if (a.has("json")) std::cout << sj;
  else if (!a.has("quiet")) {
    std::cout << report::summary_text(s);
    if (a.has("out"))
      std::cout << "\n  wrote " << a.get("out") << "/{summary.json, ops.csv, trace.json, links.csv}"
                << " (open trace.json in ui.perfetto.dev)\n";
  }
  return kExitOk;
}

}  // namespace
XPU_REGISTER_COMMAND("run", "simulate a workload on an arch and report", run_cmd);
}  // namespace xpu::cli
