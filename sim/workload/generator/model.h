// Transformer model descriptions (workloads/models/*.yaml) and their parameter counts.
//
// A model is a decoder-only transformer: an embedding, `layers` blocks of attention + feed-forward,
// a final norm and an LM head (tied to the embedding or not). Attention is multi-head with optional
// grouped-query KV heads (GQA), or DeepSeek's multi-head latent attention (MLA) when `mla` is set.
// The feed-forward is a plain two-matrix MLP (GELU) or a gated three-matrix one (SwiGLU), dense or a
// mixture of experts (`moe`: routed experts, top-k, shared experts, first dense layers).
//
// Parameter counts (biases ignored; norms counted as 2h per layer + h final):
//   attention (GQA): h*(a*d) + 2*h*(g*d) + (a*d)*h            a heads, g KV heads, d head dim
//   attention (MLA): h*q_lora + q_lora*a*(d_nope+d_rope)  [or h*a*(d_nope+d_rope) without q_lora]
//                    + h*(kv_lora+d_rope) + kv_lora*a*(d_nope+d_v) + a*d_v*h
//   MLP: (gated ? 3 : 2) * h * f;  MoE layer: router h*E + E experts + S shared, each an MLP of f_e
//   embedding V*h, LM head V*h unless tied.
// Sources for the presets are cited in each YAML file.
#pragma once

#include <cstdint>
#include <string>

#include "sim/core/config.h"

namespace xpu::wl::gen {

struct MoeSpec {
  int experts = 0;                 // routed experts (0 = dense model)
  int top_k = 0;                   // routed experts per token
  int shared_experts = 0;          // always-active experts of size expert_ffn
  std::int64_t expert_ffn = 0;     // hidden size of one expert's MLP
  int first_dense_layers = 0;      // leading layers with a dense MLP of size `ffn`
  template <class V>
  void visit(V& v) {
    v.field("experts", experts, cfg::Field("number of routed experts per MoE layer").min(0));
    v.field("top_k", top_k, cfg::Field("routed experts each token is sent to").min(0));
    v.field("shared_experts", shared_experts, cfg::Field("always-active shared experts (each of size expert_ffn)").min(0));
    v.field("expert_ffn", expert_ffn, cfg::Field("hidden size of one expert's MLP").min(0));
    v.field("first_dense_layers", first_dense_layers, cfg::Field("leading layers with a dense MLP of size ffn").min(0));
  }
};

struct MlaSpec {
  std::int64_t q_lora_rank = 0;    // 0: queries projected directly
  std::int64_t kv_lora_rank = 0;   // > 0 enables MLA
  std::int64_t qk_nope_head_dim = 0;
  std::int64_t qk_rope_head_dim = 0;
  std::int64_t v_head_dim = 0;
  template <class V>
  void visit(V& v) {
    v.field("q_lora_rank", q_lora_rank, cfg::Field("query compression rank (0 = none)").min(0));
    v.field("kv_lora_rank", kv_lora_rank, cfg::Field("latent KV rank; > 0 enables MLA").min(0));
    v.field("qk_nope_head_dim", qk_nope_head_dim, cfg::Field("per-head query/key dim without RoPE").min(0));
    v.field("qk_rope_head_dim", qk_rope_head_dim, cfg::Field("per-head decoupled RoPE dim").min(0));
    v.field("v_head_dim", v_head_dim, cfg::Field("per-head value dim").min(0));
  }
};

struct ModelSpec {
  std::string name;
  std::string description;
  bool hypothetical = false;
  std::int64_t hidden = 0, layers = 0, heads = 0;
  std::int64_t kv_heads = 0;   // 0 = heads (multi-head attention)
  std::int64_t head_dim = 0;   // 0 = hidden / heads
  std::int64_t ffn = 0;        // dense MLP hidden size
  std::int64_t vocab = 0;
  bool gated_ffn = false;      // SwiGLU-style three-matrix MLP
  bool tied_embeddings = false;
  std::int64_t max_seq_len = 0;
  MoeSpec moe;
  MlaSpec mla;

  template <class V>
  void visit(V& v) {
    v.field("name", name, cfg::Field("model name").required());
    v.field("description", description, cfg::Field("one line with the source"));
    v.field("hypothetical", hypothetical, cfg::Field("true when the architecture is not public and the numbers are a guess"));
    v.field("hidden", hidden, cfg::Field("model (embedding) width h").required().positive());
    v.field("layers", layers, cfg::Field("transformer blocks").required().positive());
    v.field("heads", heads, cfg::Field("attention (query) heads").required().positive());
    v.field("kv_heads", kv_heads, cfg::Field("key/value heads for grouped-query attention (0 = heads)").min(0));
    v.field("head_dim", head_dim, cfg::Field("per-head dim (0 = hidden/heads)").min(0));
    v.field("ffn", ffn, cfg::Field("dense MLP hidden size").required().positive());
    v.field("vocab", vocab, cfg::Field("vocabulary size").required().positive());
    v.field("gated_ffn", gated_ffn, cfg::Field("gated (SwiGLU) MLP with three matrices"));
    v.field("tied_embeddings", tied_embeddings, cfg::Field("LM head shares the embedding matrix"));
    v.field("max_seq_len", max_seq_len, cfg::Field("context length the model was trained for (informative)").min(0));
    v.field("moe", moe, cfg::Field("mixture of experts (omit for a dense model)"));
    v.field("mla", mla, cfg::Field("multi-head latent attention (omit for GQA/MHA)"));
  }
  void check(const cfg::Checker& c) const;

  std::int64_t kv() const { return kv_heads > 0 ? kv_heads : heads; }
  std::int64_t hd() const { return head_dim > 0 ? head_dim : hidden / heads; }
  bool is_moe() const { return moe.experts > 0; }
  bool is_mla() const { return mla.kv_lora_rank > 0; }
  bool layer_is_moe(std::int64_t layer) const { return is_moe() && layer >= moe.first_dense_layers; }
  // Per-head query/key dim and value dim used by the attention matmuls.
  std::int64_t qk_dim() const { return is_mla() ? mla.qk_nope_head_dim + mla.qk_rope_head_dim : hd(); }
  std::int64_t v_dim() const { return is_mla() ? mla.v_head_dim : hd(); }
  std::int64_t mlp_mats() const { return gated_ffn ? 3 : 2; }

  double attention_params() const;
  double dense_mlp_params() const;
  double expert_params() const;          // one expert
  double moe_layer_params() const;       // router + routed + shared
  double layer_params(std::int64_t layer) const;
  double layer_active_params(std::int64_t layer) const;  // only top_k routed experts counted
  double embedding_params() const { return double(vocab) * double(hidden); }
  double total_params() const;
  double active_params() const;
};

// Load a model: `ref` is a path to a YAML file (with a top-level `model:` map) or a preset name,
// looked up as <dir>/<name>.yaml in `search_dirs` (then in $XPUSIM_MODELS_DIR and
// ./workloads/models). Throws ConfigError/UserError naming the file.
ModelSpec load_model(const std::string& ref, const std::vector<std::string>& search_dirs = {});
ModelSpec read_model(const cfg::Node& model_map, const std::string& path = "model");

}  // namespace xpu::wl::gen
