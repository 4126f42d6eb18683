#include "sim/api/eval.h"

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/chip/chip_model.h"
#include "sim/chip/op_text.h"
#include "sim/cluster/simulate.h"
#include "sim/report/report_writer.h"
#include "sim/collective/collective.h"
#include "sim/core/config.h"
#include "sim/core/error.h"
#include "sim/memory/fast_hbm.h"
#include "sim/memory/hbm_spec.h"
#include "sim/memory/traffic.h"
#include "sim/workload/reader.h"
#include "sim/workload/replicate.h"

namespace xpu::api {
namespace {

std::string fixed(double v, int prec) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

using json = nlohmann::ordered_json;  // keys in the order written

// Indented JSON; invalid UTF-8 in a name becomes U+FFFD rather than invalid JSON.
std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

std::string flops_text(Flops f) {
  const double v = f.flops();
  if (v >= 1e12) return fixed(v / 1e12, 3) + " TFLOP";
  if (v >= 1e9) return fixed(v / 1e9, 3) + " GFLOP";
  if (v >= 1e6) return fixed(v / 1e6, 3) + " MFLOP";
  return fixed(v, 0) + " FLOP";
}

std::string gbs(BytesPerSecond b) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f GB/s", b.gb_per_s());
  return buf;
}

}  // namespace

std::vector<ArchOverride> parse_overrides(const std::vector<std::string>& set) {
  std::vector<ArchOverride> out;
  for (const auto& s : set) out.push_back(parse_override(s));
  return out;
}

// ---- run ---------------------------------------------------------------------------------------

RunOutcome run(const RunRequest& q_) {
  RunOutcome o = load_run(q_);
  simulate_run(q_, o);
  return o;
}

RunOutcome load_run(const RunRequest& q_) {
  RunOutcome o;
  o.arch = load_arch(q_.arch, parse_overrides(q_.set));
  o.workload = wl::load_workload(q_.workload);
  if (q_.ranks < 0) throw UserError("xpusim run: --ranks: must be a positive integer, got " + std::to_string(q_.ranks));
  if (q_.ranks > 0) {
    if (q_.ranks > (1L << 24)) throw UserError("xpusim run: --ranks: at most " + std::to_string(1L << 24));
    wl::replicate_data_parallel(o.workload, static_cast<wl::RankId>(q_.ranks));
  }
  if (!q_.symmetry) o.workload.representative.clear();
  return o;
}

void simulate_run(const RunRequest& q_, RunOutcome& o) {
  cluster::SimulateOptions so;
  so.engine.record_ops = q_.record_ops;
  o.result = cluster::simulate(o.arch, o.workload, so);
  o.summary = report::summarize(o.workload, o.arch, o.result);
  o.summary_json = report::summary_json(o.summary, o.arch);
}

std::vector<std::pair<std::string, std::string>> run_files(const RunOutcome& o) {
  const report::RunReport in{o.workload, o.arch, o.result, o.summary, o.summary_json};
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& [name, e] : report::report_writer_registry().entries()) files.emplace_back(name, e.make()->render(in));
  return files;
}

// ---- op ----------------------------------------------------------------------------------------

