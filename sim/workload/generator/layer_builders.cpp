// Layer builders of the transformer generator (stage_builder.h): node emission and the forward and
// backward of every layer kind. Shapes of every matmul are written out next to the code that emits
// them (forward C[m,n] = A[m,k] B[k,n]; backward data gradient dA = dC B^T: (m, k, n) -> (m, n, k);
// weight gradient dB = A^T dC: (k, n, m)).
#include <algorithm>
#include <charconv>
#include <cmath>

#include "sim/workload/generator/stage_builder.h"

namespace xpu::wl::gen::detail {

NodeIndex StageBuilder::push(Node&& n, std::initializer_list<NodeIndex> deps, bool compute) {
  auto add = [&n](NodeIndex d) {
    if (d != kNone && std::find(n.deps.begin(), n.deps.end(), d) == n.deps.end()) n.deps.push_back(d);
  };
  for (NodeIndex d : deps) add(d);
  if (compute) {
    add(last_compute);
    add(join_pending);
    join_pending = kNone;
  }
  NodeIndex i = prog->push(std::move(n));
  if (compute) last_compute = i;
  return i;
}

// FP8 training (training.dtype fp8; Transformer Engine's recipe, docs/workloads.md "FP8 training"):
// the linear layers' GEMMs run in FP8; the attention core, the LM head and the MoE router stay in the
// activations' precision (their call sites pass Precision::Activation), and activations are BF16
// between ops. Before each FP8 GEMM whose A operand is an activation or an incoming gradient (the
// forward, the recompute and the backward data gradient) that operand is quantized: with current
// scaling an amax pass (read 2 B) and a fused cast-transpose (read 2 B, write the FP8 tensor and its
// transpose, 2 x 1 B): 6 B per element, one `unary` op in the activations' precision. The weight
// gradient (Precision::WeightGrad) reads those transposes and needs no op of its own.
NodeIndex StageBuilder::gemm(std::string name, std::int64_t mm, std::int64_t nn, std::int64_t kk, std::int64_t batch, std::initializer_list<NodeIndex> deps,
                             Precision precision) {
  Node n;
  n.kind = NodeKind::Gemm;
  n.gemm.m = std::max<std::int64_t>(1, mm);
  n.gemm.n = std::max<std::int64_t>(1, nn);
  n.gemm.k = std::max<std::int64_t>(1, kk);
  n.gemm.batch = std::max<std::int64_t>(1, batch);
  n.gemm.dtype = precision == Precision::Activation ? act_dt : dt;
  NodeIndex cast = kNone;
  if (fp8_train && n.gemm.dtype == DType::FP8 && precision == Precision::Matmul) {
    const double elems = double(n.gemm.m) * double(n.gemm.k) * double(n.gemm.batch);
    cast = vec(name + "_fp8cast", "unary", 6.0 * elems, 2.0 * elems, deps, act_dt);
  }
  n.name = std::move(name);
  if (cast != kNone) return push(std::move(n), {cast}, true);
  return push(std::move(n), deps, true);
}

NodeIndex StageBuilder::attention(std::string name, bool backward, std::initializer_list<NodeIndex> deps) {
  Node n;
  n.name = std::move(name);
  n.kind = NodeKind::Attention;
  n.attn.batch = b;
  n.attn.heads = heads_loc;
  n.attn.kv_heads = kv_loc;
  n.attn.q_len = sq;
  n.attn.kv_len = skv;
  n.attn.head_dim = m.qk_dim();
  n.attn.v_dim = m.v_dim();
  n.attn.causal = !decode;
  n.attn.backward = backward;
  n.attn.dtype = act_dt;
  return push(std::move(n), deps, true);
}

NodeIndex StageBuilder::vec(std::string name, const char* cls, double bytes, double flops, std::initializer_list<NodeIndex> deps,
                            std::optional<DType> dtype) {
  Node n;
  n.name = std::move(name);
  n.kind = NodeKind::Vector;
  n.vec.op_class = cls;
  n.vec.bytes = Bytes(bytes);
  n.vec.flops = Flops(flops);
  n.vec.dtype = dtype.value_or(act_dt);
  return push(std::move(n), deps, true);
}

NodeIndex StageBuilder::coll(std::string name, CollKind k, double bytes, int gs, std::initializer_list<NodeIndex> deps) {
  Node n;
  n.name = std::move(name);
  n.kind = NodeKind::Collective;
  n.stream = StreamKind::Comm;
  n.coll.kind = k;
  n.coll.bytes = Bytes(bytes);
  n.coll.group_set = gs;
  return push(std::move(n), deps, false);
}

NodeIndex StageBuilder::p2p(std::string name, bool send, RankId offset, std::int64_t tag, double bytes, std::initializer_list<NodeIndex> deps) {
  Node n;
  n.name = std::move(name);
  n.kind = send ? NodeKind::Send : NodeKind::Recv;
  // parallel.p2p blocking: a send occupies the compute stream until delivered, and the next compute
  // op waits for it (push with compute = true chains it after the last compute op).
  const bool blocking = send && P.p2p == "blocking";
  n.stream = blocking ? StreamKind::Compute : StreamKind::Comm;
  n.p2p.peer = -1;
  n.p2p.offset = offset;
  n.p2p.tag = tag;
  n.p2p.bytes = Bytes(bytes);
  return push(std::move(n), deps, blocking);
}

double StageBuilder::layer_dense_params_loc(std::int64_t l) const {
  if (!m.layer_is_moe(l)) return m.layer_params(l) / P.tp;
  return (m.attention_params() + 2.0 * h() + double(m.moe.shared_experts) * m.expert_params()) / P.tp +
         h() * m.moe.experts;
}

double StageBuilder::layer_expert_params_loc(std::int64_t l) const {
  return m.layer_is_moe(l) ? double(m.moe.experts) * m.expert_params() / P.ep : 0.0;
}

std::int64_t StageBuilder::tokens_per_expert() const {
  const double t = double(moe_tokens()) * m.moe.top_k * P.ep / double(m.moe.experts);
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(t)));
}

