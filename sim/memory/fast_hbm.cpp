// Fast mode: calibration table, bandwidth servers, MemoryPort and factory; see fast_hbm.h.
#include "sim/memory/fast_hbm.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "sim/core/error.h"
#include "sim/core/kernel.h"
#include "sim/memory/address_map.h"
#include "sim/memory/sim_time.h"
#include "sim/memory/traffic.h"

namespace xpu::mem {

namespace {
const char* kPatterns[] = {"stream", "strided", "random"};

struct Grid {
  std::vector<double> sizes, fractions;
  std::map<std::pair<double, double>, double> eff;  // (size, fraction) -> efficiency
};

Grid grid_for(const std::vector<CalibPoint>& pts, const std::string& pattern) {
  Grid g;
  std::set<double> s, f;
  for (const auto& p : pts) {
    if (p.pattern != pattern) continue;
    s.insert(p.request_size.bytes());
    f.insert(p.read_fraction);
    g.eff[{p.request_size.bytes(), p.read_fraction}] = p.efficiency;
  }
  g.sizes.assign(s.begin(), s.end());
  g.fractions.assign(f.begin(), f.end());
  return g;
}

// Index i and weight w such that x ~ v[i] * (1 - w) + v[i + 1] * w (clamped).
void bracket(const std::vector<double>& v, double x, size_t& i, double& w, bool log_scale) {
  if (v.size() == 1 || x <= v.front()) {
    i = 0;
    w = 0;
    return;
  }
  if (x >= v.back()) {
    i = v.size() - 2;
    w = 1;
    return;
  }
  i = 0;
  while (i + 2 < v.size() && x > v[i + 1]) ++i;
  const double a = log_scale ? std::log2(v[i]) : v[i];
  const double b = log_scale ? std::log2(v[i + 1]) : v[i + 1];
  const double xx = log_scale ? std::log2(x) : x;
  w = (xx - a) / (b - a);
}
}  // namespace

void CalibrationTable::check(const cfg::Checker& c) const {
  for (const char* pat : kPatterns) {
    Grid g = grid_for(points, pat);
    if (g.sizes.empty()) c.fail("points", std::string("no points for pattern '") + pat + "'");
    if (g.eff.size() != g.sizes.size() * g.fractions.size())
      c.fail("points", std::string("pattern '") + pat + "' does not form a full grid of read fractions x request sizes (" +
                           std::to_string(g.eff.size()) + " points for " + std::to_string(g.fractions.size()) + " x " +
                           std::to_string(g.sizes.size()) + ")");
  }
}

double CalibrationTable::efficiency(const AccessProfile& p) const {
  Grid g = grid_for(points, pattern_name(p.pattern));
  XPU_ASSERT(!g.sizes.empty(), "calibration table has no points for the pattern");
  size_t si = 0, fi = 0;
  double sw = 0, fw = 0;
  bracket(g.sizes, p.request_size.bytes(), si, sw, true);
  bracket(g.fractions, p.read_fraction, fi, fw, false);
  auto at = [&](size_t s, size_t f) {
    s = std::min(s, g.sizes.size() - 1);
    f = std::min(f, g.fractions.size() - 1);
    return g.eff.at({g.sizes[s], g.fractions[f]});
  };
  const double e0 = at(si, fi) * (1 - fw) + at(si, fi + 1) * fw;
  const double e1 = at(si + 1, fi) * (1 - fw) + at(si + 1, fi + 1) * fw;
  return e0 * (1 - sw) + e1 * sw;
}

CalibrationTable load_calibration(const std::string& path) {
  // Parsing a table costs far more than building the rest of a chip model, and sweeps, plans and
  // fuzzers build models many times from the same few tables: memoised per process, keyed by path,
  // size and modification time (an edited table is read again). Thread-safe.
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  const auto mtime = ec ? fs::file_time_type{} : fs::last_write_time(path, ec);
  if (ec) return cfg::read<CalibrationTable>(cfg::load_file(path), "");  // the loader reports the error
  const std::string key = path + "|" + std::to_string(size) + "|" + std::to_string(mtime.time_since_epoch().count());
  static std::mutex mu;
  static std::map<std::string, CalibrationTable> cache;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  CalibrationTable t = cfg::read<CalibrationTable>(cfg::load_file(path), "");
  std::lock_guard<std::mutex> lock(mu);
  return cache.emplace(key, std::move(t)).first->second;
}

Seconds measure_idle_latency(const HbmSpec& spec) {
  TrafficSpec t;
  t.bytes = Bytes(static_cast<double>(spec.burst_bytes()));
  t.request_size = t.bytes;
  TrafficResult r = run_detailed(spec, {t});
  return r.read_p50;
}

CalibrationTable calibrate(const HbmSpec& spec, const CalibrationOptions& opt) {
  CalibrationTable t;
  t.preset = spec.name;
  t.idle_latency = measure_idle_latency(spec);
  const double trefi_s = static_cast<double>(spec.timing.nREFI) * spec.tck_ps() * 1e-12;
  const double bytes = spec.peak().bytes_per_second() * trefi_s * opt.refresh_intervals;
  for (Pattern p : opt.patterns)
    for (double f : opt.read_fractions)
      for (double s : opt.request_sizes) {
        TrafficSpec ts;
        ts.pattern = p;
        ts.read_fraction = f;
        ts.request_size = Bytes(s);
        ts.bytes = Bytes(std::max(s, std::round(bytes / s) * s));
        TrafficResult r = run_detailed(spec, {ts});
        CalibPoint cp;
        cp.pattern = pattern_name(p);
        cp.read_fraction = f;
        cp.request_size = Bytes(s);
        cp.efficiency = std::min(1.0, std::round(r.efficiency * 1e4) / 1e4);
        t.points.push_back(cp);
      }
  return t;
}

std::string calibration_yaml(const CalibrationTable& t, const std::string& regen) {
  std::ostringstream os;
  os << "# generated, do not edit; regenerate with: " << regen << "\n"
     << "# Fast-mode efficiency table: achieved / peak bandwidth of saturated runs of the detailed HBM\n"
     << "# model (sim/memory/hbm_controller.h) per access pattern, read fraction and request size.\n"
     << "# See docs/models/hbm.md.\n";
  os << "preset: \"" << t.preset << "\"\n";
  os << "idle_latency: \"" << std::llround(t.idle_latency.seconds() * 1e12) << " ps\"\n";
  os << "points:\n";
  for (const auto& p : t.points) {
    std::ostringstream e;
    e << std::fixed << std::setprecision(4) << p.efficiency;
    os << "  - {pattern: " << p.pattern << ", read_fraction: " << p.read_fraction << ", request_size: \""
       << static_cast<std::int64_t>(p.request_size.bytes()) << " B\", efficiency: " << e.str() << "}\n";
  }
  return os.str();
}

// ---- FastHbm ------------------------------------------------------------------------------------
FastHbm::FastHbm(const HbmSpec& spec, const CalibrationTable& table) : spec_(spec), mapper_(spec_), table_(&table) {
  const auto channels = static_cast<size_t>(spec_.total_pcs() / spec_.organisation.pseudo_channels);
  free_ps_.assign(channels, 0.0);
  busy_ps_.assign(channels, 0.0);
  scratch_.assign(channels, 0.0);
  ch_rate_ = spec_.pc_peak().bytes_per_second() * static_cast<double>(spec_.organisation.pseudo_channels) * 1e-12;
  const double burst_ps = static_cast<double>(spec_.burst_bytes()) / (spec_.pc_peak().bytes_per_second() * 1e-12);
  tail_ps_ = std::max(0.0, table.idle_latency.seconds() * 1e12 - burst_ps);
}

void FastHbm::send(const MemRequest& r, const AccessProfile& profile) {
  const double now = static_cast<double>(abs_now_ps());
  if (last_eff_ < 0 || profile.pattern != last_profile_.pattern || profile.read_fraction != last_profile_.read_fraction ||
      profile.request_size != last_profile_.request_size) {
    last_profile_ = profile;
    last_eff_ = std::max(1e-3, table_->efficiency(profile));
  }
  const double eff = last_eff_;
  const std::uint64_t g = static_cast<std::uint64_t>(spec_.burst_bytes());
  const std::uint64_t first = r.address / g, last = (r.address + r.size - 1) / g;
  const std::uint64_t n = last - first + 1;
  const size_t channels = free_ps_.size();
  touched_.clear();
  if (n <= 4 * channels) {
    const double per = static_cast<double>(r.size) / static_cast<double>(n);
    for (std::uint64_t b = first; b <= last; ++b) {
      const DramAddress a = mapper_.decode(b * g);
      const auto ch = static_cast<size_t>(a.pc_index / spec_.organisation.pseudo_channels);
      if (scratch_[ch] == 0.0) touched_.push_back(static_cast<int>(ch));
      scratch_[ch] += per;
    }
  } else {
    for (size_t ch = 0; ch < channels; ++ch) {
      scratch_[ch] = static_cast<double>(r.size) / static_cast<double>(channels);
      touched_.push_back(static_cast<int>(ch));
    }
  }
  double done = now;
  for (int ci : touched_) {
    const auto ch = static_cast<size_t>(ci);
    const double start = std::max(now, free_ps_[ch]);
    free_ps_[ch] = start + scratch_[ch] / (ch_rate_ * eff);
    busy_ps_[ch] += scratch_[ch] / ch_rate_;
    done = std::max(done, free_ps_[ch]);
    scratch_[ch] = 0.0;
  }
  done += tail_ps_;
  MemResponse resp{r.address, r.size, r.is_write, static_cast<std::int64_t>(now), std::llround(done)};
  auto cb = r.on_done;
  Kernel::instance().after_ps(std::max<std::int64_t>(0, resp.done_ps - resp.accepted_ps), [cb, resp] {
    if (cb) cb(resp);
  });
}

std::vector<double> FastHbm::channel_utilisation(std::int64_t elapsed_ps) const {
  std::vector<double> u(busy_ps_.size());
  for (size_t i = 0; i < u.size(); ++i) u[i] = busy_ps_[i] / static_cast<double>(std::max<std::int64_t>(1, elapsed_ps));
  return u;
}

// ---- FastHbmPort / factory ------------------------------------------------------------------------
FastHbmPort::FastHbmPort(HbmSpec spec, CalibrationTable table, BytesPerSecond chip_peak, Bytes capacity)
    : spec_(std::move(spec)), table_(std::move(table)), peak_(chip_peak), capacity_(capacity) {
  stacks_ = chip_peak / spec_.stack_peak();
}

BytesPerSecond FastHbmPort::achievable_bandwidth(const AccessProfile& p) const {
  const auto key = std::make_tuple(static_cast<int>(p.pattern), p.read_fraction, p.request_size.bytes());
  auto it = memo_.find(key);
  if (it == memo_.end()) it = memo_.emplace(key, table_.efficiency(p)).first;
  return peak_ * it->second;
}

std::string FastHbmPort::name() const {
  std::ostringstream os;
  os << spec_.name << " fast mode (" << std::setprecision(3) << stacks_ << " stacks)";
  return os.str();
}

std::unique_ptr<MemoryPort> make_memory_port(const std::string& preset_path, BytesPerSecond chip_peak, Bytes capacity) {
  HbmSpec spec = load_hbm_preset(preset_path);
  const std::string calib = spec.calibration_path();
  if (!std::ifstream(calib).good())
    throw UserError(preset_path + ": calibration table '" + calib + "' not found; generate it with: xpusim mem --calibrate --preset " +
                    preset_path + " > " + calib);
  CalibrationTable t = load_calibration(calib);
  if (chip_peak.value() <= 0) throw UserError("make_memory_port: chip HBM bandwidth must be > 0");
  return std::make_unique<FastHbmPort>(std::move(spec), std::move(t), chip_peak, capacity);
}

}  // namespace xpu::mem
