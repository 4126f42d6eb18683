// The registries of the engine's three model seams (registry.h), each entry in its own file under
// sim/cluster/models/:
//   compute model   selected by models.compute   (what one op costs on one chip)
//   memory model    selected by models.memory    (the memory port behind the compute-array model;
//                   auto: hbm when chip.hbm.preset names a preset, else constant_efficiency)
//   network model   selected by models.network   (how collectives and sends move data)
// Every factory takes the resolved ArchSpec. simulate.h's make_* functions go through these.
#pragma once

#include <string>
#include <vector>

#include "sim/cluster/arch.h"
#include "sim/cluster/models.h"
#include "sim/core/registry.h"
#include "sim/memory/memory_port.h"

namespace xpu::cluster {

using ComputeModelRegistry = Registry<ComputeCostModel, const ArchSpec&>;
using MemoryModelRegistry = Registry<mem::MemoryPort, const ArchSpec&>;
using NetworkModelRegistry = Registry<CommModel, const ArchSpec&>;

ComputeModelRegistry& compute_model_registry();
MemoryModelRegistry& memory_model_registry();
NetworkModelRegistry& network_model_registry();

// The memory model an arch runs: models.memory, or with auto "hbm" when chip.hbm.preset names a
// preset, else "constant_efficiency".
std::string memory_model_name(const ArchSpec& arch);

}  // namespace xpu::cluster
