#include "sim/report/html.h"

#include "sim/core/config.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

namespace xpu::report {
namespace html {

std::string escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

namespace {

const char* const kStyle = R"CSS(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1d2430;color:#fff;padding:14px 28px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#c8d0dc}
main{max-width:1180px;margin:0 auto;padding:8px 28px 40px}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:18px 0;padding:6px 18px 14px}
h2{font-size:16px;margin:12px 0 8px}
pre{background:#f2f4f7;padding:10px;overflow:auto;font-size:12.5px}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0}th,td{border-bottom:1px solid #e5e8ec;padding:3px 10px;text-align:left}
th{cursor:pointer;background:#eef1f5;user-select:none}td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}.card{border:1px solid #dde1e7;border-radius:6px;padding:8px 12px;min-width:150px}
.card b{display:block;font-size:18px}.card span{color:#5b6678;font-size:12px}
svg text{font:11px system-ui,Helvetica,Arial,sans-serif;fill:#1d2430}.note{color:#5b6678;font-size:12.5px}
)CSS";

// Sortable tables: click a header to sort by that column (numbers by data-v).
const char* const kScript = R"JS(
(function(){
  document.querySelectorAll('table.sortable').forEach(function(t){
    t.querySelectorAll('th').forEach(function(th,i){
      th.addEventListener('click',function(){
        var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows),asc=th.dataset.asc!=='1';
        rows.sort(function(a,b){
          var x=a.cells[i],y=b.cells[i],vx=x.dataset.v,vy=y.dataset.v;
          var c=(vx!==undefined&&vy!==undefined)?(parseFloat(vx)-parseFloat(vy)):x.textContent.localeCompare(y.textContent);
          return asc?c:-c;});
        rows.forEach(function(r){body.appendChild(r);});
        th.dataset.asc=asc?'1':'0';});});});
  document.body.setAttribute('data-report-ready','1');
})();
)JS";

std::string f(double v, int d) { return fixed(v, d); }

std::string si(double v) {  // compact axis labels: 1.5k, 2M, 3.2G, 4T, 5m, 6u
  const double a = std::fabs(v);
  const struct {
    double scale;
    const char* suffix;
  } steps[] = {{1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""}, {1e-3, "m"}, {1e-6, "u"}, {1e-9, "n"}, {1e-12, "p"}};
  if (a == 0) return "0";
  for (const auto& s : steps)
    if (a >= s.scale * 0.9999) {
      const double x = v / s.scale;
      if (std::fabs(x - std::round(x)) < 1e-9) return f(x, 0) + s.suffix;
      return f(x, std::fabs(x) < 10 ? 2 : (std::fabs(x) < 100 ? 1 : 0)) + s.suffix;
    }
  return f(v, 3);
}

}  // namespace

std::string color(size_t i) {
  static const char* const c[] = {"#3b6fb6", "#e0823d", "#4d9a5a", "#c2443d", "#8464b0", "#8c6d5a",
                                  "#d16fae", "#7a7a7a", "#b5a630", "#3aa6b8"};
  return c[i % (sizeof c / sizeof c[0])];
}

std::string page(const std::string& title, const std::string& body) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"generator\" content=\"xpusim 0.1.0\">\n<title>" << escape(title) << "</title>\n<style>" << kStyle
    << "</style>\n</head>\n<body>\n" << body << "\n<script>" << kScript << "</script>\n</body>\n</html>\n";
  return o.str();
}

Cell num_cell(double v, int decimals) { return Cell{f(v, decimals), v, true}; }
Cell text_cell(const std::string& s) { return Cell{s, 0, false}; }

std::string table(const std::string& id, const std::vector<std::string>& header, const std::vector<std::vector<Cell>>& rows) {
  std::ostringstream o;
  o << "<table class=\"sortable\" id=\"" << escape(id) << "\"><thead><tr>";
  for (const auto& h : header) o << "<th>" << escape(h) << "</th>";
  o << "</tr></thead><tbody>\n";
  for (const auto& r : rows) {
    o << "<tr>";
    for (const auto& c : r) {
      if (c.numeric) o << "<td class=\"n\" data-v=\"" << cfg::json_scalar(c.sort) << "\">" << escape(c.text) << "</td>";
      else o << "<td>" << escape(c.text) << "</td>";
    }
    o << "</tr>\n";
  }
  o << "</tbody></table>\n";
  return o.str();
}

std::string xy_chart(const std::string& id, const std::string& title, const Axis& xa, const Axis& ya,
                     const std::vector<Series>& series, const std::string& extra_svg) {
  const double W = 720, H = 360, L = 70, R = 170, T = 30, B = 46;
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if ((xa.log && !(s.x[i] > 0)) || (ya.log && !(s.y[i] > 0)) || !std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]), y0 = std::min(y0, s.y[i]), y1 = std::max(y1, s.y[i]);
    }
  std::ostringstream o;
  o << "<svg id=\"" << escape(id) << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" viewBox=\"0 0 " << W << " " << H << "\" role=\"img\"><title>" << escape(title) << "</title>\n"
    << "<text x=\"" << L << "\" y=\"18\" font-weight=\"bold\">" << escape(title) << "</text>\n";
  if (!(x0 <= x1)) {
    o << "<text x=\"" << L << "\" y=\"60\">no data</text></svg>\n";
    return o.str();
  }
  auto tx = [&](double v) { return xa.log ? std::log10(v) : v; };
  auto ty = [&](double v) { return ya.log ? std::log10(v) : v; };
  double a0 = tx(x0), a1 = tx(x1), b0 = ty(y0), b1 = ty(y1);
  if (!ya.log) b0 = std::min(b0, 0.0);
  if (a1 - a0 < 1e-12) a0 -= 0.5, a1 += 0.5;
  if (b1 - b0 < 1e-12) b0 -= 0.5, b1 += 0.5;
  const double pa = (a1 - a0) * 0.04, pb = (b1 - b0) * 0.06;
  a0 -= pa, a1 += pa, b1 += pb;
  if (ya.log) b0 -= pb;
  auto px = [&](double v) { return L + (tx(v) - a0) / (a1 - a0) * (W - L - R); };
  auto py = [&](double v) { return H - B - (ty(v) - b0) / (b1 - b0) * (H - T - B); };
  o << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << W - L - R << "\" height=\"" << H - T - B
    << "\" fill=\"none\" stroke=\"#b8bfca\"/>\n";
  // Ticks: 5 linear ticks or the decades of a log axis.
  auto ticks = [](double lo, double hi, bool log) {
    std::vector<double> t;
    if (log) {
      // Decades, or 1-2-5 steps when the range spans less than about two decades.
      const bool fine = hi - lo < 2.2;
      for (double e = std::floor(lo); e <= hi && t.size() < 24; e += 1)
        for (double m : {1.0, 2.0, 5.0}) {
          if (!fine && m != 1.0) continue;
          const double v = m * std::pow(10.0, e);
          if (std::log10(v) >= lo && std::log10(v) <= hi) t.push_back(v);
        }
    } else {
      for (int i = 0; i <= 4; ++i) t.push_back(lo + (hi - lo) * i / 4);
    }
    return t;
  };
  std::vector<double> xticks = ticks(a0, a1, xa.log);
  if (xa.ticks_at_data) {
    xticks.clear();
    for (const auto& s : series)
      for (double v : s.x)
        if (std::find(xticks.begin(), xticks.end(), v) == xticks.end() && (!xa.log || v > 0)) xticks.push_back(v);
    std::sort(xticks.begin(), xticks.end());
  }
  for (double v : xticks) {
    const double x = px(v);
    o << "<line x1=\"" << f(x, 1) << "\" x2=\"" << f(x, 1) << "\" y1=\"" << T << "\" y2=\"" << H - B
      << "\" stroke=\"#eceff3\"/><text x=\"" << f(x, 1) << "\" y=\"" << H - B + 14 << "\" text-anchor=\"middle\">" << si(v)
      << "</text>\n";
  }
  for (double v : ticks(b0, b1, ya.log)) {
    const double y = py(v);
    o << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << f(y, 1) << "\" y2=\"" << f(y, 1)
      << "\" stroke=\"#eceff3\"/><text x=\"" << L - 6 << "\" y=\"" << f(y + 4, 1) << "\" text-anchor=\"end\">" << si(v)
      << "</text>\n";
  }
  o << "<text x=\"" << f(L + (W - L - R) / 2, 1) << "\" y=\"" << H - 8 << "\" text-anchor=\"middle\">" << escape(xa.title)
    << "</text>\n<text transform=\"translate(14," << f(T + (H - T - B) / 2, 1) << ") rotate(-90)\" text-anchor=\"middle\">"
    << escape(ya.title) << "</text>\n";
  // The extra layer (roofline ceilings) is given in data coordinates as "x1 y1 x2 y2 label" lines.
  std::istringstream extra(extra_svg);
  std::string line;
  while (std::getline(extra, line)) {
    std::istringstream ls(line);
    double ex1, ey1, ex2, ey2;
    std::string label;
    if (!(ls >> ex1 >> ey1 >> ex2 >> ey2)) continue;
    std::getline(ls, label);
    o << "<line x1=\"" << f(px(ex1), 1) << "\" y1=\"" << f(py(ey1), 1) << "\" x2=\"" << f(px(ex2), 1) << "\" y2=\""
      << f(py(ey2), 1) << "\" stroke=\"#1d2430\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>"
      << "<text x=\"" << f((px(ex1) + px(ex2)) / 2, 1) << "\" y=\"" << f((py(ey1) + py(ey2)) / 2 - 6, 1)
      << "\" text-anchor=\"end\">" << escape(label)
      << "</text>\n";
  }
  size_t k = 0;
  for (const auto& s : series) {
    const std::string c = color(k);
    std::string pts;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if ((xa.log && !(s.x[i] > 0)) || (ya.log && !(s.y[i] > 0))) continue;
      pts += f(px(s.x[i]), 1) + "," + f(py(s.y[i]), 1) + " ";
    }
    if (s.name.empty()) continue;  // an unnamed series only widens the axes
    if (s.lines && !pts.empty()) o << "<polyline fill=\"none\" stroke=\"" << c << "\" stroke-width=\"2\" points=\"" << pts << "\"/>\n";
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if ((xa.log && !(s.x[i] > 0)) || (ya.log && !(s.y[i] > 0))) continue;
      o << "<circle cx=\"" << f(px(s.x[i]), 1) << "\" cy=\"" << f(py(s.y[i]), 1) << "\" r=\"4\" fill=\"" << c << "\"><title>"
        << escape(s.name + (i < s.labels.size() ? ": " + s.labels[i] : "")) << "</title></circle>\n";
    }
    o << "<rect x=\"" << W - R + 12 << "\" y=\"" << T + 4 + 18 * k << "\" width=\"10\" height=\"10\" fill=\"" << c
      << "\"/><text x=\"" << W - R + 28 << "\" y=\"" << T + 13 + 18 * k << "\">" << escape(s.name) << "</text>\n";
    ++k;
  }
  o << "</svg>\n";
  return o.str();
}

