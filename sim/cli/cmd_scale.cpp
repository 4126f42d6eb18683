// `xpusim scale --arch POD --scenario SCENARIO --out DIR [--chips 8,16,...] [--modes strong,weak]`:
// strong- and weak-scaling curves of a transformer scenario over pods derived from POD
// (sim/study/scaling.h; docs/scaling.md). Writes DIR/scaling.csv, then, when /usr/bin/python3 can
// import matplotlib, DIR/scaling.png and DIR/scaling.svg through analysis/plot_scaling.py; without
// matplotlib it says so in one line and leaves the CSV.
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sys/wait.h>

#include "sim/cli/command.h"
#include "sim/core/output.h"
#include "sim/core/error.h"
#include "sim/report/report.h"
#include "sim/study/html_study.h"
#include "sim/study/mpi.h"
#include "sim/study/runner.h"
#include "sim/study/scaling.h"
#include "sim/workload/generator/scenario.h"

namespace xpu::cli {
namespace fs = std::filesystem;
namespace {

const char* const kDefaultChips = "8,16,32,64,128,256,512";

std::vector<study::ScalingMode> parse_modes(const std::string& text) {
  std::vector<study::ScalingMode> out;
  std::string item;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != ',') {
      item += text[i];
      continue;
    }
    if (item == "strong") out.push_back(study::ScalingMode::Strong);
    else if (item == "weak") out.push_back(study::ScalingMode::Weak);
    else throw UserError("--modes: unknown mode '" + item + "' (expected strong, weak or strong,weak)");
    item.clear();
  }
  return out;
}

std::string point_line(const study::ScalingPoint& p) {
  std::string s = "  " + std::string(study::scaling_mode_name(p.mode)) + " " + std::to_string(p.chips) +
                  " chips (dp " + std::to_string(p.dp) + ", batch " + std::to_string(p.global_batch) + ", " +
                  std::to_string(p.micro_batches) + " micro-batch(es)/replica): step " + format_seconds(p.step_time) +
                  ", " + report::fixed(p.tokens_per_s, 0) + " tokens/s";
  if (p.mfu >= 0) s += ", MFU " + report::fixed(100 * p.mfu, 1) + "%";
  s += ", exposed comm " + report::fixed(100 * p.exposed_share(), 1) + "%";
  if (p.footprint.value() > 0) s += p.footprint <= p.capacity ? ", HBM fits" : ", HBM DOES NOT FIT";
  if (p.shared) s += "  [same run as the other mode's]";
  return s;
}

