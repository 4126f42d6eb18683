// models.network: flow -- the flow-level network over the pod's topology with collective
// algorithms (network_comm_model.h).
#include "sim/cluster/model_registry.h"
#include "sim/cluster/network_comm_model.h"
#include "sim/cluster/simulate.h"

namespace xpu::cluster {
XPU_REGISTER(network_model_registry(), "flow",
             "flow-level network over the pod topology: max-min link sharing, collective algorithms (default)",
             params_of<ModelsSpec>("models", {"collective_algorithm", "collective_chunk", "comm_streams",
                                              "collective_fast_path"}),
             [](const ArchSpec& arch) -> std::unique_ptr<CommModel> {
               return std::make_unique<NetworkCommModel>(arch, link_defaults(arch), collective_options(arch));
             });
}  // namespace xpu::cluster
