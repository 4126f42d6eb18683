// One call from (arch, workload) to a simulation result: picks the models for the arch, builds
// the engine and runs it. The CLI's `run`, sweeps and scaling studies all come through here.
#pragma once

#include <memory>
#include <string>

#include "sim/cluster/arch.h"
#include "sim/cluster/engine.h"

namespace xpu::cluster {

struct SimulateOptions {
  EngineOptions engine;
};

// Compute and communication models for an arch (which ones is decided here, in one place).
std::unique_ptr<ComputeCostModel> make_compute_model(const ArchSpec& arch);
std::unique_ptr<CommModel> make_comm_model(const ArchSpec& arch);

// Checks that the workload fits the pod (ranks <= chips) and runs it.
SimResult simulate(const ArchSpec& arch, const wl::Workload& w, const SimulateOptions& opt = {});

}  // namespace xpu::cluster
