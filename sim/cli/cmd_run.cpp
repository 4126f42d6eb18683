// `xpusim run`: simulate a workload on an arch and report.
#include <cstdlib>
#include <iostream>

#include "sim/api/eval.h"
#include "sim/cli/command.h"
#include "sim/core/output.h"
#include "sim/report/report.h"
#include "sim/report/html.h"

namespace xpu::cli {
namespace {

int run_cmd(const std::vector<std::string>& argv) {
  Args a("run", "Simulate a workload (trace or scenario) on an arch config and report step time, "
                "compute/communication breakdown and utilisation.",
         {{"arch", "FILE", "arch config (arch-configs/...)", "", true},
          {"workload", "FILE", "workload: native YAML trace, Chakra ET prefix, or scenario", "", true},
          {"out", "DIR", "write summary.json, ops.csv, trace.json (Perfetto) and links.csv here", "", false},
          {"html", "FILE", "write a self-contained HTML report (summary, breakdown, roofline, timeline)", "", false},
          {"json", "", "print summary.json to stdout instead of the text summary", "", false},
          {"set", "KEY=VALUE", "override one arch key (repeatable), e.g. --set chip.hbm.bandwidth=2TB/s", "", false},
          {"ranks", "N", "replay a data-parallel trace on N ranks (one program, collectives over all ranks)", "", false},
          {"no-symmetry", "", "simulate every rank, even where the workload marks ranks as repeating a representative", "", false},
          {"quiet", "", "print nothing (files only)", "", false}});
  if (!a.parse(argv)) return kExitOk;
  // Load and validate everything before producing any output.
  api::RunRequest q;
  q.arch = a.get("arch");
  q.workload = a.get("workload");
  q.set = a.get_all("set");
  if (a.has("ranks")) q.ranks = positive_int_option("run", "ranks", a.get("ranks"));
  q.symmetry = !a.has("no-symmetry");
  q.record_ops = a.has("out") || a.has("html");  // timelines are only needed for ops.csv, trace.json and the report
  api::RunOutcome o = api::load_run(q);
  if (a.has("out")) prepare_output_dir(a.get("out"), "--out");  // fail before simulating, not after
  if (a.has("html")) prepare_output_file(a.get("html"), "--html");
  api::simulate_run(q, o);
  const std::string& sj = o.summary_json;
  if (a.has("out")) report::write_files(a.get("out"), api::run_files(o));
  if (a.has("html")) write_file_atomic(a.get("html"), report::html_run_report(o.workload, o.arch, o.result, o.summary));
  if (a.has("json")) std::cout << sj;
  else if (!a.has("quiet")) {
    std::cout << report::summary_text(o.summary);
    if (a.has("out"))
      std::cout << "\n  wrote " << a.get("out") << "/{summary.json, ops.csv, trace.json, links.csv}"
                << " (open trace.json in ui.perfetto.dev)\n";
    if (a.has("html")) std::cout << "  wrote " << a.get("html") << " (the report: open it in a browser)\n";
  }
  return kExitOk;
}

}  // namespace
XPU_REGISTER_COMMAND("run", "simulate a workload on an arch and report", run_cmd);
}  // namespace xpu::cli
