// Scaling studies (see scaling.h for the definitions and the pod derivation rule, docs/scaling.md
// for the discussion). Equations:
//   dp(N)            = N / (tp * pp * cp)
//   strong: B(N)     = B0                      micro-batches per replica m(N) = B0 / (mb * dp(N))
//   weak:   B(N)     = (B0 / dp0) * dp(N)      m(N) = m0
//   T(N)             = tokens per step / step time
//   T_ideal(N)       = T(N0) * N / N0          E(N) = T(N) / T_ideal(N)
// Every point is a full simulation of one step on the derived pod; nothing is extrapolated.
#include "sim/study/scaling.h"

#include "sim/interconnect/topology.h"

#include <algorithm>
#include <sstream>

#include "sim/core/error.h"
#include "sim/report/report.h"
#include "sim/study/mpi.h"
#include "sim/study/runner.h"
#include "sim/workload/generator/transformer.h"

namespace xpu::study {
using report::fixed;
namespace {

std::string str(std::int64_t v) { return std::to_string(v); }

std::int64_t product(const std::vector<std::int64_t>& v) {
  std::int64_t p = 1;
  for (auto d : v) p *= d;
  return p;
}

std::string level_label(const LevelSpec& l, size_t i) {
  return "'" + (l.name.empty() ? "L" + std::to_string(i) + "-" + l.kind : l.name) + "' (" + l.kind + " of " +
         str(l.size) + ")";
}

// Re-throw a ConfigError raised by a check of a derived (in-memory) pod as a plain UserError.
template <class F>
void checked(const std::string& what, F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    throw UserError(what + ": " + e.key_path() + ": " + e.message());
  }
}

}  // namespace

const char* scaling_mode_name(ScalingMode m) { return m == ScalingMode::Strong ? "strong" : "weak"; }

PodSpec derive_pod(const PodSpec& pod, std::int64_t chips) {
  const std::string what = "cannot derive a " + str(chips) + "-chip pod from '" + pod.name + "' (" +
                           str(pod.chips) + " chips)";
  if (chips <= 0) throw UserError(what + ": the chip count must be positive");
  if (chips == pod.chips) return pod;
  const bool shorthand = pod.topology.levels.empty();
  std::vector<LevelSpec> levels = pod.topology.levels;
  if (shorthand) {
    LevelSpec l;
    l.kind = pod.topology.kind;
    l.dims = pod.topology.dims;
    l.size = l.dims.empty() ? pod.chips : product(l.dims);
    levels.push_back(l);
  }
  for (auto& l : levels)
    if (l.size == 0 && !l.dims.empty()) l.size = product(l.dims);
  // P[k]: chips under level k. Pick the outermost level k with P[k] < chips.
  std::vector<std::int64_t> under(levels.size(), 1);
  for (size_t k = 1; k < levels.size(); ++k) under[k] = under[k - 1] * levels[k - 1].size;
  size_t k = levels.size() - 1;
  while (k > 0 && under[k] >= chips) --k;
  LevelSpec& L = levels[k];
  if (chips % under[k] != 0)
    throw UserError(what + ": " + str(chips) + " is not a multiple of " + str(under[k]) +
                    ", the chips under level " + level_label(L, k) +
                    " (inner levels are kept whole and the outermost level that is needed is resized; "
                    "reachable counts here are multiples of " + str(under[k]) + ")");
  const std::int64_t size = chips / under[k];
  const std::string why = level_kind(L.kind).resize(L, size);
  if (!why.empty()) throw UserError(what + ": level " + level_label(L, k) + " " + why);
  L.size = size;
  levels.resize(k + 1);
  PodSpec out = pod;
  out.chips = chips;
  out.name = pod.name + "@" + str(chips);
  if (shorthand) {
    out.topology.dims = pod.topology.dims.empty() ? std::vector<std::int64_t>{} : L.dims;
  } else {
    out.topology.levels = levels;
  }
  checked(what, [&] { out.check(cfg::Checker(nullptr, "pod", SourceLoc{"(derived pod)"})); });
  return out;
}

ArchSpec derive_arch(const ArchSpec& arch, std::int64_t chips) {
  ArchSpec a = arch;
  a.pod = derive_pod(arch.pod, chips);
  checked("cannot derive a " + str(chips) + "-chip pod from '" + arch.pod.name + "'", [&] {
    a.pod.check_links(cfg::Checker(nullptr, "", SourceLoc{"(derived pod)"}), a.chip.links.bandwidth, "pod");
  });
  return a;
}