std::string StageBuilder::nm(char phase, std::int64_t mb, std::int64_t l, const char* op) {
  char buf[48];
  char* p = buf;
  *p++ = phase;
  p = std::to_chars(p, buf + 22, mb).ptr;
  *p++ = '.';
  p = std::to_chars(p, buf + 44, l).ptr;
  *p++ = '.';
  std::string out(buf, p);
  out += op;
  return out;
}

NodeIndex StageBuilder::tp_enter_fwd(char ph, std::int64_t mb, std::int64_t l, const char* op, NodeIndex x) {
  if (g_tp < 0 || !P.sp) return x;
  return coll(nm(ph, mb, l, op), CollKind::AllGather, act_bytes(), g_tp, {x});
}

NodeIndex StageBuilder::tp_exit_fwd(char ph, std::int64_t mb, std::int64_t l, const char* op, NodeIndex x) {
  if (g_tp < 0) return x;
  return coll(nm(ph, mb, l, op), P.sp ? CollKind::ReduceScatter : CollKind::AllReduce, act_bytes(), g_tp, {x});
}

NodeIndex StageBuilder::tp_enter_bwd(std::int64_t mb, std::int64_t l, const char* op, NodeIndex x) {
  if (g_tp < 0) return x;
  return coll(nm('b', mb, l, op), P.sp ? CollKind::ReduceScatter : CollKind::AllReduce, act_bytes(), g_tp, {x});
}

NodeIndex StageBuilder::tp_exit_bwd(std::int64_t mb, std::int64_t l, const char* op, NodeIndex x) {
  if (g_tp < 0 || !P.sp) return x;
  return coll(nm('b', mb, l, op), CollKind::AllGather, act_bytes(), g_tp, {x});
}

std::string StageBuilder::nmc(char phase, std::int64_t mb, std::int64_t l, const char* op, int i) {
  return nm(phase, mb, l, op) + ".c" + std::to_string(i);
}

NodeIndex StageBuilder::ag_gemm(char ph, std::int64_t mb, std::int64_t l, const char* cname, const char* gname, std::int64_t nn, std::int64_t kk, NodeIndex x) {
  if (tp_chunks <= 1) return gemm(nm(ph, mb, l, gname), T, nn, kk, 1, {tp_enter_fwd(ph, mb, l, cname, x)});
  NodeIndex prev = kNone, g = kNone;
  for (int i = 0; i < tp_chunks; ++i) {
    prev = coll(nmc(ph, mb, l, cname, i), CollKind::AllGather, chunk_bytes(i), g_tp, {x, prev});
    g = gemm(nmc(ph, mb, l, gname, i), chunk_rows(i), nn, kk, 1, {prev});
  }
  return g;
}

