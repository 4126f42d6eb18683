// Transformer generator. Model and contract: transformer.h; shapes of every matmul are written out
// below next to the code that emits them (forward C[m,n] = A[m,k] B[k,n]; backward data gradient
// dA = dC B^T: (m, k, n) -> (m, n, k); weight gradient dB = A^T dC: (k, n, m)).
#include "sim/workload/generator/transformer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

#include "sim/workload/generator/flops.h"
#include "sim/workload/generator/footprint.h"

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

namespace {

constexpr NodeIndex kNone = ~NodeIndex(0);

struct Dims {
  int tp, cp, ep, dpx, pp;
  RankId rank(int t, int c, int e, int x, int p) const { return t + tp * (c + cp * (e + ep * (x + dpx * p))); }
};

// A group set over the ranks that differ only in the dimensions flagged in `vary` (t, c, e, x, p).
GroupSet make_groups(const std::string& name, const Dims& d, bool vt, bool vc, bool ve, bool vx) {
  GroupSet gs;
  gs.name = name;
  std::vector<int> key_index;
  const int sz[5] = {d.tp, d.cp, d.ep, d.dpx, d.pp};
  const bool vary[5] = {vt, vc, ve, vx, false};
  std::vector<std::vector<RankId>> groups;
  // Enumerate keys in rank order of their first member.
  std::vector<int> first_of_key;
  std::vector<int> key_of_rank;
  const RankId n = d.tp * d.cp * d.ep * d.dpx * d.pp;
  std::vector<int> key_id;
  std::vector<long> keys;
  std::vector<std::vector<RankId>> g;
  std::vector<long> seen_keys;
  std::vector<int> map_key;  // dense: key value -> group index
  long key_space = 1;
  for (int i = 0; i < 5; ++i)
    if (!vary[i]) key_space *= sz[i];
  map_key.assign(static_cast<size_t>(key_space), -1);
  for (RankId r = 0; r < n; ++r) {
    int c[5];
    RankId x = r;
    for (int i = 0; i < 5; ++i) { c[i] = static_cast<int>(x % sz[i]); x /= sz[i]; }
    long key = 0;
    for (int i = 4; i >= 0; --i)
      if (!vary[i]) key = key * sz[i] + c[i];
    int& gi = map_key[static_cast<size_t>(key)];
    if (gi < 0) { gi = static_cast<int>(g.size()); g.emplace_back(); }
    g[static_cast<size_t>(gi)].push_back(r);
  }
  gs.groups = std::move(g);
  return gs;
}

struct Gen {
  const ScenarioSpec& s;
  const ModelSpec& m;
  const ParallelSpec& P;
  DType dt = DType::BF16;
  double eb = 2;       // bytes per activation/weight element
  double gb = 2;       // gradient bytes per parameter
  int vpp = 1, C = 1;
  std::vector<ChunkLayers> chunks;
  std::int64_t V = 0, M = 1;
  std::int64_t b = 1;       // sequences per micro-batch
  std::int64_t sq = 1;      // query tokens per sequence on this rank (s / cp; 1 when decoding)
  std::int64_t skv = 1;     // key/value length the queries attend to
  std::int64_t T = 1;       // tokens per micro-batch on this rank = b * sq
  std::int64_t heads_loc = 1, kv_loc = 1, group = 1;
  bool decode = false, training = true;
  bool fused_attention = false;  // emit one Attention node per attention core (FlashAttention)
  bool dropout = false;          // training with dropout probability > 0
  int tp_chunks = 1;             // > 1: TP collectives and their GEMMs split into chunks (tp_comm_overlap)
  RankId stride = 1;
  int g_tp = -1, g_cp = -1, g_dp = -1, g_ep = -1, g_edp = -1;
  int dp_shards = 1, edp_shards = 1;

  // Per program under construction.
  ProgramBuilder* prog = nullptr;
  NodeIndex last_compute = kNone;
  NodeIndex zero3_anchor = kNone;
  // overlap_param_gather: layers whose parameter all-gather this stage has issued, and the compute op
  // the next gather waits for (one layer of prefetch, as the ZeRO-3 gathers).
  std::set<std::int64_t> param_gathered;
  NodeIndex param_anchor = kNone;
  bool overlap_gather() const { return P.zero >= 1 && P.zero <= 2 && P.overlap_param_gather && g_dp >= 0 && training; }
  // Gradient bytes waiting for the single post-backward reduction (overlap_grad_reduce: false).
  double pending_dense = 0, pending_expert = 0;

