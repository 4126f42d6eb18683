// Memory model constant_efficiency: every access streams at bandwidth x efficiency (used when
// chip.hbm.preset is empty).
#include "sim/cluster/model_registry.h"

namespace xpu::cluster {
XPU_REGISTER(memory_model_registry(), "constant_efficiency",
             "constant-efficiency port: chip.hbm.bandwidth x chip.hbm.efficiency (chip.hbm.preset empty)",
             params_of<HbmSummarySpec>("chip.hbm", {"bandwidth", "capacity", "efficiency"}),
             [](const ArchSpec& arch) -> std::unique_ptr<mem::MemoryPort> {
               return std::make_unique<mem::ConstantEfficiencyPort>(arch.chip.hbm.bandwidth, arch.chip.hbm.efficiency,
                                                                    arch.chip.hbm.capacity);
             });
}  // namespace xpu::cluster