NodeIndex StageBuilder::gemm_rs(char ph, std::int64_t mb, std::int64_t l, const char* gname, const char* cname, std::int64_t nn, std::int64_t kk, NodeIndex x) {
  if (tp_chunks <= 1) return tp_exit_fwd(ph, mb, l, cname, gemm(nm(ph, mb, l, gname), T, nn, kk, 1, {x}));
  NodeIndex prev = kNone;
  for (int i = 0; i < tp_chunks; ++i) {
    NodeIndex g = gemm(nmc(ph, mb, l, gname, i), chunk_rows(i), nn, kk, 1, {x});
    prev = coll(nmc(ph, mb, l, cname, i), CollKind::ReduceScatter, chunk_bytes(i), g_tp, {g, prev});
  }
  return prev;
}

NodeIndex StageBuilder::ag_wbwd(std::int64_t mb, std::int64_t l, const char* cname, const char* dg, const char* wg, std::int64_t k, std::int64_t n, NodeIndex x) {
  if (tp_chunks <= 1) return wbwd(mb, l, dg, wg, T, k, n, 1, tp_exit_bwd(mb, l, cname, x));
  NodeIndex prev = kNone, d = kNone;
  for (int i = 0; i < tp_chunks; ++i) {
    prev = coll(nmc('b', mb, l, cname, i), CollKind::AllGather, chunk_bytes(i), g_tp, {x, prev});
    d = gemm(nmc('b', mb, l, dg, i), chunk_rows(i), k, n, 1, {prev});
  }
  gemm(nm('b', mb, l, wg), k, n, T, 1, {prev}, Precision::WeightGrad);
  return d;
}

NodeIndex StageBuilder::wbwd_rs(std::int64_t mb, std::int64_t l, const char* dg, const char* wg, const char* cname, std::int64_t k, std::int64_t n, NodeIndex x) {
  if (tp_chunks <= 1) return tp_enter_bwd(mb, l, cname, wbwd(mb, l, dg, wg, T, k, n, 1, x));
  NodeIndex prev = kNone;
  for (int i = 0; i < tp_chunks; ++i) {
    NodeIndex d = gemm(nmc('b', mb, l, dg, i), chunk_rows(i), k, n, 1, {x});
    prev = coll(nmc('b', mb, l, cname, i), CollKind::ReduceScatter, chunk_bytes(i), g_tp, {d, prev});
  }
  gemm(nm('b', mb, l, wg), k, n, T, 1, {x}, Precision::WeightGrad);
  return prev;
}

NodeIndex StageBuilder::dropout_fwd(char ph, std::int64_t mb, std::int64_t l, const char* op, double elems, NodeIndex x) {
  if (!dropout) return x;
  return vec(nm(ph, mb, l, op), "unary", elems * (2.0 * eb + 1.0), 2.0 * elems, {x});
}

NodeIndex StageBuilder::dropout_bwd(std::int64_t mb, std::int64_t l, const char* op, double elems, NodeIndex x) {
  if (!dropout) return x;
  return vec(nm('b', mb, l, op), "elementwise", elems * (2.0 * eb + 1.0), elems, {x});
}

NodeIndex StageBuilder::attn_core_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x) {
  if (fused_attention) return attention(nm(ph, mb, l, "attn"), false, {x});
  const std::int64_t batch = b * kv_loc, mq = group * sq;
  NodeIndex sc = gemm(nm(ph, mb, l, "score"), mq, skv, qk_k(), batch, {x}, Precision::Activation);
  const double elems = double(b) * heads_loc * sq * skv;
  NodeIndex sm = vec(nm(ph, mb, l, "softmax"), "softmax", 2.0 * elems * eb, 5.0 * elems, {sc});
  sm = dropout_fwd(ph, mb, l, "attn_drop", elems, sm);  // attention-probability dropout (fused: in-kernel)
  return gemm(nm(ph, mb, l, "ctx"), mq, v_n(), skv, batch, {sm}, Precision::Activation);
}

