// Memory model hbm: the calibrated HBM fast mode of a memory preset (sim/memory/fast_hbm.h),
// scaled to chip.hbm.bandwidth (used when chip.hbm.preset names a preset).
#include "sim/cluster/model_registry.h"
#include "sim/memory/fast_hbm.h"

namespace xpu::cluster {
XPU_REGISTER(memory_model_registry(), "hbm",
             "calibrated HBM model of the memory preset (DRAM timing, refresh, bank conflicts), scaled to the chip",
             params_of<HbmSummarySpec>("chip.hbm", {"bandwidth", "capacity", "preset"}),
             [](const ArchSpec& arch) -> std::unique_ptr<mem::MemoryPort> {
               return mem::make_memory_port(arch.chip.hbm.preset, arch.chip.hbm.bandwidth, arch.chip.hbm.capacity);
             });
}  // namespace xpu::cluster