wl::gen::ScenarioSpec scale_scenario(const wl::gen::ScenarioSpec& base, ScalingMode mode, std::int64_t chips) {
  const auto& P = base.parallel;
  const std::int64_t replica = std::int64_t(P.tp) * P.pp * P.cp;
  const std::string where = std::string(scaling_mode_name(mode)) + " scaling of '" + base.name + "' at " +
                            str(chips) + " chips";
  if (chips < replica || chips % replica != 0)
    throw UserError(where + ": one model replica takes tp x pp x cp = " + str(P.tp) + " x " + str(P.pp) + " x " +
                    str(P.cp) + " = " + str(replica) + " chips; the chip count must be a multiple of " +
                    str(replica));
  wl::gen::ScenarioSpec s = base;
  const int dp = static_cast<int>(chips / replica);
  s.parallel.dp = dp;
  if (s.training_mode) {
    const std::int64_t b0 = base.training.global_batch > 0 ? base.training.global_batch
                                                           : base.training.micro_batch * P.dp;
    s.training.global_batch = mode == ScalingMode::Strong ? b0 : b0 / P.dp * dp;
    if (mode == ScalingMode::Strong && b0 < base.training.micro_batch * dp)
      throw UserError(where + ": the fixed global batch (" + str(b0) + ") is smaller than micro_batch x dp (" +
                      str(base.training.micro_batch) + " x " + str(dp) + "): not every replica would get a micro-batch");
  } else {
    const std::int64_t b0 = base.inference.batch;
    s.inference.batch = mode == ScalingMode::Strong ? b0 : b0 / P.dp * dp;
  }
  s.name = base.name + "@" + str(chips) + "-" + scaling_mode_name(mode);
  try {
    wl::gen::check_scenario(s);
  } catch (const UserError& e) {
    throw UserError(where + " (dp " + str(dp) + "): " + e.what());
  }
  return s;
}

ScalingStudy run_scaling(const ArchSpec& arch, const wl::gen::ScenarioSpec& scenario, const ScalingOptions& opt) {
  wl::gen::check_scenario(scenario);
  ScalingStudy st;
  st.arch = arch.pod.name;
  st.scenario = scenario.name;
  std::vector<std::int64_t> chips = opt.chips;
  std::sort(chips.begin(), chips.end());
  chips.erase(std::unique(chips.begin(), chips.end()), chips.end());
  // Expand every point first, so that a bad point fails before anything runs.
  std::vector<Point> points;
  std::vector<ScalingMode> modes;
  for (ScalingMode mode : opt.modes) {
    for (std::int64_t n : chips) {
      try {
        Point p;
        p.arch = derive_arch(arch, n);
        p.scenario = scale_scenario(scenario, mode, n);
        p.symmetry = opt.symmetry;
        p.labels = {{"mode", scaling_mode_name(mode)}, {"chips", str(n)}};
        p.finalize();
        points.push_back(std::move(p));
        modes.push_back(mode);
      } catch (const UserError& e) {
        if (!opt.skip_unreachable) throw;
        st.skipped.push_back(std::string(scaling_mode_name(mode)) + " " + str(n) + ": " + e.what());
      }
    }
  }
  // The base point (the scenario's own size) is in both modes with the same batch: one key, run once.
  MemoryStore own;
  ResultStore& store = opt.store ? *opt.store : own;
  RunOptions ro;
  ro.jobs = opt.jobs;
  ro.study = "scale " + scenario.name;
  ro.progress_force = opt.progress_force;
  run_points(points, store, ro);
  if (mpi_worker()) return st;  // rank 0 has the results
  const std::vector<Metrics> ms = collect(points, store);
  for (size_t i = 0; i < points.size(); ++i) {
    const wl::gen::ScenarioSpec& s = points[i].scenario;
    const Metrics& m = ms[i];
    if (!m.error.empty())
      throw UserError(std::string(scaling_mode_name(modes[i])) + " scaling at " + str(points[i].arch.pod.chips) +
                      " chips: " + m.error);
    ScalingPoint p;
    p.mode = modes[i];
    p.chips = points[i].arch.pod.chips;
    p.tp = s.parallel.tp;
    p.pp = s.parallel.pp;
    p.dp = s.parallel.dp;
    p.cp = s.parallel.cp;
    p.ep = s.parallel.ep;
    p.global_batch = s.training_mode ? s.training.global_batch : s.inference.batch;
    p.micro_batches = wl::gen::micro_batches_per_step(s);
    for (size_t j = 0; j < i; ++j)
      if (points[j].key == points[i].key) p.shared = true;
    p.step_time = Seconds(m.step_time_s);
    p.tokens_per_s = std::max(0.0, m.tokens_per_s);
    p.samples_per_s = std::max(0.0, m.samples_per_s);
    p.mfu = m.mfu;
    p.compute = Seconds(m.compute_s);
    p.exposed_comm = Seconds(m.exposed_comm_s);
    p.overlap = Seconds(m.overlap_s);
    p.idle = Seconds(m.idle_s);
    p.footprint = Bytes(m.footprint_bytes);
    p.capacity = Bytes(m.capacity_bytes);
    p.simulated_ranks = static_cast<int>(m.simulated_ranks);
    p.events = m.events;
    st.points.push_back(p);
  }
  // Ideal and efficiency against the smallest point of each mode.
  for (size_t i = 0; i < st.points.size(); ++i) {
    ScalingPoint& p = st.points[i];
    const ScalingPoint* b = &p;
    for (const auto& q : st.points)
      if (q.mode == p.mode) { b = &q; break; }
    p.ideal_tokens_per_s = b->tokens_per_s * static_cast<double>(p.chips) / static_cast<double>(b->chips);
    p.efficiency = p.ideal_tokens_per_s > 0 ? p.tokens_per_s / p.ideal_tokens_per_s : 0.0;
  }
  return st;
}

