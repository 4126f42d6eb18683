#include "sim/cluster/simulate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/cluster/power.h"
#include "sim/workload/reader.h"

#include "sim/cluster/chip_compute_model.h"
#include "sim/cluster/model_registry.h"

namespace xpu::cluster {

ChipSpec running_chip(const ChipSpec& chip) {
  ChipSpec r = chip;
  if (chip.sustained_clock.value() > 0) r.clock = chip.sustained_clock;
  return r;
}

std::unique_ptr<mem::MemoryPort> make_memory_port(const ArchSpec& arch) {
  return memory_model_registry().make(memory_model_name(arch), arch);
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
  o.launch_latency = arch.chip.kernel.collective_launch;
  return o;
}

std::unique_ptr<ComputeCostModel> make_compute_model(const ArchSpec& arch) {
  return compute_model_registry().make(arch.models.compute, arch);
}

std::unique_ptr<CommModel> make_comm_model(const ArchSpec& arch) {
  return network_model_registry().make(arch.models.network, arch);
}

namespace {
SimResult simulate_at_clock(const ArchSpec& arch, const wl::Workload& w, const SimulateOptions& opt);
}

// The TDP cap (power.h): when the step's average power exceeds chip.power.tdp_watts, lower the clock
// and simulate again. Dynamic compute power goes with s^3 at a fixed amount of work (energy per op
// with s^2, time with 1/s where compute-bound), so each iteration solves
//   static + memory + links + compute x (s'/s)^3 = TDP  for s'
// with the powers measured in the last simulation; it stops within 0.5 % of the cap (at most six
// simulations), or at s = 0.25 when static and memory power alone exceed the cap.
SimResult simulate(const ArchSpec& arch, const wl::Workload& w, const SimulateOptions& opt) {
  SimResult r = simulate_at_clock(arch, w, opt);
  const PowerSpec& P = arch.chip.power;
  if (!P.known() || !P.throttle || P.tdp_watts <= 0) return r;
  StepEnergy e = step_energy(w, arch, r);
  if (e.average_w() <= P.tdp_watts * 1.005) return r;
  const double base_hz = running_chip(arch.chip).clock.value();
  double s = 1.0;
  for (int it = 0; it < 6; ++it) {
    const double t = e.step_s;
    const double fixed_w = (e.static_j + e.hbm_j + e.link_j) / t;
    const double compute_w = (e.compute_j + e.vector_j) / t;
    const double room = P.tdp_watts - fixed_w;
    double next = room > 0 && compute_w > 0 ? s * std::cbrt(room / compute_w) : 0.25;
    next = std::min(1.0, std::max(0.25, next));
    if (std::abs(next - s) < 1e-4) break;
    s = next;
    ArchSpec slow = arch;
    slow.chip.sustained_clock = Hertz(base_hz * s);
    r = simulate_at_clock(slow, w, opt);
    r.clock_scale = s;
    e = step_energy(w, arch, r);
    if (std::abs(e.average_w() - P.tdp_watts) <= 0.005 * P.tdp_watts || s <= 0.25) break;
  }
  return r;
}

OpAtCap simulate_op(const ArchSpec& arch, const chip::OpDesc& op, const chip::SimOptions& opt) {
  double s = 1.0;
  const PowerSpec& P = arch.chip.power;
  const bool matrix = op.kind == chip::OpDesc::Kind::Gemm || op.kind == chip::OpDesc::Kind::Attention;
  if (matrix && P.known() && P.throttle && P.tdp_watts > 0) {
    // The op alone as a one-rank workload, through simulate()'s cap.
    char node[512];
    if (op.kind == chip::OpDesc::Kind::Gemm) {
      const auto& g = op.gemm;
      std::snprintf(node, sizeof node, "{id: op, op: gemm, m: %lld, n: %lld, k: %lld, batch: %lld, dtype: %s}",
                    static_cast<long long>(g.m), static_cast<long long>(g.n), static_cast<long long>(g.k),
                    static_cast<long long>(g.batch), dtype_name(g.dtype));
    } else {
      const auto& a = op.attention;
      std::snprintf(node, sizeof node,
                    "{id: op, op: attention, batch: %lld, heads: %lld, kv_heads: %lld, q_len: %lld, kv_len: %lld, "
                    "head_dim: %lld, causal: %s, dtype: %s}",
                    static_cast<long long>(a.batch), static_cast<long long>(a.heads), static_cast<long long>(a.kv_heads),
                    static_cast<long long>(a.q_len), static_cast<long long>(a.kv_len), static_cast<long long>(a.head_dim),
                    a.causal ? "true" : "false", dtype_name(a.dtype));
    }
    const wl::Workload w = wl::read_yaml_trace_text(
        std::string("workload:\n  name: op\n  ranks: 1\n  programs:\n    - ranks: all\n      nodes:\n        - ") + node + "\n",
        "op");
    SimulateOptions so;
    so.engine.record_ops = false;
    s = simulate(arch, w, so).clock_scale;
  }
  ArchSpec at = arch;
  if (s < 1.0) at.chip.sustained_clock = Hertz(running_chip(arch.chip).clock.value() * s);
  auto model = make_chip_compute_model(at, opt);
  OpAtCap out;
  out.result = model->simulate(op);
  out.clock_scale = s;
  out.chip = model->chip();
  return out;
}

namespace {
SimResult simulate_at_clock(const ArchSpec& arch, const wl::Workload& w, const SimulateOptions& opt) {
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

}  // namespace

}  // namespace xpu::cluster
