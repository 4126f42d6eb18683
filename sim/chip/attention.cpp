// Fused attention (FlashAttention-2/3 forward; flash-decoding for short queries).
//
// GQA packing: the g = H / KVH query heads that share one KV head are stacked, so a (batch, kv head)
// pair owns S*g query rows, cut into blocks of Br rows. A block walks the keys it can see in chunks of
// Bc: per step
//     load     K_j and V_j: 2 Bc D b bytes (the first step also loads the Q block, Br D b)
//     matrix   S = Q K_j^T (Br x Bc x D) and O += P V_j (Br x D x Bc) on the matrix unit
//     vector   online softmax of the Br x Bc scores and the rescale of O (Br x D), op classes
//              online_softmax and rescale of chip.vector.ops
//     compute  max(matrix, vector) when chip.vector.overlap_with_matrix (FA-3 ping-pong), else the sum
// and stores O (Br D b) at the end. Causal: a block sees keys up to its last query row
// (s + KV - S). Blocks of one (batch, kv head) running at the same time read K/V once from HBM through
// the global buffer. When there are fewer blocks than cores (decode), the keys are split across
// cores (flash-decoding) and FP32 partial outputs with their log-sum-exp are combined afterwards.
// The mapper tries Br in {16..256} and Bc in {32..512} that fit L1 (Q block + double-buffered K, V)
// and L0C (FP32 scores and output) and keeps the fastest simulated one. FLOP count: the two matmuls
// over the visible (query, key) pairs, 4 D per pair per head.
#include <algorithm>
#include <map>
#include <sstream>
#include <tuple>

#include "sim/chip/chip_model.h"
#include "sim/chip/multicore.h"
#include "sim/chip/systolic.h"
#include "sim/core/error.h"

