// libFuzzer target: scenario and model loader. The input is a scenario YAML read as if it were in
// workloads/scenarios/ (so `model: ../models/x.yaml` presets resolve); an accepted scenario is
// cross-checked, its footprint computed and, when small (<= 64 ranks, <= 16 layers, <= 4096 layer x micro-batch passes), its workload
// generated.
#include "sim/workload/generator/footprint.h"
#include "sim/workload/generator/scenario.h"
#include "sim/workload/generator/transformer.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = std::string(XPUSIM_SOURCE_DIR) + "/workloads/scenarios";
  const std::string text(reinterpret_cast<const char*>(data), size);
  return xpu::fuzz::run_one([&] {
    auto s = xpu::wl::gen::read_scenario_text(text, "fuzz.yaml", dir);
    xpu::wl::gen::check_scenario(s);
    (void)xpu::wl::gen::footprint(s);
    // Generation is linear in layers x micro-batches x ranks; the generator's own node guard bounds
    // it, but a fuzzing step must stay well under a second.
    const double ranks = double(s.parallel.tp) * s.parallel.pp * s.parallel.dp;
    if (ranks <= 64 && s.model.layers <= 16 &&
        double(xpu::wl::gen::micro_batches_per_step(s)) * double(s.model.layers) <= 4096)
      (void)xpu::wl::gen::generate_transformer(s);
  });
}
