// Vector-unit ops (elementwise, reductions, softmax, norms, activations).
//
// Cost of one element on one core, in cycles, for op class c (chip.vector.ops) and dtype d:
//     cpe = max(c.flops / flops_per_lane + c.special / special_rate, c.passes) / (lanes * rate_d)
// Traffic: c.inputs tensors read and c.outputs written, E elements each, dtype bytes b. The op is cut
// into chunks of whole rows that fit L1 double-buffered ((inputs + outputs) * chunk * b * 2 <= l1), at
// most E / cores so every core gets work, dealt round-robin to the cores; each chunk is one pipeline
// step: load inputs -> compute -> store outputs. A row too long for L1 is streamed from memory once per
// pass (passes * inputs reads).
#include <algorithm>
#include <sstream>

#include "sim/chip/chip_model.h"
#include "sim/chip/multicore.h"
#include "sim/core/config.h"
#include "sim/core/error.h"

namespace xpu::chip {

using detail::ceil_div;
using detail::cycles_of;

void VectorOpDesc::validate() const {
  if (elements <= 0)
    throw UserError(op_class + ": number of elements must be a positive integer, got " + std::to_string(elements));
  if (row_length < 0) throw UserError(op_class + ": row length must not be negative");
  if (row_length > 0 && elements % row_length != 0)
    throw UserError(op_class + ": " + std::to_string(elements) + " elements is not a whole number of rows of " +
                    std::to_string(row_length));
}

std::string VectorOpDesc::canonical() const {
  std::ostringstream os;
  os << op_class << " N=" << elements;
  if (row_length > 0) os << " row=" << row_length;
  os << " dtype=" << dtype_name(dtype);
  return os.str();
}

namespace {
const VectorOpClassSpec& op_class_of(const ChipSpec& chip, const std::string& name) {
  const VectorOpClassSpec* c = chip.vector.ops.find(name);
  if (c == nullptr) {
    const std::vector<std::string> names = chip.vector.ops.names();
    std::string all;
    for (const auto& k : names) all += (all.empty() ? "" : ", ") + k;
    const std::string near = cfg::nearest(name, names);
    throw UserError("unknown vector op class '" + name + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                    "; known: " + all);
  }
  return *c;
}
double vector_rate(const ChipSpec& chip, DType d) {
  auto it = chip.vector.dtype_rate.find(dtype_name(d));
  if (it == chip.vector.dtype_rate.end())
    throw UserError(std::string("vector unit has no rate for datatype '") + dtype_name(d) + "' (chip.vector.dtype_rate)");
  return it->second;
}
}  // namespace

double vector_cycles_per_element(const ChipSpec& chip, const VectorOpClassSpec& c, DType d) {
  const double issue = c.flops / chip.vector.flops_per_lane + c.special / chip.vector.special_rate;
  return std::max(issue, c.passes) / (double(chip.vector.lanes) * vector_rate(chip, d));
}

OpResult simulate_vector(const ChipSpec& chip, const mem::MemoryPort& port, const VectorOpDesc& v,
                         const SimOptions& opt) {
  v.validate();
  const VectorOpClassSpec& c = op_class_of(chip, v.op_class);
  const double b = dtype_bytes(v.dtype);
  const double cpe = vector_cycles_per_element(chip, c, v.dtype);
  mem::AccessProfile prof;
  if (c.inputs <= 0) throw UserError(v.op_class + ": an op class used on its own needs inputs > 0 (chip.vector.ops)");
  prof.read_fraction = c.inputs / (c.inputs + c.outputs);
  const detail::Ctx ctx = detail::make_ctx(chip, port, prof);
  const std::int64_t E = v.elements, P = chip.cores;
  const std::int64_t row = v.row_length > 0 ? v.row_length : 1;
  const double per_elem_l1 = std::max(1.0, c.inputs + c.outputs) * b * 2.0;  // double-buffered
  const std::int64_t fit = static_cast<std::int64_t>(chip.buffers.l1.bytes() / per_elem_l1);
  const bool row_fits = row <= fit;
  std::int64_t chunk = 0;
  double hbm_in_factor = c.inputs;  // input reads per element
  if (row_fits) {
    const std::int64_t rows = E / row;
    std::int64_t rows_per_chunk = std::max<std::int64_t>(1, fit / row);
    rows_per_chunk = std::min(rows_per_chunk, std::max<std::int64_t>(1, ceil_div(rows, P)));
    chunk = rows_per_chunk * row;
  } else {
    chunk = std::max<std::int64_t>(1, std::min(fit, ceil_div(E, P)));
    hbm_in_factor = c.inputs * c.passes;
  }
  const std::int64_t chunks = ceil_div(E, chunk);
  const std::int64_t active = std::min(P, chunks);
  const std::int64_t edge = E - (chunks - 1) * chunk;
  std::vector<TileCost> kinds;
  std::vector<std::int64_t> counts;
  auto add = [&](std::int64_t n_el, std::int64_t count) {
    if (count <= 0) return;
    const double in = double(n_el) * b * hbm_in_factor, out = double(n_el) * b * c.outputs;
    TileCost t;
    t.steps.push_back({StepCost{detail::load_cycles(ctx, in, in, active), cycles_of(double(n_el) * cpe)}, 1});
    t.store = out > 0 ? detail::store_cycles(ctx, out, active) : 0;
    kinds.push_back(t);
    counts.push_back(count);
  };
  if (edge == chunk) {
    add(chunk, chunks);
  } else {
    add(chunk, chunks - 1);
    add(edge, 1);
  }
  const detail::ChipRun run = detail::run_chip(kinds, counts, P, ctx.first_latency, opt.extrapolate);
  OpResult r;
  r.op = v.canonical();
  const std::int64_t floor = detail::hbm_floor(ctx, double(E) * b * (hbm_in_factor + c.outputs));
  r.cycles = Cycles(detail::kernel_cycles(chip, std::max(run.cycles, floor)));
  r.time = r.cycles / chip.clock;
  r.flops = Flops(double(E) * c.flops);
  r.bytes.hbm_read = Bytes(double(E) * b * hbm_in_factor);
  r.bytes.hbm_write = Bytes(double(E) * b * c.outputs);
  r.bytes.global_to_l1 = r.bytes.hbm_read;
  r.bytes.l1_to_global = r.bytes.hbm_write;
  r.hbm_bytes = r.bytes.hbm_read + r.bytes.hbm_write;
  // Utilisation of the vector unit's issue slots (flops and special functions), not of its FLOP peak.
  const double slots = double(r.cycles.count()) * double(run.cores_used > 0 ? P : 1);
  r.utilization = slots > 0 ? double(E) * cpe / slots : 0.0;
  r.compute_cycles = Cycles(run.critical.compute_busy);
  r.dma_cycles = Cycles(std::max(run.critical.load_busy, run.critical.store_busy));
  r.bound = floor >= run.cycles || r.dma_cycles.count() > r.compute_cycles.count() ? "memory" : "compute";
  r.cores_used = run.cores_used;
  r.steps_simulated = run.steps_simulated;
  std::ostringstream os;
  os << "chunks of " << chunk << " elements (" << (row_fits ? "whole rows" : "row streamed per pass") << "), "
     << chunks << " chunks on " << run.cores_used << "/" << P << " cores, " << cpe * double(chip.vector.lanes)
     << " cycles per lane-element";
  r.mapping = os.str();
  return r;
}

}  // namespace xpu::chip
