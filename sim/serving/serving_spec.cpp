// Serving files: parsing and cross-checks (serving_spec.h).
#include "sim/serving/serving_spec.h"

#include <algorithm>
#include <filesystem>

namespace xpu::serve {
namespace fs = std::filesystem;

void LengthDist::check(const cfg::Checker& c) const {
  if (max > 0 && max < min) c.fail("max", "must be at least min (" + std::to_string(min) + "), got " + std::to_string(max));
  if (dist == "uniform") {
    if (max <= 0) c.fail("max", "uniform lengths need max > 0 (and min)");
  } else {
    if (mean <= 0) c.fail("mean", "must be a positive number of tokens for dist: " + dist);
    if (max > 0 && (mean < min || mean > max)) c.fail("mean", "must lie within min..max");
  }
}

double LengthDist::expected() const {
  if (dist == "uniform") return 0.5 * double(min + max);
  return double(mean);  // exponential: the clip moves the mean a little; reported lengths are the drawn ones
}

void RequestSpec::check(const cfg::Checker& c) const {
  if (arrival == "trace") {
    if (trace.empty()) c.fail("trace", "arrival: trace needs a CSV file (arrival_s,prompt_tokens,output_tokens)");
    return;
  }
  if (!trace.empty()) c.fail("trace", "a trace file needs arrival: trace");
  if (arrival == "offline" && count <= 0) c.fail("count", "arrival: offline needs count > 0");
  if (arrival == "poisson" && count <= 0 && duration.value() <= 0) c.fail("count", "arrival: poisson needs count > 0 or duration > 0");
}

namespace {

ServingSpec read_root(const cfg::Node& root, const std::string& path, const std::string& dir_override = "") {
  if (!root.is_map() || root.find("serving") == nullptr)
    throw ConfigError(root.loc, "serving", "a serving file must be a map with a top-level 'serving:' key");
  for (const auto& e : root.map)
    if (e.key != "serving") throw ConfigError(e.key_loc, e.key, "unknown top-level key '" + e.key + "' (a serving file has only 'serving:')");
  const cfg::Node& sn = *root.find("serving");
  if (!sn.is_map()) throw ConfigError(sn.loc, "serving", "expected a map");
  static const std::vector<std::string> keys = {"name", "description", "model", "dtype", "kv_dtype", "engines",
                                                "prefill", "decode", "scheduler", "requests", "slo"};
  for (const auto& e : sn.map)
    if (std::find(keys.begin(), keys.end(), e.key) == keys.end()) {
      const std::string near = cfg::nearest(e.key, keys);
      throw ConfigError(e.key_loc, "serving." + e.key, "unknown key '" + e.key + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
  ServingSpec s;
  s.source = path;
  s.dir = dir_override.empty() ? fs::path(path).parent_path().string() : dir_override;
  if (s.dir.empty()) s.dir = ".";
  if (const auto* n = sn.find("name")) cfg::read_scalar(*n, "serving.name", s.name);
  else s.name = fs::path(path).stem().string();
  const cfg::Node* mn = sn.find("model");
  if (mn == nullptr) throw ConfigError(sn.loc, "serving.model", "missing required key 'model' (a preset name, a path or a map)");
  if (mn->is_map()) {
    s.model = wl::gen::read_model(*mn, "serving.model");
  } else {
    std::string ref;
    cfg::read_scalar(*mn, "serving.model", ref);
    try {
      s.model = wl::gen::load_model(ref, {(fs::path(s.dir) / ".." / "models").string(), (fs::path(s.dir) / "models").string(), s.dir});
    } catch (const ConfigError&) {
      throw;
    } catch (const UserError& e) {
      throw ConfigError(mn->loc, "serving.model", e.what());
    }
  }
  static const std::vector<std::string> dtypes = {"bf16", "fp16", "fp8", "fp32", "int8"};
  auto read_dtype = [&](const char* key, std::string& out) {
    if (const auto* n = sn.find(key)) {
      cfg::read_scalar(*n, std::string("serving.") + key, out);
      if (std::find(dtypes.begin(), dtypes.end(), out) == dtypes.end())
        throw ConfigError(n->loc, std::string("serving.") + key, "unknown dtype '" + out + "' (bf16, fp16, fp8, fp32, int8)");
    }
  };
  read_dtype("dtype", s.dtype);
  read_dtype("kv_dtype", s.kv_dtype);
  const cfg::Node* en = sn.find("engines");
  const cfg::Node* pn = sn.find("prefill");
  const cfg::Node* dn = sn.find("decode");
  if (en != nullptr && (pn != nullptr || dn != nullptr))
    throw ConfigError(en->loc, "serving.engines", "give either 'engines:' (colocated) or 'prefill:' and 'decode:' (disaggregated), not both");
  if (en == nullptr && pn == nullptr && dn == nullptr)
    throw ConfigError(sn.loc, "serving.engines", "missing 'engines:' (colocated) or 'prefill:' and 'decode:' (disaggregated)");
  if (en != nullptr) {
    s.engines = cfg::read<EngineGroupSpec>(*en, "serving.engines");
  } else {
    if (pn == nullptr || dn == nullptr)
      throw ConfigError((pn ? pn : dn)->loc, pn ? "serving.decode" : "serving.prefill", "disaggregated serving needs both 'prefill:' and 'decode:'");
    s.disaggregated = true;
    s.prefill = cfg::read<EngineGroupSpec>(*pn, "serving.prefill");
    s.decode = cfg::read<EngineGroupSpec>(*dn, "serving.decode");
  }
  if (const auto* n = sn.find("scheduler")) s.scheduler = cfg::read<SchedulerSpec>(*n, "serving.scheduler");
  const cfg::Node* rn = sn.find("requests");
  if (rn == nullptr) throw ConfigError(sn.loc, "serving.requests", "missing required key 'requests' (arrival process and lengths)");
  s.requests = cfg::read<RequestSpec>(*rn, "serving.requests");
  if (s.requests.arrival != "trace") {
    if (rn->find("prompt") == nullptr) throw ConfigError(rn->loc, "serving.requests.prompt", "missing prompt lengths (e.g. {dist: fixed, mean: 1024})");
    if (rn->find("output") == nullptr) throw ConfigError(rn->loc, "serving.requests.output", "missing output lengths (e.g. {dist: fixed, mean: 256})");
  }
  if (const auto* n = sn.find("slo")) s.slo = cfg::read<SloSpec>(*n, "serving.slo");
  // Engine layouts against the model (the same rules as an inference scenario).
  auto check_group = [&](const EngineGroupSpec& g, const char* key) {
    const cfg::Node* node = s.disaggregated ? sn.find(key) : en;
    const std::string key_path = s.disaggregated ? std::string("serving.") + key : "serving.engines";
    const auto& m = s.model;
    auto fail = [&](const std::string& msg) { throw ConfigError(node->loc, key_path, msg); };
    if (m.heads % g.tp != 0) fail("model heads (" + std::to_string(m.heads) + ") must be divisible by tp (" + std::to_string(g.tp) + ")");
    if (m.ffn % g.tp != 0) fail("model ffn (" + std::to_string(m.ffn) + ") must be divisible by tp (" + std::to_string(g.tp) + ")");
    if (g.ep > 1 && !m.is_moe()) fail("ep > 1 needs a mixture-of-experts model");
    if (m.is_moe() && m.moe.experts % g.ep != 0) fail("experts (" + std::to_string(m.moe.experts) + ") must be divisible by ep (" + std::to_string(g.ep) + ")");
  };
  if (s.disaggregated) {
    check_group(s.prefill, "prefill");
    check_group(s.decode, "decode");
  } else {
    check_group(s.engines, "engines");
  }
  return s;
}

}  // namespace

ServingSpec load_serving(const std::string& path, const std::vector<ServingOverride>& overrides) {
  cfg::Node root = cfg::load_file(path);
  for (const auto& o : overrides) cfg::apply_override(root, "serving." + o.key, o.value, o.origin);
  return read_root(root, path);
}

ServingSpec read_serving_text(const std::string& text, const std::string& name, const std::string& dir) {
  return read_root(cfg::load_string(text, name, dir), name, dir);
}

bool looks_like_serving(const std::string& path) {
  try {
    const cfg::Node root = cfg::load_file(path);
    return root.is_map() && root.find("serving") != nullptr;
  } catch (const UserError&) {
    return false;
  }
}

}  // namespace xpu::serve
