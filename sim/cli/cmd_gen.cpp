// `xpusim gen SCENARIO`: generate a transformer workload from a scenario YAML, print its summary
// (ranks, programs, nodes, FLOPs per step, per-rank HBM footprint and verdict) and optionally write
// it as a native YAML trace or Chakra ET files.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "sim/cli/command.h"
#include "sim/core/error.h"
#include "sim/core/output.h"
#include "sim/workload/chakra/chakra.h"
#include "sim/workload/generator/footprint.h"
#include "sim/workload/generator/transformer.h"
#include "sim/workload/native/yaml_writer.h"

namespace xpu::cli {
namespace {

int run_gen(const std::vector<std::string>& argv) {
  Args args("gen", "generate a transformer training/inference workload from a scenario YAML",
            {{"out", "PATH", "write the workload: PATH.yaml -> native YAML, otherwise Chakra ET PATH.<rank>.et", ""},
             {"hbm", "SIZE", "HBM capacity per rank for the fit verdict (overrides the scenario's hbm:), e.g. '80 GiB'", ""},
             {"fail-if-no-fit", "", "exit with code 1 when the footprint exceeds the HBM capacity", ""}},
            {"SCENARIO"});
  if (!args.parse(argv)) return kExitOk;
  if (args.positional().size() != 1) throw UserError("xpusim gen: needs a SCENARIO file; see --help");
  wl::gen::ScenarioSpec s = wl::gen::load_scenario(args.positional()[0]);
  if (args.has("hbm")) {
    try {
      s.hbm = parse_bytes(args.get("hbm"));
    } catch (const UnitError& e) {
      throw UserError(std::string("xpusim gen: --hbm: ") + e.what());
    }
  }
  if (args.has("out")) prepare_output_file(args.get("out"), "--out");  // fail before generating
  wl::Workload w = wl::gen::generate_transformer(s);
  size_t nodes = 0;
  for (const auto& p : w.programs) nodes += p.size();
  std::printf("workload   %s\n", w.name.c_str());
  std::printf("ranks      %d (%zu distinct programs, %zu nodes)\n", w.num_ranks, w.programs.size(), nodes);
  size_t stored = 0, instances = 0, blocks = 0;
  for (const auto& p : w.programs) {
    for (const auto& b : p.blocks) stored += b.nodes.size();
    blocks += p.blocks.size();
    instances += p.instances.size();
  }
  std::printf("stored     %zu nodes in %zu distinct blocks, placed by %zu instances\n", stored, blocks, instances);
  std::printf("model      %.4g B parameters, %.4g B active per token\n", s.model.total_params() / 1e9,
              s.model.active_params() / 1e9);
  std::printf("step       %.6g tokens, model %.6g PFLOP, hardware %.6g PFLOP\n", w.step.tokens,
              w.step.model_flops.value() / 1e15, w.step.hardware_flops.value() / 1e15);
  Bytes total;
  for (const auto& f : w.footprint) total += f.bytes;
  std::printf("HBM/rank   %s\n", format_bytes(total).c_str());
  for (const auto& f : w.footprint) std::printf("  %-12s %s\n", f.name.c_str(), format_bytes(f.bytes).c_str());
  bool fits = true;
  if (s.hbm.bytes() > 0) {
    auto v = wl::gen::check_fit(w.footprint, s.hbm);
    fits = v.fits;
    std::printf("verdict    %s\n", v.message.c_str());
  }
  for (const auto& n : w.notes) std::printf("note: %s\n", n.c_str());
  if (args.has("out")) {
    std::string out = args.get("out");
    auto ext = std::filesystem::path(out).extension().string();
    if (ext == ".yaml" || ext == ".yml") {
      wl::write_yaml_trace_file(w, out);
      std::printf("wrote %s\n", out.c_str());
    } else {
      auto files = wl::chakra::write_chakra(w, out);
      std::printf("wrote %zu Chakra files %s ... %s\n", files.size(), files.front().c_str(), files.back().c_str());
    }
  }
  return (!fits && args.has("fail-if-no-fit")) ? kExitCheckFailed : kExitOk;
}

}  // namespace
XPU_REGISTER_COMMAND("gen", "generate a transformer workload from a scenario (summary, footprint, trace)", run_gen);
}  // namespace xpu::cli
