#include "sim/cluster/simulate.h"

#include "sim/cluster/chip_compute_model.h"
#include "sim/cluster/network_comm_model.h"
#include "sim/cluster/analytic_models.h"

namespace xpu::cluster {

ChipSpec running_chip(const ChipSpec& chip) {
  ChipSpec r = chip;
  if (chip.sustained_clock.value() > 0) r.clock = chip.sustained_clock;
  return r;
}

std::unique_ptr<mem::MemoryPort> make_memory_port(const ArchSpec& arch) {
  if (!arch.chip.hbm.preset.empty())
    return mem::make_memory_port(arch.chip.hbm.preset, arch.chip.hbm.bandwidth, arch.chip.hbm.capacity);
  return std::make_unique<mem::ConstantEfficiencyPort>(arch.chip.hbm.bandwidth, arch.chip.hbm.efficiency,
                                                       arch.chip.hbm.capacity);
}

mem::HbmSpec memory_spec(const ArchSpec& arch) {
  if (arch.chip.hbm.preset.empty())
    throw UserError(arch.source_file +
                    ": chip.hbm.preset is empty; name a memory preset (arch-configs/memory/*.yaml) or use --preset");
  mem::HbmSpec spec = mem::load_hbm_preset(arch.chip.hbm.preset);
  const double stacks = arch.chip.hbm.bandwidth / spec.stack_peak();
  if (stacks < 0.5)
    throw UserError(arch.source_file + ": chip.hbm.bandwidth is less than half a stack of " + spec.name);
  spec.organisation.stacks = static_cast<std::int64_t>(stacks + 0.5);
  return spec;
}

std::unique_ptr<ChipComputeModel> make_chip_compute_model(const ArchSpec& arch, const chip::SimOptions& opt) {
  return std::make_unique<ChipComputeModel>(running_chip(arch.chip), make_memory_port(arch), opt);
}

LinkDefaults link_defaults(const ArchSpec& arch) {
  LinkDefaults d;
  d.bandwidth = arch.chip.links.bandwidth;
  d.latency = arch.chip.links.latency;
  return d;
}

CollectiveOptions collective_options(const ArchSpec& arch) {
  CollectiveOptions o;
  o.algorithm = arch.models.collective_algorithm;
  o.chunk = arch.models.collective_chunk;
  o.isolated_fast_path = arch.models.collective_fast_path;
  return o;
}

std::unique_ptr<ComputeCostModel> make_compute_model(const ArchSpec& arch) {
  if (arch.models.compute == "roofline") return std::make_unique<RooflineComputeModel>(running_chip(arch.chip));
  return make_chip_compute_model(arch);
}

std::unique_ptr<CommModel> make_comm_model(const ArchSpec& arch) {
  if (arch.models.network == "alpha_beta")
    return std::make_unique<AlphaBetaRingNetwork>(arch.link_bandwidth(), arch.link_latency());
  return std::make_unique<NetworkCommModel>(arch, link_defaults(arch), collective_options(arch));
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
