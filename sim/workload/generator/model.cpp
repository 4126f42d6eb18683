#include "sim/workload/generator/model.h"

#include <cstdlib>
#include <filesystem>

namespace xpu::wl::gen {
namespace fs = std::filesystem;

void ModelSpec::check(const cfg::Checker& c) const {
  if (head_dim == 0 && hidden % heads != 0)
    c.fail("heads", "hidden (" + std::to_string(hidden) + ") must be divisible by heads, or give head_dim");
  if (heads % kv() != 0) c.fail("kv_heads", "heads (" + std::to_string(heads) + ") must be a multiple of kv_heads, got " + std::to_string(kv()));
  if (moe.experts > 0) {
    if (moe.top_k <= 0 || moe.top_k > moe.experts) c.fail("moe.top_k", "must be between 1 and experts (" + std::to_string(moe.experts) + ")");
    if (moe.expert_ffn <= 0) c.fail("moe.expert_ffn", "must be greater than zero for a MoE model");
    if (moe.first_dense_layers >= layers) c.fail("moe.first_dense_layers", "must be less than layers");
  }
  if (mla.kv_lora_rank > 0 && (mla.qk_nope_head_dim <= 0 || mla.qk_rope_head_dim <= 0 || mla.v_head_dim <= 0))
    c.fail("mla", "MLA needs qk_nope_head_dim, qk_rope_head_dim and v_head_dim");
}

double ModelSpec::attention_params() const {
  const double h = double(hidden), a = double(heads);
  if (is_mla()) {
    const double qk = double(qk_dim());
    double q = mla.q_lora_rank > 0 ? h * double(mla.q_lora_rank) + double(mla.q_lora_rank) * a * qk + double(mla.q_lora_rank)
                                   : h * a * qk;
    double kv = h * double(mla.kv_lora_rank + mla.qk_rope_head_dim) + double(mla.kv_lora_rank) +
                double(mla.kv_lora_rank) * a * double(mla.qk_nope_head_dim + mla.v_head_dim);
    return q + kv + a * double(mla.v_head_dim) * h;
  }
  const double d = double(hd());
  return h * a * d + 2.0 * h * double(kv()) * d + a * d * h;
}
double ModelSpec::dense_mlp_params() const { return double(mlp_mats()) * double(hidden) * double(ffn); }
double ModelSpec::expert_params() const { return double(mlp_mats()) * double(hidden) * double(moe.expert_ffn); }
double ModelSpec::moe_layer_params() const {
  return double(hidden) * moe.experts + (moe.experts + moe.shared_experts) * expert_params();
}
double ModelSpec::layer_params(std::int64_t l) const {
  return attention_params() + (layer_is_moe(l) ? moe_layer_params() : dense_mlp_params()) + 2.0 * double(hidden);
}
double ModelSpec::layer_active_params(std::int64_t l) const {
  if (!layer_is_moe(l)) return layer_params(l);
  return attention_params() + double(hidden) * moe.experts + (moe.top_k + moe.shared_experts) * expert_params() +
         2.0 * double(hidden);
}
double ModelSpec::total_params() const {
  double p = embedding_params() * (tied_embeddings ? 1 : 2) + double(hidden);
  for (std::int64_t l = 0; l < layers; ++l) p += layer_params(l);
  return p;
}
double ModelSpec::active_params() const {
  double p = embedding_params() * (tied_embeddings ? 1 : 2) + double(hidden);
  for (std::int64_t l = 0; l < layers; ++l) p += layer_active_params(l);
  return p;
}

ModelSpec read_model(const cfg::Node& n, const std::string& path) { return cfg::read<ModelSpec>(n, path); }

ModelSpec load_model(const std::string& ref, const std::vector<std::string>& search_dirs) {
  std::string file;
  std::error_code ec;
  const bool looks_like_path = ref.find('/') != std::string::npos || fs::path(ref).extension() == ".yaml" ||
                               fs::path(ref).extension() == ".yml";
  std::vector<std::string> tried;
  if (looks_like_path) {
    for (const auto& d : search_dirs) {
      fs::path p = fs::path(ref).is_absolute() ? fs::path(ref) : fs::path(d) / ref;
      tried.push_back(p.string());
      if (fs::is_regular_file(p, ec)) { file = p.string(); break; }
    }
    if (file.empty() && fs::is_regular_file(ref, ec)) file = ref;
  } else {
    std::vector<std::string> dirs = search_dirs;
    if (const char* env = std::getenv("XPUSIM_MODELS_DIR")) dirs.push_back(env);
    dirs.push_back("workloads/models");
    for (const auto& d : dirs) {
      fs::path p = fs::path(d) / (ref + ".yaml");
      tried.push_back(p.string());
      if (fs::is_regular_file(p, ec)) { file = p.string(); break; }
    }
  }
  if (file.empty()) {
    std::string t;
    for (const auto& x : tried) t += (t.empty() ? "" : ", ") + x;
    throw UserError("model '" + ref + "' not found (looked in: " + (t.empty() ? ref : t) +
                    "); presets live in workloads/models/<name>.yaml");
  }
  cfg::Node root = cfg::load_file(file);
  if (!root.is_map()) throw ConfigError(root.loc, "", "a model file must be a map with a top-level 'model:' key");
  for (const auto& e : root.map)
    if (e.key != "model") throw ConfigError(e.key_loc, e.key, "unknown top-level key '" + e.key + "' (a model file has only 'model:')");
  const cfg::Node* m = root.find("model");
  if (m == nullptr) throw ConfigError(root.loc, "model", "missing required key 'model'");
  return read_model(*m, "model");
}

}  // namespace xpu::wl::gen
