// GEMM on a multi-core chip: the mapper and the tile costs.
//
// Tiling: a core owns output tiles of tm x tn and walks K in steps of tk (optionally K is split
// s ways across cores, with an FP32 partial-sum reduction at the end). A tile shape is legal when,
// with double buffering,
//     L1:  2 (tm tk + tk tn) b <= l1           (operand chunks of two steps in flight)
//     L0C: 2 tm tn 4 <= l0c                   (FP32/INT32 accumulators of two tiles)
//     L0A: 2 tm k0 b <= l0a, L0B: 2 k0 tn b <= l0b, k0 = min(tk, depth)  (the K slice of one cycle)
// Per step: load (tm tk + tk tn) b bytes into L1; of those, tm tk b / gn + tk tn b / gm come from
// HBM, where gm x gn concurrently running tiles share A and B panels through the global buffer
// (gm, gn from a square swizzle of the active cores, shrunk until 2 (gm tm + gn tn) tk b fits the
// global buffer; 1 x 1 without one). Compute = the matrix unit's occupancy for (tm, tn, tk)
// (systolic.h); store = tm tn b (partials: 4 bytes) after the last step plus the array's drain tail.
// The mapper ranks every legal (tm, tn, tk, s) by a closed-form estimate and simulates the best few
// through the core pipeline; the fastest simulated plan wins (ties: fewer HBM bytes, then order).
#include <algorithm>
#include <cmath>
#include <sstream>

#include "sim/chip/chip_model.h"
#include "sim/chip/multicore.h"
#include "sim/chip/systolic.h"
#include "sim/core/error.h"