const std::vector<std::string>& scaling_csv_columns() {
  static const std::vector<std::string> cols = {
      "mode", "chips", "tp", "pp", "dp", "cp", "ep", "global_batch", "micro_batches", "step_time_s",
      "tokens_per_s", "samples_per_s", "tokens_per_s_per_chip", "ideal_tokens_per_s", "scaling_efficiency", "mfu",
      "compute_s", "exposed_comm_s", "overlap_s", "idle_s", "exposed_comm_share", "hbm_footprint_gib",
      "hbm_capacity_gib", "hbm_fits", "simulated_ranks"};
  return cols;
}

std::string scaling_csv(const ScalingStudy& s) {
  std::ostringstream o;
  const auto& cols = scaling_csv_columns();
  for (size_t i = 0; i < cols.size(); ++i) o << (i ? "," : "") << cols[i];
  o << "\n";
  const double gib = static_cast<double>(units::GiB);
  for (const auto& p : s.points) {
    const bool known = p.footprint.value() > 0;
    o << scaling_mode_name(p.mode) << "," << p.chips << "," << p.tp << "," << p.pp << "," << p.dp << "," << p.cp
      << "," << p.ep << "," << p.global_batch << "," << p.micro_batches << "," << fixed(p.step_time.value(), 9) << ","
      << fixed(p.tokens_per_s, 3) << "," << fixed(p.samples_per_s, 6) << "," << fixed(p.tokens_per_s_per_chip(), 3)
      << "," << fixed(p.ideal_tokens_per_s, 3) << "," << fixed(p.efficiency, 6) << ","
      << (p.mfu >= 0 ? fixed(p.mfu, 6) : std::string()) << "," << fixed(p.compute.value(), 9) << ","
      << fixed(p.exposed_comm.value(), 9) << "," << fixed(p.overlap.value(), 9) << "," << fixed(p.idle.value(), 9)
      << "," << fixed(p.exposed_share(), 6) << "," << (known ? fixed(p.footprint.value() / gib, 3) : std::string())
      << "," << fixed(p.capacity.value() / gib, 3) << ","
      << (known ? (p.footprint <= p.capacity ? "yes" : "no") : "") << "," << p.simulated_ranks << "\n";
  }
  return o.str();
}

std::vector<std::int64_t> parse_chip_list(const std::string& text) {
  std::vector<std::int64_t> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    const std::string t = b == std::string::npos ? "" : item.substr(b, e - b + 1);
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(t, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (t.empty() || used != t.size() || v <= 0)
      throw UserError("--chips: '" + t + "' is not a positive integer (expected a list like 8,16,32)");
    out.push_back(v);
  }
  if (out.empty()) throw UserError("--chips: empty list (expected a list like 8,16,32)");
  std::sort(out.begin(), out.end());
  for (size_t i = 1; i < out.size(); ++i)
    if (out[i] == out[i - 1]) throw UserError("--chips: " + str(out[i]) + " is listed twice");
  return out;
}

}  // namespace xpu::study
