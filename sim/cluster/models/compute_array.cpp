// models.compute: array -- the compute-array model (sim/chip/chip_model.h, docs/models/compute.md)
// behind the arch's memory model.
#include "sim/cluster/model_registry.h"
#include "sim/cluster/simulate.h"

namespace xpu::cluster {
XPU_REGISTER(compute_model_registry(), "array",
             "compute-array model: tiling, systolic dataflow, buffers and the memory model (default)",
             params_of<ChipSpec>("chip", {"dataflow", "kernel"}),
             [](const ArchSpec& arch) -> std::unique_ptr<ComputeCostModel> { return make_chip_compute_model(arch); });
}  // namespace xpu::cluster
