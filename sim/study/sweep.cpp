#include "sim/study/sweep.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "sim/core/config.h"
#include "sim/core/error.h"
#include "sim/report/report.h"
#include "sim/workload/generator/scenario.h"

namespace xpu::study {
namespace fs = std::filesystem;
namespace {

std::string trim(std::string v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
  return v;
}

// A node back to YAML flow text (values of a study file are applied as override text).
std::string node_text(const cfg::Node& n) {
  switch (n.kind) {
    case cfg::Node::Kind::Scalar:
      return n.quoted ? "\"" + n.scalar + "\"" : n.scalar;
    case cfg::Node::Kind::Seq: {
      std::string s = "[";
      for (size_t i = 0; i < n.seq.size(); ++i) s += (i ? ", " : "") + node_text(n.seq[i]);
      return s + "]";
    }
    case cfg::Node::Kind::Map: {
      std::string s = "{";
      for (size_t i = 0; i < n.map.size(); ++i) s += (i ? ", " : "") + n.map[i].key + ": " + node_text(n.map[i].value);
      return s + "}";
    }
    default:
      return "";
  }
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string labels_text_of(const std::vector<std::pair<std::string, std::string>>& v) {
  std::string s;
  for (const auto& [k, x] : v) s += (s.empty() ? "" : ", ") + k + "=" + x;
  return s;
}

}  // namespace

bool is_scenario_key(const std::string& key) {
  const std::string head = key.substr(0, key.find_first_of(".["));
  return head == "parallel" || head == "training" || head == "inference" || head == "model" || head == "hbm";
}

Axis parse_axis(const std::string& text) {
  ArchOverride o = parse_override(text);
  Axis a;
  a.key = o.key;
  std::string cur;
  int depth = 0;
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
    v = trim(v);
    if (v.empty()) throw UserError("--vary " + text + ": empty value in the list");
  }
  return a;
}

SweepSpec load_study(const std::string& path) {
  const cfg::Node root = cfg::load_file(path);
  const std::string dir = fs::path(path).parent_path().string();
  auto rel = [&](const std::string& p) { return fs::path(p).is_absolute() || dir.empty() ? p : (fs::path(dir) / p).string(); };
  if (!root.is_map() || root.find("study") == nullptr)
    throw ConfigError(root.loc, "study", "a study file must be a map with a top-level 'study:' key");
  for (const auto& e : root.map)
    if (e.key != "study") throw ConfigError(e.key_loc, e.key, "unknown top-level key '" + e.key + "' (a study has only 'study:')");
  const cfg::Node& sn = *root.find("study");
  if (!sn.is_map()) throw ConfigError(sn.loc, "study", "expected a map");
  static const std::vector<std::string> keys = {"name", "description", "arch", "workload", "grid", "list", "set", "ranks", "symmetry"};
  for (const auto& e : sn.map)
    if (std::find(keys.begin(), keys.end(), e.key) == keys.end()) {
      const std::string near = cfg::nearest(e.key, keys);
      throw ConfigError(e.key_loc, "study." + e.key, "unknown key '" + e.key + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
  SweepSpec s;
  s.origin = path;
  s.name = fs::path(path).stem().string();
  if (const auto* n = sn.find("name")) cfg::read_scalar(*n, "study.name", s.name);
  for (const char* k : {"arch", "workload"}) {
    const auto* n = sn.find(k);
    if (n == nullptr) throw ConfigError(sn.loc, std::string("study.") + k, std::string("missing required key '") + k + "'");
    std::string v;
    cfg::read_scalar(*n, std::string("study.") + k, v);
    (std::string(k) == "arch" ? s.arch_path : s.workload_path) = rel(v);
    if (!fs::is_regular_file(rel(v))) throw ConfigError(n->loc, std::string("study.") + k, "no such file '" + rel(v) + "'");
  }
  if (const auto* n = sn.find("ranks")) {
    std::int64_t r = 0;
    cfg::read_scalar(*n, "study.ranks", r);
    if (r < 0) throw ConfigError(n->loc, "study.ranks", "must be >= 0");
    s.ranks = static_cast<int>(r);
  }
  if (const auto* n = sn.find("symmetry")) cfg::read_scalar(*n, "study.symmetry", s.symmetry);
  if (const auto* n = sn.find("set")) {
    if (!n->is_map()) throw ConfigError(n->loc, "study.set", "expected a map of KEY: VALUE");
    for (const auto& e : n->map) s.fixed.push_back({e.key, node_text(e.value)});
  }
  const auto* grid = sn.find("grid");
  const auto* list = sn.find("list");
  if ((grid == nullptr) == (list == nullptr)) throw ConfigError(sn.loc, "study", "give exactly one of 'grid:' or 'list:'");
  if (grid) {
    if (!grid->is_map() || grid->map.empty()) throw ConfigError(grid->loc, "study.grid", "expected a map of KEY: [values]");
    for (const auto& e : grid->map) {
      Axis a;
      a.key = e.key;
      if (e.value.is_seq()) {
        if (e.value.seq.empty()) throw ConfigError(e.value.loc, "study.grid." + e.key, "empty list of values");
        for (const auto& v : e.value.seq) a.values.push_back(node_text(v));
      } else {
        a.values.push_back(node_text(e.value));
      }
      s.axes.push_back(a);
    }
  } else {
    if (!list->is_seq() || list->seq.empty()) throw ConfigError(list->loc, "study.list", "expected a list of points (maps of KEY: VALUE)");
    for (size_t i = 0; i < list->seq.size(); ++i) {
      const auto& p = list->seq[i];
      const std::string where = "study.list[" + std::to_string(i) + "]";
      if (!p.is_map() || p.map.empty()) throw ConfigError(p.loc, where, "expected a map of KEY: VALUE");
      if (i == 0)
        for (const auto& e : p.map) s.axes.push_back(Axis{e.key, {}});
      if (p.map.size() != s.axes.size())
        throw ConfigError(p.loc, where, "every point must set the same keys as the first (" + std::to_string(s.axes.size()) + ")");
      std::vector<std::string> row;
      for (size_t k = 0; k < s.axes.size(); ++k) {
        const auto* v = p.find(s.axes[k].key);
        if (v == nullptr) throw ConfigError(p.loc, where, "missing key '" + s.axes[k].key + "' (set by the first point)");
        row.push_back(node_text(*v));
        s.axes[k].values.push_back(row.back());
      }
      s.rows.push_back(row);
    }
  }
  return s;
}

std::size_t point_count(const SweepSpec& spec) {
  if (!spec.rows.empty()) return spec.rows.size();
  if (spec.axes.empty()) return 1;
  if (spec.list) return spec.axes[0].values.size();
  std::size_t n = 1;
  for (const auto& a : spec.axes) {
    n *= a.values.size();
    if (n > 1000000) return n;
  }
  return n;
}

std::vector<Point> expand(const SweepSpec& spec) {
  const std::size_t n = point_count(spec);
  if (spec.list && spec.rows.empty())
    for (const auto& a : spec.axes)
      if (a.values.size() != spec.axes[0].values.size())
        throw UserError("--list pairs the axes' values element-wise: '" + a.key + "' has " +
                        std::to_string(a.values.size()) + " values, '" + spec.axes[0].key + "' " +
                        std::to_string(spec.axes[0].values.size()));
  const bool scenario = wl::gen::looks_like_scenario(spec.workload_path);
  auto uses_scenario_keys = [&] {
    for (const auto& [k, v] : spec.fixed)
      if (is_scenario_key(k)) return k;
    for (const auto& a : spec.axes)
      if (is_scenario_key(a.key)) return a.key;
    return std::string();
  }();
  if (!scenario && !uses_scenario_keys.empty())
    throw UserError("'" + uses_scenario_keys + "' is a scenario key, but the workload '" + spec.workload_path +
                    "' is not a transformer scenario (top-level 'scenario:')");
  std::vector<Point> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::pair<std::string, std::string>> values;  // axis order
    if (!spec.rows.empty()) {
      for (size_t k = 0; k < spec.axes.size(); ++k) values.push_back({spec.axes[k].key, spec.rows[i][k]});
    } else if (spec.list) {
      for (const auto& a : spec.axes) values.push_back({a.key, a.values[i]});
    } else {
      values.resize(spec.axes.size());
      std::size_t rest = i;
      for (size_t k = spec.axes.size(); k-- > 0;) {
        values[k] = {spec.axes[k].key, spec.axes[k].values[rest % spec.axes[k].values.size()]};
        rest /= spec.axes[k].values.size();
      }
    }
    std::vector<ArchOverride> arch_ov;
    std::vector<wl::gen::ScenarioOverride> sc_ov;
    auto add = [&](const std::string& k, const std::string& v, const std::string& origin) {
      if (is_scenario_key(k)) sc_ov.push_back({k, v, origin + " " + k + "=" + v});
      else arch_ov.push_back(ArchOverride{k, v});
    };
    for (const auto& [k, v] : spec.fixed) add(k, v, spec.origin == "--vary" ? "--set" : spec.origin + ": set");
    for (const auto& [k, v] : values) add(k, v, spec.origin == "--vary" ? "--vary" : spec.origin);
    Point p;
    p.labels = values;
    p.symmetry = spec.symmetry;
    const std::string where = "point " + std::to_string(i) + " (" + labels_text_of(values) + ")";
    try {
      p.arch = load_arch(spec.arch_path, arch_ov);
      if (scenario) {
        p.generated = true;
        p.scenario = wl::gen::load_scenario(spec.workload_path, sc_ov);
        const std::int64_t ranks = p.scenario.parallel.ranks();
        if (ranks > p.arch.pod.chips)
          throw UserError("the layout needs tp x pp x dp x cp = " + std::to_string(ranks) + " chips; the pod has " +
                          std::to_string(p.arch.pod.chips));
      } else {
        p.generated = false;
        p.workload_path = spec.workload_path;
        p.replicate_ranks = spec.ranks;
      }
    } catch (const UserError& e) {
      throw UserError(where + ": " + e.what());
    }
    p.finalize();
    out.push_back(std::move(p));
  }
  return out;
}

std::string sweep_csv(const SweepSpec& spec, const std::vector<Point>& points, const std::vector<Metrics>& results) {
  std::ostringstream csv;
  csv << "point";
  for (const auto& ax : spec.axes) csv << "," << csv_field(ax.key);
  csv << ",step_time_s,tokens_per_s,samples_per_s,mfu,achieved_flops_per_s_per_chip,compute_s,exposed_comm_s,"
         "overlap_s,idle_s,hbm_footprint_bytes,hbm_capacity_bytes,fits,error\n";
  auto num = [](double v, int d) { return report::fixed(v, d); };
  for (size_t p = 0; p < points.size(); ++p) {
    csv << p;
    for (const auto& [k, v] : points[p].labels) csv << "," << csv_field(v);
    const Metrics& s = results[p];
    if (!s.error.empty()) {
      csv << ",,,,,,,,,,,,," << csv_field(s.error) << "\n";
      continue;
    }
    csv << "," << num(s.step_time_s, 9) << "," << (s.tokens_per_s >= 0 ? num(s.tokens_per_s, 3) : "") << ","
        << (s.samples_per_s >= 0 ? num(s.samples_per_s, 4) : "") << "," << (s.mfu >= 0 ? num(s.mfu, 5) : "") << ","
        << num(s.achieved_flops_per_s_per_chip, 0) << "," << num(s.compute_s, 9) << "," << num(s.exposed_comm_s, 9)
        << "," << num(s.overlap_s, 9) << "," << num(s.idle_s, 9) << ","
        << (s.footprint_bytes > 0 ? num(s.footprint_bytes, 0) : "") << "," << num(s.capacity_bytes, 0) << ","
        << (s.footprint_bytes > 0 ? (s.fits() ? "yes" : "no") : "") << ",\n";
  }
  return csv.str();
}

}  // namespace xpu::study
