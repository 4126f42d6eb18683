#include "sim/study/html_study.h"

#include <algorithm>
#include <sstream>

#include "sim/core/units.h"
#include "sim/report/html.h"
#include "sim/report/report.h"
#include "sim/study/runner.h"

namespace xpu::study {
namespace {

namespace h = report::html;
using report::fixed;

std::string header(const std::string& title, const std::string& subtitle) {
  return "<header><h1>" + h::escape(title) + "</h1><p>" + h::escape(subtitle) + "</p></header>\n<main>\n";
}

}  // namespace

std::string html_scaling_report(const ScalingStudy& s) {
  std::ostringstream b;
  b << header("xpusim scale: " + s.scenario, "pods derived from " + s.arch);
  std::vector<h::Series> step, tput, eff, exposed;
  std::vector<std::vector<h::Cell>> rows;
  for (ScalingMode mode : {ScalingMode::Strong, ScalingMode::Weak}) {
    h::Series a, t, e, x;
    a.name = t.name = e.name = x.name = scaling_mode_name(mode);
    for (const auto& p : s.points) {
      if (p.mode != mode) continue;
      const double c = static_cast<double>(p.chips);
      const std::string label = std::to_string(p.chips) + " chips, dp " + std::to_string(p.dp) + ": step " +
                                format_seconds(p.step_time) + ", " + fixed(p.tokens_per_s, 0) + " tokens/s";
      a.x.push_back(c), a.y.push_back(p.step_time.value() * 1e3), a.labels.push_back(label);
      t.x.push_back(c), t.y.push_back(p.tokens_per_s_per_chip()), t.labels.push_back(label);
      e.x.push_back(c), e.y.push_back(100 * p.efficiency), e.labels.push_back(label);
      x.x.push_back(c), x.y.push_back(100 * p.exposed_share()), x.labels.push_back(label);
      rows.push_back({h::text_cell(scaling_mode_name(mode)), h::num_cell(c, 0), h::num_cell(p.dp, 0),
                      h::num_cell(static_cast<double>(p.global_batch), 0), h::num_cell(p.step_time.value() * 1e3, 4),
                      h::num_cell(p.tokens_per_s, 0), h::num_cell(p.mfu >= 0 ? 100 * p.mfu : 0, 1),
                      h::num_cell(100 * p.efficiency, 1), h::num_cell(100 * p.exposed_share(), 1),
                      h::text_cell(p.footprint.value() > 0 ? (p.footprint <= p.capacity ? "fits" : "DOES NOT FIT") : "-")});
    }
    if (a.x.empty()) continue;
    step.push_back(a), tput.push_back(t), eff.push_back(e), exposed.push_back(x);
  }
  b << "<section id=\"scaling\"><h2>Scaling</h2>"
    << h::xy_chart("scaling-step", "step time", {"chips", true, true}, {"step time (ms)", true}, step)
    << h::xy_chart("scaling-throughput", "tokens/s per chip", {"chips", true, true}, {"tokens/s per chip", false}, tput)
    << h::xy_chart("scaling-efficiency", "scaling efficiency", {"chips", true, true}, {"% of ideal", false}, eff)
    << h::xy_chart("scaling-exposed", "exposed communication", {"chips", true, true}, {"% of step", false}, exposed)
    << "</section>\n<section id=\"points\"><h2>Points</h2>"
    << h::table("scaling-table", {"mode", "chips", "dp", "global batch", "step (ms)", "tokens/s", "MFU %", "efficiency %",
                                  "exposed comm %", "HBM"},
                rows);
  for (const auto& sk : s.skipped) b << "<p class=\"note\">skipped " << h::escape(sk) << "</p>";
  b << "</section>\n</main>";
  return h::page("xpusim scale: " + s.scenario, b.str());
}

std::string html_plan_report(const Plan& p, std::size_t top) {
  std::ostringstream b;
  b << header("xpusim plan: " + p.model + " on " + p.arch,
              std::to_string(p.chips) + " chips, " +
                  (p.inference ? p.phase + (p.latency_s > 0 ? ", latency target " + fixed(p.latency_s * 1e3, 3) + " ms" : "")
                               : "global batch " + std::to_string(p.global_batch) + " x " + std::to_string(p.seq_len) +
                                     " tokens, objective " + p.objective));
  std::vector<std::vector<h::Cell>> rows;
  h::Series sim, front;
  sim.name = "simulated";
  sim.lines = false;
  front.name = "Pareto front";
  for (std::size_t i = 0; i < p.ranking.size(); ++i) {
    const Candidate& c = p.candidates[p.ranking[i]];
    const double fp = c.footprint_bytes() / double(units::GiB);
    sim.x.push_back(fp), sim.y.push_back(c.sim.step_time_s * 1e3), sim.labels.push_back(c.label());
    if (i < top)
      rows.push_back({h::num_cell(c.rank, 0), h::text_cell(c.label()), h::num_cell(c.sim.step_time_s * 1e3, 4),
                      h::num_cell(c.tokens_per_s_per_chip, 1), h::num_cell(c.sim.mfu >= 0 ? 100 * c.sim.mfu : 0, 1),
                      h::num_cell(fp, 2), h::num_cell(c.sim.exposed_comm_s * 1e3, 4), h::num_cell(c.sim.idle_s * 1e3, 4)});
  }
  // The Pareto front (step time against footprint), in footprint order.
  std::vector<std::pair<double, double>> pf;
  for (std::size_t i : p.ranking)
    if (p.candidates[i].pareto)
      pf.emplace_back(p.candidates[i].footprint_bytes() / double(units::GiB), p.candidates[i].sim.step_time_s * 1e3);
  std::sort(pf.begin(), pf.end());
  for (const auto& [x, y] : pf) front.x.push_back(x), front.y.push_back(y);
  b << "<section id=\"ranking\"><h2>Ranked layouts (simulated)</h2>";
  if (rows.empty()) b << "<p>No layout fits in HBM among those simulated; plan.csv has each rejection.</p>";
  else
    b << h::table("plan-table", {"rank", "layout", "step (ms)", "tokens/s/chip", "MFU %", "HBM GiB", "exposed comm (ms)", "idle (ms)"},
                  rows);
  b << "</section>\n<section id=\"pareto\"><h2>Step time against HBM footprint</h2>"
    << h::xy_chart("plan-pareto", "simulated layouts", {"HBM footprint per chip (GiB)", false}, {"step time (ms)", false},
                   {sim, front})
    << "</section>\n";
  std::size_t rejected = 0;
  for (const auto& c : p.candidates) rejected += c.status == PlanStatus::Rejected ? 1 : 0;
  b << "<section id=\"counts\"><h2>Search</h2><p>" << p.layouts << " layouts (" << p.illegal << " refused by the rules), "
    << p.candidates.size() << " candidates, " << rejected << " do not fit in HBM, " << p.ranking.size()
    << " simulated and ranked.</p></section>\n</main>";
  return h::page("xpusim plan: " + p.model + " on " + p.arch, b.str());
}

std::string html_sweep_report(const SweepSpec& spec, const std::vector<Point>& points, const std::vector<Metrics>& results) {
  std::ostringstream b;
  b << header("xpusim sweep" + (spec.name.empty() ? std::string() : ": " + spec.name), spec.arch_path + " x " + spec.workload_path);
  std::vector<std::string> names, labels;
  std::vector<double> v;
  std::vector<std::vector<h::Cell>> rows;
  for (std::size_t i = 0; i < points.size() && i < results.size(); ++i) {
    const Metrics& m = results[i];
    const std::string name = labels_text(points[i]);
    if (m.error.empty()) {
      names.push_back(name);
      v.push_back(m.step_time_s);
      labels.push_back(format_seconds(Seconds(m.step_time_s)));
    }
    rows.push_back({h::text_cell(name), h::num_cell(m.step_time_s * 1e3, 4), h::num_cell(m.mfu >= 0 ? 100 * m.mfu : 0, 1),
                    h::num_cell(m.tokens_per_s >= 0 ? m.tokens_per_s : 0, 1), h::num_cell(m.exposed_comm_s * 1e3, 4),
                    h::text_cell(m.error.empty() ? (m.fits() ? "fits" : "DOES NOT FIT") : "error: " + m.error)});
  }
  b << "<section id=\"sweep\"><h2>Step time per point</h2>" << h::bar_chart("sweep-chart", "step time", names, v, labels)
    << h::table("sweep-table", {"point", "step (ms)", "MFU %", "tokens/s", "exposed comm (ms)", "HBM / error"}, rows)
    << "</section>\n</main>";
  return h::page("xpusim sweep", b.str());
}

}  // namespace xpu::study