OpOutcome op(const OpRequest& rq) {
  if (rq.op.empty()) throw UserError("xpusim op: missing OP (e.g. \"gemm M=4096 N=4096 K=4096\"); see --help");
  const ArchSpec arch = load_arch(rq.arch, parse_overrides(rq.set));
  const chip::OpDesc op = chip::parse_op(rq.op);
  chip::SimOptions opt;
  opt.extrapolate = rq.extrapolate;
  auto model = cluster::make_chip_compute_model(arch, opt);
  const mem::MemoryPort& port = model->port();
  // As `run` costs it: at the sustained clock, or lower where the op alone exceeds the TDP.
  const cluster::OpAtCap at = cluster::simulate_op(arch, op, opt);
  const ChipSpec& chip = at.chip;
  const chip::OpResult& r = at.result;
  const DType dt = op.kind == chip::OpDesc::Kind::Gemm        ? op.gemm.dtype
                   : op.kind == chip::OpDesc::Kind::Attention ? op.attention.dtype
                                                              : op.vector.dtype;
  const bool vec = op.kind == chip::OpDesc::Kind::Vector;
  const FlopsPerSecond peak = vec ? chip.vector_peak() : chip.matrix_peak(dt);
  const FlopsPerSecond achieved = r.time.seconds() > 0 ? r.flops / r.time : FlopsPerSecond(0);
  const BytesPerSecond hbm_rate = r.time.seconds() > 0 ? r.hbm_bytes / r.time : BytesPerSecond(0);

  OpOutcome o;
  o.op = r.op;
  o.chip = chip.name;
  o.bound = r.bound;
  o.mapping = r.mapping;
  o.dtype = dtype_name(dt);
  o.cycles = static_cast<long long>(r.cycles.count());
  o.compute_cycles = static_cast<long long>(r.compute_cycles.count());
  o.dma_cycles = static_cast<long long>(r.dma_cycles.count());
  o.cores_used = r.cores_used;
  o.time_s = r.time.seconds();
  o.flops = r.flops.flops();
  o.utilization = r.utilization;
  o.achieved_flops_per_s = achieved.value();
  o.peak_flops_per_s = peak.value();
  o.hbm_read_bytes = r.bytes.hbm_read.bytes();
  o.hbm_write_bytes = r.bytes.hbm_write.bytes();
  o.global_to_l1_bytes = r.bytes.global_to_l1.bytes();
  o.l1_to_global_bytes = r.bytes.l1_to_global.bytes();
  o.l0_operand_bytes = r.bytes.l0_operands.bytes();
  o.l0_accumulator_bytes = r.bytes.l0_accumulator.bytes();
  o.clock_scale = at.clock_scale;

  json js;
  js["op"] = r.op;
  js["chip"] = chip.name;
  js["cycles"] = r.cycles.count();
  js["time_s"] = r.time.seconds();
  js["flops"] = r.flops.flops();
  js["utilization"] = r.utilization;
  js["bound"] = r.bound;
  js["mapping"] = r.mapping;
  js["cores_used"] = r.cores_used;
  js["compute_cycles"] = r.compute_cycles.count();
  js["dma_cycles"] = r.dma_cycles.count();
  js["clock_scale"] = at.clock_scale;
  js["bytes"] = {{"hbm_read", r.bytes.hbm_read.bytes()},         {"hbm_write", r.bytes.hbm_write.bytes()},
                 {"global_to_l1", r.bytes.global_to_l1.bytes()}, {"l1_to_global", r.bytes.l1_to_global.bytes()},
                 {"l0_operands", r.bytes.l0_operands.bytes()},   {"l0_accumulator", r.bytes.l0_accumulator.bytes()}};
  o.json = dump(js);

  std::ostringstream t;
  t << "op           " << r.op << "\n";
  if (arch.models.compute != ModelsSpec{}.compute)  // op always shows the default, compute-array model
    t << "             (note: this arch runs workloads on the " << arch.models.compute
      << " model, models.compute: " << arch.models.compute << ";\n"
         "              op shows the compute-array model)\n";
  if (!op.note.empty()) t << "             (" << op.note << ")\n";
  t << "chip         " << chip.name << ": " << chip.cores << " cores at " << fixed(chip.clock.hertz() / 1e9, 3)
    << " GHz" << (at.clock_scale < 1 ? " (" + fixed(100.0 * at.clock_scale, 1) + " % of the sustained clock: the op alone exceeds the TDP)" : std::string())
    << ", memory " << port.name() << " " << format_bandwidth(port.achievable_bandwidth({})) << "\n"
    << "cycles       " << r.cycles.count() << "\n"
    << "time         " << format_seconds(r.time) << "\n"
    << "work         " << flops_text(r.flops) << " -> " << format_flops_rate(achieved) << "\n"
    << "utilization  " << fixed(100.0 * r.utilization, 2) << " % of "
    << (vec ? "vector issue slots" : format_flops_rate(peak) + " " + dtype_name(dt) + " matrix peak") << "\n"
    << "bound        " << r.bound << " (critical core busy: compute " << r.compute_cycles.count()
    << " cycles, DMA " << r.dma_cycles.count() << " cycles)\n"
    << "mapping      " << r.mapping << "\n"
    << "bytes        HBM read " << format_bytes(r.bytes.hbm_read) << ", HBM write "
    << format_bytes(r.bytes.hbm_write) << " (" << format_bandwidth(hbm_rate) << ")\n"
    << "             global->L1 " << format_bytes(r.bytes.global_to_l1) << ", L1->global "
    << format_bytes(r.bytes.l1_to_global) << "\n";
  if (!vec)
    t << "             L0 operands " << format_bytes(r.bytes.l0_operands) << ", L0 accumulators "
      << format_bytes(r.bytes.l0_accumulator) << "\n";
  o.text = t.str();
  return o;
}

