// `xpusim scale --arch POD --scenario SCENARIO --out DIR [--chips 8,16,...] [--modes strong,weak]`:
// strong- and weak-scaling curves of a transformer scenario over pods derived from POD
// (sim/report/scaling.h; docs/scaling.md). Writes DIR/scaling.csv, then, when /usr/bin/python3 can
// import matplotlib, DIR/scaling.png and DIR/scaling.svg through analysis/plot_scaling.py; without
// matplotlib it says so in one line and leaves the CSV.
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sys/wait.h>

#include "sim/cli/command.h"
#include "sim/core/output.h"
#include "sim/core/error.h"
#include "sim/report/report.h"
#include "sim/report/scaling.h"
#include "sim/workload/generator/scenario.h"

namespace xpu::cli {
namespace fs = std::filesystem;
namespace {

const char* const kDefaultChips = "8,16,32,64,128,256,512";

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

int exit_status(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0); }

// analysis/plot_scaling.py: $XPUSIM_ANALYSIS_DIR, else <dir of the binary>/../analysis (the binary
// lives in <repo>/build*/), else ./analysis.
std::string find_plot_script() {
  std::vector<fs::path> dirs;
  if (const char* e = std::getenv("XPUSIM_ANALYSIS_DIR")) dirs.emplace_back(e);
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    buf[n] = '\0';
    dirs.push_back(fs::path(buf).parent_path().parent_path() / "analysis");
  }
  dirs.emplace_back("analysis");
  for (const auto& d : dirs) {
    std::error_code ec;
    if (fs::exists(d / "plot_scaling.py", ec)) return (d / "plot_scaling.py").string();
  }
  return "";
}

std::vector<report::ScalingMode> parse_modes(const std::string& text) {
  std::vector<report::ScalingMode> out;
  std::string item;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != ',') {
      item += text[i];
      continue;
    }
    if (item == "strong") out.push_back(report::ScalingMode::Strong);
    else if (item == "weak") out.push_back(report::ScalingMode::Weak);
    else throw UserError("--modes: unknown mode '" + item + "' (expected strong, weak or strong,weak)");
    item.clear();
  }
  return out;
}

std::string point_line(const report::ScalingPoint& p) {
  std::string s = "  " + std::string(report::scaling_mode_name(p.mode)) + " " + std::to_string(p.chips) +
                  " chips (dp " + std::to_string(p.dp) + ", batch " + std::to_string(p.global_batch) + ", " +
                  std::to_string(p.micro_batches) + " micro-batch(es)/replica): step " + format_seconds(p.step_time) +
                  ", " + report::fixed(p.tokens_per_s, 0) + " tokens/s";
  if (p.mfu >= 0) s += ", MFU " + report::fixed(100 * p.mfu, 1) + "%";
  s += ", exposed comm " + report::fixed(100 * p.exposed_share(), 1) + "%";
  if (p.footprint.value() > 0) s += p.footprint <= p.capacity ? ", HBM fits" : ", HBM DOES NOT FIT";
  s += p.wall_s > 0 ? "  [" + report::fixed(p.wall_s, 2) + " s]" : std::string("  [same run as the other mode's]");
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
          {"no-plot", "", "write the CSV only", "", false},
          {"python", "FILE", "Python interpreter with matplotlib for the plots", "/usr/bin/python3", false},
          {"quiet", "", "print nothing but errors and the plot notice", "", false}});
  if (!a.parse(argv)) return kExitOk;
  // Everything is loaded and checked before anything runs.
  report::ScalingOptions opt;
  opt.chips = report::parse_chip_list(a.get("chips"));
  opt.skip_unreachable = !a.has("chips");
  opt.modes = parse_modes(a.get("modes"));
  opt.symmetry = !a.has("no-symmetry");
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
  report::ScalingStudy st = report::run_scaling(arch, sc, opt, [&](const report::ScalingPoint* p, const std::string& note) {
    if (quiet) return;
    std::cout << (p ? point_line(*p) : "  skipped " + note) << "\n" << std::flush;
  });
  if (st.points.empty()) throw UserError("no chip count could be simulated (see the skipped points above)");
  const std::string out = a.get("out");
  report::write_files(out, {{"scaling.csv", report::scaling_csv(st)}});
  if (!quiet) {
    std::cout << "\n  efficiency (throughput / ideal from the smallest point):\n";
    for (const auto& p : st.points)
      std::cout << "    " << report::scaling_mode_name(p.mode) << " " << p.chips << ": "
                << report::fixed(100 * p.efficiency, 1) << "%\n";
    std::cout << "\n  " << st.points.size() << " point(s) in "
              << report::fixed(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1)
              << " s; wrote " << out << "/scaling.csv\n";
  }
  if (a.has("no-plot")) return kExitOk;
  const std::string py = a.get("python");
  std::cout.flush();
  if (exit_status(std::system((shell_quote(py) + " -c 'import matplotlib' >/dev/null 2>&1").c_str())) != 0) {
    std::cout << "  plots: skipped: " << py
              << " cannot import matplotlib (install python3-matplotlib, e.g. scripts/deps.sh); scaling.csv is complete\n";
    return kExitOk;
  }
  const std::string script = find_plot_script();
  if (script.empty()) {
    std::cout << "  plots: skipped: analysis/plot_scaling.py not found (set XPUSIM_ANALYSIS_DIR); scaling.csv is complete\n";
    return kExitOk;
  }
  const std::string cmd = shell_quote(py) + " " + shell_quote(script) + " " + shell_quote(out + "/scaling.csv") +
                          " --out " + shell_quote(out) + " --title " +
                          shell_quote(sc.name + " on " + arch.pod.name + "-derived pods");
  std::cout.flush();  // the script's own lines follow ours
  const int rc = exit_status(std::system(cmd.c_str()));
  if (rc != 0) {
    std::cerr << "error: plot script failed (exit " << rc << "): " << cmd << "\n";
    return kExitCheckFailed;
  }
  return kExitOk;
}

}  // namespace
XPU_REGISTER_COMMAND("scale", "strong/weak scaling curves of a scenario (CSV and plots)", scale_cmd);
}  // namespace xpu::cli
