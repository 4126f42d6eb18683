// `xpusim graph --arch POD [--out DIR]`: draw the pod topology as DOT and SVG (Graphviz libgvc).
// Up to 64 chips every chip, switch and link is drawn (a link pair as one two-headed edge, coloured
// by level); larger pods are summarised by level: one box per level with its kind, size, instance
// count and link figures, stacked innermost first.
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "sim/cli/command.h"
#include "sim/cluster/arch.h"
#include "sim/core/error.h"
#include "sim/core/output.h"
#include "sim/interconnect/topology.h"

namespace xpu::cli {
namespace {

const char* const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

std::string gbs(double bps) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g GB/s", bps / 1e9);
  return buf;
}

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) o += (c == '"' ? std::string("\\\"") : std::string(1, c));
  return o;
}

std::string detailed_dot(const Topology& t) {
  std::ostringstream os;
  os << "graph \"" << esc(t.name()) << "\" {\n  label=\"" << esc(t.name()) << ": " << t.chips()
     << " chips\";\n  labelloc=t;\n  overlap=false;\n  splines=true;\n  node [fontname=Helvetica, fontsize=10];\n"
     << "  edge [fontname=Helvetica, fontsize=8];\n";
  for (int i = 0; i < t.nodes(); ++i) {
    const TopoNode& n = t.node_list()[static_cast<size_t>(i)];
    if (n.is_switch)
      os << "  n" << i << " [label=\"" << esc(n.name) << "\", shape=ellipse, style=filled, fillcolor=\"#eeeeee\"];\n";
    else
      os << "  n" << i << " [label=\"" << esc(n.name) << "\", shape=box, style=filled, fillcolor=\"#fff2cc\"];\n";
  }
  // one edge per unordered pair and level; two-headed when both directions exist
  std::map<std::tuple<int, int, int>, std::pair<int, double>> pairs;  // (lo, hi, level) -> (dirs, bw)
  for (const auto& l : t.links()) {
    auto key = std::make_tuple(std::min(l.from, l.to), std::max(l.from, l.to), l.level);
    auto& v = pairs[key];
    v.first++;
    v.second = l.bandwidth;
  }
  const bool labels = pairs.size() <= 64;
  for (const auto& [k, v] : pairs) {
    const int lv = std::get<2>(k);
    os << "  n" << std::get<0>(k) << " -- n" << std::get<1>(k) << " [color=\"" << kColours[lv % 6] << "\"";
    if (labels) os << ", label=\"" << gbs(v.second) << "\"";
    os << "];\n";
  }
  os << "  legend [shape=note, label=\"";
  for (size_t l = 0; l < t.levels().size(); ++l) {
    const LevelInfo& L = t.levels()[l];
    os << "level " << l << " " << esc(L.name) << ": " << L.kind << ", " << gbs(L.bandwidth) << "/link\\l";
  }
  os << "\"];\n}\n";
  return os.str();
}

std::string summary_dot(const Topology& t) {
  std::ostringstream os;
  os << "digraph \"" << esc(t.name()) << "\" {\n  label=\"" << esc(t.name()) << ": " << t.chips()
     << " chips (summary by level)\";\n  labelloc=t;\n  rankdir=BT;\n  node [fontname=Helvetica, fontsize=10, shape=box, style=rounded];\n";
  os << "  chip [label=\"chip\\n(1 of " << t.chips() << ")\", style=filled, fillcolor=\"#fff2cc\"];\n";
  std::map<int, std::pair<int, int>> per_level;  // level -> (switches, links)
  for (const auto& n : t.node_list())
    if (n.is_switch) per_level[n.level].first++;
  for (const auto& l : t.links()) per_level[l.level].second++;
  std::string prev = "chip";
  int span = 1;
  for (size_t l = 0; l < t.levels().size(); ++l) {
    const LevelInfo& L = t.levels()[l];
    span *= L.size;
    os << "  L" << l << " [color=\"" << kColours[l % 6] << "\", label=\"level " << l << ": " << esc(L.name) << "\\n"
       << L.kind << " of " << L.size;
    if (L.dims.size() > 1) {
      os << " [";
      for (size_t k = 0; k < L.dims.size(); ++k) os << (k ? "x" : "") << L.dims[k];
      os << "]";
    }
    os << " x " << L.instances << " instance(s)\\n";
    if (level_kind(L.kind).ports_per_chip(L.spec) > 1)
      os << level_kind(L.kind).ports_per_chip(L.spec) << " ports x ";
    os << gbs(L.bandwidth) << " per link, "
       << format_seconds(Seconds(L.latency_s));
    if (L.switch_latency_s > 0) os << " + " << format_seconds(Seconds(L.switch_latency_s)) << "/switch";
    os << "\\n" << per_level[static_cast<int>(l)].first << " switches, " << per_level[static_cast<int>(l)].second
       << " links\"];\n";
    os << "  " << prev << " -> L" << l << " [label=\" " << span << " chips\"];\n";
    prev = "L" + std::to_string(l);
  }
  os << "}\n";
  return os.str();
}