// ---- mem ---------------------------------------------------------------------------------------

namespace {

void check_mem_source(const MemRequest& rq) {
  if (rq.arch.empty() == rq.preset.empty())
    throw UserError("xpusim mem: give exactly one of --arch FILE or --preset FILE; see --help");
  if (!rq.set.empty() && rq.arch.empty()) throw UserError("xpusim mem: --set overrides arch keys; it needs --arch FILE");
}

}  // namespace

std::string mem_preset_path(const MemRequest& rq) {
  check_mem_source(rq);
  if (rq.arch.empty()) return rq.preset;
  return load_arch(rq.arch, parse_overrides(rq.set)).chip.hbm.preset;  // resolved relative to the file naming it
}

mem::HbmSpec mem_spec(const MemRequest& rq) {
  check_mem_source(rq);
  // With --arch: the chip's memory as the model factory builds it for `run` and `op`.
  mem::HbmSpec spec = !rq.arch.empty() ? cluster::memory_spec(load_arch(rq.arch, parse_overrides(rq.set)))
                                       : mem::load_hbm_preset(rq.preset);
  if (!rq.mapping.empty()) {
    std::string why = mem::AddressMapper::check_order(rq.mapping);
    if (!why.empty()) throw UserError("--mapping: " + why);
    spec.controller.mapping.order = rq.mapping;
  }
  if (!rq.hash.empty()) {
    if (rq.hash != "none" && rq.hash != "xor") throw UserError("--hash: expected none or xor, got '" + rq.hash + "'");
    spec.controller.mapping.hash = rq.hash;
  }
  if (!rq.page.empty()) {
    if (rq.page != "open" && rq.page != "closed") throw UserError("--page: expected open or closed, got '" + rq.page + "'");
    spec.controller.page_policy = rq.page;
  }
  return spec;
}

