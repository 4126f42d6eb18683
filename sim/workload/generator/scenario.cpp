// Scenario files: parsing, cross-checks, and the "scenario" trace reader (so that
// `xpusim run --workload workloads/scenarios/x.yaml` generates the workload).
#include "sim/workload/generator/scenario.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "sim/workload/generator/transformer.h"
#include "sim/workload/reader.h"

namespace xpu::wl::gen {
namespace fs = std::filesystem;

void ParallelSpec::check(const cfg::Checker& c) const {
  if (dp % ep != 0) c.fail("ep", "must divide dp (" + std::to_string(dp) + "): experts are spread over data-parallel ranks, got " + std::to_string(ep));
  if (schedule == "interleaved" && vpp < 2) c.fail("vpp", "the interleaved schedule needs vpp >= 2, got " + std::to_string(vpp));
  if (schedule != "interleaved" && vpp != 1) c.fail("vpp", "vpp > 1 needs schedule: interleaved");
  if (sp && tp == 1) c.fail("sp", "sequence parallelism needs tp > 1");
  if (tp_comm_overlap && tp > 1 && !sp)
    c.fail("tp_comm_overlap", "TP communication overlap works on the sequence-parallel all-gather / reduce-scatter: set sp: true");
}

void TrainingSpec::check(const cfg::Checker& c) const {
  static const std::vector<std::string> known = {"core_attn", "layernorm", "mla_up_proj", "moe_act"};
  for (const auto& m : recompute_modules)
    if (std::find(known.begin(), known.end(), m) == known.end()) {
      std::string near = cfg::nearest(m, known);
      c.fail("recompute_modules", "unknown module '" + m + "' (core_attn, layernorm, mla_up_proj, moe_act)" +
                                      (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
}

bool TrainingSpec::recomputes(const std::string& module) const {
  return recompute == "selective" && std::find(recompute_modules.begin(), recompute_modules.end(), module) != recompute_modules.end();
}

namespace {

ScenarioSpec read_root(const cfg::Node& root, const std::string& name, const std::string& dir) {
  if (!root.is_map() || root.find("scenario") == nullptr)
    throw ConfigError(root.loc, "scenario", "a scenario file must be a map with a top-level 'scenario:' key");
  for (const auto& e : root.map)
    if (e.key != "scenario") throw ConfigError(e.key_loc, e.key, "unknown top-level key '" + e.key + "' (a scenario has only 'scenario:')");
  const cfg::Node& sn = *root.find("scenario");
  if (!sn.is_map()) throw ConfigError(sn.loc, "scenario", "expected a map");
  static const std::vector<std::string> keys = {"name", "description", "model", "parallel", "training", "inference", "hbm"};
  for (const auto& e : sn.map)
    if (std::find(keys.begin(), keys.end(), e.key) == keys.end()) {
      std::string near = cfg::nearest(e.key, keys);
      throw ConfigError(e.key_loc, "scenario." + e.key,
                        "unknown key '" + e.key + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
  ScenarioSpec s;
  s.source = name;
  if (const auto* n = sn.find("name")) cfg::read_scalar(*n, "scenario.name", s.name);
  else s.name = fs::path(name).stem().string();
  const cfg::Node* mn = sn.find("model");
  if (mn == nullptr) throw ConfigError(sn.loc, "scenario.model", "missing required key 'model' (a preset name, a path or a map)");
  if (mn->is_map()) {
    s.model = read_model(*mn, "scenario.model");
  } else {
    std::string ref;
    cfg::read_scalar(*mn, "scenario.model", ref);
    try {
      s.model = load_model(ref, {(fs::path(dir) / ".." / "models").string(), (fs::path(dir) / "models").string(), dir});
    } catch (const ConfigError&) {
      throw;
    } catch (const UserError& e) {
      throw ConfigError(mn->loc, "scenario.model", e.what());
    }
  }
  if (const auto* pn = sn.find("parallel")) s.parallel = cfg::read<ParallelSpec>(*pn, "scenario.parallel");
  const auto* tn = sn.find("training");
  const auto* in = sn.find("inference");
  if ((tn == nullptr) == (in == nullptr))
    throw ConfigError(sn.loc, "scenario", "give exactly one of 'training:' or 'inference:'");
  if (tn) {
    s.training_mode = true;
    s.training = cfg::read<TrainingSpec>(*tn, "scenario.training");
  } else {
    s.training_mode = false;
    s.inference = cfg::read<InferenceSpec>(*in, "scenario.inference");
  }
  if (const auto* hn = sn.find("hbm")) cfg::read_scalar(*hn, "scenario.hbm", s.hbm);
  try {
    check_scenario(s);
  } catch (const UserError& e) {
    throw ConfigError(sn.loc, "scenario", e.what());
  }
  return s;
}

}  // namespace

void check_scenario(const ScenarioSpec& s) {
  const ModelSpec& m = s.model;
  const ParallelSpec& P = s.parallel;
  auto fail = [](const std::string& msg) { throw UserError(msg); };
  auto str = [](std::int64_t x) { return std::to_string(x); };
  if (m.heads % P.tp != 0) fail("heads (" + str(m.heads) + ") must be divisible by tp (" + str(P.tp) + ")");
  if (!m.is_mla() && m.kv() >= P.tp && m.kv() % P.tp != 0) fail("kv_heads (" + str(m.kv()) + ") must be divisible by tp (" + str(P.tp) + ")");
  if (!m.is_mla() && m.kv() < P.tp && P.tp % m.kv() != 0) fail("tp (" + str(P.tp) + ") must be a multiple of kv_heads (" + str(m.kv()) + ")");
  if (m.ffn % P.tp != 0) fail("ffn (" + str(m.ffn) + ") must be divisible by tp (" + str(P.tp) + ")");
  if (m.is_moe() && m.moe.experts % P.ep != 0) fail("experts (" + str(m.moe.experts) + ") must be divisible by ep (" + str(P.ep) + ")");
  if (m.is_moe() && m.moe.shared_experts * m.moe.expert_ffn % P.tp != 0) fail("shared expert width must be divisible by tp");
  if (P.ep > 1 && !m.is_moe()) fail("ep > 1 needs a mixture-of-experts model");
  if (P.overlap_moe_comm && P.ep < 2) fail("overlap_moe_comm overlaps the expert-parallel all-to-all: it needs ep > 1");
  if (P.overlap_moe_comm && (!s.training_mode || P.schedule == "gpipe"))
    fail("overlap_moe_comm pairs the forward and backward passes of the 1F1B steady state: it needs training with schedule 1f1b or interleaved");
  if (P.dp % P.ep != 0) fail("ep (" + str(P.ep) + ") must divide dp (" + str(P.dp) + ")");
  const int vpp = P.schedule == "interleaved" ? P.vpp : 1;
  if (m.layers < std::int64_t(P.pp) * vpp)
    fail("layers (" + str(m.layers) + ") must be at least pp x vpp (" + str(std::int64_t(P.pp) * vpp) + ")");
  if (s.training_mode) {
    const auto& T = s.training;
    if (T.seq_len % P.cp != 0) fail("seq_len (" + str(T.seq_len) + ") must be divisible by cp (" + str(P.cp) + ")");
    const std::int64_t per = T.micro_batch * P.dp;
    if (T.global_batch > 0 && T.global_batch % per != 0)
      fail("global_batch (" + str(T.global_batch) + ") must be a multiple of micro_batch x dp (" + str(per) + ")");
    const std::int64_t M = micro_batches_per_step(s);
    if (vpp > 1 && M % P.pp != 0)
      fail("the interleaved schedule needs micro-batches per step (" + str(M) + ") divisible by pp (" + str(P.pp) + ")");
  } else {
    const auto& I = s.inference;
    if (P.schedule == "interleaved") fail("inference does not use the interleaved schedule");
    if (P.zero != 0) fail("ZeRO applies to training only");
    if (I.batch % P.dp != 0) fail("inference batch (" + str(I.batch) + ") must be divisible by dp (" + str(P.dp) + ")");
    if ((I.batch / P.dp) % I.micro_batches != 0)
      fail("batch per replica (" + str(I.batch / P.dp) + ") must be divisible by micro_batches (" + str(I.micro_batches) + ")");
    if (I.phase == "prefill" && I.context % P.cp != 0) fail("context must be divisible by cp");
  }
}

ScenarioSpec load_scenario(const std::string& path) {
  return read_root(cfg::load_file(path), path, fs::path(path).parent_path().string().empty() ? "." : fs::path(path).parent_path().string());
}

ScenarioSpec load_scenario(const std::string& path, const std::vector<ScenarioOverride>& overrides) {
  cfg::Node root = cfg::load_file(path);
  for (const auto& o : overrides) cfg::apply_override(root, "scenario." + o.key, o.value, o.origin);
  return read_root(root, path, fs::path(path).parent_path().string().empty() ? "." : fs::path(path).parent_path().string());
}

ScenarioSpec read_scenario_text(const std::string& text, const std::string& name, const std::string& dir) {
  return read_root(cfg::load_string(text, name, dir), name, dir);
}

bool looks_like_scenario(const std::string& path) {
  auto ext = fs::path(path).extension().string();
  if (ext != ".yaml" && ext != ".yml") return false;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == ' ' || line[0] == '\t' || line == "---" || line[0] == '\r') continue;
    return line.rfind("scenario:", 0) == 0;
  }
  return false;
}

namespace {
class ScenarioReader : public TraceReader {
 public:
  std::string name() const override { return "scenario"; }
  std::string description() const override { return "transformer scenario YAML (top-level 'scenario:'), generated"; }
  bool recognises(const std::string& path) const override { return looks_like_scenario(path); }
  Workload read(const std::string& path) const override { return generate_transformer(load_scenario(path)); }
};
}  // namespace

}  // namespace xpu::wl::gen

namespace xpu::wl {
using ScenarioTraceReader = gen::ScenarioReader;
XPU_REGISTER_TRACE_READER("scenario", ScenarioTraceReader);
}  // namespace xpu::wl
