#include "sim/report/report.h"

#include <nlohmann/json.hpp>

#include "sim/core/output.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "sim/core/config.h"

namespace xpu::report {
namespace fs = std::filesystem;

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string class_of(const wl::Node& n) {
  switch (n.kind) {
    case wl::NodeKind::Gemm: return "gemm";
    case wl::NodeKind::Vector: return "vector:" + n.vec.op_class;
    case wl::NodeKind::MemCopy: return "memcpy";
    case wl::NodeKind::Delay: return "compute (recorded duration)";
    case wl::NodeKind::Attention: return n.attn.backward ? "attention (backward)" : "attention";
    case wl::NodeKind::Collective: return std::string("comm:") + wl::coll_kind_name(n.coll.kind);
    case wl::NodeKind::Send: return "comm:send";
    case wl::NodeKind::Recv: return "comm:recv";
  }
  return "?";
}

namespace {

std::string pct(double x) { return fixed(100.0 * x, 1) + "%"; }

std::string jnum(double v) { return cfg::json_scalar(v); }
std::string jstr(const std::string& s) { return cfg::json_scalar(s); }

}  // namespace

Summary summarize(const wl::Workload& w, const ArchSpec& arch, const cluster::SimResult& r) {
  Summary s;
  s.workload = w.name;
  s.arch = arch.pod.chips > 1 ? arch.pod.name : arch.chip.name;
  s.compute_model = r.compute_model;
  s.comm_model = r.comm_model;
  s.ranks = w.num_ranks;
  s.simulated_ranks = r.simulated_ranks;
  s.step_time = r.makespan;
  s.events = r.events;
  const double n = static_cast<double>(w.num_ranks);
  for (const auto& rs : r.ranks) {
    s.compute_busy += rs.compute_busy() / n;
    s.comm_busy += rs.comm_busy() / n;
    s.exposed_comm += rs.comm_only / n;
    s.overlap += rs.overlap / n;
    s.idle += rs.idle / n;
    s.total_flops += rs.flops;
    s.slowest_rank_compute = std::max(s.slowest_rank_compute, rs.compute_busy());
  }
  // Peak: the matrix peak of the dtype carrying most GEMM FLOPs (bf16 when there are none).
  std::map<std::string, double> flops_by_dtype;
  std::map<std::string, CategoryTime> classes;
  std::vector<double> ranks_of_program(w.programs.size(), 0.0);
  for (wl::RankId rk = 0; rk < w.num_ranks; ++rk) ranks_of_program[w.program_of_rank[rk]] += 1.0;
  for (size_t p = 0; p < w.programs.size(); ++p) {
    const auto& prog = w.programs[p];
    const double share = ranks_of_program[p] / n;  // fraction of ranks running this program
    if (share == 0) continue;
    // Node by node in program order (the same sums, to the last bit, as over an explicit node
    // list); the class of each distinct node is looked up once.
    std::vector<std::vector<CategoryTime*>> cls(prog.blocks.size());
    for (size_t b = 0; b < prog.blocks.size(); ++b)
      for (const auto& nd : prog.blocks[b].nodes) {
        auto& c = classes[class_of(nd)];
        c.name = class_of(nd);
        cls[b].push_back(&c);
      }
    for (const auto& in : prog.instances) {
      const auto& nodes = prog.blocks[in.block].nodes;
      for (size_t j = 0; j < nodes.size(); ++j) {
        const auto& nd = nodes[j];
        auto& c = *cls[in.block][j];
        c.count += share;
        if (nd.kind == wl::NodeKind::Gemm) flops_by_dtype[dtype_name(nd.gemm.dtype)] += nd.gemm.flops().value();
        if (!wl::is_communication(nd.kind))
          c.time += r.costs[p][in.block][j].time * share;
      }
    }
  }
  s.peak_dtype = "bf16";
  double best = -1;
  for (const auto& [d, f] : flops_by_dtype)
    if (f > best) { best = f; s.peak_dtype = d; }
  DType pd = DType::BF16;
  parse_dtype(s.peak_dtype, pd);
  s.peak_per_chip = arch.chip.matrix_peak(pd);
  if (s.step_time.value() > 0) {
    s.achieved_per_chip = FlopsPerSecond(s.total_flops.value() / (s.step_time.value() * n));
    if (s.peak_per_chip.value() > 0) s.utilization = s.achieved_per_chip / s.peak_per_chip;
    const double chip_seconds = s.step_time.value() * n * s.peak_per_chip.value();
    if (w.step.model_flops.value() > 0 && chip_seconds > 0) s.mfu = w.step.model_flops.value() / chip_seconds;
    if (w.step.hardware_flops.value() > 0 && chip_seconds > 0) s.hfu = w.step.hardware_flops.value() / chip_seconds;
    if (w.step.tokens > 0) s.tokens_per_s = w.step.tokens / s.step_time.value();
    if (w.step.samples > 0) s.samples_per_s = w.step.samples / s.step_time.value();
  }
  s.energy = cluster::step_energy(w, arch, r);
  if (s.energy.known && w.step.tokens > 0 && s.energy.total_j() > 0) s.tokens_per_joule = w.step.tokens / (s.energy.total_j() * n);
  if (s.energy.throttled())
    s.notes.push_back("the step draws more than the " + fixed(s.energy.tdp_w, 0) + " W TDP at the sustained clock: simulated at " +
                      fixed(s.energy.clock_hz / 1e9, 3) + " GHz (" + fixed(100 * s.energy.clock_scale, 1) + " %), where it meets the cap");
  for (auto& [k, c] : classes) s.by_class.push_back(c);
  std::stable_sort(s.by_class.begin(), s.by_class.end(),
                   [](const CategoryTime& a, const CategoryTime& b) { return a.time > b.time; });
  // HBM traffic against peak bandwidth over the step.
  if (s.step_time.value() > 0 && arch.chip.hbm.bandwidth.value() > 0) {
    const double cap = arch.chip.hbm.bandwidth.value() * s.step_time.value();
    for (const auto& rs : r.ranks) {
      s.hbm_bytes_per_chip += rs.hbm_bytes / n;
      s.hbm_utilization_max = std::max(s.hbm_utilization_max, rs.hbm_bytes.value() / cap);
    }
    s.hbm_utilization = s.hbm_bytes_per_chip.value() / cap;
  }
  // Link utilisation per level (levels in order of first appearance).
  for (const auto& l : r.links) {
    LevelUsage* lu = nullptr;
    for (auto& x : s.link_levels)
      if (x.level == l.level) lu = &x;
    if (lu == nullptr) {
      s.link_levels.push_back(LevelUsage{l.level, 0, Bytes(0), 0, 0, ""});
      lu = &s.link_levels.back();
    }
    double u = (s.step_time.value() > 0 && l.bandwidth.value() > 0)
                   ? l.bytes.value() / (l.bandwidth.value() * s.step_time.value())
                   : 0.0;
    lu->links += 1;
    lu->bytes += l.bytes;
    lu->mean_utilization += u;
    if (u > lu->max_utilization || lu->busiest.empty()) {
      lu->max_utilization = u;
      lu->busiest = l.name;
    }
  }
  for (auto& lu : s.link_levels)
    if (lu.links > 0) lu.mean_utilization /= lu.links;
  s.footprint_items = w.footprint;
  for (const auto& f : w.footprint) s.footprint += f.bytes;
  s.capacity = arch.chip.hbm.capacity;
  s.notes = w.notes;
  return s;
}

std::string summary_text(const Summary& s) {
  std::ostringstream o;
  auto line = [&](const std::string& k, const std::string& v) {
    std::string key = "  " + k;
    if (key.size() < 30) key += std::string(30 - key.size(), ' ');
    o << key << v << "\n";
  };
  const double st = s.step_time.value();
  auto share = [&](Seconds t) { return st > 0 ? " (" + pct(t.value() / st) + " of step)" : std::string(); };
  o << "xpusim run: " << s.workload << " on " << s.arch << " (" << s.ranks << " rank" << (s.ranks == 1 ? "" : "s") << ")\n";
  o << "  models: compute = " << s.compute_model << ", communication = " << s.comm_model << "\n";
  if (s.simulated_ranks > 0 && s.simulated_ranks < s.ranks)
    o << "  symmetry: " << s.simulated_ranks << " representative rank(s) simulated for " << s.ranks
      << " (--no-symmetry simulates all)\n";
  o << "\n";
  line("simulated step time", format_seconds(s.step_time));
  line("compute (avg per rank)", format_seconds(s.compute_busy) + share(s.compute_busy));
  line("communication", format_seconds(s.comm_busy) + share(s.comm_busy));
  line("  overlapped with compute", format_seconds(s.overlap) + share(s.overlap));
  line("  exposed", format_seconds(s.exposed_comm) + share(s.exposed_comm));
  line("idle / waiting", format_seconds(s.idle) + share(s.idle));
  line("achieved per chip", format_flops_rate(s.achieved_per_chip) + " of " + format_flops_rate(s.peak_per_chip) +
                                " " + s.peak_dtype + " peak (" + pct(s.utilization) + ")");
  if (s.mfu >= 0) line("MFU", pct(s.mfu));
  if (s.hfu >= 0) line("HFU", pct(s.hfu));
  if (s.tokens_per_s >= 0) line("tokens/s", fixed(s.tokens_per_s, 1));
  if (s.samples_per_s >= 0) line("samples/s", fixed(s.samples_per_s, 3));
  if (s.hbm_bytes_per_chip.value() > 0)
    line("HBM traffic per chip", format_bytes(s.hbm_bytes_per_chip) + " (" + pct(s.hbm_utilization) +
                                     " of peak bandwidth over the step; busiest chip " + pct(s.hbm_utilization_max) + ")");
  if (s.energy.known) {
    const auto& e = s.energy;
    line("energy per chip per step", fixed(e.total_j(), 3) + " J (matrix " + fixed(e.compute_j, 3) + ", vector " + fixed(e.vector_j, 3) +
                                         ", HBM " + fixed(e.hbm_j, 3) + ", links " + fixed(e.link_j, 3) + ", static " + fixed(e.static_j, 3) + ")");
    line("average power per chip", fixed(e.average_w(), 1) + " W" + (e.tdp_w > 0 ? " of " + fixed(e.tdp_w, 0) + " W TDP" : std::string()) +
                                       (e.throttled() ? " (clock lowered to " + fixed(e.clock_hz / 1e9, 3) + " GHz)" : std::string()));
    if (s.tokens_per_joule >= 0) line("tokens per joule", fixed(s.tokens_per_joule, 3));
  }
  if (s.footprint.value() > 0) {
    double over = s.footprint.value() - s.capacity.value();
    line("HBM per chip", format_bytes(s.footprint) + " of " + format_bytes(s.capacity) + ": " +
                             (over > 0 ? "DOES NOT FIT by " + format_bytes(Bytes(over)) : std::string("fits")));
    for (const auto& f : s.footprint_items) line("  " + f.name, format_bytes(f.bytes));
  }
  if (!s.by_class.empty()) {
    o << "\n  time by op class (per rank, summed op time)\n";
    for (const auto& c : s.by_class) {
      if (c.time.value() <= 0 && c.name.rfind("comm:", 0) != 0) continue;
      std::string v = c.name.rfind("comm:", 0) == 0 ? fixed(c.count, 0) + " call(s)"
                                                     : format_seconds(c.time) + "  (" + fixed(c.count, 0) + " ops)";
      line("  " + c.name, v);
    }
  }
  if (!s.link_levels.empty()) {
    o << "\n  network links (utilisation over the step" << (s.simulated_ranks < s.ranks ? ", simulated ranks' traffic" : "")
      << ")\n";
    for (const auto& lu : s.link_levels)
      line("  " + lu.level, std::to_string(lu.links) + " links, " + format_bytes(lu.bytes) + ", mean " +
                                pct(lu.mean_utilization) + ", max " + pct(lu.max_utilization) + " (" + lu.busiest + ")");
  }
  for (const auto& nt : s.notes) o << "  note: " << nt << "\n";
  return o.str();
}

std::string summary_json(const Summary& s, const ArchSpec& arch) {
  using json = nlohmann::ordered_json;  // keys in the order written: same inputs, same bytes
  auto opt = [](bool known, double v) { return known ? json(v) : json(nullptr); };
  json j;
  j["xpusim_version"] = "0.1.0";
  j["workload"] = s.workload;
  j["arch"] = s.arch;
  j["arch_file"] = arch.source_file;
  j["ranks"] = s.ranks;
  j["simulated_ranks"] = s.simulated_ranks;
  j["models"] = {{"compute", s.compute_model}, {"communication", s.comm_model}};
  j["step_time_s"] = s.step_time.value();
  j["per_rank_avg_s"] = {{"compute", s.compute_busy.value()},
                         {"communication", s.comm_busy.value()},
                         {"exposed_communication", s.exposed_comm.value()},
                         {"overlap", s.overlap.value()},
                         {"idle", s.idle.value()}};
  j["total_flops"] = s.total_flops.value();
  j["achieved_flops_per_s_per_chip"] = s.achieved_per_chip.value();
  j["peak_flops_per_s_per_chip"] = s.peak_per_chip.value();
  j["peak_dtype"] = s.peak_dtype;
  j["utilization"] = s.utilization;
  j["mfu"] = opt(s.mfu >= 0, s.mfu);
  j["hfu"] = opt(s.hfu >= 0, s.hfu);
  j["tokens_per_s"] = opt(s.tokens_per_s >= 0, s.tokens_per_s);
  j["samples_per_s"] = opt(s.samples_per_s >= 0, s.samples_per_s);
  const bool footprint_known = s.footprint.value() > 0;
  json items = json::object();
  for (const auto& f : s.footprint_items) items[f.name] = f.bytes.value();
  j["hbm"] = {{"footprint_bytes", opt(footprint_known, s.footprint.value())},
              {"capacity_bytes", s.capacity.value()},
              {"fits", footprint_known ? json(s.footprint <= s.capacity) : json(nullptr)},
              {"items", items}};
  if (s.energy.known) {
    const auto& e = s.energy;
    j["energy"] = {{"joules_per_chip", e.total_j()},
                   {"matrix_j", e.compute_j},
                   {"vector_j", e.vector_j},
                   {"hbm_j", e.hbm_j},
                   {"link_j", e.link_j},
                   {"static_j", e.static_j},
                   {"average_watts_per_chip", e.average_w()},
                   {"tdp_watts", e.tdp_w},
                   {"clock_hz", e.clock_hz},
                   {"clock_scale", e.clock_scale},
                   {"tokens_per_joule", opt(s.tokens_per_joule >= 0, s.tokens_per_joule)}};
  } else {
    j["energy"] = nullptr;
  }
  j["hbm_traffic"] = {{"bytes_per_chip", s.hbm_bytes_per_chip.value()},
                      {"utilization", s.hbm_utilization},
                      {"utilization_max", s.hbm_utilization_max}};
  j["link_levels"] = json::array();
  for (const auto& l : s.link_levels)
    j["link_levels"].push_back({{"level", l.level},
                                {"links", l.links},
                                {"bytes", l.bytes.value()},
                                {"mean_utilization", l.mean_utilization},
                                {"max_utilization", l.max_utilization},
                                {"busiest", l.busiest}});
  j["by_class"] = json::array();
  for (const auto& c : s.by_class)
    j["by_class"].push_back({{"class", c.name}, {"time_s", c.time.value()}, {"count", c.count}});
  j["notes"] = s.notes;
  j["kernel_events"] = s.events;
  // The resolved config, written by the config layer's reflection (the schema's key order).
  j["arch_config"] = json::parse(cfg::to_json(arch, 2));
  // Invalid UTF-8 in a name (from a trace) becomes U+FFFD instead of invalid JSON.
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string ops_csv(const wl::Workload& w, const cluster::SimResult& r) {
  std::ostringstream o;
  o << "rank,node,name,kind,class,stream,start_s,end_s,duration_s,flops,hbm_bytes,comm_bytes,bound,algorithm\n";
  for (const auto& op : r.ops) {
    const int p = w.program_of_rank[op.rank];
    const wl::NodeRef ref = w.programs[p].node(op.node);
    const auto& nd = *ref;
    const auto& c = r.cost(w, p, op.node);
    const bool is_comm = wl::is_communication(nd.kind);
    double comm_bytes = nd.kind == wl::NodeKind::Collective ? nd.coll.bytes.value()
                        : is_comm                           ? nd.p2p.bytes.value()
                                                            : 0.0;
    std::string name = ref.name();
    if (name.find_first_of(",\"\n") != std::string::npos) {
      std::string q = "\"";
      for (char ch : name) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      name = q + "\"";
    }
    o << op.rank << "," << op.node << "," << name << "," << wl::node_kind_name(nd.kind) << "," << class_of(nd) << ","
      << wl::stream_name(nd.stream) << "," << fixed(op.start_ps * 1e-12, 12) << "," << fixed(op.end_ps * 1e-12, 12) << ","
      << fixed((op.end_ps - op.start_ps) * 1e-12, 12) << "," << (is_comm ? "0" : fixed(c.flops.value(), 0)) << ","
      << (is_comm ? "0" : fixed(c.hbm_bytes.value(), 0)) << "," << fixed(comm_bytes, 0) << "," << (is_comm ? "" : c.bound)
      << "," << r.algo(w, p, op.node) << "\n";
  }
  return o.str();
}

std::string perfetto_json(const wl::Workload& w, const cluster::SimResult& r) {
  std::ostringstream o;
  o << "{\"displayTimeUnit\": \"ns\", \"otherData\": {\"generator\": \"xpusim 0.1.0\", \"workload\": "
    << jstr(w.name) << "},\n\"traceEvents\": [\n";
  bool first = true;
  auto sep = [&]() {
    if (!first) o << ",\n";
    first = false;
  };
  for (wl::RankId rk : r.traced_ranks) {
    sep();
    o << "{\"ph\": \"M\", \"name\": \"process_name\", \"pid\": " << rk << ", \"args\": {\"name\": \"rank " << rk << "\"}}";
    sep();
    o << "{\"ph\": \"M\", \"name\": \"process_sort_index\", \"pid\": " << rk << ", \"args\": {\"sort_index\": " << rk << "}}";
    for (int t = 0; t < 2; ++t) {
      sep();
      o << "{\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": " << rk << ", \"tid\": " << t
        << ", \"args\": {\"name\": \"" << (t == 0 ? "compute" : "comm") << "\"}}";
    }
  }
  for (const auto& op : r.ops) {
    const int p = w.program_of_rank[op.rank];
    const wl::NodeRef ref = w.programs[p].node(op.node);
    const auto& nd = *ref;
    sep();
    // Chrome trace times are microseconds; keep picosecond resolution with 6 decimals.
    o << "{\"ph\": \"X\", \"name\": " << jstr(ref.name()) << ", \"cat\": " << jstr(class_of(nd)) << ", \"pid\": " << op.rank
      << ", \"tid\": " << (nd.stream == wl::StreamKind::Compute ? 0 : 1) << ", \"ts\": " << fixed(op.start_ps * 1e-6, 6)
      << ", \"dur\": " << fixed((op.end_ps - op.start_ps) * 1e-6, 6) << ", \"args\": {\"kind\": \""
      << wl::node_kind_name(nd.kind) << "\"";
    if (nd.kind == wl::NodeKind::Attention)
      o << ", \"q_len\": " << nd.attn.q_len << ", \"kv_len\": " << nd.attn.kv_len << ", \"heads\": " << nd.attn.heads;
    if (nd.kind == wl::NodeKind::Gemm)
      o << ", \"m\": " << nd.gemm.m << ", \"n\": " << nd.gemm.n << ", \"k\": " << nd.gemm.k << ", \"bound\": "
        << jstr(r.cost(w, p, op.node).bound);
    if (nd.kind == wl::NodeKind::Collective)
      o << ", \"bytes\": " << jnum(nd.coll.bytes.value()) << ", \"group\": " << jstr(w.group_sets[nd.coll.group_set].name)
        << ", \"algorithm\": " << jstr(r.algo(w, p, op.node));
    o << "}}";
  }
  o << "\n]}\n";
  return o.str();
}

std::string links_csv(const cluster::SimResult& r) {
  std::ostringstream o;
  o << "level,link,bytes,bandwidth_bytes_per_s,utilization\n";
  const double st = r.makespan.value();
  for (const auto& l : r.links) {
    double u = (st > 0 && l.bandwidth.value() > 0) ? l.bytes.value() / (l.bandwidth.value() * st) : 0.0;
    o << l.level << "," << l.name << "," << fixed(l.bytes.value(), 0) << "," << fixed(l.bandwidth.value(), 0) << ","
      << fixed(u, 6) << "\n";
  }
  return o.str();
}

void write_files(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& files) {
  write_files_atomic(dir, files);
}

}  // namespace xpu::report