int scale_cmd(const std::vector<std::string>& argv) {
  Args a("scale",
         "Strong- and weak-scaling curves of a transformer scenario: for each chip count, derive a pod from "
         "--arch (inner levels kept, the outermost needed level resized), set dp = chips / (tp*pp*cp), "
         "simulate one step and record step time, tokens/s, MFU, efficiency, exposed communication and HBM "
         "fit. Strong scaling keeps the scenario's global batch; weak scaling keeps the batch per replica. "
         "Writes scaling.csv and, with matplotlib under /usr/bin/python3, scaling.png and scaling.svg.",
         {{"arch", "FILE", "pod preset to derive the pods from (arch-configs/pods/...)", "", true},
          {"scenario", "FILE", "transformer scenario (workloads/scenarios/...)", "", true},
          {"out", "DIR", "output directory (scaling.csv, scaling.png, scaling.svg)", "", true},
          {"chips", "LIST", "chip counts, comma-separated; when given, every count must be reachable "
                            "(without it, counts below one model replica or otherwise unreachable are skipped)", kDefaultChips, false},
          {"modes", "LIST", "strong, weak or strong,weak", "strong,weak", false},
          {"global-batch", "N", "override the scenario's global batch (sequences per step at its own dp; "
                                "inference: batch) before scaling, e.g. to make strong scaling cheaper", "", false},
          {"no-symmetry", "", "simulate every rank (slow at scale)", "", false},
          {"jobs", "N", "worker processes (-j N also works; default: the cores this process may use)", "", false},
          {"db", "FILE", "SQLite results database: finished points are stored at once and skipped on a re-run", "", false},
          {"no-plot", "", "write the CSV only", "", false},
          {"html", "FILE", "also write a self-contained HTML report (plots and table)", "", false},
          {"python", "FILE", "Python interpreter with matplotlib for the plots", "/usr/bin/python3", false},
          {"quiet", "", "print nothing but errors and the plot notice", "", false}});
  if (!a.parse(argv)) return kExitOk;
  // Everything is loaded and checked before anything runs.
  study::ScalingOptions opt;
  opt.chips = study::parse_chip_list(a.get("chips"));
  opt.skip_unreachable = !a.has("chips");
  opt.modes = parse_modes(a.get("modes"));
  opt.symmetry = !a.has("no-symmetry");
  opt.jobs = a.has("jobs") ? static_cast<int>(positive_int_option("scale", "jobs", a.get("jobs"), 1024)) : study::default_jobs();
  for (const char* key : {"arch", "scenario"}) {
    std::error_code ec;
    if (!fs::is_regular_file(a.get(key), ec))
      throw UserError(std::string("--") + key + ": no such file '" + a.get(key) + "'");
  }
  if (!wl::gen::looks_like_scenario(a.get("scenario")))
    throw UserError("--scenario: '" + a.get("scenario") +
                    "' is not a transformer scenario (a YAML file with a top-level 'scenario:' map; see "
                    "workloads/scenarios/)");
  ArchSpec arch = load_arch(a.get("arch"));
  wl::gen::ScenarioSpec sc = wl::gen::load_scenario(a.get("scenario"));
  if (a.has("global-batch")) {
    std::int64_t b = 0;
    try {
      size_t used = 0;
      b = std::stoll(a.get("global-batch"), &used);
      if (used != a.get("global-batch").size()) b = 0;
    } catch (const std::exception&) {
      b = 0;
    }
    if (b <= 0) throw UserError("--global-batch: '" + a.get("global-batch") + "' is not a positive integer");
    (sc.training_mode ? sc.training.global_batch : sc.inference.batch) = b;
    try {
      wl::gen::check_scenario(sc);
    } catch (const UserError& e) {
      throw UserError("--global-batch " + a.get("global-batch") + ": " + e.what());
    }
  }
  const bool quiet = a.has("quiet");
  const auto t0 = std::chrono::steady_clock::now();
  if (!quiet)
    std::cout << "xpusim scale: " << sc.name << " (tp " << sc.parallel.tp << ", pp " << sc.parallel.pp << ", cp "
              << sc.parallel.cp << ") on pods derived from " << arch.pod.name << "\n";
  prepare_output_dir(a.get("out"), "--out");  // fail before simulating, not after
  if (a.has("html")) prepare_output_file(a.get("html"), "--html");
  std::unique_ptr<study::SqliteStore> db;
  if (a.has("db") && !study::mpi_worker()) {
    db = std::make_unique<study::SqliteStore>(a.get("db"));
    opt.store = db.get();
  }
  study::ScalingStudy st = study::run_scaling(arch, sc, opt);
  if (study::mpi_worker()) return kExitOk;  // rank 0 reports
  if (!quiet) {
    for (const auto& note : st.skipped) std::cout << "  skipped " << note << "\n";
    for (const auto& p : st.points) std::cout << point_line(p) << "\n";
  }
  if (st.points.empty()) throw UserError("no chip count could be simulated (see the skipped points above)");
  const std::string out = a.get("out");
  report::write_files(out, {{"scaling.csv", study::scaling_csv(st)}});
  if (a.has("html")) write_file_atomic(a.get("html"), study::html_scaling_report(st));
  if (!quiet) {
    std::cout << "\n  efficiency (throughput / ideal from the smallest point):\n";
    for (const auto& p : st.points)
      std::cout << "    " << study::scaling_mode_name(p.mode) << " " << p.chips << ": "
                << report::fixed(100 * p.efficiency, 1) << "%\n";
    std::cout << "\n  " << st.points.size() << " point(s) in "
              << report::fixed(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1)
              << " s; wrote " << out << "/scaling.csv\n";
  }
  if (a.has("no-plot")) return kExitOk;
  return run_plot_script(a.get("python"), "plot_scaling.py",
                         {out + "/scaling.csv", "--out", out, "--title", sc.name + " on " + arch.pod.name + "-derived pods"},
                         "scaling.csv");
}

}  // namespace
XPU_REGISTER_COMMAND("scale", "strong/weak scaling curves of a scenario (CSV and plots)", scale_cmd);
}  // namespace xpu::cli
