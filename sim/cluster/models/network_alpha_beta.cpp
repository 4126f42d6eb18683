// models.network: alpha_beta -- the closed-form alpha-beta ring without contention (analytic_models.h).
#include "sim/cluster/analytic_models.h"
#include "sim/cluster/model_registry.h"

namespace xpu::cluster {
XPU_REGISTER(network_model_registry(), "alpha_beta",
             "closed-form alpha-beta ring on one link per step, no contention (e.g. all-reduce 2(n-1)(a + S/(nB)))",
             params_of<ChipLinkSpec>("chip.links", {"bandwidth", "latency"}),
             [](const ArchSpec& arch) -> std::unique_ptr<CommModel> {
               return std::make_unique<AlphaBetaRingNetwork>(arch.link_bandwidth(), arch.link_latency());
             });
}  // namespace xpu::cluster
