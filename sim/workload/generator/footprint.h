// Per-rank HBM footprint of a transformer scenario, and the fit verdict against a capacity.
//
// Training state per parameter held by a rank (mixed-precision Adam, ZeRO paper, Rajbhandari et
// al. 2020, sec. 3): weights 2 B, gradients 2 B (grad_bytes), optimizer 12 B (optimizer_bytes:
// fp32 master copy, momentum, variance). ZeRO stage 1 shards the optimizer over the DP group,
// stage 2 also the gradients, stage 3 also the weights. Expert weights shard over the
// expert-data-parallel group (dp/ep).
//
// Activations per layer per micro-batch (Korthikanti et al. 2022, arXiv 2205.05198, sec. 4, 16-bit
// activations, dropout masks 1 B), s = sequence per CP rank, b micro-batch, h width, a heads, t TP:
//   Korthikanti (dropout, no fused attention): attention 11sbh + 5as^2b, MLP 19sbh (f = 4h), norms
//   4sbh. Without SP, 10sbh of it is replicated on every TP rank and the rest divides by t; with
//   SP all of it divides by t:  no SP: sbh(10 + 24/t) + 5as^2b/t;  SP: 34sbh/t + 5as^2b/t.
//   Generalised here, term by term (footprint.cpp): replicated = norm inputs 4sbh + norm outputs
//   4sbh + dropout masks 2sbh; split = Q, K, V 2sb(q + k + v widths) + O 2sb(a d_v) + MLP fc1
//   output 2sbf (gated 4sbf) + fc2 input 2sbf; scores 5as^2b (2as^2b without dropout).
//   training.dropout = 0 drops the masks (and 3as^2b); fused attention (flash_attention) and
//   selective recompute of core_attn drop the scores; recompute_modules: layernorm drops the norm
//   outputs, mla_up_proj drops MLA's Q, K, V (its latents 2sb(q_lora + kv_lora + rope) are
//   always stored), moe_act drops the routed experts' fc2 input. MoE layers store the shared
//   experts like a dense MLP and, for the routed experts, top_k copies of each token (the
//   dispatched fc1 input, 2 top_k sbh) and their intermediates; tokens are split over TP ranks
//   (the generator's dispatch), so all of it divides by t. Full recompute keeps only the layer
//   input 2sbh (/t with SP) plus one layer's full activations as the recompute working set.
// A pipeline stage p holds activations of min(pp - p, M) micro-batches under 1F1B (M under GPipe);
// interleaving multiplies stage 0's by (1 + (pp-1)/(pp*vpp)) (Korthikanti sec. 4.2.3).
// KV cache (inference): 2 * layers * b * L * kv_heads/t * d bytes_kv (kv_heads < t: one head per
// rank); MLA caches the latent: layers * b * L * (kv_lora + d_rope) * bytes_kv.
// Not modelled: framework workspace, fragmentation, communication buffers, logits in fp32,
// embedding-layer activations.
#pragma once

#include <string>
#include <vector>

#include "sim/core/units.h"
#include "sim/workload/generator/scenario.h"
#include "sim/workload/ir.h"

namespace xpu::wl::gen {

struct TrainingState {
  Bytes weights, gradients, optimizer;
};
// Bytes per rank for `params` parameters held (after TP/PP/EP division) with ZeRO `stage` over
// `dp_shards` ranks.
TrainingState training_state(double params, int zero_stage, int dp_shards, double weight_bytes, double grad_bytes,
                             double optimizer_bytes);

// Per-layer activation bytes for one micro-batch of `layer` under the scenario's training options
// (dropout, flash_attention, recompute, recompute_modules; see the header comment).
Bytes activation_bytes_per_layer(const ModelSpec& m, std::int64_t layer, double seq, double micro_batch, int tp, bool sp,
                                 const TrainingSpec& training);
// Korthikanti's setting: dropout on, unfused attention, recompute none / selective (core_attn) / full.
Bytes activation_bytes_per_layer(const ModelSpec& m, std::int64_t layer, double seq, double micro_batch, int tp, bool sp,
                                 const std::string& recompute);

// Footprint of every pipeline stage; `footprint()` returns the largest.
struct StageFootprint {
  int stage = 0;
  std::vector<FootprintItem> items;
  Bytes total() const;
};
std::vector<StageFootprint> stage_footprints(const ScenarioSpec& s);
StageFootprint footprint(const ScenarioSpec& s);

struct FitVerdict {
  bool fits = true;
  Bytes used, capacity;
  Bytes margin;          // capacity - used (negative when it does not fit)
  std::string message;   // "fits: 61.20 GiB of 80.00 GiB (18.80 GiB spare)" / "does not fit by 12.30 GiB: ..."
};
FitVerdict check_fit(Bytes used, Bytes capacity);
FitVerdict check_fit(const std::vector<FootprintItem>& items, Bytes capacity);

}  // namespace xpu::wl::gen
