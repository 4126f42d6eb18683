#include "sim/study/point.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "sim/cluster/simulate.h"
#include "sim/core/config.h"
#include "sim/core/error.h"
#include "sim/report/report.h"
#include "sim/workload/generator/transformer.h"
#include "sim/workload/reader.h"
#include "sim/workload/replicate.h"

namespace xpu::study {

// Bump when the meaning of a stored result changes (models, metrics), so old databases re-run.
static const char* const kIdentityVersion = "xpusim-study-point-v2";  // v2: metrics carry energy

std::string fnv1a_hex(const std::string& text) {
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, h);
  return buf;
}

std::string point_identity(const Point& p) {
  std::ostringstream o;
  o << kIdentityVersion << "\narch " << cfg::to_json(p.arch) << "\nsymmetry " << (p.symmetry ? 1 : 0) << "\n";
  if (p.generated) {
    const auto& s = p.scenario;
    o << "model " << cfg::to_json(s.model) << "\nparallel " << cfg::to_json(s.parallel) << "\n";
    if (s.training_mode) o << "training " << cfg::to_json(s.training) << "\n";
    else o << "inference " << cfg::to_json(s.inference) << "\n";
    o << "hbm " << report::fixed(s.hbm.value(), 0) << "\n";
  } else {
    std::ifstream in(p.workload_path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    o << "trace " << fnv1a_hex(bytes.str()) << " " << bytes.str().size() << "\nranks " << p.replicate_ranks << "\n";
  }
  return o.str();
}

void Point::finalize() { key = fnv1a_hex(point_identity(*this)); }

namespace {
std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
}  // namespace

std::string encode(const Metrics& m) {
  std::ostringstream o;
  if (!m.error.empty()) {
    std::string e = m.error;
    for (char& c : e)
      if (c == '\n' || c == ';') c = ' ';
    o << "error=" << e;
    return o.str();
  }
  o << "step_time_s=" << num(m.step_time_s) << ";tokens_per_s=" << num(m.tokens_per_s)
    << ";samples_per_s=" << num(m.samples_per_s) << ";mfu=" << num(m.mfu)
    << ";achieved_flops_per_s_per_chip=" << num(m.achieved_flops_per_s_per_chip) << ";compute_s=" << num(m.compute_s)
    << ";exposed_comm_s=" << num(m.exposed_comm_s) << ";overlap_s=" << num(m.overlap_s) << ";idle_s=" << num(m.idle_s)
    << ";footprint_bytes=" << num(m.footprint_bytes) << ";capacity_bytes=" << num(m.capacity_bytes)
    << ";ranks=" << m.ranks << ";simulated_ranks=" << m.simulated_ranks << ";events=" << m.events
    << ";energy_j_per_chip=" << num(m.energy_j_per_chip) << ";average_w_per_chip=" << num(m.average_w_per_chip)
    << ";tokens_per_joule=" << num(m.tokens_per_joule);
  return o.str();
}

Metrics decode(const std::string& text) {
  Metrics m;
  if (text.rfind("error=", 0) == 0) {
    m.error = text.substr(6);
    return m;
  }
  std::stringstream ss(text);
  std::string item;
  int seen = 0;
  while (std::getline(ss, item, ';')) {
    auto eq = item.find('=');
    if (eq == std::string::npos) throw UserError("stored result is malformed: '" + item + "'");
    const std::string k = item.substr(0, eq), v = item.substr(eq + 1);
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0') throw UserError("stored result is malformed: '" + item + "'");
    ++seen;
    if (k == "step_time_s") m.step_time_s = d;
    else if (k == "tokens_per_s") m.tokens_per_s = d;
    else if (k == "samples_per_s") m.samples_per_s = d;
    else if (k == "mfu") m.mfu = d;
    else if (k == "achieved_flops_per_s_per_chip") m.achieved_flops_per_s_per_chip = d;
    else if (k == "compute_s") m.compute_s = d;
    else if (k == "exposed_comm_s") m.exposed_comm_s = d;
    else if (k == "overlap_s") m.overlap_s = d;
    else if (k == "idle_s") m.idle_s = d;
    else if (k == "footprint_bytes") m.footprint_bytes = d;
    else if (k == "capacity_bytes") m.capacity_bytes = d;
    else if (k == "ranks") m.ranks = static_cast<std::int64_t>(d);
    else if (k == "simulated_ranks") m.simulated_ranks = static_cast<std::int64_t>(d);
    else if (k == "events") m.events = std::strtoull(v.c_str(), nullptr, 10);
    else if (k == "energy_j_per_chip") m.energy_j_per_chip = d;
    else if (k == "average_w_per_chip") m.average_w_per_chip = d;
    else if (k == "tokens_per_joule") m.tokens_per_joule = d;
    else throw UserError("stored result has an unknown field '" + k + "'");
  }
  if (seen != 17) throw UserError("stored result is incomplete (" + std::to_string(seen) + " of 17 fields)");
  return m;
}

namespace {
// The workload of the last point this process simulated: consecutive points of a sweep over arch
// keys share it, and generating a large transformer step costs as much as a tenth of simulating it.
// One entry per process (workers each have their own); keyed by everything the workload depends on.
struct WorkloadCache {
  std::string key;
  wl::Workload workload;
};

const wl::Workload& workload_of(const Point& p) {
  static WorkloadCache cache;
  std::ostringstream k;
  k << "symmetry " << p.symmetry << "\n";
  if (p.generated) {
    const auto& s = p.scenario;
    k << cfg::to_json(s.model) << cfg::to_json(s.parallel)
      << (s.training_mode ? cfg::to_json(s.training) : cfg::to_json(s.inference)) << s.hbm.value();
  } else {
    k << "trace " << p.workload_path << " " << p.replicate_ranks;
  }
  if (cache.key == k.str() && !cache.key.empty()) return cache.workload;
  cache.key.clear();
  wl::Workload w;
  if (p.generated) {
    w = wl::gen::generate_transformer(p.scenario);
  } else {
    w = wl::load_workload(p.workload_path);
    if (p.replicate_ranks > 0) wl::replicate_data_parallel(w, static_cast<wl::RankId>(p.replicate_ranks));
  }
  if (!p.symmetry) w.representative.clear();
  cache.workload = std::move(w);
  cache.key = k.str();
  return cache.workload;
}
}  // namespace

Metrics simulate_point(const Point& p) {
  Metrics m;
  try {
    const wl::Workload& w = workload_of(p);
    cluster::SimulateOptions so;
    so.engine.record_ops = false;
    cluster::SimResult r = cluster::simulate(p.arch, w, so);
    report::Summary s = report::summarize(w, p.arch, r);
    m.step_time_s = s.step_time.value();
    m.tokens_per_s = s.tokens_per_s;
    m.samples_per_s = s.samples_per_s;
    m.mfu = s.mfu;
    m.achieved_flops_per_s_per_chip = s.achieved_per_chip.value();
    m.compute_s = s.compute_busy.value();
    m.exposed_comm_s = s.exposed_comm.value();
    m.overlap_s = s.overlap.value();
    m.idle_s = s.idle.value();
    m.footprint_bytes = s.footprint.value();
    m.capacity_bytes = s.capacity.value();
    m.ranks = s.ranks;
    m.simulated_ranks = s.simulated_ranks;
    m.events = s.events;
    if (s.energy.known) {
      m.energy_j_per_chip = s.energy.total_j();
      m.average_w_per_chip = s.energy.average_w();
      m.tokens_per_joule = s.tokens_per_joule;
    }
  } catch (const UserError& e) {
    m = Metrics{};
    m.error = e.what();
    if (m.error.empty()) m.error = "failed";
  }
  return m;
}

}  // namespace xpu::study
