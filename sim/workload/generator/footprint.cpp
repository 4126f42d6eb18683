#include "sim/workload/generator/footprint.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/core/dtype.h"
#include "sim/workload/generator/transformer.h"

namespace xpu::wl::gen {

TrainingState training_state(double params, int zero, int shards, double wb, double gb, double ob) {
  const double n = std::max(1, shards);
  TrainingState t;
  t.weights = Bytes(params * wb / (zero >= 3 ? n : 1.0));
  t.gradients = Bytes(params * gb / (zero >= 2 ? n : 1.0));
  t.optimizer = Bytes(params * ob / (zero >= 1 ? n : 1.0));
  return t;
}

Bytes activation_bytes_per_layer(const ModelSpec& m, std::int64_t layer, double s, double b, int tp, bool sp,
                                 const TrainingSpec& T) {
  const double h = double(m.hidden), a = double(m.heads), t = tp;
  const double sbh = s * b * h, sb = s * b;
  if (T.recompute == "full") return Bytes(2.0 * sbh / (sp ? t : 1.0));
  const bool drop = T.dropout > 0;
  // Replicated on every TP rank without SP: the two norm inputs 4sbh, the norm outputs (QKV and
  // fc1 inputs) 4sbh unless the norms are recomputed, the two hidden-dropout masks 2sbh.
  const double replicated = 4.0 * sbh + (T.recomputes("layernorm") ? 0.0 : 4.0 * sbh) + (drop ? 2.0 * sbh : 0.0);
  // Split by t. Attention: Q, K, V and the output O (also the projection input); MLA stores the
  // up-projection inputs (query and KV latents) too, and drops Q, K, V when the up-projections
  // are recomputed.
  const double qw = a * double(m.qk_dim()), kvw = double(m.kv()) * double(m.qk_dim()), vw = double(m.kv()) * double(m.v_dim());
  const double ow = a * double(m.v_dim());
  double attn = 2.0 * sb * ow;
  if (!(m.is_mla() && T.recomputes("mla_up_proj"))) attn += 2.0 * sb * (qw + kvw + vw);
  if (m.is_mla()) attn += 2.0 * sb * double(m.mla.q_lora_rank + m.mla.kv_lora_rank + m.mla.qk_rope_head_dim);
  // MLP: fc1 output 2sbf (gated: 4sbf) and the activation output (fc2 input) 2sbf. MoE: the shared
  // experts as a dense MLP; the routed experts hold top_k copies of each token (dispatched fc1
  // input 2 top_k sbh) and their intermediates, less the fc2 input when moe_act is recomputed.
  const double gate = m.gated_ffn ? 4.0 : 2.0;
  double mlp;
  if (m.layer_is_moe(layer)) {
    const double fs = double(m.moe.shared_experts) * double(m.moe.expert_ffn);
    const double fr = double(m.moe.top_k) * double(m.moe.expert_ffn);
    mlp = (gate + 2.0) * sb * fs + 2.0 * double(m.moe.top_k) * sbh + (gate + (T.recomputes("moe_act") ? 0.0 : 2.0)) * sb * fr;
  } else {
    mlp = (gate + 2.0) * sb * double(m.ffn);
  }
  // Attention scores (not with fused attention, nor when the core is recomputed): softmax output
  // 2as^2b, with dropout also its mask as^2b and output 2as^2b.
  const double scores = (T.flash_attention || T.recomputes("core_attn")) ? 0.0 : (drop ? 5.0 : 2.0) * a * s * s * b;
  return Bytes((sp ? replicated / t : replicated) + (attn + mlp + scores) / t);
}

Bytes activation_bytes_per_layer(const ModelSpec& m, std::int64_t layer, double s, double b, int tp, bool sp,
                                 const std::string& recompute) {
  TrainingSpec T;
  T.recompute = recompute;
  T.dropout = 0.1;
  T.flash_attention = false;
  T.recompute_modules = {"core_attn"};
  return activation_bytes_per_layer(m, layer, s, b, tp, sp, T);
}

Bytes StageFootprint::total() const {
  Bytes b;
  for (const auto& i : items) b += i.bytes;
  return b;
}

std::vector<StageFootprint> stage_footprints(const ScenarioSpec& s) {
  const ModelSpec& m = s.model;
  const ParallelSpec& P = s.parallel;
  const int pp = P.pp, vpp = P.schedule == "interleaved" ? P.vpp : 1;
  auto chunks = chunk_layers(m.layers, pp, vpp);
  const double V = double(padded_vocab(m.vocab, P.tp));
  const double h = double(m.hidden);
  std::vector<StageFootprint> out;
  for (int p = 0; p < pp; ++p) {
    double dense = 0, expert = 0;  // parameters held by one rank of this stage
    std::vector<std::int64_t> layers;
    for (int v = 0; v < vpp; ++v) {
      const auto& c = chunks[static_cast<size_t>(v * pp + p)];
      for (std::int64_t l = c.first; l < c.first + c.count; ++l) {
        layers.push_back(l);
        if (m.layer_is_moe(l)) {
          dense += (m.attention_params() + 2.0 * h + double(m.moe.shared_experts) * m.expert_params()) / P.tp +
                   h * m.moe.experts;
          expert += double(m.moe.experts) * m.expert_params() / P.ep;
        } else {
          dense += m.layer_params(l) / P.tp;
        }
      }
    }
    if (p == 0) dense += V * h / P.tp;
    if (p == pp - 1) dense += (m.tied_embeddings && pp == 1 ? 0.0 : V * h / P.tp) + h;
    StageFootprint f;
    f.stage = p;
    if (s.training_mode) {
      const TrainingSpec& T = s.training;
      DType dt = DType::BF16;
      parse_dtype(T.dtype, dt);
      // FP8 training keeps BF16 weights plus their cached FP8 copies (Transformer Engine): 3 B each.
      const double wb = dt == DType::FP8 ? 3.0 : dtype_bytes(dt);
      const int dp_shards = P.dp * P.cp;  // Megatron shards the distributed optimizer over DP x CP
      TrainingState d = training_state(dense, P.zero, dp_shards, wb, T.grad_bytes, T.optimizer_bytes);
      TrainingState e = training_state(expert, P.zero, std::max(1, dp_shards / P.ep), wb, T.grad_bytes, T.optimizer_bytes);
      f.items.push_back({"weights", d.weights + e.weights});
      f.items.push_back({"gradients", d.gradients + e.gradients});
      f.items.push_back({"optimizer", d.optimizer + e.optimizer});
      // Activations: micro-batches in flight on this stage times the per-layer bytes.
      const std::int64_t M = micro_batches_per_step(s);
      const double seq = double(T.seq_len) / P.cp;
      double per_mb = 0;
      for (auto l : layers)
        per_mb += activation_bytes_per_layer(m, l, seq, double(T.micro_batch), P.tp, P.sp, T).bytes();
      double in_flight;
      if (P.schedule == "gpipe") in_flight = double(M);
      else in_flight = double(std::min<std::int64_t>(pp - p, M));
      if (vpp > 1 && p == 0) in_flight *= 1.0 + double(pp - 1) / double(pp * vpp);
      double act = per_mb * in_flight;
      if (T.recompute == "full" && !layers.empty()) {  // working set: one layer's activations rebuilt
        TrainingSpec none = T;
        none.recompute = "none";
        act += activation_bytes_per_layer(m, layers[0], seq, double(T.micro_batch), P.tp, P.sp, none).bytes();
      }
      f.items.push_back({"activations", Bytes(act)});
    } else {
      const InferenceSpec& I = s.inference;
      DType dt = DType::BF16, kt = DType::BF16;
      parse_dtype(I.dtype, dt);
      parse_dtype(I.kv_dtype, kt);
      f.items.push_back({"weights", Bytes((dense + expert) * dtype_bytes(dt))});
      const double b = double(I.batch) / P.dp;
      const double L = double(I.context) + (I.phase == "decode" ? 1.0 : 0.0);
      double per_layer_token;
      if (m.is_mla()) per_layer_token = double(m.mla.kv_lora_rank + m.mla.qk_rope_head_dim);
      else per_layer_token = 2.0 * std::max<double>(1.0, std::ceil(double(m.kv()) / P.tp)) * double(m.hd());
      f.items.push_back({"kv_cache", Bytes(double(layers.size()) * b * L / P.cp * per_layer_token * dtype_bytes(kt))});
      // Transient activations of one micro-batch through one layer (the largest live set).
      const double tokens = (I.phase == "decode" ? 1.0 : double(I.context) / P.cp) * b / double(I.micro_batches);
      const double ffn_w = m.is_moe() ? double(m.moe.top_k + m.moe.shared_experts) * double(m.moe.expert_ffn) : double(m.ffn);
      f.items.push_back({"activations", Bytes(tokens * (4.0 * h + 2.0 * ffn_w / P.tp) * dtype_bytes(dt))});
    }
    out.push_back(std::move(f));
  }
  return out;
}

StageFootprint footprint(const ScenarioSpec& s) {
  auto all = stage_footprints(s);
  size_t best = 0;
  for (size_t i = 1; i < all.size(); ++i)
    if (all[i].total() > all[best].total()) best = i;
  return all[best];
}

FitVerdict check_fit(Bytes used, Bytes capacity) {
  FitVerdict v;
  v.used = used;
  v.capacity = capacity;
  v.margin = capacity - used;
  v.fits = used <= capacity;
  char buf[200];
  if (v.fits)
    std::snprintf(buf, sizeof buf, "fits: %.2f GiB of %.2f GiB (%.2f GiB spare)", used.gib(), capacity.gib(), v.margin.gib());
  else
    std::snprintf(buf, sizeof buf, "does not fit by %.2f GiB: needs %.2f GiB, HBM holds %.2f GiB", -v.margin.gib(),
                  used.gib(), capacity.gib());
  v.message = buf;
  return v;
}

FitVerdict check_fit(const std::vector<FootprintItem>& items, Bytes capacity) {
  Bytes u;
  for (const auto& i : items) u += i.bytes;
  return check_fit(u, capacity);
}

}  // namespace xpu::wl::gen
