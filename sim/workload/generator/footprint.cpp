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
                                 const std::string& recompute) {
  const double h = double(m.hidden), a = double(m.heads), t = tp;
  const double sbh = s * b * h;
  if (recompute == "full") return Bytes(2.0 * sbh / (sp ? t : 1.0));
  // Width of the MLP activations held per token.
  double f;
  if (m.layer_is_moe(layer)) {
    f = double(m.moe.shared_experts) * double(m.moe.expert_ffn);
    double routed = double(m.moe.top_k) * double(m.moe.expert_ffn);
    f += routed * t;  // so that f / t leaves the routed part unsplit
  } else {
    f = double(m.ffn);
  }
  const double kvw = double(m.kv()) * double(m.qk_dim());  // K width
  const double vw = double(m.kv()) * double(m.v_dim());
  const double qw = a * double(m.qk_dim());
  const double ow = a * double(m.v_dim());
  // Replicated without SP: QKV input 2sbh, attention dropout mask sbh, fc1 input 2sbh, MLP dropout
  // mask sbh, two norm inputs 4sbh = 10sbh.
  const double replicated = 10.0 * sbh;
  // Split by t: Q and K 2sb(qw + kvw), V 2sb*vw, projection input 2sb*ow, MLP 4sbf (gated 6sbf).
  const double split = 2.0 * s * b * (qw + kvw) + 2.0 * s * b * vw + 2.0 * s * b * ow +
                       (m.gated_ffn ? 6.0 : 4.0) * s * b * f;
  const double scores = recompute == "selective" ? 0.0 : 5.0 * a * s * s * b;
  return Bytes((sp ? replicated / t : replicated) + split / t + scores / t);
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
      const double wb = dtype_bytes(dt);
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
        per_mb += activation_bytes_per_layer(m, l, seq, double(T.micro_batch), P.tp, P.sp,
                                             T.recompute == "none" && T.flash_attention ? "selective" : T.recompute).bytes();
      double in_flight;
      if (P.schedule == "gpipe") in_flight = double(M);
      else in_flight = double(std::min<std::int64_t>(pp - p, M));
      if (vpp > 1 && p == 0) in_flight *= 1.0 + double(pp - 1) / double(pp * vpp);
      double act = per_mb * in_flight;
      if (T.recompute == "full" && !layers.empty())  // working set: one layer's activations rebuilt
        act += activation_bytes_per_layer(m, layers[0], seq, double(T.micro_batch), P.tp, P.sp, "none").bytes();
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
