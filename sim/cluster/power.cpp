// Step energy (power.h).
#include "sim/cluster/power.h"

#include "sim/cluster/simulate.h"
#include "sim/core/dtype.h"

namespace xpu::cluster {

StepEnergy step_energy(const wl::Workload& w, const ArchSpec& arch, const SimResult& r) {
  StepEnergy e;
  const PowerSpec& P = arch.chip.power;
  e.tdp_w = P.tdp_watts;
  e.clock_scale = r.clock_scale;
  e.clock_hz = running_chip(arch.chip).clock.value() * r.clock_scale;
  e.step_s = r.makespan.value();
  if (!P.known() || w.num_ranks <= 0) return e;
  e.known = true;
  const double n = double(w.num_ranks);
  const double s2 = r.clock_scale * r.clock_scale;
  std::vector<double> ranks_of_program(w.programs.size(), 0.0);
  for (wl::RankId rk = 0; rk < w.num_ranks; ++rk) ranks_of_program[w.program_of_rank[rk]] += 1.0;
  auto mac_pj = [&](DType d) {
    const auto it = P.mac_pj.find(dtype_name(d));
    if (it != P.mac_pj.end()) return it->second;
    const auto bf = P.mac_pj.find("bf16");  // a dtype without its own figure costs as BF16
    return bf != P.mac_pj.end() ? bf->second : P.mac_pj.begin()->second;
  };
  for (std::size_t p = 0; p < w.programs.size() && p < r.costs.size(); ++p) {
    const double share = ranks_of_program[p] / n;
    if (share == 0) continue;
    const auto& prog = w.programs[p];
    // Energy of each distinct block once, then once per instance of it.
    std::vector<double> block_matrix_j(prog.blocks.size(), 0.0), block_vector_j(prog.blocks.size(), 0.0);
    for (std::size_t b = 0; b < prog.blocks.size() && b < r.costs[p].size(); ++b) {
      const auto& nodes = prog.blocks[b].nodes;
      for (std::size_t j = 0; j < nodes.size() && j < r.costs[p][b].size(); ++j) {
        const auto& nd = nodes[j];
        if (wl::is_communication(nd.kind)) continue;
        const double flops = r.costs[p][b][j].flops.value();
        if (nd.kind == wl::NodeKind::Gemm) block_matrix_j[b] += flops / 2 * mac_pj(nd.gemm.dtype) * 1e-12;
        else if (nd.kind == wl::NodeKind::Attention) block_matrix_j[b] += flops / 2 * mac_pj(nd.attn.dtype) * 1e-12;
        else block_vector_j[b] += flops * P.vector_pj_per_flop * 1e-12;
      }
    }
    for (const auto& in : prog.instances) {
      e.compute_j += block_matrix_j[in.block] * share * s2;
      e.vector_j += block_vector_j[in.block] * share * s2;
    }
  }
  double hbm = 0, sent = 0;
  for (const auto& rs : r.ranks) {
    hbm += rs.hbm_bytes.value();
    sent += rs.comm_bytes.value();
  }
  e.hbm_j = hbm / n * P.hbm_pj_per_byte * 1e-12;
  double link_bytes = 0;
  for (const auto& l : r.links) link_bytes += l.bytes.value();
  e.link_j = (r.links.empty() ? sent : link_bytes) / n * P.link_pj_per_byte * 1e-12;
  e.static_j = P.static_watts * e.step_s;
  return e;
}

}  // namespace xpu::cluster
