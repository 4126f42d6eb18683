// What one engine step costs, as a function of its shape.
//
// SimulatedStepCost asks the step model (the transformer generator + the event simulation that
// `xpusim run` uses, on the engine's tp x ep chips of the pod) for whole inference steps on a grid of
// shapes and composes a mixed step from them (docs/serving.md, "Step cost"):
//   D(B, C)  decode step of B sequences attending to C tokens each, simulated at B = dp x 2^i and
//            C = 2^j (j >= 4), bilinear in between (the KV read grows linearly with C, the matmul
//            work with B);
//   L(T)     the token-proportional part of a step of T new tokens: a decode step of T sequences over
//            a one-token context (attention negligible), piecewise linear in T on the same B grid;
//   c(q)     prefill attention cost per (query, key) pair: [P(q) - L(dp q)] / (dp q (q+1)/2), P(q) the
//            simulated prefill step of dp prompts of q tokens (causal attention), linear in log q.
//   step = D(B_d, mean KV length) + L(B_d + T_p) - L(B_d) + pairs x c(chunk)
// where B_d sequences decode and T_p prompt tokens are prefilled in chunks whose causal (query, key)
// pairs are `pairs` (a chunk of q tokens after p cached ones: q p + q (q+1) / 2).
// Each grid point is simulated once and memoised, so a 10-minute request trace costs a few dozen
// step simulations.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "sim/cluster/arch.h"
#include "sim/workload/generator/model.h"

namespace xpu::serve {

struct StepShape {
  std::int64_t decode_seqs = 0;     // sequences generating one token
  double decode_kv_tokens = 0;      // sum over them of the KV length each attends to
  std::int64_t prefill_tokens = 0;  // prompt tokens processed (all chunks)
  double prefill_pairs = 0;         // causal (query, key) pairs of those chunks
  std::int64_t prefill_chunk = 0;   // the largest chunk (sets the attention efficiency)
};

class StepCost {
 public:
  virtual ~StepCost() = default;
  virtual double step_s(const StepShape& shape) = 0;
  // Energy of the step on the whole engine, J (static power over the step included); < 0: unknown.
  virtual double step_energy_j(const StepShape&) { return -1; }
};

// A closed form for tests and quick what-ifs: fixed + per token + per decode KV token + per pair.
class LinearStepCost : public StepCost {
 public:
  LinearStepCost(double fixed_s, double per_token_s, double per_kv_token_s, double per_pair_s)
      : fixed_(fixed_s), tok_(per_token_s), kv_(per_kv_token_s), pair_(per_pair_s) {}
  double step_s(const StepShape& s) override {
    return fixed_ + tok_ * double(s.decode_seqs + s.prefill_tokens) + kv_ * s.decode_kv_tokens + pair_ * s.prefill_pairs;
  }

 private:
  double fixed_, tok_, kv_, pair_;
};

class SimulatedStepCost : public StepCost {
 public:
  // An engine of tp x dp chips: dp attention replicas (each with its own sequences), experts over ep of them.
  SimulatedStepCost(const ArchSpec& arch, const wl::gen::ModelSpec& model, int tp, int ep, int dp, std::string dtype,
                    std::string kv_dtype);
  double step_s(const StepShape& shape) override;
  // The same composition over the simulated steps' energies (power.h), times the engine's chips.
  double step_energy_j(const StepShape& shape) override;
  // Components (exposed for tests).
  double decode_s(double batch, double context);
  double linear_s(double tokens);
  double prefill_pair_s(double chunk);
  // One simulated inference step (memoised): phase "decode" or "prefill", batch sequences, context.
  double simulate(const std::string& phase, std::int64_t batch, std::int64_t context);
  std::int64_t simulations() const { return std::int64_t(memo_.size()); }

 private:
  ArchSpec arch_;
  wl::gen::ModelSpec model_;
  int tp_, ep_, dp_;
  std::string dtype_, kv_dtype_;
  // (step time s, energy per chip J or -1) per simulated shape.
  std::map<std::tuple<std::string, std::int64_t, std::int64_t>, std::pair<double, double>> memo_;
  std::map<std::int64_t, std::pair<double, double>> pair_memo_;
  const std::pair<double, double>& point(const std::string& phase, std::int64_t batch, std::int64_t context);
  // Interpolations over the grid, of the time (0) or the energy (1).
  double decode_at(double batch, double context, int which);
  double linear_at(double tokens, int which);
  double pair_at(double chunk, int which);
  double compose(const StepShape& s, int which);
};

// Memory of one engine: what the KV cache may hold after weights and activations.
struct EngineMemory {
  double weights_bytes_per_chip = 0, activations_bytes_per_chip = 0, kv_bytes_per_chip = 0;
  double kv_bytes_per_token_per_chip = 0;  // one sequence's KV per token on one chip (its shard)
  std::int64_t kv_tokens = 0;              // tokens the engine's KV cache holds (all its ranks)
};
// Throws UserError naming the terms when the weights and activations leave no room for a KV cache.
EngineMemory engine_memory(const ArchSpec& arch, const wl::gen::ModelSpec& model, int tp, int ep, int dp, const std::string& dtype,
                           const std::string& kv_dtype, double memory_fraction, std::int64_t token_budget);

}  // namespace xpu::serve
