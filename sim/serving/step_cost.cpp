// Step costs from the step model (step_cost.h).
#include "sim/serving/step_cost.h"

#include <algorithm>
#include <cmath>

#include "sim/core/error.h"
#include "sim/study/point.h"
#include "sim/workload/generator/footprint.h"

namespace xpu::serve {
namespace {

wl::gen::ScenarioSpec step_scenario(const wl::gen::ModelSpec& model, int tp, int ep, int dp, const std::string& dtype,
                                    const std::string& kv_dtype, const std::string& phase, std::int64_t batch,
                                    std::int64_t context) {
  wl::gen::ScenarioSpec s;
  s.name = "serve-" + phase;
  s.model = model;
  s.training_mode = false;
  s.parallel.tp = tp;
  s.parallel.ep = ep;
  s.parallel.dp = dp;
  s.inference.phase = phase;
  s.inference.batch = batch;
  s.inference.context = context;
  s.inference.dtype = dtype;
  s.inference.kv_dtype = kv_dtype;
  return s;
}

// Grid neighbours of x on {base x 2^i}: (lo, hi) with lo <= x <= hi (lo = hi = base below base).
std::pair<std::int64_t, std::int64_t> pow2_bracket(double x, std::int64_t base) {
  if (x <= double(base)) return {base, base};
  std::int64_t lo = base;
  while (double(lo) * 2 <= x) lo *= 2;
  return {lo, double(lo) == x ? lo : lo * 2};
}

double lerp(double x, double x0, double x1, double y0, double y1) {
  if (x1 == x0) return y0;
  return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
}

constexpr std::int64_t kMinContext = 16;

}  // namespace

SimulatedStepCost::SimulatedStepCost(const ArchSpec& arch, const wl::gen::ModelSpec& model, int tp, int ep, int dp,
                                     std::string dtype, std::string kv_dtype)
    : arch_(arch), model_(model), tp_(tp), ep_(ep), dp_(dp), dtype_(std::move(dtype)), kv_dtype_(std::move(kv_dtype)) {
  if (std::int64_t(tp) * dp > arch.pod.chips)
    throw UserError("an engine of tp " + std::to_string(tp) + " x dp " + std::to_string(dp) + " chips does not fit the pod '" +
                    arch.pod.name + "' (" + std::to_string(arch.pod.chips) + " chips)");
}

const std::pair<double, double>& SimulatedStepCost::point(const std::string& phase, std::int64_t batch, std::int64_t context) {
  const auto key = std::make_tuple(phase, batch, context);
  if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  study::Point p;
  p.arch = arch_;
  p.scenario = step_scenario(model_, tp_, ep_, dp_, dtype_, kv_dtype_, phase, batch, context);
  wl::gen::check_scenario(p.scenario);
  const study::Metrics m = study::simulate_point(p);
  if (!m.error.empty())
    throw UserError("serving step model: " + phase + " step of batch " + std::to_string(batch) + ", context " +
                    std::to_string(context) + " on tp " + std::to_string(tp_) + " x dp " + std::to_string(dp_) + " (ep " +
                    std::to_string(ep_) + "): " + m.error);
  return memo_[key] = {m.step_time_s, m.energy_j_per_chip};
}

double SimulatedStepCost::simulate(const std::string& phase, std::int64_t batch, std::int64_t context) {
  return point(phase, batch, context).first;
}

namespace {
double pick(const std::pair<double, double>& v, int which) { return which == 0 ? v.first : v.second; }
}  // namespace

double SimulatedStepCost::linear_at(double tokens, int which) {
  if (tokens <= 0) return 0.0;
  const auto br1 = pow2_bracket(tokens, dp_);
  const std::int64_t lo = br1.first, hi = br1.second;
  const double ylo = pick(point("decode", lo, 1), which);
  if (hi == lo) return ylo;
  return lerp(tokens, double(lo), double(hi), ylo, pick(point("decode", hi, 1), which));
}

double SimulatedStepCost::decode_at(double batch, double context, int which) {
  if (batch <= 0) return 0.0;
  const auto br2 = pow2_bracket(batch, dp_);
  const std::int64_t blo = br2.first, bhi = br2.second;
  const auto br3 = pow2_bracket(std::max(context, 1.0), kMinContext);
  const std::int64_t clo = br3.first, chi = br3.second;
  auto at_b = [&](std::int64_t b) {
    const double y0 = pick(point("decode", b, clo), which);
    if (chi == clo) {
      // Below the smallest grid context: between the one-token context and it.
      if (context < double(clo)) return lerp(std::max(context, 1.0), 1.0, double(clo), pick(point("decode", b, 1), which), y0);
      return y0;
    }
    return lerp(context, double(clo), double(chi), y0, pick(point("decode", b, chi), which));
  };
  const double ylo = at_b(blo);
  if (bhi == blo) return ylo;
  return lerp(batch, double(blo), double(bhi), ylo, at_b(bhi));
}

double SimulatedStepCost::pair_at(double chunk, int which) {
  const auto per_pair = [&](std::int64_t q) {
    auto it = pair_memo_.find(q);
    if (it == pair_memo_.end()) {
      const auto& pre = point("prefill", dp_, q);
      const double pairs = double(dp_) * double(q) * double(q + 1) / 2.0;
      const double t = std::max(0.0, pre.first - linear_at(double(dp_) * double(q), 0)) / pairs;
      const double e = pre.second < 0 ? -1.0 : std::max(0.0, pre.second - linear_at(double(dp_) * double(q), 1)) / pairs;
      it = pair_memo_.emplace(q, std::make_pair(t, e)).first;
    }
    return pick(it->second, which);
  };
  const auto br4 = pow2_bracket(std::max(chunk, 1.0), kMinContext);
  const std::int64_t lo = br4.first, hi = br4.second;
  const double ylo = per_pair(lo);
  if (hi == lo) return ylo;
  return lerp(std::log2(std::max(chunk, 1.0)), std::log2(double(lo)), std::log2(double(hi)), ylo, per_pair(hi));
}

double SimulatedStepCost::decode_s(double batch, double context) { return decode_at(batch, context, 0); }
double SimulatedStepCost::linear_s(double tokens) { return linear_at(tokens, 0); }
double SimulatedStepCost::prefill_pair_s(double chunk) { return pair_at(chunk, 0); }

double SimulatedStepCost::compose(const StepShape& s, int which) {
  double v = 0;
  const double bd = double(s.decode_seqs);
  if (s.decode_seqs > 0) v += decode_at(bd, s.decode_kv_tokens / bd, which);
  if (s.prefill_tokens > 0) {
    v += linear_at(bd + double(s.prefill_tokens), which) - (s.decode_seqs > 0 ? linear_at(bd, which) : 0.0);
    v += s.prefill_pairs * pair_at(double(std::max<std::int64_t>(s.prefill_chunk, 1)), which);
  }
  return v;
}

double SimulatedStepCost::step_s(const StepShape& s) { return compose(s, 0); }

double SimulatedStepCost::step_energy_j(const StepShape& s) {
  if (!arch_.chip.power.known()) return -1;
  return compose(s, 1) * double(tp_) * double(dp_);
}

EngineMemory engine_memory(const ArchSpec& arch, const wl::gen::ModelSpec& model, int tp, int ep, int dp, const std::string& dtype,
                           const std::string& kv_dtype, double memory_fraction, std::int64_t token_budget) {
  EngineMemory em;
  // One sequence per attention replica with a 1,023-token cache (+1 decoded): KV per token per chip.
  const std::int64_t probe = 1023;
  auto items = [](const wl::gen::ScenarioSpec& s) {
    std::map<std::string, double> out;
    for (const auto& it : wl::gen::footprint(s).items) out[it.name] = it.bytes.value();
    return out;
  };
  const auto dec = items(step_scenario(model, tp, ep, dp, dtype, kv_dtype, "decode", dp, probe));
  em.weights_bytes_per_chip = dec.at("weights");
  em.kv_bytes_per_token_per_chip = dec.at("kv_cache") / double(probe + 1);
  // Activations of the largest step: the token budget as one prefill (split over the replicas).
  const std::int64_t per_replica = std::max<std::int64_t>(1, token_budget / dp);
  const auto pre = items(step_scenario(model, tp, ep, dp, dtype, kv_dtype, "prefill", dp, per_replica));
  em.activations_bytes_per_chip = pre.at("activations");
  const double usable = memory_fraction * arch.chip.hbm.capacity.value();
  em.kv_bytes_per_chip = usable - em.weights_bytes_per_chip - em.activations_bytes_per_chip;
  if (em.kv_bytes_per_chip <= 0 || em.kv_bytes_per_token_per_chip <= 0) {
    const double gib = double(units::GiB);
    char buf[400];
    std::snprintf(buf, sizeof buf,
                  "an engine of tp %d x dp %d leaves no room for a KV cache: weights %.2f GiB + activations %.2f GiB per "
                  "chip exceed %.0f%% of %.2f GiB HBM (use more chips per engine, a smaller dtype or a larger memory_fraction)",
                  tp, dp, em.weights_bytes_per_chip / gib, em.activations_bytes_per_chip / gib, memory_fraction * 100,
                  arch.chip.hbm.capacity.value() / gib);
    throw UserError(buf);
  }
  em.kv_tokens = std::int64_t(std::floor(em.kv_bytes_per_chip / em.kv_bytes_per_token_per_chip)) * dp;
  return em;
}

}  // namespace xpu::serve
