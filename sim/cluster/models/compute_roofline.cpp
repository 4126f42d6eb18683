// models.compute: roofline -- the closed-form roofline (analytic_models.h).
#include "sim/cluster/analytic_models.h"
#include "sim/cluster/model_registry.h"
#include "sim/cluster/simulate.h"

namespace xpu::cluster {
XPU_REGISTER(compute_model_registry(), "roofline",
             "closed-form roofline: max(flops / (peak x compute_efficiency), bytes / (HBM bandwidth x efficiency))",
             params_concat({params_of<ChipSpec>("chip", {"compute_efficiency"}),
                            params_of<HbmSummarySpec>("chip.hbm", {"efficiency"})}),
             [](const ArchSpec& arch) -> std::unique_ptr<ComputeCostModel> {
               return std::make_unique<RooflineComputeModel>(running_chip(arch.chip));
             });
}  // namespace xpu::cluster
