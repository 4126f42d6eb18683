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
//   attention 11sbh + 5as^2b, MLP 19sbh (for f = 4h; here 3sbh + 4sbf, gated 3sbh + 6sbf),
//   norms 4sbh. Without SP, 10sbh of it is replicated on every TP rank and the rest divides by t;
//   with SP all of it divides by t:  no SP: sbh(10 + 24/t) + 5as^2b/t;  SP: 34sbh/t + 5as^2b/t.
//   selective recompute (and flash attention, training.flash_attention, the default) drops the
//   5as^2b/t term; full recompute keeps only the layer input 2sbh
//   (/t with SP) plus one layer's full activations as the recompute working set.
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

// Korthikanti per-layer activation bytes for one micro-batch (see the header comment).
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