MemOutcome mem(const MemRequest& rq) {
  const std::string preset_path = mem_preset_path(rq);
  const mem::HbmSpec spec = mem_spec(rq);
  auto parse_size = [](const std::string& key, const std::string& v) {
    bool digits = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
    Bytes b = digits ? Bytes(std::stod(v)) : parse_bytes(v);
    if (b.bytes() <= 0) throw UserError("--" + key + ": must be > 0, got '" + v + "'");
    return b;
  };
  mem::TrafficSpec t;
  t.pattern = mem::parse_pattern(rq.pattern);
  t.bytes = parse_size("bytes", rq.bytes);
  t.read_fraction = mem::parse_rw_ratio(rq.rw);
  t.request_size = parse_size("size", rq.size);
  t.stride = parse_size("stride", rq.stride);
  try {
    if (rq.seed.empty() || rq.seed.find_first_not_of("0123456789") != std::string::npos) throw std::invalid_argument("seed");
    t.seed = std::stoull(rq.seed);
  } catch (const std::exception&) {
    throw UserError("--seed: expected a non-negative integer, got '" + rq.seed + "'");
  }
  const std::string& mode = rq.mode;
  mem::TrafficResult r;
  if (mode == "detailed") {
    r = mem::run_detailed(spec, {t});
  } else if (mode == "fast") {
    const std::string calib = spec.calibration_path();
    mem::CalibrationTable table;
    try {
      table = mem::load_calibration(calib);
    } catch (const ConfigError&) {
      throw;
    } catch (const UserError&) {
      throw UserError("no calibration table '" + calib + "'; generate it with: xpusim mem --calibrate --preset " + preset_path + " > " + calib);
    }
    r = mem::run_fast(spec, table, {t});
  } else {
    throw UserError("--mode: expected detailed or fast, got '" + mode + "'");
  }

  MemOutcome o;
  o.memory = spec.name;
  o.mode = mode;
  o.elapsed_s = r.elapsed.seconds();
  o.bytes = r.bytes.bytes();
  o.achieved_bytes_per_s = r.achieved.value();
  o.peak_bytes_per_s = r.peak.value();
  o.efficiency = r.efficiency;
  o.row_hit_rate = r.row_hit_rate;
  o.read_p50_s = r.read_p50.seconds();
  o.read_p90_s = r.read_p90.seconds();
  o.read_p99_s = r.read_p99.seconds();
  o.requests = r.requests;
  o.refreshes = r.refreshes;
  o.activates = r.activates;
  o.channel_utilization = r.channel_utilisation;

  auto fmt = [](double v, int prec) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(prec) << v;
    return os.str();
  };
  std::ostringstream s;
  s << "memory        " << spec.name << " (" << preset_path << "), " << spec.organisation.stacks << " stack(s), "
    << spec.total_pcs() << " pseudo-channels, mapping " << spec.controller.mapping.order
    << (spec.controller.mapping.hash == "xor" ? " +xor" : "") << ", " << spec.controller.page_policy << " page\n";
  s << "peak          " << format_bandwidth(r.peak) << "\n";
  s << "traffic       " << rq.pattern << ", " << static_cast<long long>(t.request_size.bytes()) << " B requests, reads:writes "
    << rq.rw << ", " << format_bytes(r.bytes) << " (" << r.requests << " requests), mode " << mode << "\n";
  s << "elapsed       " << format_seconds(r.elapsed) << "\n";
  s << "achieved      " << format_bandwidth(r.achieved) << " (" << fmt(100.0 * r.efficiency, 1) << "% of peak)\n";
  if (mode == "detailed") s << "row hits      " << fmt(100.0 * r.row_hit_rate, 1) << "%\n";
  s << "read latency  p50 " << fmt(r.read_p50.seconds() * 1e9, 1) << " ns  p90 " << fmt(r.read_p90.seconds() * 1e9, 1)
    << " ns  p99 " << fmt(r.read_p99.seconds() * 1e9, 1) << " ns\n";
  if (mode == "detailed") s << "refreshes     " << r.refreshes << ", activates " << r.activates << "\n";
  s << "channel utilisation (data bus busy / elapsed):\n";
  for (size_t i = 0; i < r.channel_utilisation.size(); ++i) {
    s << "  ch" << std::left << std::setw(4) << i << std::right << std::setw(6) << fmt(100.0 * r.channel_utilisation[i], 1) << "%"
      << ((i % 4 == 3 || i + 1 == r.channel_utilisation.size()) ? "\n" : "");
  }
  o.text = s.str();

  json js;
  js["memory"] = spec.name;
  js["preset"] = preset_path;
  js["mode"] = mode;
  js["pattern"] = rq.pattern;
  js["request_bytes"] = t.request_size.bytes();
  js["bytes"] = r.bytes.bytes();
  js["requests"] = r.requests;
  js["elapsed_s"] = r.elapsed.seconds();
  js["peak_bytes_per_s"] = r.peak.value();
  js["achieved_bytes_per_s"] = r.achieved.value();
  js["efficiency"] = r.efficiency;
  js["row_hit_rate"] = mode == "detailed" ? json(r.row_hit_rate) : json(nullptr);
  js["read_latency_s"] = {{"p50", r.read_p50.seconds()}, {"p90", r.read_p90.seconds()}, {"p99", r.read_p99.seconds()}};
  js["refreshes"] = r.refreshes;
  js["activates"] = r.activates;
  js["channel_utilization"] = r.channel_utilisation;
  o.json = dump(js);
  return o;
}

// ---- coll --------------------------------------------------------------------------------------