NodeIndex StageBuilder::qkv_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x) {
  if (!m.is_mla()) {
    const std::int64_t n = (m.heads * m.hd() + 2 * m.kv() * m.hd()) / P.tp;
    return gemm(nm(ph, mb, l, "qkv"), T, n, m.hidden, 1, {x});
  }
  const auto& a = m.mla;
  NodeIndex q = x;
  if (a.q_lora_rank > 0) {
    q = gemm(nm(ph, mb, l, "q_down"), T, a.q_lora_rank, m.hidden, 1, {x});
    q = gemm(nm(ph, mb, l, "q_up"), T, m.heads * m.qk_dim() / P.tp, a.q_lora_rank, 1, {q});
  } else {
    q = gemm(nm(ph, mb, l, "q"), T, m.heads * m.qk_dim() / P.tp, m.hidden, 1, {x});
  }
  NodeIndex kv = gemm(nm(ph, mb, l, "kv_down"), T, a.kv_lora_rank + a.qk_rope_head_dim, m.hidden, 1, {x});
  return gemm(nm(ph, mb, l, "kv_up"), T, m.heads * (a.qk_nope_head_dim + a.v_head_dim) / P.tp, a.kv_lora_rank, 1,
              {kv, q});
}

std::vector<std::pair<std::int64_t, std::int64_t>> StageBuilder::qkv_shapes() const {
  if (!m.is_mla()) return {{m.hidden, (m.heads * m.hd() + 2 * m.kv() * m.hd()) / P.tp}};
  const auto& a = m.mla;
  std::vector<std::pair<std::int64_t, std::int64_t>> v;
  if (a.q_lora_rank > 0) {
    v.push_back({m.hidden, a.q_lora_rank});
    v.push_back({a.q_lora_rank, m.heads * m.qk_dim() / P.tp});
  } else {
    v.push_back({m.hidden, m.heads * m.qk_dim() / P.tp});
  }
  v.push_back({m.hidden, a.kv_lora_rank + a.qk_rope_head_dim});
  v.push_back({a.kv_lora_rank, m.heads * (a.qk_nope_head_dim + a.v_head_dim) / P.tp});
  return v;
}

double StageBuilder::kv_gather_bytes() const {
  // K and V of the whole sequence on this TP rank (CP all-gather output).
  const double kw = m.is_mla() ? double(heads_loc) * (m.qk_dim() + m.v_dim()) : double(kv_loc) * (m.qk_dim() + m.v_dim());
  return double(b) * double(skv) * kw * eb;
}

NodeIndex StageBuilder::mlp_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x) {
  const std::int64_t f = ffn_loc();
  NodeIndex a = ag_gemm(ph, mb, l, "ag2", "fc1", fc1_n(f), m.hidden, x);
  NodeIndex act = vec(nm(ph, mb, l, "act"), m.gated_ffn ? "silu" : "gelu", double(T) * f * eb * (m.gated_ffn ? 3 : 2),
                      8.0 * double(T) * f, {a});
  return gemm_rs(ph, mb, l, "fc2", "ar2", m.hidden, f, act);
}

NodeIndex StageBuilder::moe_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x) {
  const auto& e = m.moe;
  NodeIndex r = gemm(nm(ph, mb, l, "router"), T, e.experts, m.hidden, 1, {x}, Precision::Activation);
  NodeIndex sh = r;
  if (e.shared_experts > 0) {
    const std::int64_t f = e.shared_experts * e.expert_ffn / P.tp;
    NodeIndex a = gemm(nm(ph, mb, l, "sh_fc1"), T, fc1_n(f), m.hidden, 1, {x});
    NodeIndex act = vec(nm(ph, mb, l, "sh_act"), "silu", double(T) * f * eb * (m.gated_ffn ? 3 : 2), 8.0 * double(T) * f, {a});
    sh = gemm(nm(ph, mb, l, "sh_fc2"), T, m.hidden, f, 1, {act});
  }
  const double a2a = double(moe_tokens()) * e.top_k * h() * eb;
  NodeIndex d = r;
  if (g_ep >= 0) d = coll(nm(ph, mb, l, "dispatch"), CollKind::AllToAll, a2a, g_ep, {r});
  const std::int64_t eloc = e.experts / P.ep, te = tokens_per_expert();
  NodeIndex a = gemm(nm(ph, mb, l, "ex_fc1"), te, fc1_n(e.expert_ffn), m.hidden, eloc, {d, sh});
  NodeIndex act = vec(nm(ph, mb, l, "ex_act"), "silu", double(te * eloc) * e.expert_ffn * eb * (m.gated_ffn ? 3 : 2),
                      8.0 * double(te * eloc) * e.expert_ffn, {a});
  NodeIndex o = gemm(nm(ph, mb, l, "ex_fc2"), te, m.hidden, e.expert_ffn, eloc, {act});
  if (g_ep >= 0) o = coll(nm(ph, mb, l, "combine"), CollKind::AllToAll, a2a, g_ep, {o});
  return o;
}

