// Energy of a simulated step and the TDP cap (docs/models/power.md; parameters: chip.power, PowerSpec
// in sim/chip/chip_spec.h).
//
// Per chip (averaged over the ranks of the step):
//   compute_j = sum_ops MACs x mac_pj[dtype] x s^2      (GEMMs and fused attention: FLOPs / 2 MACs)
//   vector_j  = other compute FLOPs x vector_pj_per_flop x s^2
//   hbm_j     = HBM bytes x hbm_pj_per_byte
//   link_j    = bytes carried by network links / chips x link_pj_per_byte   (each hop counted; the
//               alpha-beta model has no links: bytes each rank sent)
//   static_j  = static_watts x step time
// s = the clock the step ran at / the chip's sustained clock (1 unless throttled).
// average power = total / step time. The cap: when average power > tdp_watts, cluster::simulate
// lowers the clock (s < 1) and re-simulates until the step meets the cap (throttled_simulation).
#pragma once

#include "sim/cluster/arch.h"
#include "sim/cluster/engine.h"
#include "sim/workload/ir.h"

namespace xpu::cluster {

struct StepEnergy {
  bool known = false;  // the chip preset has a power model (chip.power.mac_pj)
  double compute_j = 0, vector_j = 0, hbm_j = 0, link_j = 0, static_j = 0;  // per chip, one step
  double total_j() const { return compute_j + vector_j + hbm_j + link_j + static_j; }
  double step_s = 0;
  double average_w() const { return step_s > 0 ? total_j() / step_s : 0.0; }
  double tdp_w = 0;
  double clock_scale = 1;   // running clock / sustained clock
  double clock_hz = 0;      // the clock the step ran at
  bool throttled() const { return clock_scale < 1.0; }
};

// The energy of `r` (a simulation of `w` on `arch` at clock scale r.clock_scale).
StepEnergy step_energy(const wl::Workload& w, const ArchSpec& arch, const SimResult& r);

}  // namespace xpu::cluster
