// libFuzzer target: arch-config loader. The input is a pod or chip YAML file placed in a scratch
// copy of the preset layout (pods/, chips/ and memory/ link to the repository's presets, so `base:`
// and `chip.hbm.preset` resolve as they do for real presets). An accepted config then builds the
// compute and communication models, as `xpusim check` and `run` do (pods up to 65,536 chips).
#include "sim/cluster/arch.h"
#include "sim/cluster/simulate.h"
#include "tests/fuzz/fuzz_common.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fs::path dir = [] {
    fs::path d = xpu::fuzz::scratch() / "arch";
    fs::create_directories(d / "pods");
    for (const char* sub : {"chips", "memory"}) {
      std::error_code ec;
      fs::create_directory_symlink(fs::path(XPUSIM_SOURCE_DIR) / "arch-configs" / sub, d / sub, ec);
    }
    return d;
  }();
  const fs::path file = dir / "pods" / "fuzz.yaml";
  xpu::fuzz::write(file, data, size);
  return xpu::fuzz::run_one([&] {
    xpu::ArchSpec arch = xpu::load_arch(file.string());
    // Model building is linear in the chip count (about 4 us per chip); large pods are accepted at
    // load and left to `xpusim check`, so one fuzzing step stays well under a second.
    if (arch.pod.chips > 65536) return;
    auto compute = xpu::cluster::make_compute_model(arch);
    auto comm = xpu::cluster::make_comm_model(arch);
  });
}
