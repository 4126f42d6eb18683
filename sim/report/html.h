// Self-contained HTML reports (`xpusim run|scale|plan ... --html FILE`).
//
// One file, nothing fetched: CSS, a few lines of JavaScript (sortable tables) and every chart as
// inline SVG drawn here. Same inputs, same bytes (fixed number formatting, no dates, no random ids).
// The building blocks below are shared with the study reports (sim/study/html_study.cpp).
#pragma once

#include <string>
#include <vector>

#include "sim/cluster/arch.h"
#include "sim/cluster/engine.h"
#include "sim/report/report.h"
#include "sim/workload/ir.h"

namespace xpu::report {

// The `run` report: summary, time breakdown, time by op class, roofline per op class, timeline of
// the traced ranks (trace.json is the full one, for Perfetto), network levels, HBM footprint.
std::string html_run_report(const wl::Workload& w, const ArchSpec& arch, const cluster::SimResult& r, const Summary& s);

namespace html {

std::string escape(const std::string& s);
// A whole page: <title>, the stylesheet, `body` and the script.
std::string page(const std::string& title, const std::string& body);
// A table with a header row; cells are escaped. Numeric columns sort numerically (data-v).
struct Cell {
  std::string text;
  double sort = 0;
  bool numeric = false;
};
Cell num_cell(double v, int decimals);
Cell text_cell(const std::string& s);
std::string table(const std::string& id, const std::vector<std::string>& header, const std::vector<std::vector<Cell>>& rows);

// One series of an x-y chart.
struct Series {
  std::string name;
  std::vector<double> x, y;
  std::vector<std::string> labels;  // per point, shown on hover (optional)
  bool lines = true;                // false: markers only
};
struct Axis {
  std::string title;
  bool log = false;
  bool ticks_at_data = false;  // tick every distinct value of the data (chip counts) instead of round numbers
};
std::string xy_chart(const std::string& id, const std::string& title, const Axis& x, const Axis& y,
                     const std::vector<Series>& series, const std::string& extra_svg = "");
// Horizontal bars, one per item, value and its label.
std::string bar_chart(const std::string& id, const std::string& title, const std::vector<std::string>& names,
                      const std::vector<double>& values, const std::vector<std::string>& value_labels);
std::string color(size_t i);

}  // namespace html
}  // namespace xpu::report
