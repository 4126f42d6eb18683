#include "sim/workload/generator/flops.h"

namespace xpu::wl::gen {

Flops megatron_gpt_flops(double B, double s, double l, double h, double V, bool full) {
  if (full) return Flops(96.0 * B * s * l * h * h * (1.0 + s / (6.0 * h) + V / (16.0 * l * h)));
  return Flops(72.0 * B * s * l * h * h * (1.0 + s / (6.0 * h) + V / (12.0 * l * h)));
}

Flops six_n_flops(double N, double tokens, double l, double h, double s) {
  return Flops(6.0 * N * tokens + 12.0 * l * h * s * tokens);
}

Flops forward_flops_per_sequence(const ModelSpec& m, double s, double V) {
  const double h = double(m.hidden), a = double(m.heads);
  double f = 0;
  for (std::int64_t l = 0; l < m.layers; ++l) {
    // Projections: 2 FLOPs per weight per token (norm weights excluded).
    double w = m.attention_params();
    if (m.is_mla()) w -= double(m.mla.kv_lora_rank) + (m.mla.q_lora_rank > 0 ? double(m.mla.q_lora_rank) : 0.0);
    if (m.layer_is_moe(l))
      w += h * m.moe.experts + (m.moe.top_k + m.moe.shared_experts) * m.expert_params();
    else
      w += m.dense_mlp_params();
    f += 2.0 * w * s;
    // Attention scores and context: 2*s*s*a*(d_qk + d_v).
    f += 2.0 * s * s * a * double(m.qk_dim() + m.v_dim());
  }
  f += 2.0 * s * h * V;  // LM head
  return Flops(f);
}

}  // namespace xpu::wl::gen
