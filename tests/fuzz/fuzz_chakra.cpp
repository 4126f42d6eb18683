// libFuzzer target: Chakra ET reader. The input is one rank's .et file (a stream of varint-length-
// delimited protobuf messages); an accepted one-rank trace with few nodes is also simulated.
#include <google/protobuf/stubs/logging.h>

#include "sim/cluster/arch.h"
#include "sim/cluster/simulate.h"
#include "sim/workload/chakra/chakra.h"
#include "tests/fuzz/fuzz_common.h"

// protobuf logs every malformed string field to stderr; the reader reports the failure itself.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const xpu::ArchSpec arch =
      xpu::load_arch(std::string(XPUSIM_SOURCE_DIR) + "/arch-configs/pods/ascend-910b-8node.yaml");
  const auto file = xpu::fuzz::scratch() / "fuzz.0.et";
  xpu::fuzz::write(file, data, size);
  return xpu::fuzz::run_one([&] {
    xpu::wl::Workload w = xpu::wl::chakra::read_chakra_files({file.string()}, "fuzz");
    std::size_t nodes = 0;
    for (const auto& p : w.programs) nodes += p.size();
    if (w.num_ranks <= 8 && nodes <= 256) xpu::fuzz::simulate_small(arch, w);
  });
}