NodeIndex StageBuilder::layer_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x) {
  if (P.zero >= 3 && g_dp >= 0 && training) {
    // Gather this layer's parameters, prefetched while the previous layer computes.
    NodeIndex ag = coll(nm(ph, mb, l, "z3_ag"), CollKind::AllGather, layer_dense_params_loc(l) * eb, g_dp, {zero3_anchor});
    zero3_anchor = last_compute;
    NodeIndex ln = vec(nm(ph, mb, l, "ln1"), "layernorm", 2.0 * act_bytes_sp(), 8.0 * double(T) * h() / (P.sp ? P.tp : 1), {x, ag});
    return layer_fwd_rest(ph, mb, l, ln);
  }
  if (overlap_gather() && ph == 'f' && param_gathered.insert(l).second) {
    // This layer's parameters, gathered ahead of its first forward while the layer before computes.
    NodeIndex ag = coll(nm('g', 0, l, "dp_param_ag"), CollKind::AllGather, layer_dense_params_loc(l) * eb, g_dp, {param_anchor});
    param_anchor = last_compute;
    NodeIndex ln = vec(nm(ph, mb, l, "ln1"), "layernorm", 2.0 * act_bytes_sp(), 8.0 * double(T) * h() / (P.sp ? P.tp : 1), {x, ag});
    return layer_fwd_rest(ph, mb, l, ln);
  }
  NodeIndex ln = vec(nm(ph, mb, l, "ln1"), "layernorm", 2.0 * act_bytes_sp(), 8.0 * double(T) * h() / (P.sp ? P.tp : 1), {x});
  return layer_fwd_rest(ph, mb, l, ln);
}

NodeIndex StageBuilder::layer_fwd_rest(char ph, std::int64_t mb, std::int64_t l, NodeIndex ln) {
  NodeIndex q;
  if (!m.is_mla()) {
    q = ag_gemm(ph, mb, l, "ag1", "qkv", (m.heads * m.hd() + 2 * m.kv() * m.hd()) / P.tp, m.hidden, ln);
  } else {
    q = qkv_fwd(ph, mb, l, tp_enter_fwd(ph, mb, l, "ag1", ln));
  }
  if (g_cp >= 0) q = coll(nm(ph, mb, l, "cp_ag"), CollKind::AllGather, kv_gather_bytes(), g_cp, {q});
  NodeIndex c = attn_core_fwd(ph, mb, l, q);
  NodeIndex o = gemm_rs(ph, mb, l, "proj", "ar1", m.hidden, heads_loc * m.v_dim(), c);
  o = dropout_fwd(ph, mb, l, "drop1", hidden_elems(), o);
  NodeIndex ln2 = vec(nm(ph, mb, l, "ln2"), "layernorm", 3.0 * act_bytes_sp(), 9.0 * double(T) * h() / (P.sp ? P.tp : 1), {o});
  NodeIndex y;
  if (m.layer_is_moe(l)) {
    y = moe_fwd(ph, mb, l, tp_enter_fwd(ph, mb, l, "ag2", ln2));
    y = tp_exit_fwd(ph, mb, l, "ar2", y);
  } else {
    y = mlp_fwd(ph, mb, l, ln2);
  }
  y = dropout_fwd(ph, mb, l, "drop2", hidden_elems(), y);
  return vec(nm(ph, mb, l, "res"), "elementwise", 3.0 * act_bytes_sp(), double(T) * h() / (P.sp ? P.tp : 1), {y});
}

NodeIndex StageBuilder::wbwd(std::int64_t mb, std::int64_t l, const char* dg, const char* wg, std::int64_t mm, std::int64_t k, std::int64_t n, std::int64_t batch, NodeIndex x, NodeIndex* wgrad,
                             bool activation_precision) {
  NodeIndex d = gemm(nm('b', mb, l, dg), mm, k, n, batch, {x}, activation_precision ? Precision::Activation : Precision::Matmul);
  NodeIndex w = gemm(nm('b', mb, l, wg), k, n, mm, batch, {x}, activation_precision ? Precision::Activation : Precision::WeightGrad);
  if (wgrad) *wgrad = w;
  return d;
}