std::string bar_chart(const std::string& id, const std::string& title, const std::vector<std::string>& names,
                      const std::vector<double>& values, const std::vector<std::string>& value_labels) {
  const double W = 860, L = 260, R = 230, row = 20, T = 28;
  const double H = T + row * static_cast<double>(names.size()) + 10;
  double vmax = 0;
  for (double v : values) vmax = std::max(vmax, v);
  std::ostringstream o;
  o << "<svg id=\"" << escape(id) << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" viewBox=\"0 0 " << W << " " << H << "\" role=\"img\"><title>" << escape(title) << "</title>\n"
    << "<text x=\"4\" y=\"16\" font-weight=\"bold\">" << escape(title) << "</text>\n";
  for (size_t i = 0; i < names.size(); ++i) {
    const double y = T + row * static_cast<double>(i);
    const double w = vmax > 0 ? values[i] / vmax * (W - L - R) : 0;
    o << "<text x=\"" << L - 6 << "\" y=\"" << f(y + 13, 1) << "\" text-anchor=\"end\">" << escape(names[i]) << "</text>"
      << "<rect x=\"" << L << "\" y=\"" << f(y + 2, 1) << "\" width=\"" << f(std::max(w, 0.5), 1) << "\" height=\"" << row - 5
      << "\" fill=\"" << color(i) << "\"><title>" << escape(names[i] + ": " + value_labels[i]) << "</title></rect>"
      << "<text x=\"" << f(L + w + 6, 1) << "\" y=\"" << f(y + 13, 1) << "\">" << escape(value_labels[i]) << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace html

namespace {

using html::escape;

std::string card(const std::string& label, const std::string& value, const std::string& id = "") {
  return "<div class=\"card\"" + (id.empty() ? std::string() : " id=\"" + id + "\"") + "><b>" + escape(value) +
         "</b><span>" + escape(label) + "</span></div>";
}

std::string pct(double x) { return fixed(100.0 * x, 1) + "%"; }

// The timeline: every op of up to 8 traced ranks as a bar on its stream's row, coloured by class.
std::string timeline_svg(const wl::Workload& w, const cluster::SimResult& r, const std::map<std::string, size_t>& class_color) {
  std::vector<wl::RankId> ranks(r.traced_ranks.begin(), r.traced_ranks.begin() + std::min<size_t>(8, r.traced_ranks.size()));
  const double W = 1100, L = 110, Rm = 10, T = 24, row = 16;
  const double H = T + row * 2 * static_cast<double>(ranks.size()) + 30;
  const double span = std::max<double>(1.0, static_cast<double>(r.makespan.value() * 1e12));
  std::ostringstream o;
  o << "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" viewBox=\"0 0 "
    << W << " " << H << "\" role=\"img\"><title>timeline</title>\n";
  std::map<wl::RankId, size_t> row_of;
  for (size_t i = 0; i < ranks.size(); ++i) {
    row_of[ranks[i]] = i;
    for (int s = 0; s < 2; ++s) {
      const double y = T + row * static_cast<double>(2 * i + s);
      o << "<text x=\"" << L - 6 << "\" y=\"" << fixed(y + 11, 1) << "\" text-anchor=\"end\">rank " << ranks[i] << " "
        << (s == 0 ? "compute" : "comm") << "</text><rect x=\"" << L << "\" y=\"" << fixed(y, 1) << "\" width=\"" << W - L - Rm
        << "\" height=\"" << row - 2 << "\" fill=\"#f2f4f7\"/>\n";
    }
  }
  size_t drawn = 0;
  for (const auto& op : r.ops) {
    auto it = row_of.find(op.rank);
    if (it == row_of.end()) continue;
    const int p = w.program_of_rank[op.rank];
    const auto& nd = *w.programs[p].node(op.node);
    const int s = nd.stream == wl::StreamKind::Compute ? 0 : 1;
    const double x = L + static_cast<double>(op.start_ps) / span * (W - L - Rm);
    const double wd = std::max(0.3, static_cast<double>(op.end_ps - op.start_ps) / span * (W - L - Rm));
    const double y = T + row * static_cast<double>(2 * it->second + s);
    const std::string cls = class_of(nd);
    auto c = class_color.find(cls);
    o << "<rect x=\"" << fixed(x, 2) << "\" y=\"" << fixed(y, 1) << "\" width=\"" << fixed(wd, 2) << "\" height=\"" << row - 2
      << "\" fill=\"" << html::color(c == class_color.end() ? 0 : c->second) << "\"><title>" << escape(nd.name) << " ("
      << escape(cls) << "): " << escape(format_seconds(Seconds((op.end_ps - op.start_ps) * 1e-12))) << "</title></rect>\n";
    if (++drawn >= 20000) break;
  }
  const double yb = T + row * 2 * static_cast<double>(ranks.size()) + 14;
  for (int i = 0; i <= 4; ++i) {
    const double x = L + (W - L - Rm) * i / 4;
    o << "<text x=\"" << fixed(x, 1) << "\" y=\"" << fixed(yb, 1) << "\" text-anchor=\"" << (i == 0 ? "start" : i == 4 ? "end" : "middle")
      << "\">" << escape(format_seconds(Seconds(r.makespan.value() * i / 4))) << "</text>\n";
  }
  o << "</svg>\n";
  if (drawn >= 20000) o << "<p class=\"note\">The first 20,000 ops are drawn; trace.json has them all.</p>\n";
  return o.str();
}

}  // namespace

std::string html_run_report(const wl::Workload& w, const ArchSpec& arch, const cluster::SimResult& r, const Summary& s) {
  std::ostringstream b;
  const double st = s.step_time.value();
  b << "<header><h1>xpusim run: " << escape(s.workload) << " on " << escape(s.arch) << "</h1><p>" << s.ranks << " rank"
    << (s.ranks == 1 ? "" : "s") << ", models: compute = " << escape(s.compute_model) << ", communication = "
    << escape(s.comm_model) << "</p></header>\n<main>\n";

  // Summary.
  b << "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">"
    << card("simulated step time", format_seconds(s.step_time), "step-time")
    << card("compute (avg per rank)", format_seconds(s.compute_busy))
    << card("exposed communication", format_seconds(s.exposed_comm))
    << card("achieved per chip", format_flops_rate(s.achieved_per_chip) + " (" + pct(s.utilization) + ")");
  if (s.mfu >= 0) b << card("MFU", pct(s.mfu));
  if (s.tokens_per_s >= 0) b << card("tokens/s", fixed(s.tokens_per_s, 1));
  if (s.footprint.value() > 0)
    b << card("HBM per chip", format_bytes(s.footprint) + (s.footprint <= s.capacity ? " (fits)" : " (DOES NOT FIT)"));
  b << "</div>\n<pre id=\"summary-text\">" << escape(summary_text(s)) << "</pre></section>\n";

  // Breakdown of the step (per-rank averages).
  {
    const double overlap = s.overlap.value(), compute_only = std::max(0.0, s.compute_busy.value() - overlap);
    std::vector<std::string> names = {"compute only", "compute + communication (overlapped)", "exposed communication",
                                      "idle / waiting"};
    std::vector<double> v = {compute_only, overlap, s.exposed_comm.value(), s.idle.value()};
    std::vector<std::string> labels;
    for (double x : v) labels.push_back(format_seconds(Seconds(x)) + (st > 0 ? " (" + pct(x / st) + ")" : ""));
    b << "<section id=\"breakdown\"><h2>Where the step goes (average rank)</h2>"
      << html::bar_chart("breakdown-chart", "step time " + format_seconds(s.step_time), names, v, labels) << "</section>\n";
  }

  // Roofline per op class: FLOPs, HBM bytes and time summed over the traced ranks' ops.
  struct Agg {
    double flops = 0, bytes = 0, time = 0, count = 0;
    std::map<std::string, double> bound_time;
  };
  std::map<std::string, Agg> agg;
  std::map<std::string, size_t> class_color;
  for (const auto& c : s.by_class) class_color.emplace(c.name, class_color.size());
  for (const auto& op : r.ops) {
    const int p = w.program_of_rank[op.rank];
    const auto& nd = *w.programs[p].node(op.node);
    const std::string cls = class_of(nd);
    class_color.emplace(cls, class_color.size());
    if (wl::is_communication(nd.kind)) continue;
    const auto& c = r.cost(w, p, op.node);
    Agg& a = agg[cls];
    const double t = static_cast<double>(op.end_ps - op.start_ps) * 1e-12;
    a.flops += c.flops.value();
    a.bytes += c.hbm_bytes.value();
    a.time += t;
    a.count += 1;
    a.bound_time[c.bound.empty() ? "?" : c.bound] += t;
  }
  // Time by op class.
  if (!s.by_class.empty()) {
    std::vector<std::string> names, labels;
    std::vector<double> v;
    std::vector<std::vector<html::Cell>> rows;
    for (const auto& c : s.by_class) {
      if (c.time.value() <= 0) continue;
      names.push_back(c.name);
      v.push_back(c.time.value());
      labels.push_back(format_seconds(c.time) + (st > 0 ? " (" + pct(c.time.value() / st) + " of step)" : ""));
      rows.push_back({html::text_cell(c.name), html::num_cell(c.time.value() * 1e3, 4), html::num_cell(c.count, 0),
                      html::num_cell(st > 0 ? 100 * c.time.value() / st : 0, 1)});
    }
    b << "<section id=\"by-class\"><h2>Time by op class (per rank, summed op time)</h2>"
      << html::bar_chart("by-class-chart", "op time per rank", names, v, labels)
      << html::table("by-class-table", {"class", "time (ms)", "count", "% of step"}, rows) << "</section>\n";
  }
  if (!agg.empty()) {
    const double peak = s.peak_per_chip.value(), bw = arch.chip.hbm.bandwidth.value();
    std::vector<html::Series> series;
    std::vector<std::vector<html::Cell>> rows;
    double imin = std::numeric_limits<double>::infinity(), imax = 0;
    for (const auto& [cls, a] : agg) {
      if (a.time <= 0) continue;
      const double intensity = a.bytes > 0 ? a.flops / a.bytes : 0, achieved = a.flops / a.time;
      std::string bound;
      double best = -1;
      for (const auto& [bn, t] : a.bound_time)
        if (t > best) best = t, bound = bn;
      if (intensity > 0 && achieved > 0) {
        imin = std::min(imin, intensity), imax = std::max(imax, intensity);
        html::Series se;
        se.name = cls;
        se.x = {intensity};
        se.y = {achieved};
        se.labels = {fixed(intensity, 1) + " FLOP/B, " + format_flops_rate(FlopsPerSecond(achieved)) + ", " + bound + "-bound"};
        se.lines = false;
        series.push_back(se);
      }
      const double ridge = bw > 0 ? peak / bw : 0;
      rows.push_back({html::text_cell(cls), html::num_cell(a.count, 0), html::num_cell(a.flops / 1e9, 3),
                      html::num_cell(a.bytes / 1e6, 3), html::num_cell(intensity, 2),
                      html::num_cell(achieved / 1e12, 3), html::num_cell(peak > 0 ? 100 * achieved / peak : 0, 1),
                      html::text_cell(intensity > 0 ? (intensity >= ridge ? "compute (above ridge)" : "memory (below ridge)") : "-"),
                      html::text_cell(bound)});
    }
    std::string roof;
    if (peak > 0 && bw > 0 && !series.empty()) {
      const double ridge = peak / bw;
      const double lo = std::min(imin, ridge) / 4, hi = std::max(imax, ridge) * 4;
      roof = fixed(lo, 9) + " " + fixed(lo * bw, 3) + " " + fixed(ridge, 9) + " " + fixed(peak, 3) + " HBM " +
             format_bandwidth(BytesPerSecond(bw)) + "\n" + fixed(ridge, 9) + " " + fixed(peak, 3) + " " + fixed(hi, 9) + " " +
             fixed(peak, 3) + " peak " + format_flops_rate(FlopsPerSecond(peak)) + "\n";
      // Widen the axes to the ceilings with two invisible points.
      html::Series edge;
      edge.name = "";
      edge.x = {lo, hi};
      edge.y = {lo * bw, peak};
      edge.lines = false;
      edge.labels = {"HBM ceiling", "compute ceiling"};
      series.push_back(edge);
    }
    b << "<section id=\"roofline\"><h2>Roofline per op class (one chip: " << escape(format_flops_rate(FlopsPerSecond(peak)))
      << " " << escape(s.peak_dtype) << ", HBM " << escape(format_bandwidth(BytesPerSecond(bw))) << ")</h2>"
      << html::xy_chart("roofline-chart", "achieved FLOP/s against arithmetic intensity", {"FLOP per HBM byte", true},
                        {"FLOP/s", true}, series, roof)
      << html::table("roofline-table",
                     {"class", "ops", "GFLOP", "HBM MB", "FLOP/byte", "TFLOP/s", "% of peak", "roofline side", "model's bound"},
                     rows)
      << "<p class=\"note\">Summed over the traced ranks' ops. \"model's bound\" is what the compute model reports for "
         "most of the class's time (compute, memory, fixed...).</p></section>\n";
  }

  // Timeline.
  b << "<section id=\"timeline-section\"><h2>Timeline</h2>";
  if (r.ops.empty()) {
    b << "<p class=\"note\">No per-op timeline was recorded for this run.</p>";
  } else {
    b << timeline_svg(w, r, class_color);
    b << "<p class=\"note\">Hover a bar for the op. The full timeline of every traced rank is trace.json (`xpusim run "
         "--out DIR`): open it in <a href=\"https://ui.perfetto.dev\">ui.perfetto.dev</a> (Open trace file).</p>";
    b << "<p>";
    for (const auto& [cls, i] : class_color)
      b << "<span style=\"display:inline-block;width:10px;height:10px;background:" << html::color(i)
        << ";margin:0 4px 0 12px\"></span>" << escape(cls);
    b << "</p>";
  }
  b << "</section>\n";

  // Network and memory.
  if (!s.link_levels.empty()) {
    std::vector<std::vector<html::Cell>> rows;
    for (const auto& l : s.link_levels)
      rows.push_back({html::text_cell(l.level), html::num_cell(l.links, 0), html::num_cell(l.bytes.value() / 1e9, 3),
                      html::num_cell(100 * l.mean_utilization, 1), html::num_cell(100 * l.max_utilization, 1),
                      html::text_cell(l.busiest)});
    b << "<section id=\"network\"><h2>Network links (utilisation over the step)</h2>"
      << html::table("network-table", {"level", "links", "GB", "mean %", "max %", "busiest link"}, rows) << "</section>\n";
  }
  if (s.footprint.value() > 0) {
    std::vector<std::string> names, labels;
    std::vector<double> v;
    for (const auto& fi : s.footprint_items) {
      names.push_back(fi.name);
      v.push_back(fi.bytes.value());
      labels.push_back(format_bytes(fi.bytes));
    }
    b << "<section id=\"footprint\"><h2>HBM footprint per chip: " << escape(format_bytes(s.footprint)) << " of "
      << escape(format_bytes(s.capacity)) << "</h2>"
      << html::bar_chart("footprint-chart", "footprint by item", names, v, labels) << "</section>\n";
  }
  b << "<section id=\"config\"><h2>Arch</h2><p>" << escape(arch.source_file)
    << "</p><p class=\"note\">The resolved config is in summary.json (arch_config).</p></section>\n";
  b << "</main>";
  return html::page("xpusim run: " + s.workload + " on " + s.arch, b.str());
}

}  // namespace xpu::report
