// Topology construction, cross-level dimension-order routing, ring ordering and the link-load
// round model. Equations and assumptions: see topology.h and docs/models/network.md.
#include "sim/interconnect/topology.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "sim/core/error.h"

namespace xpu {
LevelKindRegistry& level_kind_registry() {
  static LevelKindRegistry r("topology level kind", "pod.topology.kind, pod.topology.levels[].kind");
  return r;
}
std::vector<std::string> level_kind_names() { return level_kind_registry().names(); }

const LevelKind& level_kind(const std::string& name) {
  static const std::map<std::string, std::unique_ptr<LevelKind>> kinds = [] {
    std::map<std::string, std::unique_ptr<LevelKind>> m;
    for (const auto& [n, e] : level_kind_registry().entries()) m[n] = e.make();
    return m;
  }();
  auto it = kinds.find(name);
  if (it == kinds.end()) level_kind_registry().unknown(name);
  return *it->second;
}

int LevelKind::implied_size(const LevelSpec&) const { return 0; }
void LevelKind::resolve(LevelSpec&) const {}
bool LevelKind::needs_dims() const { return false; }
void LevelKind::check(const LevelSpec&, const Fail&) const {}
bool LevelKind::has_switch() const { return false; }
std::string LevelKind::resize(LevelSpec&, std::int64_t) const { return ""; }
std::int64_t LevelKind::ports_per_chip(const LevelSpec&) const { return 1; }
bool LevelKind::circular() const { return false; }
LevelSpec LevelKind::example(std::int64_t size) const {
  LevelSpec l;
  l.size = size;
  return l;
}
int LevelKind::hops(int instance, int from, int to) const {
  Route r;
  route(instance, from, to, 0, 0, r);
  return static_cast<int>(r.links.size());
}

int LevelKind::Builder::chip(int instance, int member) const {
  const int s = level->stride, n = level->size;
  return instance % s + member * s + (instance / s) * s * n;
}
int LevelKind::Builder::add_switch(const std::string& name) {
  TopoNode nd;
  nd.name = name;
  nd.is_switch = true;
  nd.level = level_index;
  nd.delay_s = level->switch_latency_s;
  topo->nodes_.push_back(nd);
  return static_cast<int>(topo->nodes_.size()) - 1;
}
int LevelKind::Builder::add_link(int from, int to, double bandwidth, double latency_s) {
  XPU_ASSERT(bandwidth > 0, "link bandwidth must be positive");
  TopoLink l;
  l.from = from;
  l.to = to;
  l.bandwidth = bandwidth;
  l.capacity = bandwidth * level->efficiency;
  l.latency_s = latency_s;
  l.level = level_index;
  topo->links_.push_back(l);
  return static_cast<int>(topo->links_.size()) - 1;
}

Topology::~Topology() = default;

Topology::Topology(const PodSpec& pod, const LinkDefaults& defaults) : name_(pod.name) {
  if (pod.chips <= 0 || pod.chips > static_cast<std::int64_t>(kMaxPodChips))
    throw UserError("pod '" + pod.name + "': chips must be in [1, " +
                    std::to_string(static_cast<std::int64_t>(kMaxPodChips)) + "], got " + std::to_string(pod.chips));
  chips_ = static_cast<int>(pod.chips);
  const TopologySpec& t = pod.topology;
  std::vector<LevelSpec> specs = pod.resolved_levels();
  std::int64_t product = 1;
  int stride = 1;
  for (size_t i = 0; i < specs.size(); ++i) {
    const LevelSpec& s = specs[i];
    if (!level_kind_registry().find(s.kind))
      throw UserError("pod '" + pod.name + "': unknown topology kind '" + s.kind + "'");
    LevelInfo li;
    li.name = s.name;
    li.kind = s.kind;
    li.size = static_cast<int>(s.size);
    if (li.size <= 0) throw UserError("pod '" + pod.name + "': level '" + s.name + "' needs a size > 0");
    for (auto d : s.dims) li.dims.push_back(static_cast<int>(d));
    li.bandwidth = s.link_bandwidth ? s.link_bandwidth->value()
                   : t.link_bandwidth.value() > 0 ? t.link_bandwidth.value()
                                                  : defaults.bandwidth.value();
    li.latency_s = s.link_latency ? s.link_latency->value()
                   : t.link_latency.value() >= 0 ? t.link_latency.value()
                                                 : defaults.latency.value();
    li.switch_latency_s = s.switch_latency ? s.switch_latency->value() : t.switch_latency.value();
    li.efficiency = s.efficiency ? *s.efficiency : t.efficiency;
    if (li.size > 1 && !(li.bandwidth > 0))
      throw UserError("pod '" + pod.name + "': level '" + s.name + "' has zero link bandwidth");
    if (!(li.efficiency > 0 && li.efficiency <= 1))
      throw UserError("pod '" + pod.name + "': level '" + s.name + "' efficiency must be in (0, 1]");
    if (li.latency_s < 0) throw UserError("pod '" + pod.name + "': level '" + s.name + "' has a negative latency");
    li.capacity = li.bandwidth * li.efficiency;
    li.stride = stride;
    li.spec = s;
    product *= li.size;
    if (product > chips_) break;
    stride *= li.size;
    levels_.push_back(li);
  }
  if (product != chips_) {
    std::string sizes;
    for (const auto& s : specs) sizes += (sizes.empty() ? "" : " x ") + std::to_string(s.size);
    throw UserError("pod '" + pod.name + "': the topology connects " + sizes + " chips but pod.chips is " +
                    std::to_string(chips_));
  }
  for (int c = 0; c < chips_; ++c) nodes_.push_back(TopoNode{"chip" + std::to_string(c), false, -1, 0.0});
  for (size_t i = 0; i < levels_.size(); ++i) {
    levels_[i].instances = chips_ / levels_[i].size;
    kinds_.push_back(level_kind_registry().make(levels_[i].kind));
  }
  for (size_t i = 0; i < levels_.size(); ++i) {
    LevelKind& k = *kinds_[i];
    k.topo_ = this;
    k.level_ = &levels_[i];
    if (levels_[i].size <= 1) continue;
    LevelKind::Builder b{this, &levels_[i], static_cast<int>(i)};
    k.build(b);
  }
}

int Topology::instance_of(int chip, int l) const {
  const int s = levels_[l].stride, n = levels_[l].size;
  return chip % s + (chip / (s * n)) * s;
}

void Topology::route(int src, int dst, Route& out) const {
  XPU_ASSERT(src >= 0 && src < chips_ && dst >= 0 && dst < chips_, "chip id out of range");
  out.clear();
  int cur = src;
  for (size_t l = 0; l < levels_.size(); ++l) {
    const int li = static_cast<int>(l);
    const int want = coord(dst, li), have = coord(cur, li);
    if (want == have) continue;
    kinds_[l]->route(instance_of(cur, li), have, want, src, dst, out);
    cur = with_coord(cur, li, want);
  }
  double lat = 0;
  for (int id : out.links) {
    const TopoLink& k = links_[static_cast<size_t>(id)];
    lat += k.latency_s + nodes_[static_cast<size_t>(k.to)].delay_s;
  }
  out.latency_s = lat;
}

double Topology::path_capacity(int src, int dst) const {
  Route r;
  route(src, dst, r);
  double c = 0;
  for (int id : r.links) {
    double x = links_[static_cast<size_t>(id)].capacity;
    c = (c == 0 || x < c) ? x : c;
  }
  return c;
}
double Topology::path_latency(int src, int dst) const {
  Route r;
  route(src, dst, r);
  return r.latency_s;
}

std::vector<int> Topology::ring_order(const std::vector<int>& chips) const {
  // Snake rank over the expanded digits (outermost level first; torus/mesh dims last-first).
  auto rank = [&](int chip) {
    std::int64_t r = 0;
    for (size_t l = levels_.size(); l-- > 0;) {
      const LevelInfo& L = levels_[l];
      int m = coord(chip, static_cast<int>(l));
      std::vector<int> digits, radix;
      if (L.dims.size() > 1) {
        std::vector<int> d;
        for (int x : L.dims) d.push_back(m % x), m /= x;
        for (size_t k = L.dims.size(); k-- > 0;) digits.push_back(d[k]), radix.push_back(L.dims[k]);
      } else {
        digits.push_back(m);
        radix.push_back(L.size);
      }
      for (size_t k = 0; k < digits.size(); ++k) {
        const bool rev = (r & 1) != 0;
        r = r * radix[k] + (rev ? radix[k] - 1 - digits[k] : digits[k]);
      }
    }
    return r;
  };
  std::vector<std::pair<std::int64_t, int>> keyed;
  keyed.reserve(chips.size());
  for (int c : chips) keyed.emplace_back(rank(c), c);
  std::sort(keyed.begin(), keyed.end());
  std::vector<int> out;
  out.reserve(chips.size());
  for (auto& [k, c] : keyed) out.push_back(c);
  return out;
}

std::vector<int> Topology::varying_levels(const std::vector<int>& chips) const {
  std::vector<int> out;
  if (chips.empty()) return out;
  for (size_t l = 0; l < levels_.size(); ++l) {
    const int c0 = coord(chips[0], static_cast<int>(l));
    for (int c : chips)
      if (coord(c, static_cast<int>(l)) != c0) {
        out.push_back(static_cast<int>(l));
        break;
      }
  }
  return out;
}

bool Topology::is_grid(const std::vector<int>& chips) const {
  std::set<int> uniq(chips.begin(), chips.end());
  if (uniq.size() != chips.size()) return false;
  std::int64_t prod = 1;
  for (int l : varying_levels(chips)) {
    std::set<int> cs;
    for (int c : chips) cs.insert(coord(c, l));
    prod *= static_cast<std::int64_t>(cs.size());
  }
  return prod == static_cast<std::int64_t>(chips.size());
}

Seconds Topology::round_time(const std::vector<std::pair<int, int>>& pairs, Bytes bytes_each) const {
  std::vector<Transfer> t;
  t.reserve(pairs.size());
  for (const auto& [s, d] : pairs) t.push_back({s, d, bytes_each});
  return round_time(t);
}

Seconds Topology::round_time(const std::vector<Transfer>& transfers) const {
  // Pass 1: the bytes on every link. Pass 2: each transfer ends after its route latency plus the
  // time its most loaded link needs for all the bytes routed over it; the round ends with the last.
  std::vector<double> load(links_.size(), 0.0);
  std::vector<int> hops;
  std::vector<std::size_t> start;
  std::vector<double> lat;
  Route r;
  for (const Transfer& x : transfers) {
    start.push_back(hops.size());
    if (x.src == x.dst) {
      lat.push_back(0);
      continue;
    }
    route(x.src, x.dst, r);
    lat.push_back(r.latency_s);
    for (int id : r.links) {
      load[static_cast<size_t>(id)] += x.bytes.bytes();
      hops.push_back(id);
    }
  }
  start.push_back(hops.size());
  double t = 0;
  for (size_t i = 0; i < transfers.size(); ++i) {
    double busy = 0;
    for (size_t h = start[i]; h < start[i + 1]; ++h) {
      const size_t id = static_cast<size_t>(hops[h]);
      busy = std::max(busy, load[id] / links_[id].capacity);
    }
    t = std::max(t, lat[i] + busy);
  }
  return Seconds(t);
}

std::string Topology::summary() const {
  std::ostringstream os;
  os << "pod '" << name_ << "': " << chips_ << " chips, " << (nodes_.size() - static_cast<size_t>(chips_))
     << " switches, " << links_.size() << " links\n";
  for (size_t l = 0; l < levels_.size(); ++l) {
    const LevelInfo& L = levels_[l];
    os << "  level " << l << " '" << L.name << "': " << L.kind << " of " << L.size;
    if (L.dims.size() > 1) {
      os << " [";
      for (size_t k = 0; k < L.dims.size(); ++k) os << (k ? "x" : "") << L.dims[k];
      os << "]";
    }
    os << ", " << L.instances << " instance(s), " << format_bandwidth(BytesPerSecond(L.bandwidth)) << " per link";
    const std::int64_t ports = level_kind(L.kind).ports_per_chip(L.spec);
    if (ports > 1)
      os << " x " << ports << " ports per chip ("
         << format_bandwidth(BytesPerSecond(L.bandwidth * static_cast<double>(ports))) << " per chip)";
    if (L.efficiency < 1) os << " (x" << L.efficiency << " efficiency)";
    os << ", " << format_seconds(Seconds(L.latency_s)) << " per link";
    if (L.switch_latency_s > 0) os << ", " << format_seconds(Seconds(L.switch_latency_s)) << " per switch";
    os << "\n";
  }
  return os.str();
}

}  // namespace xpu