NodeIndex StageBuilder::layer_bwd(std::int64_t mb, std::int64_t l, NodeIndex g) {
  NodeIndex z3 = kNone;
  if (P.zero >= 3 && g_dp >= 0) {
    z3 = coll(nm('b', mb, l, "z3_ag"), CollKind::AllGather, layer_dense_params_loc(l) * eb, g_dp, {zero3_anchor});
    zero3_anchor = last_compute;
  }
  if (s.training.recompute == "full") {
    g = layer_fwd_rest('r', mb, l, vec(nm('r', mb, l, "ln1"), "layernorm", 2.0 * act_bytes_sp(), 8.0 * double(T) * h() / (P.sp ? P.tp : 1), {g, z3}));
  } else if (s.training.recomputes("core_attn")) {
    g = attn_core_fwd('r', mb, l, g);
  }
  // MLP / MoE: residual and dropout (on the sequence shard with SP), then the MLP.
  NodeIndex x = vec(nm('b', mb, l, "res"), "elementwise", 3.0 * act_bytes_sp(), double(T) * h() / (P.sp ? P.tp : 1), {g, z3});
  x = dropout_bwd(mb, l, "drop2", hidden_elems(), x);
  if (s.training.recomputes("layernorm"))  // the MLP input (norm-2 output) was not stored
    vec(nm('r', mb, l, "ln2"), "layernorm", 2.0 * act_bytes_sp(), 8.0 * double(T) * h() / (P.sp ? P.tp : 1), {x});
  if (m.layer_is_moe(l)) {
    x = tp_exit_bwd(mb, l, "ag2", x);
    const auto& e = m.moe;
    const double a2a = double(moe_tokens()) * e.top_k * h() * eb;
    const std::int64_t eloc = e.experts / P.ep, te = tokens_per_expert();
    NodeIndex y = x;
    if (g_ep >= 0) y = coll(nm('b', mb, l, "combine"), CollKind::AllToAll, a2a, g_ep, {y});
    if (s.training.recomputes("moe_act"))  // the expert fc2 input was not stored
      vec(nm('r', mb, l, "ex_act"), "silu", double(te * eloc) * e.expert_ffn * eb * (m.gated_ffn ? 3 : 2),
          8.0 * double(te * eloc) * e.expert_ffn, {y});
    y = wbwd(mb, l, "ex_fc2_dg", "ex_fc2_wg", te, e.expert_ffn, m.hidden, eloc, y);
    y = vec(nm('b', mb, l, "ex_act"), "silu", double(te * eloc) * e.expert_ffn * eb * (m.gated_ffn ? 4 : 3),
            12.0 * double(te * eloc) * e.expert_ffn, {y});
    y = wbwd(mb, l, "ex_fc1_dg", "ex_fc1_wg", te, m.hidden, fc1_n(e.expert_ffn), eloc, y);
    if (g_ep >= 0) y = coll(nm('b', mb, l, "dispatch"), CollKind::AllToAll, a2a, g_ep, {y});
    if (e.shared_experts > 0) {
      const std::int64_t f = e.shared_experts * e.expert_ffn / P.tp;
      NodeIndex z = wbwd(mb, l, "sh_fc2_dg", "sh_fc2_wg", T, f, m.hidden, 1, x);
      z = vec(nm('b', mb, l, "sh_act"), "silu", double(T) * f * eb * (m.gated_ffn ? 4 : 3), 12.0 * double(T) * f, {z});
      y = wbwd(mb, l, "sh_fc1_dg", "sh_fc1_wg", T, m.hidden, fc1_n(f), 1, z);
    }
    x = wbwd(mb, l, "router_dg", "router_wg", T, m.hidden, e.experts, 1, y, nullptr, true);
    x = tp_enter_bwd(mb, l, "ar2", x);
  } else {
    const std::int64_t f = ffn_loc();
    NodeIndex y = ag_wbwd(mb, l, "ag2", "fc2_dg", "fc2_wg", f, m.hidden, x);
    y = vec(nm('b', mb, l, "act"), m.gated_ffn ? "silu" : "gelu", double(T) * f * eb * (m.gated_ffn ? 4 : 3),
            12.0 * double(T) * f, {y});
    x = wbwd_rs(mb, l, "fc1_dg", "fc1_wg", "ar2", m.hidden, fc1_n(f), y);
  }
  x = vec(nm('b', mb, l, "ln2"), "layernorm", 4.0 * act_bytes_sp(), 12.0 * double(T) * h() / (P.sp ? P.tp : 1), {x});
  // Attention.
  x = dropout_bwd(mb, l, "drop1", hidden_elems(), x);
  x = ag_wbwd(mb, l, "ag1", "proj_dg", "proj_wg", heads_loc * m.v_dim(), m.hidden, x);
  if (m.is_mla() && s.training.recomputes("mla_up_proj")) {  // Q, K, V were not stored: rebuild them
    const auto& a = m.mla;
    if (a.q_lora_rank > 0) gemm(nm('r', mb, l, "q_up"), T, m.heads * m.qk_dim() / P.tp, a.q_lora_rank, 1, {x});
    gemm(nm('r', mb, l, "kv_up"), T, m.heads * (a.qk_nope_head_dim + a.v_head_dim) / P.tp, a.kv_lora_rank, 1, {x});
  }
  const std::int64_t batch = b * kv_loc, mq = group * sq;
  NodeIndex dq = kNone;
  if (fused_attention) {
    dq = attention(nm('b', mb, l, "attn"), true, {x});
  } else {
    NodeIndex dp_ = gemm(nm('b', mb, l, "ctx_dp"), mq, skv, m.v_dim(), batch, {x}, Precision::Activation);      // dP = dO V^T
    gemm(nm('b', mb, l, "ctx_dv"), skv, m.v_dim(), mq, batch, {x}, Precision::Activation);                     // dV = P^T dO
    const double elems = double(b) * heads_loc * sq * skv;
    dp_ = dropout_bwd(mb, l, "attn_drop", elems, dp_);
    NodeIndex sm = vec(nm('b', mb, l, "softmax"), "softmax", 3.0 * elems * eb, 6.0 * elems, {dp_});
    dq = gemm(nm('b', mb, l, "score_dq"), mq, m.qk_dim(), skv, batch, {sm}, Precision::Activation);    // dQ = dS K
    gemm(nm('b', mb, l, "score_dk"), skv, m.qk_dim(), mq, batch, {sm}, Precision::Activation);        // dK = dS^T Q
  }
  NodeIndex y = last_compute;
  if (g_cp >= 0) y = coll(nm('b', mb, l, "cp_rs"), CollKind::ReduceScatter, kv_gather_bytes(), g_cp, {y});
  (void)dq;
  if (s.training.recomputes("layernorm"))  // the QKV input (norm-1 output) was not stored
    vec(nm('r', mb, l, "ln1"), "layernorm", 2.0 * act_bytes_sp(), 8.0 * double(T) * h() / (P.sp ? P.tp : 1), {y});
  auto shapes = qkv_shapes();
  if (shapes.size() == 1) {
    y = wbwd_rs(mb, l, "qkv_dg", "qkv_wg", "ar1", shapes[0].first, shapes[0].second, y);
  } else {
    for (size_t i = shapes.size(); i-- > 0;) {
      static const char* dgn[] = {"qkv0_dg", "qkv1_dg", "qkv2_dg", "qkv3_dg"};
      static const char* wgn[] = {"qkv0_wg", "qkv1_wg", "qkv2_wg", "qkv3_wg"};
      y = wbwd(mb, l, dgn[i], wgn[i], T, shapes[i].first, shapes[i].second, 1, y);
    }
    y = tp_enter_bwd(mb, l, "ar1", y);
  }
  NodeIndex out = vec(nm('b', mb, l, "ln1"), "layernorm", 4.0 * act_bytes_sp(), 12.0 * double(T) * h() / (P.sp ? P.tp : 1), {y});
  if (P.zero >= 3 && g_dp >= 0)
    coll(nm('b', mb, l, "z3_rs"), CollKind::ReduceScatter, layer_dense_params_loc(l) * gb, g_dp, {last_compute});
  return out;
}

