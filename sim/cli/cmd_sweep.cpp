// `xpusim sweep`: a study over arch keys, scenario keys (parallel.*, training.*, model, ...) and the
// model, as a grid or a list, from the command line or a study file (sim/study/sweep.h). Points run
// on worker processes (-j N, default: every core), results go into an SQLite database when --db is
// given (a re-run skips finished points), and the CSV is exported from the stored results in point
// order, so it is byte-identical whatever N is.
#include <filesystem>
#include <iostream>
#include <memory>

#include "sim/cli/command.h"
#include "sim/core/error.h"
#include "sim/report/report.h"
#include "sim/core/output.h"
#include "sim/study/html_study.h"
#include "sim/study/mpi.h"
#include "sim/study/runner.h"
#include "sim/study/sweep.h"

namespace xpu::cli {
namespace {

int sweep_cmd(const std::vector<std::string>& argv) {
  Args a("sweep",
         "Simulate a workload on every combination of key values and write one CSV row per point (step "
         "time, throughput, MFU, compute / exposed communication / idle, HBM fit). Keys are arch keys "
         "(chip.*, pod.*, models.*) or, for a transformer scenario, scenario keys (parallel.*, training.*, "
         "inference.*, model, hbm). Values carry units as in the configs; lists are comma-separated. "
         "Points run on -j N worker processes; with --db, finished points are stored at once and a re-run "
         "skips them.",
         {{"arch", "FILE", "base arch config (or give --study)", "", false},
          {"workload", "FILE", "workload (trace or scenario)", "", false},
          {"vary", "KEY=V1,V2,...", "an axis of the sweep (repeatable), e.g. --vary chip.hbm.bandwidth=1.6TB/s,2.1TB/s "
                                    "or --vary parallel.tp=4,8", "", false},
          {"list", "", "pair the --vary values element-wise (all axes equally long) instead of the grid", "", false},
          {"set", "KEY=VALUE", "a fixed override applied to every point (repeatable)", "", false},
          {"study", "FILE", "a study file (top-level 'study:'; see docs/study.md) instead of --arch/--workload/--vary", "", false},
          {"ranks", "N", "replay a data-parallel trace on N ranks", "", false},
          {"jobs", "N", "worker processes (-j N also works; default: the cores this process may use)", "", false},
          {"db", "FILE", "SQLite results database (created if absent); finished points are skipped on a re-run", "", false},
          {"no-symmetry", "", "simulate every rank of a scenario (slow at scale)", "", false},
          {"out", "FILE", "write the CSV here (default: stdout)", "", false},
          {"html", "FILE", "also write a self-contained HTML report (step time per point, table)", "", false}});
  if (!a.parse(argv)) return kExitOk;
  study::SweepSpec spec;
  if (a.has("study")) {
    for (const char* k : {"arch", "workload", "vary", "list", "ranks"})
      if (a.has(k)) throw UserError(std::string("xpusim sweep: --") + k + " comes from the study file; drop it or drop --study");
    if (!std::filesystem::is_regular_file(a.get("study"))) throw UserError("--study: no such file '" + a.get("study") + "'");
    spec = study::load_study(a.get("study"));
  } else {
    for (const char* k : {"arch", "workload", "vary"})
      if (!a.has(k)) throw UserError(std::string("xpusim sweep: missing required option '--") + k + "' (or give --study FILE); see --help");
    spec.arch_path = a.get("arch");
    spec.workload_path = a.get("workload");
    for (const auto& v : a.get_all("vary")) spec.axes.push_back(study::parse_axis(v));
    spec.list = a.has("list");
    if (a.has("ranks")) spec.ranks = static_cast<int>(positive_int_option("sweep", "ranks", a.get("ranks")));
  }
  for (const auto& s : a.get_all("set")) {
    ArchOverride o = parse_override(s);
    spec.fixed.push_back({o.key, o.value});
  }
  if (a.has("no-symmetry")) spec.symmetry = false;
  const size_t n = study::point_count(spec);
  if (n > 10000) throw UserError("xpusim sweep: " + std::to_string(n) + " points; at most 10000");
  // Every point is loaded and checked before anything runs (bad input: nothing written).
  const std::vector<study::Point> points = study::expand(spec);
  if (a.has("html")) prepare_output_file(a.get("html"), "--html");
  std::unique_ptr<study::ResultStore> store;
  if (a.has("db") && !study::mpi_worker()) store = std::make_unique<study::SqliteStore>(a.get("db"));
  else store = std::make_unique<study::MemoryStore>();
  study::RunOptions ro;
  ro.jobs = a.has("jobs") ? static_cast<int>(positive_int_option("sweep", "jobs", a.get("jobs"), 1024)) : study::default_jobs();
  ro.study = "sweep " + spec.name;
  const study::RunStats st = study::run_points(points, *store, ro);
  if (study::mpi_worker()) return kExitOk;  // rank 0 reports
  const auto results = study::collect(points, *store);
  const std::string csv = study::sweep_csv(spec, points, results);
  if (a.has("html")) write_file_atomic(a.get("html"), study::html_sweep_report(spec, points, results));
  size_t failed = 0;
  for (const auto& r : results) failed += r.error.empty() ? 0 : 1;
  if (a.has("out")) {
    const std::filesystem::path out(a.get("out"));
    report::write_files(out.parent_path().empty() ? "." : out.parent_path().string(), {{out.filename().string(), csv}});
    std::cout << "wrote " << a.get("out") << " (" << points.size() << " points: " << st.simulated << " simulated, "
              << st.resumed << " from the database";
    if (st.duplicates) std::cout << ", " << st.duplicates << " repeated";
    std::cout << ")\n";
  } else {
    std::cout << csv;
  }
  if (failed > 0) {
    std::cerr << "error: " << failed << " point(s) could not be simulated (see the error column)\n";
    return kExitSimulationError;
  }
  return kExitOk;
}

}  // namespace
XPU_REGISTER_COMMAND("sweep", "simulate every combination of arch / scenario key values (-j N, resumable --db) to CSV", sweep_cmd);
}  // namespace xpu::cli
