#include "sim/cluster/simulate.h"

#include "sim/cluster/chip_compute_model.h"
#include "sim/cluster/network_comm_model.h"
#include "sim/cluster/placeholder_models.h"

namespace xpu::cluster {

std::unique_ptr<ComputeCostModel> make_compute_model(const ArchSpec& arch) {
  if (arch.models.compute == "roofline") return std::make_unique<RooflinePlaceholder>(arch.chip);
  std::unique_ptr<mem::MemoryPort> port;
  if (!arch.chip.hbm.preset.empty())
    port = mem::make_memory_port(arch.chip.hbm.preset, arch.chip.hbm.bandwidth, arch.chip.hbm.capacity);
  else
    port = std::make_unique<mem::ConstantEfficiencyPort>(arch.chip.hbm.bandwidth, arch.chip.hbm.efficiency,
                                                         arch.chip.hbm.capacity);
  return std::make_unique<ChipComputeModel>(arch.chip, std::move(port));
}

std::unique_ptr<CommModel> make_comm_model(const ArchSpec& arch) {
  if (arch.models.network == "alpha_beta")
    return std::make_unique<AlphaBetaRingPlaceholder>(arch.link_bandwidth(), arch.link_latency());
  return std::make_unique<NetworkCommModel>(arch);
}

SimResult simulate(const ArchSpec& arch, const wl::Workload& w, const SimulateOptions& opt) {
  if (w.num_ranks > arch.pod.chips)
    throw UserError("workload '" + w.name + "' has " + std::to_string(w.num_ranks) + " ranks but arch '" +
                    arch.source_file + "' has only " + std::to_string(arch.pod.chips) +
                    " chip(s) (pod.chips); use a larger pod or a smaller workload");
  auto compute = make_compute_model(arch);
  auto comm = make_comm_model(arch);
  EngineOptions eo = opt.engine;
  eo.comm_streams = arch.models.comm_streams == "single" ? CommStreams::Single : CommStreams::PerCommunicator;
  ClusterEngine engine(w, *compute, *comm, eo);
  return engine.run();
}

}  // namespace xpu::cluster