CollOutcome coll(const CollRequest& rq) {
  ArchSpec arch = load_arch(rq.arch, parse_overrides(rq.set));
  // The same network model `run` builds (cluster::link_defaults / collective_options).
  Topology topo(arch.pod, cluster::link_defaults(arch));
  CollectiveRequest req;
  req.op = parse_coll_op(rq.op);
  try {
    req.bytes = parse_bytes(rq.bytes);
  } catch (const UnitError& e) {
    throw UserError(std::string("xpusim coll: --bytes: ") + e.what());
  }
  const long ranks = rq.ranks ? *rq.ranks : topo.chips();
  if (ranks < 1 || ranks > topo.chips())
    throw UserError("xpusim coll: --ranks " + std::to_string(ranks) + " does not match the pod: '" + arch.pod.name +
                    "' has " + std::to_string(topo.chips()) + " chips");
  if (req.op == CollOp::SendRecv) {
    if (ranks < 2) throw UserError("xpusim coll: sendrecv needs --ranks >= 2");
    req.chips = {0, static_cast<int>(ranks - 1)};
  } else {
    for (int i = 0; i < ranks; ++i) req.chips.push_back(i);
  }
  req.root = rq.root;
  CollectiveOptions opts = cluster::collective_options(arch);
  if (!rq.chunk.empty()) {
    try {
      opts.chunk = parse_bytes(rq.chunk);
    } catch (const UnitError& e) {
      throw UserError(std::string("xpusim coll: --chunk: ") + e.what());
    }
  }
  if (!(opts.chunk.bytes() > 0)) throw UserError("xpusim coll: --chunk must be > 0");
  req.algorithm = rq.algo.empty() ? opts.algorithm : rq.algo;

  CollOutcome o;
  o.pod = arch.pod.name;
  o.op = coll_op_name(req.op);
  o.chips = topo.chips();
  o.ranks = static_cast<int>(req.chips.size());
  o.bytes = req.bytes.bytes();
  std::ostringstream t;
  t << "pod " << arch.pod.name << ": " << topo.chips() << " chips\n" << topo.summary();
  std::vector<std::string> algos;
  if (rq.all) algos = supported_algorithms(topo, req, opts);
  else algos = {req.algorithm};
  std::string chosen;
  if (rq.all) {
    CollectiveRequest r = req;
    r.algorithm = "auto";
    chosen = choose_algorithm(topo, r, opts);
  }
  json js;
  js["pod"] = arch.pod.name;
  js["chips"] = topo.chips();
  js["op"] = o.op;
  js["bytes"] = o.bytes;
  js["ranks"] = o.ranks;
  js["runs"] = json::array();
  for (const auto& name : algos) {
    CollectiveRequest r = req;
    r.algorithm = name;
    auto t0 = std::chrono::steady_clock::now();
    CollectiveResult res = run_isolated(topo, r, opts);
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CollRun cr;
    cr.algorithm = res.algorithm;
    cr.auto_choice = rq.all && res.algorithm == chosen;
    cr.time_s = res.time.seconds();
    cr.algbw_bytes_per_s = res.algbw.value();
    cr.busbw_bytes_per_s = res.busbw.value();
    cr.model_s = res.model.seconds();
    cr.flows = res.flows;
    cr.flow_updates = res.flow_updates;
    cr.wall_s = wall;
    t << coll_op_name(req.op) << " of " << format_bytes(req.bytes) << " on " << req.chips.size() << " ranks\n"
      << "  algorithm  " << res.algorithm
      << (name == "auto" ? " (auto: fastest by model)" : (res.algorithm == chosen ? " (auto's choice)" : "")) << "\n"
      << "  time       " << format_seconds(res.time) << "\n"
      << "  algbw      " << gbs(res.algbw) << "\n"
      << "  busbw      " << gbs(res.busbw) << "\n"
      << "  model      " << format_seconds(res.model) << " (closed form used by auto)\n"
      << "  flows      " << res.flows << " (" << res.flow_updates << " rate updates, " << wall << " s wall)\n";
    // Host wall time stays out of the JSON, which is deterministic.
    js["runs"].push_back({{"algorithm", cr.algorithm},
                          {"auto_choice", cr.auto_choice},
                          {"time_s", cr.time_s},
                          {"algbw_bytes_per_s", cr.algbw_bytes_per_s},
                          {"busbw_bytes_per_s", cr.busbw_bytes_per_s},
                          {"model_s", cr.model_s},
                          {"flows", cr.flows},
                          {"flow_updates", cr.flow_updates}});
    o.runs.push_back(cr);
  }
  o.text = t.str();
  o.json = dump(js);
  return o;
}

}  // namespace xpu::api