namespace xpu::chip {

using detail::ceil_div;
using detail::cycles_of;

namespace {

struct Plan {
  std::int64_t tm = 0, tn = 0, tk = 0, s = 1;
  std::int64_t mt = 0, nt = 0, nk = 0, gm = 1, gn = 1, tiles = 0, active = 1;
  std::vector<TileCost> kinds;
  std::vector<std::int64_t> counts;
  double hbm_read = 0, hbm_write = 0, fill = 0, drain = 0, l0_op = 0, l0_acc = 0;
  std::int64_t reduce_cycles = 0;
  double estimate = 0;
  std::size_t order = 0;
};

// Tile edges the mapper may use along one dimension: powers of two from 16 to 4096, clipped to the
// dimension; `min_tile` (chip.kernel.min_tile) removes the smaller ones unless the dimension itself is
// smaller (a kernel library's tile menu: the source of tile quantization on small or odd shapes).
std::vector<std::int64_t> tile_sizes(std::int64_t dim, std::int64_t min_tile = 1) {
  std::vector<std::int64_t> v;
  for (std::int64_t t = 16; t <= 4096; t *= 2)
    if (t >= min_tile || t >= dim) v.push_back(std::min(t, dim));
  v.push_back(std::min<std::int64_t>(dim, 4096));
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

struct Env {
  const ChipSpec& chip;
  const GemmShape& g;
  detail::Ctx ctx;
  Dataflow df;
  double b;  // bytes per element
};

bool fits(const Env& e, std::int64_t tm, std::int64_t tn, std::int64_t tk) {
  const auto& bf = e.chip.buffers;
  const double b = e.b;
  // L0A/L0B must hold, double-buffered, at least the K slice the matrix unit consumes per cycle.
  const double k0 = static_cast<double>(std::min(tk, e.chip.matrix.depth));
  const double m = static_cast<double>(tm), n = static_cast<double>(tn), k = static_cast<double>(tk);
  return 2 * (m * k + k * n) * b <= bf.l1.bytes() && 2 * m * n * 4 <= bf.l0c.bytes() &&
         2 * m * k0 * b <= bf.l0a.bytes() && 2 * k0 * n * b <= bf.l0b.bytes();
}

Plan build(const Env& e, std::int64_t tm, std::int64_t tn, std::int64_t tk, std::int64_t s) {
  const GemmShape& g = e.g;
  const ChipSpec& chip = e.chip;
  Plan p;
  p.tm = tm;
  p.tn = tn;
  p.tk = tk;
  p.s = s;
  p.mt = ceil_div(g.m, tm);
  p.nt = ceil_div(g.n, tn);
  p.nk = ceil_div(g.k, tk);
  p.tiles = g.batch * p.mt * p.nt * s;
  const std::int64_t P = chip.cores;
  p.active = std::min(P, p.tiles);
  // Panel sharing through the global buffer among concurrently running tiles.
  if (chip.buffers.global.bytes() > 0) {
    const std::int64_t conc = std::max<std::int64_t>(1, p.active / s);
    std::int64_t gm = std::min(p.mt, std::max<std::int64_t>(1, static_cast<std::int64_t>(std::sqrt(double(conc)))));
    std::int64_t gn = std::min(p.nt, std::max<std::int64_t>(1, conc / gm));
    if (gm * gn < conc) gm = std::min(p.mt, std::max<std::int64_t>(1, conc / gn));
    auto need = [&](std::int64_t a, std::int64_t c) {
      return 2.0 * static_cast<double>(a * tm + c * tn) * static_cast<double>(tk) * e.b;
    };
    while ((gm > 1 || gn > 1) && need(gm, gn) > chip.buffers.global.bytes()) {
      if (gm * tm >= gn * tn) gm = std::max<std::int64_t>(1, gm / 2);
      else gn = std::max<std::int64_t>(1, gn / 2);
    }
    p.gm = gm;
    p.gn = gn;
  }
  // Tile variants: m edge, n edge, split variant (full steps, edge last step).
  struct Var { std::int64_t size, count; };
  const std::int64_t me = g.m - (p.mt - 1) * tm, ne = g.n - (p.nt - 1) * tn, ke = g.k - (p.nk - 1) * tk;
  std::vector<Var> mv{{tm, p.mt - 1}, {me, 1}}, nv{{tn, p.nt - 1}, {ne, 1}};
  if (me == tm) mv = {{tm, p.mt}};
  if (ne == tn) nv = {{tn, p.nt}};
  const std::int64_t q = p.nk / s, r = p.nk % s;
  struct SplitVar { std::int64_t full_steps; bool edge; std::int64_t count; };
  std::vector<SplitVar> sv{{q + 1, false, r}, {q, false, s - r - 1}, {q - 1, true, 1}};
  const double out_b = s > 1 ? 4.0 : e.b;
  Dataflow df = e.df;
  double est_sum = 0;
  std::int64_t est_tail = 0, est_store = 0;
  for (const auto& mvar : mv) {
    for (const auto& nvar : nv) {
      for (const auto& spl : sv) {
        const std::int64_t cnt = mvar.count * nvar.count * spl.count * g.batch;
        if (cnt <= 0) continue;
        TileCost t;
        double tile_hbm = 0, tile_fill = 0, tile_l0 = 0, tile_acc = 0, tile_est = 0;
        auto add_step = [&](std::int64_t kk, std::int64_t n_steps) -> ArrayCycles {
          const double m = double(mvar.size), n = double(nvar.size), k = double(kk);
          const double l1 = (m * k + k * n) * e.b;
          const double hbm = m * k * e.b / double(p.gn) + k * n * e.b / double(p.gm);
          const ArrayCycles a = matrix_cycles(chip.matrix, g.dtype, mvar.size, nvar.size, kk);
          StepCost sc{detail::load_cycles(e.ctx, l1, hbm, p.active), a.occupancy};
          t.steps.push_back({sc, n_steps});
          const L0Traffic l0 = l0_traffic(chip.matrix.rows, chip.matrix.cols, df, mvar.size, nvar.size, kk);
          tile_hbm += hbm * double(n_steps);
          tile_fill += l1 * double(n_steps);
          tile_l0 += (l0.a_elems + l0.b_elems) * e.b * double(n_steps);
          tile_acc += l0.acc_elems * 4.0 * double(n_steps);
          tile_est += double(std::max(sc.load, sc.compute)) * double(n_steps);
          return a;
        };
        ArrayCycles last{};
        if (spl.full_steps > 0) last = add_step(tk, spl.full_steps);
        if (spl.edge) last = add_step(ke, 1);
        if (t.steps.empty()) continue;
        t.tail = last.tail;
        const double out = double(mvar.size * nvar.size) * out_b;
        t.store = detail::store_cycles(e.ctx, out, p.active);
        // The per-tile cost outside the K loop (prologue, epilogue, block scheduling):
        // chip.kernel.tile_overhead_cycles, serial with the matrix unit, charged on the tile's first step.
        if (const std::int64_t oh = detail::cycles_of(chip.kernel.tile_overhead_cycles); oh > 0) {
          StepRun first = t.steps.front();
          first.count = 1;
          first.cost.compute += oh;
          if (--t.steps.front().count == 0) t.steps.erase(t.steps.begin());
          t.steps.insert(t.steps.begin(), first);
          tile_est += double(oh);
        }
        p.kinds.push_back(std::move(t));
        p.counts.push_back(cnt);
        p.hbm_read += tile_hbm * double(cnt);
        p.fill += tile_fill * double(cnt);
        p.l0_op += tile_l0 * double(cnt);
        p.l0_acc += tile_acc * double(cnt);
        p.hbm_write += out * double(cnt);
        p.drain += out * double(cnt);
        est_sum += tile_est * double(cnt);
        est_tail = std::max(est_tail, p.kinds.back().tail);
        est_store = std::max(est_store, p.kinds.back().store);
      }
    }
  }
  if (s > 1) {  // reduce the s FP32 partials of every output element, spread over all cores
    const double elems = double(g.m) * double(g.n) * double(g.batch);
    const double rd = elems * double(s) * 4.0, wr = elems * e.b;
    const double vec_rate = double(chip.vector.lanes) * chip.vector.flops_per_lane * double(P);
    p.reduce_cycles = cycles_of(std::max((rd + wr) / e.ctx.hbm_bpc, elems * double(s - 1) / vec_rate));
    p.hbm_read += rd;
    p.hbm_write += wr;
  }
  p.estimate = std::max(double(ceil_div(p.tiles, P)) * est_sum / double(p.tiles) +
                             double(e.ctx.first_latency + est_tail + est_store + p.reduce_cycles),
                         double(detail::hbm_floor(e.ctx, p.hbm_read + p.hbm_write)));
  return p;
}

}  // namespace

void GemmShape::validate() const {
  auto pos = [](const char* name, std::int64_t v) {
    if (v <= 0) throw UserError(std::string("gemm: ") + name + " must be a positive integer, got " + std::to_string(v));
  };
  pos("M", m);
  pos("N", n);
  pos("K", k);
  pos("B (batch)", batch);
}

std::string GemmShape::canonical() const {
  std::ostringstream os;
  os << "gemm M=" << m << " N=" << n << " K=" << k << " B=" << batch << " dtype=" << dtype_name(dtype);
  return os.str();
}

OpResult simulate_gemm(const ChipSpec& chip, const mem::MemoryPort& port, const GemmShape& g, const SimOptions& opt) {
  g.validate();
  Dataflow df = Dataflow::WS;
  if (!parse_dataflow(chip.matrix.dataflow, df)) throw UserError("unknown dataflow '" + chip.matrix.dataflow + "'");
  if (matrix_dtype_rate(chip.matrix, g.dtype) <= 0)
    throw UserError(std::string("gemm: the matrix unit has no throughput for datatype '") + dtype_name(g.dtype) +
                    "' (chip.matrix.dtype_rate)");
  const double b = dtype_bytes(g.dtype);
  const double reads = (double(g.m) * double(g.k) + double(g.k) * double(g.n)) * b;
  const double writes = double(g.m) * double(g.n) * b;
  mem::AccessProfile prof;
  prof.read_fraction = reads / (reads + writes);
  Env e{chip, g, detail::make_ctx(chip, port, prof), df, b};

  std::vector<Plan> plans;
  const auto ms = tile_sizes(g.m, chip.kernel.min_tile), ns = tile_sizes(g.n, chip.kernel.min_tile), ks = tile_sizes(g.k);
  for (auto tm : ms)
    for (auto tn : ns)
      for (auto tk : ks) {
        if (!fits(e, tm, tn, tk)) continue;
        const std::int64_t tiles = g.batch * ceil_div(g.m, tm) * ceil_div(g.n, tn);
        const std::int64_t nk = ceil_div(g.k, tk);
        for (std::int64_t s = 1; s <= nk && s <= 64; s *= 2) {
          if (s > 1 && tiles * (s / 2) >= chip.cores) break;
          plans.push_back(build(e, tm, tn, tk, s));
          plans.back().order = plans.size();
        }
      }
  if (plans.empty())
    throw UserError("gemm: no tile shape fits the buffers of chip '" + chip.name +
                    "' (even 16x16x16 with double buffering); check chip.buffers");
  std::sort(plans.begin(), plans.end(), [](const Plan& a, const Plan& c) {
    if (a.estimate != c.estimate) return a.estimate < c.estimate;
    return a.order < c.order;
  });
  const std::size_t n_sim = std::min<std::size_t>(plans.size(), 6);
  std::size_t best = 0;
  detail::ChipRun best_run;
  std::int64_t best_cycles = -1, steps_sim = 0;
  for (std::size_t i = 0; i < n_sim; ++i) {
    detail::ChipRun run = detail::run_chip(plans[i].kinds, plans[i].counts, chip.cores, e.ctx.first_latency,
                                           opt.extrapolate);
    steps_sim += run.steps_simulated;
    const std::int64_t cyc = std::max(run.cycles + plans[i].reduce_cycles,
                                      detail::hbm_floor(e.ctx, plans[i].hbm_read + plans[i].hbm_write));
    const double hb = plans[i].hbm_read + plans[i].hbm_write;
    const double best_hb = best_cycles < 0 ? 0 : plans[best].hbm_read + plans[best].hbm_write;
    if (best_cycles < 0 || cyc < best_cycles || (cyc == best_cycles && hb < best_hb)) {
      best = i;
      best_cycles = cyc;
      best_run = run;
    }
  }
  const Plan& p = plans[best];
  OpResult r = detail::matrix_result(chip, e.ctx, g.canonical(),
                                     Flops(2.0 * double(g.m) * double(g.n) * double(g.k) * double(g.batch)), g.dtype,
                                     best_cycles, {p.hbm_read, p.hbm_write, p.fill, p.drain, p.l0_op, p.l0_acc},
                                     best_run, steps_sim);
  std::ostringstream os;
  os << "tile " << p.tm << "x" << p.tn << "x" << p.tk << " (m x n x k), grid " << p.mt << "x" << p.nt << "x"
     << g.batch << " (m x n x batch)";
  if (p.s > 1) os << ", split-K " << p.s;
  os << ", " << p.tiles << " tiles on " << best_run.cores_used << "/" << chip.cores << " cores ("
     << ceil_div(p.tiles, chip.cores) << " waves), L2 panel sharing " << p.gm << "x" << p.gn << ", dataflow "
     << chip.matrix.dataflow << (chip.matrix.fold_overlap ? " (fold overlap)" : " (no fold overlap)");
  r.mapping = os.str();
  return r;
}

}  // namespace xpu::chip
