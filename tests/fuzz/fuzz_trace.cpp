// libFuzzer target: native YAML trace reader. An accepted trace with few ranks and nodes is also
// simulated on the 8-chip Ascend-910B-like pod preset, which exercises the engine's dependency,
// rendezvous and deadlock handling on arbitrary programs.
#include "sim/cluster/arch.h"
#include "sim/cluster/simulate.h"
#include "sim/workload/reader.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const xpu::ArchSpec arch =
      xpu::load_arch(std::string(XPUSIM_SOURCE_DIR) + "/arch-configs/pods/ascend-910b-8node.yaml");
  const std::string text(reinterpret_cast<const char*>(data), size);
  return xpu::fuzz::run_one([&] {
    xpu::wl::Workload w = xpu::wl::read_yaml_trace_text(text, "fuzz.yaml");
    std::size_t nodes = 0;
    for (const auto& p : w.programs) nodes += p.size();
    if (w.num_ranks <= 8 && nodes <= 256) xpu::fuzz::simulate_small(arch, w);
  });
}