  explicit Gen(const ScenarioSpec& sc) : s(sc), m(sc.model), P(sc.parallel) {}

  // ---- node emission ----
  NodeIndex push(Node&& n, std::initializer_list<NodeIndex> deps, bool compute) {
    for (NodeIndex d : deps)
      if (d != kNone && std::find(n.deps.begin(), n.deps.end(), d) == n.deps.end()) n.deps.push_back(d);
    if (compute && last_compute != kNone && std::find(n.deps.begin(), n.deps.end(), last_compute) == n.deps.end())
      n.deps.push_back(last_compute);
    NodeIndex i = prog->push(std::move(n));
    if (compute) last_compute = i;
    return i;
  }
  NodeIndex gemm(std::string name, std::int64_t mm, std::int64_t nn, std::int64_t kk, std::int64_t batch,
                 std::initializer_list<NodeIndex> deps) {
    Node n;
    n.name = std::move(name);
    n.kind = NodeKind::Gemm;
    n.gemm.m = std::max<std::int64_t>(1, mm);
    n.gemm.n = std::max<std::int64_t>(1, nn);
    n.gemm.k = std::max<std::int64_t>(1, kk);
    n.gemm.batch = std::max<std::int64_t>(1, batch);
    n.gemm.dtype = dt;
    return push(std::move(n), deps, true);
  }
  NodeIndex attention(std::string name, bool backward, std::initializer_list<NodeIndex> deps) {
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
    n.attn.dtype = dt;
    return push(std::move(n), deps, true);
  }
  NodeIndex vec(std::string name, const char* cls, double bytes, double flops, std::initializer_list<NodeIndex> deps) {
    Node n;
    n.name = std::move(name);
    n.kind = NodeKind::Vector;
    n.vec.op_class = cls;
    n.vec.bytes = Bytes(bytes);
    n.vec.flops = Flops(flops);
    n.vec.dtype = dt;
    return push(std::move(n), deps, true);
  }
  NodeIndex coll(std::string name, CollKind k, double bytes, int gs, std::initializer_list<NodeIndex> deps) {
    Node n;
    n.name = std::move(name);
    n.kind = NodeKind::Collective;
    n.stream = StreamKind::Comm;
    n.coll.kind = k;
    n.coll.bytes = Bytes(bytes);
    n.coll.group_set = gs;
    return push(std::move(n), deps, false);
  }
  NodeIndex p2p(std::string name, bool send, RankId offset, std::int64_t tag, double bytes,
                std::initializer_list<NodeIndex> deps) {
    Node n;
    n.name = std::move(name);
    n.kind = send ? NodeKind::Send : NodeKind::Recv;
    n.stream = StreamKind::Comm;
    n.p2p.peer = -1;
    n.p2p.offset = offset;
    n.p2p.tag = tag;
    n.p2p.bytes = Bytes(bytes);
    return push(std::move(n), deps, false);
  }

