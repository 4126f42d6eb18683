// One call from (arch, workload) to a simulation result: picks the models for the arch, builds
// the engine and runs it. The CLI's `run`, sweeps and scaling studies all come through here.
//
// The model factory: every command (run, op, mem, coll, scale, sweep) builds the chip, memory and
// network models of an arch through the functions below, from the same resolved ArchSpec, so one op
// (or one collective) costs the same whichever command asks for it.
#pragma once

#include <memory>
#include <string>

#include "sim/chip/chip_model.h"
#include "sim/cluster/arch.h"
#include "sim/cluster/chip_compute_model.h"
#include "sim/cluster/engine.h"
#include "sim/collective/collective.h"
#include "sim/memory/hbm_spec.h"
#include "sim/memory/memory_port.h"

namespace xpu::cluster {

struct SimulateOptions {
  EngineOptions engine;
};

// The chip as the models run it: timing at chip.sustained_clock when given (peaks and MFU keep
// chip.clock).
ChipSpec running_chip(const ChipSpec& chip);
// The memory behind one chip: the calibrated HBM fast mode when chip.hbm.preset names a memory preset
// (scaled to chip.hbm.bandwidth), else a constant-efficiency port (bandwidth x efficiency).
std::unique_ptr<mem::MemoryPort> make_memory_port(const ArchSpec& arch);
// The chip's memory preset scaled to its bandwidth (stacks = chip peak / stack peak, rounded), for
// the detailed memory model (`xpusim mem --arch`). UserError when chip.hbm.preset is empty.
mem::HbmSpec memory_spec(const ArchSpec& arch);
// The chip's compute-array model behind that memory (what `run` costs ops with, and `op` prints).
std::unique_ptr<ChipComputeModel> make_chip_compute_model(const ArchSpec& arch, const chip::SimOptions& opt = {});
// One op as `run` would cost it inside a workload made of that op alone: at the sustained clock, or,
// for a GEMM or attention op whose back-to-back power exceeds chip.power.tdp_watts, at the lower clock
// the TDP cap of simulate() settles on (power.h). What `xpusim op` prints and the GEMM validation
// rows compare, so an op costs the same in `op` and `run`.
struct OpAtCap {
  chip::OpResult result;
  double clock_scale = 1.0;  // < 1: throttled to meet the TDP
  ChipSpec chip;             // the chip as it ran (clock = sustained clock x clock_scale)
};
OpAtCap simulate_op(const ArchSpec& arch, const chip::OpDesc& op, const chip::SimOptions& opt = {});
// Link defaults and collective options of the arch's network model (what `run` and `coll` use).
LinkDefaults link_defaults(const ArchSpec& arch);
CollectiveOptions collective_options(const ArchSpec& arch);

// Compute and communication models for an arch (which ones is decided here, in one place).
std::unique_ptr<ComputeCostModel> make_compute_model(const ArchSpec& arch);
std::unique_ptr<CommModel> make_comm_model(const ArchSpec& arch);

// Checks that the workload fits the pod (ranks <= chips) and runs it.
SimResult simulate(const ArchSpec& arch, const wl::Workload& w, const SimulateOptions& opt = {});

}  // namespace xpu::cluster