namespace xpu::chip {

using detail::ceil_div;
using detail::cycles_of;

void AttentionShape::validate() const {
  auto pos = [](const char* name, std::int64_t v) {
    if (v <= 0)
      throw UserError(std::string("attention: ") + name + " must be a positive integer, got " + std::to_string(v));
  };
  pos("B (batch)", batch);
  pos("H (heads)", heads);
  pos("KVH (kv heads)", kv_heads);
  pos("S (query length)", q_len);
  pos("KV (key/value length)", kv_len);
  pos("D (head dim)", head_dim);
  if (heads % kv_heads != 0)
    throw UserError("attention: H=" + std::to_string(heads) + " is not a multiple of KVH=" + std::to_string(kv_heads));
  if (causal && q_len > kv_len)
    throw UserError("attention: causal attention needs S <= KV, got S=" + std::to_string(q_len) +
                    " KV=" + std::to_string(kv_len));
}

std::string AttentionShape::canonical() const {
  std::ostringstream os;
  os << "attention B=" << batch << " H=" << heads << " KVH=" << kv_heads << " S=" << q_len << " KV=" << kv_len
     << " D=" << head_dim << " causal=" << (causal ? 1 : 0) << (backward ? " backward=1" : "") << " dtype=" << dtype_name(dtype);
  return os.str();
}

namespace {

struct AttnPlan {
  std::int64_t br = 0, bc = 0, splits = 1, blocks = 0, tiles = 0;
  std::vector<TileCost> kinds;
  std::vector<std::int64_t> counts;
  double hbm_read = 0, hbm_write = 0, fill = 0, drain = 0, l0_op = 0;
  std::int64_t combine_cycles = 0;
};

const VectorOpClassSpec& op(const ChipSpec& chip, const char* name) {
  const VectorOpClassSpec* c = chip.vector.ops.find(name);
  XPU_ASSERT(c != nullptr, std::string("attention needs vector op class ") + name);
  return *c;
}

AttnPlan build(const ChipSpec& chip, const detail::Ctx& ctx, const AttentionShape& a, std::int64_t br,
               std::int64_t bc, std::int64_t splits) {
  AttnPlan p;
  p.br = br;
  p.bc = bc;
  const std::int64_t g = a.heads / a.kv_heads, rows = a.q_len * g, D = a.head_dim, P = chip.cores;
  const double b = dtype_bytes(a.dtype);
  const bool causal = a.causal && a.q_len > 1;
  const std::int64_t nq = ceil_div(rows, br);
  p.blocks = a.batch * a.kv_heads * nq;
  // Visible keys of block i.
  auto visible = [&](std::int64_t i) {
    if (!causal) return a.kv_len;
    const std::int64_t last_row = std::min((i + 1) * br, rows) - 1;
    return std::min(a.kv_len, last_row / g + 1 + a.kv_len - a.q_len);
  };
  // Split the keys across cores when blocks alone cannot fill the chip (the caller tries several).
  if (!causal && p.blocks < P) p.splits = std::min(splits, ceil_div(a.kv_len, bc));
  const std::int64_t kv_chunks_per_split = ceil_div(ceil_div(a.kv_len, bc), p.splits);
  const std::int64_t kv_per_split = kv_chunks_per_split * bc;
  p.splits = ceil_div(a.kv_len, kv_per_split);
  p.tiles = p.blocks * p.splits;
  const std::int64_t active = std::min(P, p.tiles);
  const double kv_share = chip.buffers.global.bytes() > 0 ? double(std::min(nq, std::max<std::int64_t>(1, active / p.splits))) : 1.0;
  const VectorOpClassSpec& sm = op(chip, "online_softmax");
  const VectorOpClassSpec& rs = op(chip, "rescale");
  // The softmax statistics and the output accumulator are FP32 whatever the input dtype.
  const double cpe_sm = vector_cycles_per_element(chip, sm, DType::FP32);
  const double cpe_rs = vector_cycles_per_element(chip, rs, DType::FP32);
  const bool overlap = chip.vector.overlap_with_matrix;
  const double macs_per_cycle = double(chip.matrix.rows * chip.matrix.cols * chip.matrix.depth) * matrix_dtype_rate(chip.matrix, a.dtype);
  // Group blocks by signature (rows, keys seen by each split) -> tile kind; longest first.
  std::map<std::tuple<std::int64_t, std::int64_t>, std::int64_t> sig;  // (keys, rows) -> count
  for (std::int64_t i = 0; i < nq; ++i) {
    const std::int64_t r = std::min((i + 1) * br, rows) - i * br;
    const std::int64_t vis = visible(i);
    for (std::int64_t s = 0; s < p.splits; ++s) {
      const std::int64_t keys = std::min(kv_per_split, vis - s * kv_per_split);
      if (keys <= 0) continue;
      sig[{keys, r}] += a.batch * a.kv_heads;
    }
  }
  const double out_bytes_per_row = p.splits > 1 ? double(D + 1) * 4.0 : double(D) * b;
  for (auto it = sig.rbegin(); it != sig.rend(); ++it) {
    const std::int64_t keys = std::get<0>(it->first), r = std::get<1>(it->first), cnt = it->second;
    TileCost t;
    const std::int64_t nsteps = ceil_div(keys, bc), last = keys - (nsteps - 1) * bc;
    double tile_hbm = 0, tile_fill = 0, tile_l0 = 0;
    ArrayCycles pv{};
    auto step_cost = [&](std::int64_t kc, bool first) {
      const ArrayCycles qk = matrix_cycles(chip.matrix, a.dtype, r, kc, D);
      pv = matrix_cycles(chip.matrix, a.dtype, r, D, kc);
      // The kernel's matmuls reach at most attention_efficiency of the unit's peak (a ceiling: tiles the
      // array model already runs below it are not slowed further).
      const std::int64_t mm = std::max(qk.occupancy + pv.occupancy,
                                       cycles_of(2.0 * double(r * kc * D) / (macs_per_cycle * chip.kernel.attention_efficiency)));
      const std::int64_t vec = cycles_of(double(r * kc) * cpe_sm + double(r * D) * cpe_rs);
      const double kvb = 2.0 * double(kc * D) * b, qb = first ? double(r * D) * b : 0.0;
      tile_hbm += kvb / kv_share + qb;
      tile_fill += kvb + qb;
      tile_l0 += (double(r * D + kc * D) + double(r * kc + kc * D)) * b;
      return StepCost{detail::load_cycles(ctx, kvb + qb, kvb / kv_share + qb, active),
                      overlap ? std::max(mm, vec) : mm + vec};
    };
    auto add = [&](StepCost c, std::int64_t n) {
      if (n <= 0) return;
      if (!t.steps.empty() && t.steps.back().cost.load == c.load && t.steps.back().cost.compute == c.compute)
        t.steps.back().count += n;
      else
        t.steps.push_back({c, n});
    };
    add(step_cost(nsteps == 1 ? last : bc, true), 1);
    if (nsteps > 2) {
      const StepCost body = step_cost(bc, false);
      // step_cost accounted one body step; the other nsteps - 3 are added here
      const double h1 = 2.0 * double(bc * D) * b;
      tile_hbm += (h1 / kv_share) * double(nsteps - 3);
      tile_fill += h1 * double(nsteps - 3);
      tile_l0 += (double(r * D + bc * D) + double(r * bc + bc * D)) * b * double(nsteps - 3);
      add(body, nsteps - 2);
    }
    if (nsteps > 1) add(step_cost(last, false), 1);
    t.tail = pv.tail + cycles_of(double(r * D) * cpe_rs);  // final O / l
    const double out = double(r) * out_bytes_per_row;
    t.store = detail::store_cycles(ctx, out, active);
    p.kinds.push_back(t);
    p.counts.push_back(cnt);
    p.hbm_read += tile_hbm * double(cnt);
    p.fill += tile_fill * double(cnt);
    p.l0_op += tile_l0 * double(cnt);
    p.hbm_write += out * double(cnt);
    p.drain += out * double(cnt);
  }
  if (p.splits > 1) {  // combine partial outputs: read s partials (O and lse), write O
    const double rows_all = double(a.batch * a.heads * a.q_len);
    const double rd = rows_all * double(p.splits) * double(D + 1) * 4.0, wr = rows_all * double(D) * b;
    const double vec_rate = double(chip.vector.lanes) * chip.vector.flops_per_lane * double(P);
    p.combine_cycles = cycles_of(std::max((rd + wr) / ctx.hbm_bpc, rows_all * double(p.splits) * double(D) * 3.0 / vec_rate));
    p.hbm_read += rd;
    p.hbm_write += wr;
  }
  return p;
}

}  // namespace

OpResult simulate_attention(const ChipSpec& chip, const mem::MemoryPort& port, const AttentionShape& a,
                            const SimOptions& opt) {
  a.validate();
  if (matrix_dtype_rate(chip.matrix, a.dtype) <= 0)
    throw UserError(std::string("attention: the matrix unit has no throughput for datatype '") + dtype_name(a.dtype) +
                    "' (chip.matrix.dtype_rate)");
  const double b = dtype_bytes(a.dtype);
  mem::AccessProfile prof;
  prof.read_fraction = 0.95;
  const detail::Ctx ctx = detail::make_ctx(chip, port, prof);
  const std::int64_t g = a.heads / a.kv_heads, rows = a.q_len * g, D = a.head_dim;
  std::int64_t best_cycles = -1;
  AttnPlan best;
  detail::ChipRun best_run;
  std::int64_t steps_sim = 0;
  for (std::int64_t br0 = 16; br0 <= 256; br0 *= 2) {
    const std::int64_t br = std::min(br0, rows);
    if (br0 > 16 && br0 / 2 >= rows) break;
    for (std::int64_t bc0 = 32; bc0 <= 512; bc0 *= 2) {
      const std::int64_t bc = std::min(bc0, a.kv_len);
      if (bc0 > 32 && bc0 / 2 >= a.kv_len) break;
      const double l1 = (double(br * D) + 4.0 * double(bc * D)) * b;
      const double l0c = (double(br * bc) + double(br * D)) * 4.0;
      if (l1 > chip.buffers.l1.bytes() || l0c > chip.buffers.l0c.bytes()) continue;
      // KV splits: enough to give every core work, and multiples of that to even out the waves.
      const std::int64_t blocks = a.batch * a.kv_heads * ceil_div(rows, br);
      const std::int64_t base = blocks < chip.cores ? ceil_div(chip.cores, blocks) : 1;
      for (std::int64_t mult : {1, 2, 3, 4, 8}) {
        if (base == 1 && mult > 1) break;
        AttnPlan p = build(chip, ctx, a, br, bc, base * mult);
        if (mult > 1 && p.splits < base * mult) break;  // no more keys to split
        detail::ChipRun run = detail::run_chip(p.kinds, p.counts, chip.cores, ctx.first_latency, opt.extrapolate);
        steps_sim += run.steps_simulated;
        const std::int64_t cyc =
            std::max(run.cycles + p.combine_cycles, detail::hbm_floor(ctx, p.hbm_read + p.hbm_write));
        if (best_cycles < 0 || cyc < best_cycles) {
          best_cycles = cyc;
          best = std::move(p);
          best_run = run;
        }
      }
    }
  }
  if (best_cycles < 0)
    throw UserError("attention: no Q/K/V block fits the buffers of chip '" + chip.name + "' for head dim " +
                    std::to_string(D));
  // Useful FLOP: 4 D per visible (query, key) pair per head.
  double pairs = 0;
  if (a.causal && a.q_len > 1) {
    const double off = double(a.kv_len - a.q_len);
    const double S = double(a.q_len);
    pairs = S * off + S * (S + 1) / 2.0;  // sum over s of (s + 1 + off)
  } else {
    pairs = double(a.q_len) * double(a.kv_len);
  }
  double flops = 4.0 * double(D) * pairs * double(a.batch * a.heads);
  if (a.backward) {
    // FlashAttention backward (FA2/FA3, cuDNN): three kernels.
    //  1. preprocess: Delta = rowsum(dO * O): reads O and dO (2 Q-sized tensors), memory-bound;
    //  2. main: per key block, S = QK^T recomputed, dV = P^T dO, dP = dO V^T, dS, dK = dS^T Q, dQ += dS K:
    //     5 matmuls against the forward's 2 (2.5 x its FLOPs) at attention_backward_efficiency x the
    //     forward's FLOP/s (dQ accumulated across key blocks in FP32, fewer registers per warp);
    //     K, V, Q, O, dO read and dK, dV written: twice the forward's traffic;
    //  3. dQ conversion: reads the FP32 dQ accumulator (2 Q-sized tensors' bytes), writes dQ.
    // The two small kernels weigh at short sequences, where the main kernel's work (~S^2) is small
    // against the Q-sized tensors (~S).
    const double q_bytes = double(a.batch * a.heads * a.q_len * D) * b;
    const double side_bytes = 5.0 * q_bytes;  // (O + dO) + (dQ fp32 accumulator + dQ)
    flops *= 2.5;
    const std::int64_t launch = cycles_of(chip.kernel.launch_overhead.seconds() * chip.clock.hertz());
    best_cycles = cycles_of(double(best_cycles) * 2.5 / chip.kernel.attention_backward_efficiency) +
                  cycles_of(side_bytes / ctx.hbm_bpc) + 2 * (ctx.first_latency + launch);
    best.hbm_read = 2.0 * best.hbm_read + 4.0 * q_bytes;
    best.hbm_write = 2.0 * best.hbm_write + q_bytes;
    best.fill *= 2.0;
    best.drain *= 2.0;
    best.l0_op *= 2.5;
  }
  OpResult r = detail::matrix_result(chip, ctx, a.canonical(), Flops(flops), a.dtype, best_cycles,
                                     {best.hbm_read, best.hbm_write, best.fill, best.drain, best.l0_op, 0.0}, best_run, steps_sim);
  std::ostringstream os;
  os << "Q blocks of " << best.br << " rows (" << g << " GQA heads packed), K/V chunks of " << best.bc << ", "
     << best.blocks << " blocks";
  if (best.splits > 1) os << " x " << best.splits << " KV splits (flash-decoding)";
  if (a.backward) os << "; backward = 2.5 x the forward's FLOPs at " << chip.kernel.attention_backward_efficiency << " x its FLOP/s";
  os << " on " << best_run.cores_used << "/" << chip.cores << " cores, softmax "
     << (chip.vector.overlap_with_matrix ? "overlapped with" : "after") << " the matrix unit";
  r.mapping = os.str();
  return r;
}

}  // namespace xpu::chip