void render_svg(const std::string& dot, const std::string& engine, const std::string& path) {
  GVC_t* gvc = gvContext();
  Agraph_t* g = agmemread(dot.c_str());
  if (g == nullptr) {
    gvFreeContext(gvc);
    throw InternalError("graphviz could not parse the generated DOT");
  }
  // Rendered into memory, then written atomically like every other output.
  char* svg = nullptr;
  unsigned int svg_bytes = 0;
  int rc = gvLayout(gvc, g, engine.c_str());
  if (rc == 0) rc = gvRenderData(gvc, g, "svg", &svg, &svg_bytes);
  std::string content = (rc == 0 && svg != nullptr) ? std::string(svg, svg_bytes) : std::string();
  if (svg != nullptr) gvFreeRenderData(svg);
  gvFreeLayout(gvc, g);
  agclose(g);
  gvFreeContext(gvc);
  if (rc != 0) throw UserError("graphviz failed to lay out '" + path + "'");
  write_file_atomic(path, content);
}

int graph_cmd(const std::vector<std::string>& argv) {
  Args a("graph",
         "Draw a pod's topology: DIR/<pod>.dot and DIR/<pod>.svg. Pods of up to 64 chips are drawn "
         "chip by chip; larger ones are summarised by level.",
         {{"arch", "POD", "arch config with a pod", "", true},
          {"out", "DIR", "output directory", ".", false},
          {"detail", "", "draw every chip and link even above 64 chips", "", false}});
  if (!a.parse(argv)) return kExitOk;
  ArchSpec arch = load_arch(a.get("arch"));
  Topology topo(arch.pod, LinkDefaults{arch.chip.links.bandwidth, arch.chip.links.latency});
  const bool detail = a.has("detail") || topo.chips() <= 64;
  std::string dot = detail ? detailed_dot(topo) : summary_dot(topo);
  std::string engine = "dot";
  if (detail) {
    bool switches = topo.nodes() > topo.chips();
    bool circular = topo.levels().size() == 1 && level_kind(topo.levels()[0].kind).circular();
    engine = switches ? "dot" : circular ? "circo" : "neato";
  }
  namespace fs = std::filesystem;
  const fs::path dir = a.get("out");
  prepare_output_dir(dir, "--out");
  std::string stem = arch.pod.name.empty() ? "pod" : arch.pod.name;
  for (char& c : stem)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  const fs::path dot_path = dir / (stem + ".dot"), svg_path = dir / (stem + ".svg");
  write_file_atomic(dot_path, dot);
  render_svg(dot, engine, svg_path.string());
  std::cout << "wrote " << dot_path.string() << " and " << svg_path.string() << " ("
            << (detail ? "every chip and link" : "summary by level") << ")\n";
  return kExitOk;
}

}  // namespace
XPU_REGISTER_COMMAND("graph", "draw a pod topology (DOT and SVG)", graph_cmd);
}  // namespace xpu::cli