NodeIndex StageBuilder::embed_fwd(std::int64_t mb) {
  NodeIndex e = vec(nm('f', mb, -1, "embed"), "gather", act_bytes() * 2.0, 0.0, {});
  if (g_tp < 0) return e;
  return coll(nm('f', mb, -1, "embed_ar"), P.sp ? CollKind::ReduceScatter : CollKind::AllReduce, act_bytes(), g_tp, {e});
}

// The loss (docs/workloads.md, "Loss"), over E = T x V/tp logits. "fused": one softmax-class op on the
// 16-bit logits (its three passes over rows longer than L1 make ~8 B of traffic per logit) forward
// and one backward. "fp32": Megatron-Core's vocab-parallel cross entropy
// (megatron/core/tensor_parallel/cross_entropy.py), which casts the logits to FP32 and runs separate
// kernels: forward = cast (unary, FP32), row max / exp-sum / normalise (softmax class, FP32), and the
// in-place subtract-max and exp (two unary FP32 passes), about 40 B per logit; backward = the saved
// softmax scaled in place by the incoming gradient and cast back (two unary FP32 passes), 16 B.
NodeIndex StageBuilder::head_fwd(std::int64_t mb, NodeIndex x) {
  NodeIndex ln = vec(nm('f', mb, -1, "final_ln"), "layernorm", 2.0 * act_bytes_sp(), 8.0 * double(T) * h(), {x});
  ln = tp_enter_fwd('f', mb, -1, "head_ag", ln);
  NodeIndex lg = gemm(nm('f', mb, -1, "lm_head"), T, V / P.tp, m.hidden, 1, {ln}, Precision::Activation);
  if (!training) return lg;
  const double E = double(T) * double(V / P.tp);
  if (s.training.cross_entropy == "fused") return vec(nm('f', mb, -1, "loss"), "softmax", E * 4.0, 5.0 * E, {lg});
  NodeIndex c = vec(nm('f', mb, -1, "loss_cast"), "unary", E * 8.0, E, {lg}, DType::FP32);
  c = vec(nm('f', mb, -1, "loss"), "softmax", E * 8.0, 5.0 * E, {c}, DType::FP32);
  return vec(nm('f', mb, -1, "loss_inplace"), "unary", E * 16.0, 2.0 * E, {c}, DType::FP32);
}