  // ---- per-layer quantities ----
  double h() const { return double(m.hidden); }
  int tp() const { return P.tp; }
  std::int64_t ffn_loc() const { return m.ffn / P.tp; }
  std::int64_t fc1_n(std::int64_t f) const { return f * (m.gated_ffn ? 2 : 1); }
  double layer_dense_params_loc(std::int64_t l) const {
    if (!m.layer_is_moe(l)) return m.layer_params(l) / P.tp;
    return (m.attention_params() + 2.0 * h() + double(m.moe.shared_experts) * m.expert_params()) / P.tp +
           h() * m.moe.experts;
  }
  double layer_expert_params_loc(std::int64_t l) const {
    return m.layer_is_moe(l) ? double(m.moe.experts) * m.expert_params() / P.ep : 0.0;
  }
  std::int64_t moe_tokens() const { return std::max<std::int64_t>(1, T / P.tp); }  // tokens dispatched per rank
  std::int64_t tokens_per_expert() const {
    const double t = double(moe_tokens()) * m.moe.top_k * P.ep / double(m.moe.experts);
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(t)));
  }
  double act_bytes() const { return double(T) * h() * eb; }           // one [T, h] activation
  double act_bytes_sp() const { return act_bytes() / (P.sp ? P.tp : 1); }

  // "<phase><mb>.<layer>.<op>" (ProgramBuilder::cut turns mb and layer into templates).
  static std::string nm(char phase, std::int64_t mb, std::int64_t l, const char* op) {
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

  // f operator (entry of a TP region) forward: identity, or all-gather of the sequence with SP.
  NodeIndex tp_enter_fwd(char ph, std::int64_t mb, std::int64_t l, const char* op, NodeIndex x) {
    if (g_tp < 0 || !P.sp) return x;
    return coll(nm(ph, mb, l, op), CollKind::AllGather, act_bytes(), g_tp, {x});
  }
  // g operator (exit of a TP region) forward: all-reduce, or reduce-scatter with SP.
  NodeIndex tp_exit_fwd(char ph, std::int64_t mb, std::int64_t l, const char* op, NodeIndex x) {
    if (g_tp < 0) return x;
    return coll(nm(ph, mb, l, op), P.sp ? CollKind::ReduceScatter : CollKind::AllReduce, act_bytes(), g_tp, {x});
  }
  // Backward of f: all-reduce of the input gradient (reduce-scatter with SP).
  NodeIndex tp_enter_bwd(std::int64_t mb, std::int64_t l, const char* op, NodeIndex x) {
    if (g_tp < 0) return x;
    return coll(nm('b', mb, l, op), P.sp ? CollKind::ReduceScatter : CollKind::AllReduce, act_bytes(), g_tp, {x});
  }
  // Backward of g: identity, or all-gather with SP.
  NodeIndex tp_exit_bwd(std::int64_t mb, std::int64_t l, const char* op, NodeIndex x) {
    if (g_tp < 0 || !P.sp) return x;
    return coll(nm('b', mb, l, op), CollKind::AllGather, act_bytes(), g_tp, {x});
  }

  // ---- TP communication overlap (parallel.tp_comm_overlap) ----
  // Chunk i of the token dimension: rows, and the bytes of the [rows, h] slice of a TP collective.
  std::int64_t chunk_rows(int i) const { return T / tp_chunks + (i < T % tp_chunks ? 1 : 0); }
  double chunk_bytes(int i) const { return act_bytes() * double(chunk_rows(i)) / double(T); }
  static std::string nmc(char phase, std::int64_t mb, std::int64_t l, const char* op, int i) {
    return nm(phase, mb, l, op) + ".c" + std::to_string(i);
  }
  // Forward: f operator (SP all-gather) feeding the GEMM [T, kk] x [kk, nn]. Chunked: all-gather
  // chunk i, then GEMM chunk i on it, so gather i+1 runs during GEMM i. Returns the (last) GEMM.
  NodeIndex ag_gemm(char ph, std::int64_t mb, std::int64_t l, const char* cname, const char* gname, std::int64_t nn,
                    std::int64_t kk, NodeIndex x) {
    if (tp_chunks <= 1) return gemm(nm(ph, mb, l, gname), T, nn, kk, 1, {tp_enter_fwd(ph, mb, l, cname, x)});
    NodeIndex prev = kNone, g = kNone;
    for (int i = 0; i < tp_chunks; ++i) {
      prev = coll(nmc(ph, mb, l, cname, i), CollKind::AllGather, chunk_bytes(i), g_tp, {x, prev});
      g = gemm(nmc(ph, mb, l, gname, i), chunk_rows(i), nn, kk, 1, {prev});
    }
    return g;
  }
  // Forward: GEMM [T, kk] x [kk, nn] feeding the g operator (all-reduce / SP reduce-scatter).
  // Chunked: GEMM chunk i, then its reduce-scatter, which runs during GEMM i+1. Returns the (last)
  // collective; each chunk's collective also waits for the previous one, so it implies all.
  NodeIndex gemm_rs(char ph, std::int64_t mb, std::int64_t l, const char* gname, const char* cname, std::int64_t nn,
                    std::int64_t kk, NodeIndex x) {
    if (tp_chunks <= 1) return tp_exit_fwd(ph, mb, l, cname, gemm(nm(ph, mb, l, gname), T, nn, kk, 1, {x}));
    NodeIndex prev = kNone;
    for (int i = 0; i < tp_chunks; ++i) {
      NodeIndex g = gemm(nmc(ph, mb, l, gname, i), chunk_rows(i), nn, kk, 1, {x});
      prev = coll(nmc(ph, mb, l, cname, i), CollKind::ReduceScatter, chunk_bytes(i), g_tp, {g, prev});
    }
    return prev;
  }
  // Backward of a row-parallel GEMM (forward m=T, k, n) behind the g operator: SP all-gather of the
  // output gradient, data gradient, weight gradient. Chunked: gather i overlaps data-gradient chunk
  // i-1; the weight gradient needs the whole gathered gradient. Returns the (last) data gradient.
  NodeIndex ag_wbwd(std::int64_t mb, std::int64_t l, const char* cname, const char* dg, const char* wg, std::int64_t k,
                    std::int64_t n, NodeIndex x) {
    if (tp_chunks <= 1) return wbwd(mb, l, dg, wg, T, k, n, 1, tp_exit_bwd(mb, l, cname, x));
    NodeIndex prev = kNone, d = kNone;
    for (int i = 0; i < tp_chunks; ++i) {
      prev = coll(nmc('b', mb, l, cname, i), CollKind::AllGather, chunk_bytes(i), g_tp, {x, prev});
      d = gemm(nmc('b', mb, l, dg, i), chunk_rows(i), k, n, 1, {prev});
    }
    gemm(nm('b', mb, l, wg), k, n, T, 1, {prev});
    return d;
  }
  // Backward of a column-parallel GEMM (forward m=T, k, n) behind the f operator: data gradient,
  // weight gradient, and the input-gradient all-reduce / SP reduce-scatter (which overlaps the
  // weight gradient even unchunked). Chunked: reduce-scatter i overlaps data-gradient chunk i+1.
  NodeIndex wbwd_rs(std::int64_t mb, std::int64_t l, const char* dg, const char* wg, const char* cname, std::int64_t k,
                    std::int64_t n, NodeIndex x) {
    if (tp_chunks <= 1) return tp_enter_bwd(mb, l, cname, wbwd(mb, l, dg, wg, T, k, n, 1, x));
    NodeIndex prev = kNone;
    for (int i = 0; i < tp_chunks; ++i) {
      NodeIndex d = gemm(nmc('b', mb, l, dg, i), chunk_rows(i), k, n, 1, {x});
      prev = coll(nmc('b', mb, l, cname, i), CollKind::ReduceScatter, chunk_bytes(i), g_tp, {d, prev});
    }
    gemm(nm('b', mb, l, wg), k, n, T, 1, {x});
    return prev;
  }

  // ---- dropout (training.dropout > 0) ----
  // Hidden dropout on a [T, h] activation (the sequence shard with SP): read it, write it and a
  // 1-byte mask; backward: read the gradient and the mask, write the gradient.
  double hidden_elems() const { return double(T) * h() / (P.sp ? P.tp : 1); }
  NodeIndex dropout_fwd(char ph, std::int64_t mb, std::int64_t l, const char* op, double elems, NodeIndex x) {
    if (!dropout) return x;
    return vec(nm(ph, mb, l, op), "unary", elems * (2.0 * eb + 1.0), 2.0 * elems, {x});
  }
  NodeIndex dropout_bwd(std::int64_t mb, std::int64_t l, const char* op, double elems, NodeIndex x) {
    if (!dropout) return x;
    return vec(nm('b', mb, l, op), "elementwise", elems * (2.0 * eb + 1.0), elems, {x});
  }

  // Attention core forward: scores, softmax, context. Returns the context output.
  NodeIndex attn_core_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x) {
    if (fused_attention) return attention(nm(ph, mb, l, "attn"), false, {x});
    const std::int64_t batch = b * kv_loc, mq = group * sq;
    NodeIndex sc = gemm(nm(ph, mb, l, "score"), mq, skv, qk_k(), batch, {x});
    const double elems = double(b) * heads_loc * sq * skv;
    NodeIndex sm = vec(nm(ph, mb, l, "softmax"), "softmax", 2.0 * elems * eb, 5.0 * elems, {sc});
    sm = dropout_fwd(ph, mb, l, "attn_drop", elems, sm);  // attention-probability dropout (fused: in-kernel)
    return gemm(nm(ph, mb, l, "ctx"), mq, v_n(), skv, batch, {sm});
  }
  // MLA decode uses the absorbed form: scores against the latent cache.
  std::int64_t qk_k() const { return decode && m.is_mla() ? m.mla.kv_lora_rank + m.mla.qk_rope_head_dim : m.qk_dim(); }
  std::int64_t v_n() const { return decode && m.is_mla() ? m.mla.kv_lora_rank : m.v_dim(); }

  // QKV projections forward; returns the last node.
  NodeIndex qkv_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x) {
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
  // Weight matmuls of the QKV stage as (k, n) pairs, for the backward.
  std::vector<std::pair<std::int64_t, std::int64_t>> qkv_shapes() const {
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
  double kv_gather_bytes() const {
    // K and V of the whole sequence on this TP rank (CP all-gather output).
    const double kw = m.is_mla() ? double(heads_loc) * (m.qk_dim() + m.v_dim()) : double(kv_loc) * (m.qk_dim() + m.v_dim());
    return double(b) * double(skv) * kw * eb;
  }

  // Dense MLP with its TP entry (f) and exit (g) operators: input is the norm output.
  NodeIndex mlp_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x) {
    const std::int64_t f = ffn_loc();
    NodeIndex a = ag_gemm(ph, mb, l, "ag2", "fc1", fc1_n(f), m.hidden, x);
    NodeIndex act = vec(nm(ph, mb, l, "act"), m.gated_ffn ? "silu" : "gelu", double(T) * f * eb * (m.gated_ffn ? 3 : 2),
                        8.0 * double(T) * f, {a});
    return gemm_rs(ph, mb, l, "fc2", "ar2", m.hidden, f, act);
  }
  NodeIndex moe_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x) {
    const auto& e = m.moe;
    NodeIndex r = gemm(nm(ph, mb, l, "router"), T, e.experts, m.hidden, 1, {x});
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

  NodeIndex layer_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x) {
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
  NodeIndex layer_fwd_rest(char ph, std::int64_t mb, std::int64_t l, NodeIndex ln) {
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

  // Backward of a weight matmul (forward: m=T, k, n): data gradient then weight gradient.
  NodeIndex wbwd(std::int64_t mb, std::int64_t l, const char* dg, const char* wg, std::int64_t mm, std::int64_t k,
                 std::int64_t n, std::int64_t batch, NodeIndex x, NodeIndex* wgrad = nullptr) {
    NodeIndex d = gemm(nm('b', mb, l, dg), mm, k, n, batch, {x});
    NodeIndex w = gemm(nm('b', mb, l, wg), k, n, mm, batch, {x});
    if (wgrad) *wgrad = w;
    return d;
  }

  NodeIndex layer_bwd(std::int64_t mb, std::int64_t l, NodeIndex g) {
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
      x = wbwd(mb, l, "router_dg", "router_wg", T, m.hidden, e.experts, 1, y);
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
      NodeIndex dp_ = gemm(nm('b', mb, l, "ctx_dp"), mq, skv, m.v_dim(), batch, {x});      // dP = dO V^T
      gemm(nm('b', mb, l, "ctx_dv"), skv, m.v_dim(), mq, batch, {x});                     // dV = P^T dO
      const double elems = double(b) * heads_loc * sq * skv;
      dp_ = dropout_bwd(mb, l, "attn_drop", elems, dp_);
      NodeIndex sm = vec(nm('b', mb, l, "softmax"), "softmax", 3.0 * elems * eb, 6.0 * elems, {dp_});
      dq = gemm(nm('b', mb, l, "score_dq"), mq, m.qk_dim(), skv, batch, {sm});    // dQ = dS K
      gemm(nm('b', mb, l, "score_dk"), skv, m.qk_dim(), mq, batch, {sm});        // dK = dS^T Q
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

  NodeIndex embed_fwd(std::int64_t mb) {
    NodeIndex e = vec(nm('f', mb, -1, "embed"), "gather", act_bytes() * 2.0, 0.0, {});
    if (g_tp < 0) return e;
    return coll(nm('f', mb, -1, "embed_ar"), P.sp ? CollKind::ReduceScatter : CollKind::AllReduce, act_bytes(), g_tp, {e});
  }
  NodeIndex head_fwd(std::int64_t mb, NodeIndex x) {
    NodeIndex ln = vec(nm('f', mb, -1, "final_ln"), "layernorm", 2.0 * act_bytes_sp(), 8.0 * double(T) * h(), {x});
    ln = tp_enter_fwd('f', mb, -1, "head_ag", ln);
    NodeIndex lg = gemm(nm('f', mb, -1, "lm_head"), T, V / P.tp, m.hidden, 1, {ln});
    if (!training) return lg;
    return vec(nm('f', mb, -1, "loss"), "softmax", double(T) * double(V / P.tp) * 4.0, 5.0 * double(T) * double(V / P.tp), {lg});
  }
  NodeIndex head_bwd(std::int64_t mb, NodeIndex x, NodeIndex* wg) {
    NodeIndex d = vec(nm('b', mb, -1, "loss"), "softmax", double(T) * double(V / P.tp) * 4.0, 3.0 * double(T) * double(V / P.tp), {x});
    d = wbwd(mb, -1, "lm_head_dg", "lm_head_wg", T, m.hidden, V / P.tp, 1, d, wg);
    d = tp_enter_bwd(mb, -1, "head_ar", d);
    return vec(nm('b', mb, -1, "final_ln"), "layernorm", 4.0 * act_bytes_sp(), 12.0 * double(T) * h(), {d});
  }

  // Data-parallel reductions of one layer's gradients after its last backward.
  void dp_reduce(std::int64_t l, std::vector<NodeIndex>& reductions, std::vector<std::int64_t>& reduced_layers) {
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

  // overlap_grad_reduce: false: the whole gradient buffer reduced once the backward pass is over.
  void flush_dp_reduce(std::vector<NodeIndex>& reductions) {
    const CollKind k = P.zero >= 1 ? CollKind::ReduceScatter : CollKind::AllReduce;
    if (pending_dense > 0 && g_dp >= 0) reductions.push_back(coll("dp_grad", k, pending_dense * gb, g_dp, {last_compute}));
    if (pending_expert > 0 && g_edp >= 0) reductions.push_back(coll("edp_grad", k, pending_expert * gb, g_edp, {last_compute}));
    pending_dense = pending_expert = 0;
  }

  Program build_stage(int p);
  Program build_inference_stage(int p);
};

Program Gen::build_stage(int p) {
  ProgramBuilder out("stage" + std::to_string(p));
  this->prog = &out;
  last_compute = kNone;
  zero3_anchor = kNone;
  param_gathered.clear();
  param_anchor = kNone;
  pending_dense = pending_expert = 0;
  // Schedule: a list of (forward?, micro-batch, virtual chunk).
  struct Unit { bool fwd; std::int64_t mb; int v; };
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
    }
    for (std::int64_t k = total - warm; k < total; ++k) sched.push_back(bwd_unit(k));
  }
  std::vector<std::int64_t> bwd_left(static_cast<size_t>(vpp), 0);
  for (const auto& u : sched)
    if (!u.fwd) ++bwd_left[static_cast<size_t>(u.v)];

  const double p2p_bytes = act_bytes_sp();
  std::vector<NodeIndex> reductions;
  std::vector<std::int64_t> reduced_layers;
  for (const auto& u : sched) {
    const int k = u.v * P.pp + p;
    const auto& ch = chunks[static_cast<size_t>(k)];
    const RankId to_next = RankId(((k + 1) % P.pp) - p) * stride;
    const RankId to_prev = RankId(((k - 1 + P.pp) % P.pp) - p) * stride;
    const std::int64_t tag_in = (u.mb * C + (k - 1)) * 2, tag_out = (u.mb * C + k) * 2;
    // Blocks: the pieces before, in and after each layer, per micro-batch (tags relative to it).
    const std::int64_t tag_base = u.mb * C * 2;
    if (u.fwd) {
      NodeIndex x = kNone;
      if (k > 0) x = p2p(nm('f', u.mb, -1, "recv"), false, to_prev, tag_in, p2p_bytes, {});
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
      if (k < C - 1) g = p2p(nm('b', u.mb, -1, "recv"), false, to_next, tag_out + 1, p2p_bytes, {});
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

Program Gen::build_inference_stage(int p) {
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

}  // namespace

Workload generate_transformer(const ScenarioSpec& s) {
  check_scenario(s);
  const ModelSpec& m = s.model;
  const ParallelSpec& P = s.parallel;
  Gen g(s);
  g.training = s.training_mode;
  const std::string& dts = s.training_mode ? s.training.dtype : s.inference.dtype;
  parse_dtype(dts, g.dt);
  g.eb = dtype_bytes(g.dt);
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
  // Fused attention (FlashAttention / FlashDecoding) unless the scenario turns it off; MLA keeps the
  // explicit matmuls (its absorbed decode form has its own shapes).
  g.fused_attention = (s.training_mode ? s.training.flash_attention : s.inference.flash_attention) && !m.is_mla();
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
