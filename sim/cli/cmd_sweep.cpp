// `xpusim sweep`: design-space exploration over arch keys ("what if HBM bandwidth +30%?").
// Every combination of the --vary values (cartesian product, in the order given) is simulated in this
// process (the event kernel is reused), and one CSV row per point is written.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "sim/cli/command.h"
#include "sim/cluster/simulate.h"
#include "sim/report/report.h"
#include "sim/workload/reader.h"
#include "sim/workload/replicate.h"

namespace xpu::cli {
namespace {

struct Axis {
  std::string key;
  std::vector<std::string> values;
};

Axis parse_axis(const std::string& text) {
  ArchOverride o = parse_override(text);
  Axis a;
  a.key = o.key;
  std::string cur;
  int depth = 0;  // commas inside [..] or {..} belong to the value
  for (char c : o.value) {
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      a.values.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  a.values.push_back(cur);
  for (auto& v : a.values) {
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    while (!v.empty() && v.back() == ' ') v.pop_back();
    if (v.empty()) throw UserError("--vary " + text + ": empty value in the list");
  }
  return a;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

int sweep_cmd(const std::vector<std::string>& argv) {
  Args a("sweep",
         "Simulate a workload on every combination of arch key values and write one CSV row per point "
         "(step time, throughput, MFU, compute / exposed communication / idle, HBM fit). Values carry "
         "units as in the configs; lists are comma-separated.",
         {{"arch", "FILE", "base arch config", "", true},
          {"workload", "FILE", "workload (trace or scenario)", "", true},
          {"vary", "KEY=V1,V2,...", "an axis of the sweep (repeatable), e.g. --vary chip.hbm.bandwidth=1.6TB/s,2.1TB/s", "", true},
          {"set", "KEY=VALUE", "a fixed override applied to every point (repeatable)", "", false},
          {"ranks", "N", "replay a data-parallel trace on N ranks", "", false},
          {"out", "FILE", "write the CSV here (default: stdout)", "", false}});
  if (!a.parse(argv)) return kExitOk;
  std::vector<Axis> axes;
  for (const auto& v : a.get_all("vary")) axes.push_back(parse_axis(v));
  std::vector<ArchOverride> fixed;
  for (const auto& s : a.get_all("set")) fixed.push_back(parse_override(s));
  size_t points = 1;
  for (const auto& ax : axes) points *= ax.values.size();
  if (points > 10000) throw UserError("xpusim sweep: " + std::to_string(points) + " points; at most 10000");

  wl::Workload w = wl::load_workload(a.get("workload"));
  if (a.has("ranks"))
    wl::replicate_data_parallel(w, static_cast<wl::RankId>(positive_int_option("sweep", "ranks", a.get("ranks"))));
  // Validate every point's config before simulating any (bad input: nothing written).
  std::vector<std::vector<ArchOverride>> point_overrides;
  std::vector<ArchSpec> archs;
  for (size_t p = 0; p < points; ++p) {
    std::vector<ArchOverride> ov = fixed;
    size_t rest = p;
    for (size_t i = axes.size(); i-- > 0;) {
      ov.push_back(ArchOverride{axes[i].key, axes[i].values[rest % axes[i].values.size()]});
      rest /= axes[i].values.size();
    }
    archs.push_back(load_arch(a.get("arch"), ov));
    point_overrides.push_back(std::move(ov));
  }
  std::ostringstream csv;
  csv << "point";
  for (const auto& ax : axes) csv << "," << csv_field(ax.key);
  csv << ",step_time_s,tokens_per_s,samples_per_s,mfu,achieved_flops_per_s_per_chip,compute_s,exposed_comm_s,"
         "overlap_s,idle_s,hbm_footprint_bytes,hbm_capacity_bytes,fits\n";
  for (size_t p = 0; p < points; ++p) {
    cluster::SimulateOptions so;
    so.engine.record_ops = false;
    cluster::SimResult r = cluster::simulate(archs[p], w, so);
    report::Summary s = report::summarize(w, archs[p], r);
    csv << p;
    // the varied values, in axis order (they were pushed last-axis first after the fixed ones)
    for (size_t i = 0; i < axes.size(); ++i) csv << "," << csv_field(point_overrides[p][fixed.size() + axes.size() - 1 - i].value);
    auto num = [](double v, int d) { return report::fixed(v, d); };
    csv << "," << num(s.step_time.seconds(), 9) << "," << (s.tokens_per_s >= 0 ? num(s.tokens_per_s, 3) : "")
        << "," << (s.samples_per_s >= 0 ? num(s.samples_per_s, 4) : "") << "," << (s.mfu >= 0 ? num(s.mfu, 5) : "")
        << "," << num(s.achieved_per_chip.value(), 0) << "," << num(s.compute_busy.seconds(), 9) << ","
        << num(s.exposed_comm.seconds(), 9) << "," << num(s.overlap.seconds(), 9) << "," << num(s.idle.seconds(), 9)
        << "," << (s.footprint.value() > 0 ? num(s.footprint.value(), 0) : "") << "," << num(s.capacity.value(), 0)
        << "," << (s.footprint.value() > 0 ? (s.footprint <= s.capacity ? "yes" : "no") : "") << "\n";
    if (a.has("out")) std::cerr << "point " << p + 1 << "/" << points << ": step " << format_seconds(s.step_time) << "\n";
  }
  if (a.has("out")) {
    report::write_files(".", {{a.get("out"), csv.str()}});
    std::cout << "wrote " << a.get("out") << " (" << points << " points)\n";
  } else {
    std::cout << csv.str();
  }
  return kExitOk;
}

}  // namespace
XPU_REGISTER_COMMAND("sweep", "simulate every combination of arch key values (design-space exploration) to CSV", sweep_cmd);
}  // namespace xpu::cli