NodeIndex StageBuilder::head_bwd(std::int64_t mb, NodeIndex x, NodeIndex* wg) {
  const double E = double(T) * double(V / P.tp);
  NodeIndex d = s.training.cross_entropy == "fused"
                    ? vec(nm('b', mb, -1, "loss"), "softmax", E * 4.0, 3.0 * E, {x})
                    : vec(nm('b', mb, -1, "loss"), "unary", E * 16.0, 2.0 * E, {x}, DType::FP32);
  d = wbwd(mb, -1, "lm_head_dg", "lm_head_wg", T, m.hidden, V / P.tp, 1, d, wg, true);
  d = tp_enter_bwd(mb, -1, "head_ar", d);
  return vec(nm('b', mb, -1, "final_ln"), "layernorm", 4.0 * act_bytes_sp(), 12.0 * double(T) * h(), {d});
}

void StageBuilder::dp_reduce(std::int64_t l, std::vector<NodeIndex>& reductions, std::vector<std::int64_t>& reduced_layers) {
  if (P.zero >= 3) return;  // reduced every micro-batch in layer_bwd
  const double dense = l >= 0 ? layer_dense_params_loc(l) : double(V) * h() / P.tp;
  const double expert = l >= 0 ? layer_expert_params_loc(l) : 0.0;
  const CollKind k = P.zero >= 1 ? CollKind::ReduceScatter : CollKind::AllReduce;
  if (!P.overlap_grad_reduce) {  // collected into one reduction after the backward (flush_dp_reduce)
    pending_dense += dense;
    pending_expert += expert;
    reduced_layers.push_back(l);
    return;
  }
  if (g_dp >= 0) reductions.push_back(coll(nm('g', 0, l, "dp_grad"), k, dense * gb, g_dp, {last_compute}));
  if (expert > 0 && g_edp >= 0)
    reductions.push_back(coll(nm('g', 0, l, "edp_grad"), k, expert * gb, g_edp, {last_compute}));
  reduced_layers.push_back(l);
}

void StageBuilder::flush_dp_reduce(std::vector<NodeIndex>& reductions) {
  const CollKind k = P.zero >= 1 ? CollKind::ReduceScatter : CollKind::AllReduce;
  if (pending_dense > 0 && g_dp >= 0) reductions.push_back(coll("dp_grad", k, pending_dense * gb, g_dp, {last_compute}));
  if (pending_expert > 0 && g_edp >= 0) reductions.push_back(coll("edp_grad", k, pending_expert * gb, g_edp, {last_compute}));
  pending_dense = pending_expert = 0;
}

}  // namespace xpu::wl::gen::detail
