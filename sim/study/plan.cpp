#include "sim/study/plan.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <sstream>

#include "sim/core/dtype.h"
#include "sim/core/error.h"
#include "sim/interconnect/topology.h"
#include "sim/report/report.h"
#include "sim/study/mpi.h"
#include "sim/study/runner.h"
#include "sim/workload/generator/flops.h"
#include "sim/workload/generator/footprint.h"
#include "sim/workload/generator/transformer.h"

namespace xpu::study {
namespace {

using report::fixed;

struct Level {
  std::int64_t size = 1;
  double bw = 0;  // bytes/s per chip, one direction, with efficiency
};

std::vector<Level> levels_of(const ArchSpec& arch) {
  const auto& T = arch.pod.topology;
  const double chip_bw = arch.chip.links.bandwidth.value();
  const double topo_bw = T.link_bandwidth.value() > 0 ? T.link_bandwidth.value() : chip_bw;
  std::vector<Level> out;
  if (T.levels.empty()) {
    out.push_back({arch.pod.chips, topo_bw * T.efficiency});
    return out;
  }
  for (const auto& l : T.levels) {
    std::int64_t size = l.size;
    if (size == 0 && !l.dims.empty()) {
      size = 1;
      for (auto d : l.dims) size *= d;
    }
    const double bw = l.link_bandwidth ? l.link_bandwidth->value() : topo_bw;
    const double eff = l.efficiency ? *l.efficiency : T.efficiency;
    const double ports = static_cast<double>(level_kind(l.kind).ports_per_chip(l));
    out.push_back({std::max<std::int64_t>(1, size), bw * eff * ports});
  }
  return out;
}


}  // namespace

const char* plan_status_name(PlanStatus s) {
  switch (s) {
    case PlanStatus::Simulated: return "simulated";
    case PlanStatus::NotSimulated: return "not_simulated";
    case PlanStatus::Dominated: return "dominated";
    case PlanStatus::Rejected: return "rejected";
    case PlanStatus::TooSlow: return "too_slow";
  }
  return "?";
}

std::string Candidate::label() const {
  if (scenario.name == "plan-inference")
    return "tp" + std::to_string(tp) + " ep" + std::to_string(ep) + " dp" + std::to_string(dp) + " batch" +
           std::to_string(batch);
  return "tp" + std::to_string(tp) + " pp" + std::to_string(pp) + " dp" + std::to_string(dp) + " cp" +
         std::to_string(cp) + " ep" + std::to_string(ep) + " vpp" + std::to_string(vpp) + " mb" +
         std::to_string(micro_batch) + " recompute=" + recompute + " zero=" + std::to_string(zero);
}

double group_bandwidth(const ArchSpec& arch, std::int64_t stride, std::int64_t size) {
  const auto lv = levels_of(arch);
  const std::int64_t span = stride * size;  // the group lies within a block of this many ranks
  std::int64_t under = 1;
  for (size_t k = 0; k < lv.size(); ++k) {
    under *= lv[k].size;
    if (span <= under || k + 1 == lv.size()) return lv[k].bw;
  }
  return lv.back().bw;
}

std::string failing_term(double w, double g, double o, double a, double cap) {
  const std::pair<const char*, double> terms[] = {{"weights", w}, {"gradients", g}, {"optimizer", o}, {"activations", a}};
  double sum = 0;
  for (const auto& [name, v] : terms) {
    sum += v;
    if (sum > cap) return name;
  }
  return "";
}

std::string failing_term_inference(double w, double kv, double a, double cap) {
  const std::pair<const char*, double> terms[] = {{"weights", w}, {"kv_cache", kv}, {"activations", a}};
  double sum = 0;
  for (const auto& [name, v] : terms) {
    sum += v;
    if (sum > cap) return name;
  }
  return "";
}

double estimate_inference_step(const ArchSpec& arch, const wl::gen::ScenarioSpec& s) {
  const auto& m = s.model;
  const auto& P = s.parallel;
  const auto& I = s.inference;
  DType dt = DType::BF16;
  parse_dtype(I.dtype, dt);
  const double bytes = double(dtype_bytes(dt));
  double mem = 0;
  for (const auto& it : wl::gen::footprint(s).items)
    if (it.name == "weights" || it.name == "kv_cache") mem += it.bytes.value();
  const double b = double(I.batch) / P.dp;
  const double tokens = I.phase == "decode" ? b : b * double(I.context);
  const double ctx = double(I.context);
  // Active parameters' matmul work on this rank, plus attention over the context.
  const double flops = 2.0 * tokens * m.active_params() / double(P.tp) +
                       tokens * 4.0 * ctx * double(m.heads) / P.tp * double(m.qk_dim()) * double(m.layers);
  const double peak = arch.chip.matrix_peak(dt).value();
  const double hbm = arch.chip.hbm.bandwidth.value();
  double t = std::max(mem / hbm, flops / peak);
  if (P.tp > 1)
    t += double(m.layers) * 2.0 * 2.0 * double(P.tp - 1) / P.tp * tokens * double(m.hidden) * bytes / group_bandwidth(arch, 1, P.tp);
  return t;
}

PlanEstimate estimate_step(const ArchSpec& arch, const wl::gen::ScenarioSpec& s) {
  const auto& m = s.model;
  const auto& P = s.parallel;
  const auto& T = s.training;
  PlanEstimate e;
  const double N = double(P.ranks());
  const double B = double(T.global_batch), S = double(T.seq_len), h = double(m.hidden);
  const double M = double(wl::gen::micro_batches_per_step(s));
  const double L = double(m.layers);
  DType dt = DType::BF16;
  parse_dtype(T.dtype, dt);
  const double peak = arch.chip.matrix_peak(dt).value();
  const double fwd = wl::gen::forward_flops_per_sequence(m, S, double(wl::gen::padded_vocab(m.vocab, P.tp))).value();
  double flops = 3.0 * fwd * B;
  if (T.recompute == "full") flops += fwd * B;
  else if (T.recompute == "selective") flops += B * L * 2.0 * S * S * double(m.heads) * double(m.qk_dim() + m.v_dim());
  e.compute_s = peak > 0 ? flops / (N * peak) : 0.0;
  e.bubble_s = e.compute_s * double(P.pp - 1) / (double(P.vpp) * M);
  const double mb = double(T.micro_batch), s_cp = S / double(P.cp), bytes = double(dtype_bytes(dt));
  const double layers_here = std::ceil(L / double(P.pp));
  if (P.tp > 1) {
    const double msg = mb * s_cp * h * bytes;  // one TP all-reduce (or all-gather + reduce-scatter)
    const double t = 2.0 * double(P.tp - 1) / double(P.tp) * msg / group_bandwidth(arch, 1, P.tp);
    const double per_layer = T.recompute == "full" ? 6.0 : 4.0;
    e.tp_comm_s = M * layers_here * per_layer * t;
  }
  if (P.cp > 1) {
    const double kv = 2.0 * mb * S * double(std::max<std::int64_t>(1, m.kv() / P.tp)) * double(m.qk_dim()) * bytes;
    e.cp_comm_s = M * layers_here * 2.0 * double(P.cp - 1) / double(P.cp) * kv / group_bandwidth(arch, P.tp, P.cp);
  }
  if (P.ep > 1) {
    const double tok = mb * s_cp / double(P.tp) * h * double(m.moe.top_k) * bytes;
    std::int64_t moe_layers = 0;
    for (std::int64_t l = 0; l < m.layers; ++l) moe_layers += m.layer_is_moe(l) ? 1 : 0;
    e.ep_comm_s = M * std::ceil(double(moe_layers) / P.pp) * 4.0 * double(P.ep - 1) / double(P.ep) * tok /
                  group_bandwidth(arch, std::int64_t(P.tp) * P.cp, P.ep);
  }
  if (P.pp > 1)
    e.pp_comm_s = M * 2.0 * mb * s_cp * h * bytes / (P.sp ? double(P.tp) : 1.0) /
                  group_bandwidth(arch, std::int64_t(P.tp) * P.cp * P.dp, P.pp);
  // Data parallel: gradients of the parameters this rank holds (stage 0, dense part).
  const auto fp = wl::gen::footprint(s);
  double params = 0;
  for (const auto& it : fp.items)
    if (it.name == "weights") params = it.bytes.value() / bytes * (P.zero >= 3 ? double(P.dp * P.cp) : 1.0);
  const int dpg = P.dp * P.cp;
  if (dpg > 1) {
    const double bw = group_bandwidth(arch, P.tp, dpg);
    const double g = params * T.grad_bytes, w = params * bytes;
    const double half = double(dpg - 1) / double(dpg);
    const double window = (2.0 / 3.0) * e.compute_s / M;  // the last micro-batch's backward
    if (P.zero == 0) {
      e.dp_exposed_s = std::max(0.0, 2.0 * half * g / bw - window);
    } else {
      e.dp_exposed_s = std::max(0.0, half * g / bw - window) + half * w / bw;
      if (P.zero >= 3) e.dp_exposed_s += 2.0 * M * half * w / bw;
    }
  }
  return e;
}

namespace {

// Shared by the training and inference plans: gives every survivor (already in estimate order) its
// estimate rank, simulates the first opt.max_simulated of them, and stores each result in its
// candidate (a failed simulation also sets `reason`). Returns the simulated candidates' indexes in
// order, or nothing on an MPI worker rank (rank 0 gathers the results).
std::optional<std::vector<std::size_t>> simulate_best(Plan& plan, const std::vector<std::size_t>& survivors,
                                                      const ArchSpec& arch, const PlanOptions& opt,
                                                      const std::string& study) {
  std::vector<Point> points;
  std::vector<std::size_t> which;
  for (std::size_t r = 0; r < survivors.size(); ++r) {
    Candidate& c = plan.candidates[survivors[r]];
    c.estimate_rank = int(r + 1);
    if (int(r) >= opt.max_simulated) {
      c.reason = "estimate rank " + std::to_string(r + 1) + " > --max-sim " + std::to_string(opt.max_simulated);
      continue;
    }
    Point p;
    p.arch = arch;
    p.scenario = c.scenario;
    p.labels = {{"layout", c.label()}};
    p.finalize();
    points.push_back(std::move(p));
    which.push_back(survivors[r]);
  }
  MemoryStore own;
  ResultStore& store = opt.store ? *opt.store : own;
  RunOptions ro;
  ro.jobs = opt.jobs;
  ro.study = study;
  ro.progress_force = opt.progress_force;
  run_points(points, store, ro);
  if (mpi_worker()) return std::nullopt;
  const auto ms = collect(points, store);
  for (std::size_t i = 0; i < which.size(); ++i) {
    Candidate& c = plan.candidates[which[i]];
    c.sim = ms[i];
    if (!c.sim.error.empty()) c.reason = "simulation failed: " + c.sim.error;
  }
  return which;
}

Plan run_inference_plan(const ArchSpec& arch, const wl::gen::ModelSpec& model, const PlanOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  if (opt.phase != "decode" && opt.phase != "prefill")
    throw UserError("--inference: unknown phase '" + opt.phase + "' (decode or prefill)");
  if (opt.context <= 0) throw UserError("--context: must be a positive number of tokens");
  if (opt.batches.empty()) throw UserError("--batch: give at least one batch size");
  Plan plan;
  plan.inference = true;
  plan.phase = opt.phase;
  plan.latency_s = opt.latency_s;
  plan.model = model.name;
  plan.arch = arch.pod.name;
  plan.chips = arch.pod.chips;
  plan.seq_len = opt.context;
  plan.objective = "tokens-per-s-per-chip";
  plan.capacity_bytes = opt.hbm.value() > 0 ? opt.hbm.value() : arch.chip.hbm.capacity.value();
  const std::int64_t max_tp = opt.max_tp > 0 ? opt.max_tp : levels_of(arch).front().size;
  std::vector<std::size_t> survivors;
  for (std::int64_t tp = 1; tp <= max_tp && tp <= arch.pod.chips; tp *= 2) {
    std::vector<std::int64_t> eps = {1};
    if (model.is_moe())
      for (std::int64_t ep = 2; tp * ep <= arch.pod.chips; ep *= 2)
        if (model.moe.experts % ep == 0) eps.push_back(ep);
    for (std::int64_t ep : eps) {
      for (std::int64_t batch : opt.batches) {
        wl::gen::ScenarioSpec s;
        s.name = "plan-inference";
        s.model = model;
        s.training_mode = false;
        s.parallel.tp = int(tp);
        s.parallel.ep = int(ep);
        s.parallel.dp = int(ep);
        s.inference.phase = opt.phase;
        s.inference.batch = batch;
        s.inference.context = opt.context;
        s.hbm = Bytes(plan.capacity_bytes);
        ++plan.layouts;
        try {
          if (batch % ep != 0) throw UserError("batch not divisible by dp");
          wl::gen::check_scenario(s);
        } catch (const UserError&) {
          ++plan.illegal;
          continue;
        }
        Candidate c;
        c.tp = int(tp);
        c.ep = int(ep);
        c.dp = int(ep);
        c.batch = batch;
        c.micro_batches = 1;
        c.scenario = s;
        c.capacity_bytes = plan.capacity_bytes;
        for (const auto& it : wl::gen::footprint(s).items) {
          if (it.name == "weights") c.weights_bytes = it.bytes.value();
          else if (it.name == "kv_cache") c.kv_bytes = it.bytes.value();
          else if (it.name == "activations") c.activations_bytes = it.bytes.value();
        }
        const std::string term = failing_term_inference(c.weights_bytes, c.kv_bytes, c.activations_bytes, c.capacity_bytes);
        if (!term.empty()) {
          const double gib = double(units::GiB);
          c.status = PlanStatus::Rejected;
          c.reason = term + " does not fit: needs " + fixed(c.footprint_bytes() / gib, 1) + " GiB (weights " +
                     fixed(c.weights_bytes / gib, 1) + ", kv_cache " + fixed(c.kv_bytes / gib, 1) + ", activations " +
                     fixed(c.activations_bytes / gib, 1) + ") of " + fixed(c.capacity_bytes / gib, 1) + " GiB";
        } else {
          c.status = PlanStatus::NotSimulated;
          c.estimate.compute_s = estimate_inference_step(arch, s);
          survivors.push_back(plan.candidates.size());
        }
        plan.candidates.push_back(std::move(c));
      }
    }
  }
  auto tokens = [&](const Candidate& c) { return double(c.batch) * (opt.phase == "decode" ? 1.0 : double(opt.context)); };
  // Simulate first what the estimate says meets the latency target, best throughput per chip first.
  auto est_rate = [&](std::size_t i) {
    const Candidate& c = plan.candidates[i];
    const bool ok = opt.latency_s <= 0 || c.estimate.compute_s <= opt.latency_s;
    return std::make_pair(ok ? 0 : 1, -tokens(c) / c.estimate.compute_s / double(c.tp * c.dp));
  };
  std::stable_sort(survivors.begin(), survivors.end(), [&](std::size_t a, std::size_t b) { return est_rate(a) < est_rate(b); });
  const auto which = simulate_best(plan, survivors, arch, opt, "plan " + model.name + " " + opt.phase + " on " + arch.pod.name);
  if (!which) return plan;  // an MPI worker: rank 0 has the results
  for (const std::size_t idx : *which) {
    Candidate& c = plan.candidates[idx];
    if (!c.sim.error.empty()) continue;
    c.tokens_per_s_per_chip = c.sim.step_time_s > 0 ? tokens(c) / c.sim.step_time_s / double(c.tp * c.dp) : 0.0;
    c.meets_latency = opt.latency_s <= 0 || c.sim.step_time_s <= opt.latency_s;
    if (!c.meets_latency) {
      c.status = PlanStatus::TooSlow;
      c.reason = "step " + fixed(c.sim.step_time_s * 1e3, 3) + " ms > latency target " + fixed(opt.latency_s * 1e3, 3) + " ms";
      continue;
    }
    c.status = PlanStatus::Simulated;
    plan.ranking.push_back(idx);
  }
  std::stable_sort(plan.ranking.begin(), plan.ranking.end(), [&](std::size_t a, std::size_t b) {
    return plan.candidates[a].tokens_per_s_per_chip > plan.candidates[b].tokens_per_s_per_chip;
  });
  for (std::size_t r = 0; r < plan.ranking.size(); ++r) plan.candidates[plan.ranking[r]].rank = int(r + 1);
  // Pareto front over (latency, throughput per chip): lower latency and higher throughput are better.
  for (std::size_t i : plan.ranking) {
    const Candidate& c = plan.candidates[i];
    bool dominated = false;
    for (std::size_t j : plan.ranking) {
      const Candidate& d = plan.candidates[j];
      if (j != i && d.sim.step_time_s <= c.sim.step_time_s && d.tokens_per_s_per_chip >= c.tokens_per_s_per_chip &&
          (d.sim.step_time_s < c.sim.step_time_s || d.tokens_per_s_per_chip > c.tokens_per_s_per_chip))
        dominated = true;
    }
    plan.candidates[i].pareto = !dominated;
  }
  plan.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return plan;
}

}  // namespace

Plan run_plan(const ArchSpec& arch, const wl::gen::ModelSpec& model, const PlanOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  if (opt.max_simulated < 0) throw UserError("--max-sim: must not be negative");
  if (opt.inference) return run_inference_plan(arch, model, opt);
  if (opt.global_batch <= 0) throw UserError("--gbs: the global batch must be a positive number of sequences");
  if (opt.seq_len <= 0) throw UserError("--seq: the sequence length must be a positive number of tokens");
  if (opt.objective != "step-time" && opt.objective != "memory" && opt.objective != "tokens-per-joule")
    throw UserError("--objective: unknown objective '" + opt.objective + "' (step-time, memory or tokens-per-joule)");
  if (opt.objective == "tokens-per-joule" && !arch.chip.power.known())
    throw UserError("--objective tokens-per-joule: the chip of '" + arch.source_file +
                    "' has no power model (chip.power.mac_pj; docs/models/power.md), so energy cannot be ranked");
  Plan plan;
  plan.model = model.name;
  plan.arch = arch.pod.name;
  plan.chips = arch.pod.chips;
  plan.global_batch = opt.global_batch;
  plan.seq_len = opt.seq_len;
  plan.objective = opt.objective;
  plan.capacity_bytes = opt.hbm.value() > 0 ? opt.hbm.value() : arch.chip.hbm.capacity.value();
  const std::int64_t chips = arch.pod.chips;
  const auto lv = levels_of(arch);
  const std::int64_t max_tp = opt.max_tp > 0 ? opt.max_tp : lv.front().size;

  // (recompute, zero) in preference order.
  std::vector<std::pair<std::string, int>> choices;
  for (const auto& r : opt.recomputes)
    for (int z : opt.zeros)
      if (z < 3) choices.push_back({r, z});
  for (const auto& r : opt.recomputes)
    for (int z : opt.zeros)
      if (z >= 3) choices.push_back({r, z});

  std::vector<std::size_t> survivors;
  for (std::int64_t tp = 1; tp <= max_tp; tp *= 2) {
    const std::int64_t max_cp = opt.max_cp > 0 ? opt.max_cp : (opt.seq_len >= 8192 ? 8 : 1);
    for (std::int64_t cp = 1; cp <= max_cp; cp *= 2) {
      for (std::int64_t pp = 1; pp <= opt.max_pp; pp *= 2) {
        if (chips % (tp * cp * pp) != 0) continue;
        const std::int64_t dp = chips / (tp * cp * pp);
        std::vector<std::int64_t> eps = {1};
        if (model.is_moe())
          for (std::int64_t ep = 2; ep <= dp; ep *= 2)
            if (dp % ep == 0 && model.moe.experts % ep == 0) eps.push_back(ep);
        for (std::int64_t ep : eps) {
          for (int vpp : opt.vpps) {
            if (vpp > 1 && (pp == 1 || model.layers % (pp * vpp) != 0)) continue;
            for (std::int64_t mb : opt.micro_batches) {
              wl::gen::ScenarioSpec s;
              s.name = "plan";
              s.model = model;
              s.parallel.tp = int(tp);
              s.parallel.pp = int(pp);
              s.parallel.dp = int(dp);
              s.parallel.cp = int(cp);
              s.parallel.ep = int(ep);
              s.parallel.sp = tp > 1;
              s.parallel.vpp = vpp;
              s.parallel.schedule = vpp > 1 ? "interleaved" : "1f1b";
              s.training.micro_batch = mb;
              s.training.global_batch = opt.global_batch;
              s.training.seq_len = opt.seq_len;
              s.hbm = Bytes(plan.capacity_bytes);
              ++plan.layouts;
              try {
                if (opt.global_batch % (mb * dp) != 0)
                  throw UserError("global batch not a multiple of micro-batch x dp");
                wl::gen::check_scenario(s);
              } catch (const UserError&) {
                ++plan.illegal;
                continue;
              }
              bool have_survivor = false;
              std::string survivor_label;
              for (const auto& [rc, z] : choices) {
                Candidate c;
                c.tp = int(tp); c.pp = int(pp); c.dp = int(dp); c.cp = int(cp); c.ep = int(ep); c.vpp = vpp;
                c.sp = tp > 1;
                c.micro_batch = mb;
                c.batch = opt.global_batch;
                c.recompute = rc;
                c.zero = z;
                c.scenario = s;
                c.scenario.parallel.zero = z;
                c.scenario.training.recompute = rc;
                c.micro_batches = wl::gen::micro_batches_per_step(c.scenario);
                c.capacity_bytes = plan.capacity_bytes;
                const auto fp = wl::gen::footprint(c.scenario);
                for (const auto& it : fp.items) {
                  if (it.name == "weights") c.weights_bytes = it.bytes.value();
                  else if (it.name == "gradients") c.gradients_bytes = it.bytes.value();
                  else if (it.name == "optimizer") c.optimizer_bytes = it.bytes.value();
                  else if (it.name == "activations") c.activations_bytes = it.bytes.value();
                }
                const std::string term = failing_term(c.weights_bytes, c.gradients_bytes, c.optimizer_bytes,
                                                      c.activations_bytes, c.capacity_bytes);
                if (!term.empty()) {
                  c.status = PlanStatus::Rejected;
                  const double gib = double(units::GiB);
                  c.reason = term + " does not fit: needs " + fixed(c.footprint_bytes() / gib, 1) + " GiB (weights " +
                             fixed(c.weights_bytes / gib, 1) + ", gradients " + fixed(c.gradients_bytes / gib, 1) +
                             ", optimizer " + fixed(c.optimizer_bytes / gib, 1) + ", activations " +
                             fixed(c.activations_bytes / gib, 1) + ") of " + fixed(c.capacity_bytes / gib, 1) + " GiB";
                } else if (have_survivor) {
                  c.status = PlanStatus::Dominated;
                  c.reason = "dominated by " + survivor_label + " (fits with less recompute / a lower ZeRO stage)";
                } else {
                  have_survivor = true;
                  survivor_label = "recompute=" + rc + " zero=" + std::to_string(z);
                  c.status = PlanStatus::NotSimulated;
                  c.estimate = estimate_step(arch, c.scenario);
                  survivors.push_back(plan.candidates.size());
                }
                plan.candidates.push_back(std::move(c));
              }
            }
          }
        }
      }
    }
  }
  // Order survivors by the estimate (stable: enumeration order breaks ties) and simulate the first K.
  std::stable_sort(survivors.begin(), survivors.end(), [&](std::size_t a, std::size_t b) {
    return plan.candidates[a].estimate.total_s() < plan.candidates[b].estimate.total_s();
  });
  const auto which = simulate_best(plan, survivors, arch, opt, "plan " + model.name + " on " + arch.pod.name);
  if (!which) return plan;  // an MPI worker: rank 0 has the results
  for (const std::size_t idx : *which) {
    Candidate& c = plan.candidates[idx];
    if (!c.sim.error.empty()) continue;
    c.status = PlanStatus::Simulated;
    c.tokens_per_s_per_chip =
        c.sim.step_time_s > 0 ? double(opt.global_batch) * double(opt.seq_len) / c.sim.step_time_s / double(plan.chips) : 0.0;
    plan.ranking.push_back(idx);
  }
  auto key = [&](std::size_t i) {
    const Candidate& c = plan.candidates[i];
    if (opt.objective == "tokens-per-joule")  // most tokens per joule first (energy per step lowest), then the step
      return std::make_pair(c.sim.energy_j_per_chip >= 0 ? c.sim.energy_j_per_chip * double(c.tp * c.pp * c.dp * c.cp) : 1e300,
                            c.sim.step_time_s);
    return opt.objective == "memory" ? std::make_pair(c.footprint_bytes(), c.sim.step_time_s)
                                     : std::make_pair(c.sim.step_time_s, c.footprint_bytes());
  };
  std::stable_sort(plan.ranking.begin(), plan.ranking.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  for (std::size_t r = 0; r < plan.ranking.size(); ++r) plan.candidates[plan.ranking[r]].rank = int(r + 1);
  // Pareto front over (step time, footprint), both lower is better.
  for (std::size_t i : plan.ranking) {
    const Candidate& c = plan.candidates[i];
    bool dominated = false;
    for (std::size_t j : plan.ranking) {
      const Candidate& d = plan.candidates[j];
      if (j != i && d.sim.step_time_s <= c.sim.step_time_s && d.footprint_bytes() <= c.footprint_bytes() &&
          (d.sim.step_time_s < c.sim.step_time_s || d.footprint_bytes() < c.footprint_bytes()))
        dominated = true;
    }
    plan.candidates[i].pareto = !dominated;
  }
  plan.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return plan;
}

std::string plan_csv(const Plan& p) {
  std::ostringstream o;
  o << "rank,status,tp,pp,dp,cp,ep,vpp,sp,micro_batch,micro_batches,recompute,zero,hbm_weights_gib,"
       "hbm_gradients_gib,hbm_optimizer_gib,hbm_activations_gib,hbm_total_gib,hbm_capacity_gib,estimate_rank,"
       "estimate_step_s,step_time_s,tokens_per_s,mfu,compute_s,exposed_comm_s,idle_s,pareto,batch,hbm_kv_cache_gib,"
       "tokens_per_s_per_chip,energy_j_per_step,tokens_per_joule,reason\n";
  const double gib = double(units::GiB);
  for (const auto& c : p.candidates) {
    const bool sim = c.status == PlanStatus::Simulated || c.status == PlanStatus::TooSlow;
    const double tokens = p.inference ? double(c.batch) * (p.phase == "decode" ? 1.0 : double(p.seq_len))
                                      : double(p.global_batch) * double(p.seq_len);
    std::string reason = c.reason;
    for (char& ch : reason)
      if (ch == ',') ch = ';';
    o << (c.rank ? std::to_string(c.rank) : "") << "," << plan_status_name(c.status) << "," << c.tp << "," << c.pp
      << "," << c.dp << "," << c.cp << "," << c.ep << "," << c.vpp << "," << (c.sp ? 1 : 0) << "," << c.micro_batch
      << "," << c.micro_batches << "," << c.recompute << "," << c.zero << "," << fixed(c.weights_bytes / gib, 3) << ","
      << fixed(c.gradients_bytes / gib, 3) << "," << fixed(c.optimizer_bytes / gib, 3) << ","
      << fixed(c.activations_bytes / gib, 3) << "," << fixed(c.footprint_bytes() / gib, 3) << ","
      << fixed(c.capacity_bytes / gib, 3) << "," << (c.estimate_rank ? std::to_string(c.estimate_rank) : "") << ","
      << (c.estimate_rank ? fixed(c.estimate.total_s(), 9) : "") << ","
      << (sim ? fixed(c.sim.step_time_s, 9) : "") << ","
      << (sim && c.sim.step_time_s > 0 ? fixed(tokens / c.sim.step_time_s, 1) : "") << ","
      << (sim && c.sim.mfu >= 0 ? fixed(c.sim.mfu, 5) : "") << "," << (sim ? fixed(c.sim.compute_s, 9) : "") << ","
      << (sim ? fixed(c.sim.exposed_comm_s, 9) : "") << "," << (sim ? fixed(c.sim.idle_s, 9) : "") << ","
      << (sim ? (c.pareto ? "yes" : "no") : "") << "," << c.batch << "," << fixed(c.kv_bytes / gib, 3) << ","
      << (sim ? fixed(c.tokens_per_s_per_chip, 3) : "") << ",";
    const double chips = double(c.tp) * c.pp * c.dp * c.cp;
    const bool energy = sim && c.sim.energy_j_per_chip > 0;
    o << (energy ? fixed(c.sim.energy_j_per_chip * chips, 6) : "") << ","
      << (energy ? fixed(tokens / (c.sim.energy_j_per_chip * chips), 6) : "") << "," << reason << "\n";
  }
  return o.str();
}

std::string plan_table(const Plan& p, std::size_t rows) {
  std::ostringstream o;
  const double gib = double(units::GiB);
  char buf[400];
  if (p.inference) {
    std::snprintf(buf, sizeof buf, "%4s  %-30s %10s %14s %6s %10s %10s %10s  %s\n", "rank", "layout", "step_ms",
                  "tok/s/chip", "HBM", "compute_ms", "exp.comm", "idle_ms", "why (share of the step)");
    o << buf;
    for (std::size_t r = 0; r < p.ranking.size() && r < rows; ++r) {
      const Candidate& c = p.candidates[p.ranking[r]];
      const double st = c.sim.step_time_s;
      auto pct = [&](double v) { return st > 0 ? fixed(100.0 * v / st, 0) + "%" : std::string("-"); };
      const std::string why = "compute " + pct(c.sim.compute_s) + ", exposed comm " + pct(c.sim.exposed_comm_s) +
                              ", idle " + pct(c.sim.idle_s);
      std::snprintf(buf, sizeof buf, "%4d  %-30s %10.3f %14.1f %5.1fG %10.3f %10.3f %10.3f  %s%s\n", c.rank,
                    c.label().c_str(), st * 1e3, c.tokens_per_s_per_chip, c.footprint_bytes() / gib, c.sim.compute_s * 1e3,
                    c.sim.exposed_comm_s * 1e3, c.sim.idle_s * 1e3, why.c_str(), c.pareto ? "  [pareto]" : "");
      o << buf;
    }
    return o.str();
  }
  std::snprintf(buf, sizeof buf, "%4s  %-44s %10s %7s %6s %8s %8s %8s %9s  %s\n", "rank", "layout", "step_s",
                "MFU", "HBM", "compute", "exp.comm", "idle", "estimate", "why (share of the step)");
  o << buf;
  for (std::size_t r = 0; r < p.ranking.size() && r < rows; ++r) {
    const Candidate& c = p.candidates[p.ranking[r]];
    const double st = c.sim.step_time_s;
    auto pct = [&](double v) { return st > 0 ? fixed(100.0 * v / st, 0) + "%" : std::string("-"); };
    // The why: the largest loss against pure compute.
    std::string why = "compute " + pct(c.sim.compute_s) + ", exposed comm " + pct(c.sim.exposed_comm_s) +
                      ", bubble/wait " + pct(c.sim.idle_s);
    std::snprintf(buf, sizeof buf, "%4d  %-44s %10.4f %6.1f%% %5.1fG %8.4f %8.4f %8.4f %9.4f  %s%s\n", c.rank,
                  c.label().c_str(), st, c.sim.mfu >= 0 ? 100.0 * c.sim.mfu : 0.0, c.footprint_bytes() / gib,
                  c.sim.compute_s, c.sim.exposed_comm_s, c.sim.idle_s, c.estimate.total_s(), why.c_str(),
                  c.pareto ? "  [pareto]" : "");
    o << buf;
  }
  return o.str();
}

}  // namespace xpu::study
