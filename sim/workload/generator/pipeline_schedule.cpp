// Pipeline schedule of one stage (stage_builder.h): which micro-batch passes which chunk when (1F1B,
// interleaved 1F1B, GPipe; inference: forward only), the gradient reductions after each chunk's last
// backward, the optimizer step and the parameter all-gathers. The program is cut into blocks per
// micro-batch pass through a layer and the pieces between (ProgramBuilder::cut), which is what lets
// repeated micro-batches be stored once.
#include <algorithm>

#include "sim/workload/generator/stage_builder.h"

namespace xpu::wl::gen::detail {

Program StageBuilder::build_stage(int p) {
  ProgramBuilder out("stage" + std::to_string(p));
  this->prog = &out;
  last_compute = kNone;
  join_pending = kNone;
  zero3_anchor = kNone;
  param_gathered.clear();
  param_anchor = kNone;
  pending_dense = pending_expert = 0;
  // Schedule: a list of (forward?, micro-batch, virtual chunk).
  // paired: a steady-state forward and the backward after it (overlap_moe_comm): the backward's
  // compute chain starts where the forward's did, and the two chains join after the pair.
  struct Unit { bool fwd; std::int64_t mb; int v; bool paired = false; };
  std::vector<Unit> sched;
  const std::int64_t total = M * vpp;
  auto fwd_unit = [&](std::int64_t k) {
    if (vpp == 1) return Unit{true, k, 0};
    return Unit{true, (k / (std::int64_t(P.pp) * vpp)) * P.pp + k % P.pp, int((k / P.pp) % vpp)};
  };
  auto bwd_unit = [&](std::int64_t k) {
    if (vpp == 1) return Unit{false, k, 0};
    return Unit{false, (k / (std::int64_t(P.pp) * vpp)) * P.pp + k % P.pp, vpp - 1 - int((k / P.pp) % vpp)};
  };
  if (P.schedule == "gpipe") {
    for (std::int64_t k = 0; k < total; ++k) sched.push_back(fwd_unit(k));
    for (std::int64_t k = 0; k < total; ++k) sched.push_back(bwd_unit(k));
  } else {
    std::int64_t warm = vpp == 1 ? std::min<std::int64_t>(P.pp - p - 1, total)
                                 : std::min<std::int64_t>(std::int64_t(P.pp - p - 1) * 2 + std::int64_t(vpp - 1) * P.pp, total);
    for (std::int64_t k = 0; k < warm; ++k) sched.push_back(fwd_unit(k));
    for (std::int64_t i = 0; i < total - warm; ++i) {
      sched.push_back(fwd_unit(warm + i));
      sched.push_back(bwd_unit(i));
      if (P.overlap_moe_comm && training) sched[sched.size() - 2].paired = sched.back().paired = true;
    }
    for (std::int64_t k = total - warm; k < total; ++k) sched.push_back(bwd_unit(k));
  }
  std::vector<std::int64_t> bwd_left(static_cast<size_t>(vpp), 0);
  for (const auto& u : sched)
    if (!u.fwd) ++bwd_left[static_cast<size_t>(u.v)];

  // parallel.p2p_scatter_gather (without sp): 1/tp of the tensor on the wire, all-gathered over TP
  // after the receive.
  const bool split = P.p2p_scatter_gather && !P.sp && g_tp >= 0;
  const double p2p_bytes = split ? act_bytes() / P.tp : act_bytes_sp();
  auto gathered = [&](char ph, std::int64_t mb, NodeIndex r) {
    return split ? coll(nm(ph, mb, -1, "recv_ag"), CollKind::AllGather, act_bytes(), g_tp, {r}) : r;
  };
  std::vector<NodeIndex> reductions;
  std::vector<std::int64_t> reduced_layers;
  NodeIndex pair_start = kNone, pair_fwd_end = kNone;
  for (const auto& u : sched) {
    if (u.paired && u.fwd) pair_start = last_compute;
    if (u.paired && !u.fwd) {  // the backward's chain starts beside the forward's
      pair_fwd_end = last_compute;
      last_compute = pair_start;
    }
    const int k = u.v * P.pp + p;
    const auto& ch = chunks[static_cast<size_t>(k)];
    const RankId to_next = RankId(((k + 1) % P.pp) - p) * stride;
    const RankId to_prev = RankId(((k - 1 + P.pp) % P.pp) - p) * stride;
    const std::int64_t tag_in = (u.mb * C + (k - 1)) * 2, tag_out = (u.mb * C + k) * 2;
    // Blocks: the pieces before, in and after each layer, per micro-batch (tags relative to it).
    const std::int64_t tag_base = u.mb * C * 2;
    if (u.fwd) {
      NodeIndex x = kNone;
      if (k > 0) x = gathered('f', u.mb, p2p(nm('f', u.mb, -1, "recv"), false, to_prev, tag_in, p2p_bytes, {}));
      else x = embed_fwd(u.mb);
      out.cut(u.mb, -1, tag_base);
      for (std::int64_t l = ch.first; l < ch.first + ch.count; ++l) {
        x = layer_fwd('f', u.mb, l, x);
        out.cut(u.mb, l, tag_base);
      }
      if (k == C - 1) head_fwd(u.mb, x);
      else p2p(nm('f', u.mb, -1, "send"), true, to_next, tag_out, p2p_bytes, {last_compute});
      out.cut(u.mb, -1, tag_base);
    } else {
      const bool last_bwd = --bwd_left[static_cast<size_t>(u.v)] == 0 && training;
      NodeIndex g = kNone;
      NodeIndex head_wg = kNone;
      if (k < C - 1) g = gathered('b', u.mb, p2p(nm('b', u.mb, -1, "recv"), false, to_next, tag_out + 1, p2p_bytes, {}));
      else g = head_bwd(u.mb, g, &head_wg);
      if (k == C - 1 && last_bwd && !(m.tied_embeddings && P.pp == 1)) dp_reduce(-1, reductions, reduced_layers);
      out.cut(u.mb, -1, tag_base);
      for (std::int64_t l = ch.first + ch.count - 1; l >= ch.first; --l) {
        g = layer_bwd(u.mb, l, g);
        if (last_bwd) dp_reduce(l, reductions, reduced_layers);
        out.cut(u.mb, l, tag_base);
      }
      if (k > 0) p2p(nm('b', u.mb, -1, "send"), true, to_prev, tag_in + 1, p2p_bytes, {last_compute});
      else {
        vec(nm('b', u.mb, -1, "embed"), "scatter", act_bytes() * 2.0, double(T) * h(), {});
        if (last_bwd) dp_reduce(-2, reductions, reduced_layers);  // embedding
      }
      if (u.paired) join_pending = pair_fwd_end;  // the next compute op waits for both chains
      out.cut(u.mb, -1, tag_base);
    }
  }
  flush_dp_reduce(reductions);
  // Optimizer step over this rank's parameters (its shard with ZeRO), then parameter all-gather.
  double dense = 0, expert = 0;
  for (int v = 0; v < vpp; ++v) {
    const auto& ch = chunks[static_cast<size_t>(v * P.pp + p)];
    for (std::int64_t l = ch.first; l < ch.first + ch.count; ++l) {
      dense += layer_dense_params_loc(l);
      expert += layer_expert_params_loc(l);
    }
  }
  if (p == 0) dense += double(V) * h() / P.tp;
  if (p == P.pp - 1 && (P.pp > 1 || !m.tied_embeddings)) dense += double(V) * h() / P.tp;
  const double shard = P.zero >= 1 ? dense / dp_shards + expert / edp_shards : dense + expert;
  Node opt;
  opt.name = "optimizer";
  opt.kind = NodeKind::Vector;
  opt.vec.op_class = "optimizer";
  opt.vec.bytes = Bytes(shard * (eb + gb + 2.0 * s.training.optimizer_bytes));
  opt.vec.flops = Flops(12.0 * shard);
  opt.vec.dtype = DType::FP32;
  opt.deps = reductions;
  NodeIndex o = push(std::move(opt), {}, true);
  if (P.zero >= 1 && P.zero <= 2) {
    for (std::int64_t l : reduced_layers) {
      const double dparams = l >= 0 ? layer_dense_params_loc(l) : double(V) * h() / P.tp;
      // overlap_param_gather: transformer layers were gathered ahead of their forward; the embedding
      // and head (l < 0) are gathered after the step as before (one matrix each).
      if (g_dp >= 0 && !(overlap_gather() && l >= 0 && param_gathered.count(l)))
        coll(nm('g', 0, l, "dp_param_ag"), CollKind::AllGather, dparams * eb, g_dp, {o});
      if (l >= 0 && layer_expert_params_loc(l) > 0 && g_edp >= 0)
        coll(nm('g', 0, l, "edp_param_ag"), CollKind::AllGather, layer_expert_params_loc(l) * eb, g_edp, {o});
    }
  }
  this->prog = nullptr;
  return out.finish();
}

Program StageBuilder::build_inference_stage(int p) {
  ProgramBuilder out("stage" + std::to_string(p));
  this->prog = &out;
  last_compute = kNone;
  const std::int64_t k = p;
  const auto& ch = chunks[static_cast<size_t>(k)];
  const RankId to_next = RankId(((k + 1) % P.pp) - p) * stride;
  const RankId to_prev = RankId(((k - 1 + P.pp) % P.pp) - p) * stride;
  for (std::int64_t mb = 0; mb < M; ++mb) {
    const std::int64_t tag_base = mb * C * 2;
    NodeIndex x = kNone;
    if (k > 0) x = p2p(nm('f', mb, -1, "recv"), false, to_prev, (mb * C + (k - 1)) * 2, act_bytes_sp(), {});
    else x = embed_fwd(mb);
    out.cut(mb, -1, tag_base);
    for (std::int64_t l = ch.first; l < ch.first + ch.count; ++l) {
      x = layer_fwd('f', mb, l, x);
      out.cut(mb, l, tag_base);
    }
    if (k == C - 1) head_fwd(mb, x);
    else p2p(nm('f', mb, -1, "send"), true, to_next, (mb * C + k) * 2, act_bytes_sp(), {last_compute});
    out.cut(mb, -1, tag_base);
  }
  this->prog = nullptr;
  return out.finish();
}


}  // namespace xpu::wl::gen::detail
