// Transformer generator. Model and contract: transformer.h. This file sizes the job, builds the
// communicator groups and one program per pipeline stage (stage_builder.h: layer builders, pipeline
// schedule, parallel placement), and derives the step figures and notes.
#include "sim/workload/generator/transformer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "sim/workload/generator/flops.h"
#include "sim/workload/generator/footprint.h"
#include "sim/workload/generator/stage_builder.h"

namespace xpu::wl::gen {

std::vector<ChunkLayers> chunk_layers(std::int64_t layers, int pp, int vpp) {
  const std::int64_t C = std::int64_t(pp) * vpp;
  std::vector<ChunkLayers> out(static_cast<size_t>(C));
  std::int64_t first = 0;
  for (std::int64_t k = 0; k < C; ++k) {
    out[static_cast<size_t>(k)].first = first;
    out[static_cast<size_t>(k)].count = layers / C + (k < layers % C ? 1 : 0);
    first += out[static_cast<size_t>(k)].count;
  }
  return out;
}

std::int64_t padded_vocab(std::int64_t vocab, int tp) {
  const std::int64_t q = 128 * std::int64_t(tp);
  return (vocab + q - 1) / q * q;
}

std::int64_t micro_batches_per_step(const ScenarioSpec& s) {
  if (!s.training_mode) return s.inference.micro_batches;
  const std::int64_t gb = s.training.global_batch > 0 ? s.training.global_batch : s.training.micro_batch * s.parallel.dp;
  return gb / (s.training.micro_batch * s.parallel.dp);
}

using detail::Dims;
using detail::make_groups;
using detail::StageBuilder;

Workload generate_transformer(const ScenarioSpec& s) {
  check_scenario(s);
  const ModelSpec& m = s.model;
  const ParallelSpec& P = s.parallel;
  StageBuilder g(s);
  g.training = s.training_mode;
  const std::string& dts = s.training_mode ? s.training.dtype : s.inference.dtype;
  parse_dtype(dts, g.dt);
  g.act_dt = g.dt;
  if (s.training_mode && g.dt == DType::FP8) g.fp8_train = true, g.act_dt = DType::BF16;
  g.eb = dtype_bytes(g.act_dt);
  g.gb = s.training.grad_bytes;
  g.vpp = (s.training_mode && P.schedule == "interleaved") ? P.vpp : 1;
  g.C = P.pp * g.vpp;
  g.chunks = chunk_layers(m.layers, P.pp, g.vpp);
  g.V = padded_vocab(m.vocab, P.tp);
  g.M = micro_batches_per_step(s);
  {
    // Programs are stored compactly (a block per distinct layer pass, see ir.h), but the engine still
    // walks every expanded node, and node indices are 32-bit: refuse a stage that would expand past
    // kMaxProgramNodes (at most about 80 nodes per layer and micro-batch) before generating it.
    const double layers_per_stage = std::ceil(double(m.layers) / double(P.pp));
    const double nodes = double(g.M) * layers_per_stage * 80.0;
    if (nodes > double(kMaxProgramNodes))
      throw UserError(s.source + ": scenario '" + s.name + "' would expand to about " +
                      std::to_string(static_cast<long long>(nodes / 1e6)) + " million nodes per pipeline stage (" +
                      std::to_string(static_cast<long long>(g.M)) + " micro-batches x " +
                      std::to_string(static_cast<long long>(m.layers)) + " layers; limit " +
                      std::to_string(static_cast<long long>(kMaxProgramNodes / 1000000)) +
                      " million); reduce global_batch or raise micro_batch / data parallelism");
  }
  if (s.training_mode) {
    g.b = s.training.micro_batch;
    g.sq = s.training.seq_len / P.cp;
    g.skv = s.training.seq_len;
  } else {
    const auto& I = s.inference;
    g.b = I.batch / P.dp / I.micro_batches;
    g.decode = I.phase == "decode";
    g.sq = g.decode ? 1 : I.context / P.cp;
    g.skv = g.decode ? I.context + 1 : I.context;
  }
  g.T = g.b * g.sq;
  g.heads_loc = m.heads / P.tp;
  if (m.is_mla()) {
    g.kv_loc = g.decode ? 1 : g.heads_loc;  // decode: one latent cache shared by all heads
  } else {
    g.kv_loc = std::max<std::int64_t>(1, m.kv() / P.tp);
  }
  g.group = g.heads_loc / g.kv_loc;
  // Fused attention (FlashAttention / FlashDecoding) unless the scenario turns it off. MLA in training
  // and prefill is ordinary multi-head attention after the up-projections (Q/K head dim
  // qk_nope + qk_rope = 192, V 128 on DeepSeek-V3; cuDNN's and FlashAttention-3's fused kernels take
  // unequal Q/K and V head dims); MLA decode keeps the explicit matmuls of its absorbed form (one
  // latent cache shared by all heads: shapes the fused node does not describe).
  g.fused_attention = (s.training_mode ? s.training.flash_attention : s.inference.flash_attention) && !(m.is_mla() && g.decode);
  if (g.decode && m.is_mla()) g.kv_loc = 1;
  g.dropout = s.training_mode && s.training.dropout > 0;
  if (P.tp_comm_overlap && P.tp > 1 && P.sp) g.tp_chunks = static_cast<int>(std::min<std::int64_t>(P.tp_comm_chunks, g.T));

  Workload w;
  w.name = s.name;
  w.source = s.source;
  w.num_ranks = P.ranks();
  w.group_all();
  Dims d{P.tp, P.cp, P.ep, P.dp / P.ep, P.pp};
  g.stride = RankId(P.tp) * P.cp * P.dp;
  auto add = [&](const std::string& name, bool vt, bool vc, bool ve, bool vx, int size) {
    if (size <= 1) return -1;
    w.group_sets.push_back(make_groups(name, d, vt, vc, ve, vx));
    return static_cast<int>(w.group_sets.size() - 1);
  };
  g.g_tp = add("tp", true, false, false, false, P.tp);
  g.g_cp = add("cp", false, true, false, false, P.cp);
  g.dp_shards = P.dp * P.cp;
  g.g_dp = add(P.cp > 1 ? "dp_cp" : "dp", false, true, true, true, g.dp_shards);
  g.g_ep = add("ep", false, false, true, false, m.is_moe() ? P.ep : 1);
  g.edp_shards = P.cp * (P.dp / P.ep);
  g.g_edp = add(P.cp > 1 ? "edp_cp" : "edp", false, true, false, true, (m.is_moe() && P.ep > 1) ? g.edp_shards : 1);
  if (m.is_moe() && P.ep == 1) g.g_edp = g.g_dp;

  for (int p = 0; p < P.pp; ++p) w.programs.push_back(s.training_mode ? g.build_stage(p) : g.build_inference_stage(p));
  w.program_of_rank.resize(static_cast<size_t>(w.num_ranks));
  for (RankId r = 0; r < w.num_ranks; ++r) w.program_of_rank[static_cast<size_t>(r)] = static_cast<int>(r / g.stride);
  // Symmetry: data-parallel replicas (the dpx coordinate) repeat each other's timeline on a
  // symmetric pod, so only replica dpx = 0 is simulated; every DP group still contains one simulated
  // rank, so all DP collectives run on the network. See docs/engine.md, "Symmetry".
  if (d.dpx > 1) {
    w.representative.resize(static_cast<size_t>(w.num_ranks));
    const RankId replica = RankId(d.tp) * d.cp * d.ep;
    for (RankId r = 0; r < w.num_ranks; ++r) {
      const RankId x = (r / replica) % d.dpx;
      w.representative[static_cast<size_t>(r)] = r - x * replica;
    }
  }

  // Step figures.
  double hw = 0;
  for (int p = 0; p < P.pp; ++p) {
    // Summed node by node in program order (the same rounding as over an explicit node list).
    const Program& prog = w.programs[static_cast<size_t>(p)];
    double f = 0;
    for (const auto& in : prog.instances)
      for (const auto& n : prog.blocks[in.block].nodes) {
        if (n.kind == NodeKind::Gemm) f += n.gemm.flops().value();
        if (n.kind == NodeKind::Attention) f += n.attn.flops().value();
      }
    hw += f * double(g.stride);
  }
  w.step.hardware_flops = Flops(hw);
  if (s.training_mode) {
    const double gbatch = double(g.M) * double(s.training.micro_batch) * P.dp;
    w.step.samples = gbatch;
    w.step.tokens = gbatch * double(s.training.seq_len);
    w.step.model_flops = 3.0 * forward_flops_per_sequence(m, double(s.training.seq_len), double(g.V)) * gbatch;
  } else {
    const auto& I = s.inference;
    w.step.samples = double(I.batch);
    if (g.decode) {
      w.step.tokens = double(I.batch);
      // One token per sequence: projections 2 * active weights, attention over the cache.
      const double L = double(I.context + 1);
      double f = forward_flops_per_sequence(m, 1.0, double(g.V)).value();
      f -= 2.0 * double(m.layers) * double(m.heads) * double(m.qk_dim() + m.v_dim());  // s*s term for s = 1
      f += 2.0 * double(m.layers) * L * double(m.heads) * double(m.qk_dim() + m.v_dim());
      w.step.model_flops = Flops(f * double(I.batch));
    } else {
      w.step.tokens = double(I.batch) * double(I.context);
      w.step.model_flops = forward_flops_per_sequence(m, double(I.context), double(g.V)) * double(I.batch);
    }
  }
  StageFootprint fp = footprint(s);
  w.footprint = fp.items;
  char buf[256];
  std::snprintf(buf, sizeof buf, "generated: %s, %.3g B parameters (%.3g B active), TP %d PP %d DP %d EP %d CP %d%s%s",
                m.name.c_str(), m.total_params() / 1e9, m.active_params() / 1e9, P.tp, P.pp, P.dp, P.ep, P.cp,
                P.sp ? " SP" : "", m.hypothetical ? " (hypothetical architecture)" : "");
  w.notes.push_back(buf);
  if (s.training_mode) {
    std::snprintf(buf, sizeof buf, "training step: %lld micro-batches of %lld x %lld tokens, schedule %s%s, recompute %s, ZeRO-%d",
                  static_cast<long long>(g.M), static_cast<long long>(s.training.micro_batch),
                  static_cast<long long>(s.training.seq_len), P.schedule.c_str(),
                  g.vpp > 1 ? (" (" + std::to_string(g.vpp) + " chunks)").c_str() : "", s.training.recompute.c_str(), P.zero);
    w.notes.push_back(buf);
  }
  if (g.V != m.vocab) w.notes.push_back("vocabulary padded from " + std::to_string(m.vocab) + " to " + std::to_string(g.V));
  if (s.hbm.bytes() > 0) w.notes.push_back("HBM per rank (stage " + std::to_string(fp.stage) + "): " + check_fit(fp.items, s.hbm).message);
  validate(w);
  return w;
}

}  // namespace xpu::wl::gen
