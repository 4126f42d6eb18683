// The transformer generator's internals (transformer.h is the interface): one StageBuilder emits the
// program of one pipeline stage. Its parts live in files named after their job:
//   layer_builders.cpp     node emission, and the forward/backward of embedding, attention, MLP, MoE,
//                          head, with their TP/SP/CP/EP collectives and the data-parallel reductions
//   pipeline_schedule.cpp  the micro-batch schedule of a stage (1F1B, interleaved, GPipe; inference)
//                          and the optimizer step, cut into blocks (sim/workload/ir.h)
//   parallel_placement.cpp ranks -> (tp, cp, ep, dp, pp) coordinates and the communicator groups
//   transformer.cpp        generate_transformer: sizes, group sets, stages, step figures, notes
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/workload/generator/transformer.h"
#include "sim/workload/ir.h"

namespace xpu::wl::gen::detail {

constexpr NodeIndex kNone = ~NodeIndex(0);

// Rank layout: rank = t + tp (c + cp (e + ep (x + dpx p))), the tensor-parallel index fastest.
struct Dims {
  int tp, cp, ep, dpx, pp;
  RankId rank(int t, int c, int e, int x, int p) const { return t + tp * (c + cp * (e + ep * (x + dpx * p))); }
};

// A group set over the ranks that differ only in the dimensions flagged in `vary` (t, c, e, x); the
// groups are numbered in rank order of their first member.
GroupSet make_groups(const std::string& name, const Dims& d, bool vt, bool vc, bool ve, bool vx);

struct StageBuilder {
  const ScenarioSpec& s;
  const ModelSpec& m;
  const ParallelSpec& P;
  DType dt = DType::BF16;      // matmul datatype
  DType act_dt = DType::BF16;  // activations, vector ops and the attention core (BF16 in FP8 training)
  bool fp8_train = false;      // training.dtype fp8: Transformer Engine's recipe (see gemm())
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
  // overlap_moe_comm: a second chain end the next compute op must also wait for (the forward of a
  // steady-state pair, joined after its backward).
  NodeIndex join_pending = kNone;
  NodeIndex zero3_anchor = kNone;
  // overlap_param_gather: layers whose parameter all-gather this stage has issued, and the compute op
  // the next gather waits for (one layer of prefetch, as the ZeRO-3 gathers).
  std::set<std::int64_t> param_gathered;
  NodeIndex param_anchor = kNone;
  bool overlap_gather() const { return P.zero >= 1 && P.zero <= 2 && P.overlap_param_gather && g_dp >= 0 && training; }
  // Gradient bytes waiting for the single post-backward reduction (overlap_grad_reduce: false).
  double pending_dense = 0, pending_expert = 0;

  explicit StageBuilder(const ScenarioSpec& sc) : s(sc), m(sc.model), P(sc.parallel) {}

  // ---- node emission ----
  NodeIndex push(Node&& n, std::initializer_list<NodeIndex> deps, bool compute);
  // Which precision a GEMM runs in (it matters only in FP8 training, see gemm()): Matmul = the
  // scenario's matmul datatype, its A operand quantized first; WeightGrad = the same, reading the
  // transposes made by that quantization; Activation = the activations' datatype (attention core,
  // LM head, router).
  enum class Precision { Matmul, WeightGrad, Activation };
  NodeIndex gemm(std::string name, std::int64_t mm, std::int64_t nn, std::int64_t kk, std::int64_t batch, std::initializer_list<NodeIndex> deps,
                 Precision precision = Precision::Matmul);
  NodeIndex attention(std::string name, bool backward, std::initializer_list<NodeIndex> deps);
  // A vector op of `bytes` traffic; its datatype is the activations' unless `dtype` is given.
  NodeIndex vec(std::string name, const char* cls, double bytes, double flops, std::initializer_list<NodeIndex> deps,
                std::optional<DType> dtype = std::nullopt);
  NodeIndex coll(std::string name, CollKind k, double bytes, int gs, std::initializer_list<NodeIndex> deps);
  NodeIndex p2p(std::string name, bool send, RankId offset, std::int64_t tag, double bytes, std::initializer_list<NodeIndex> deps);

  // ---- per-layer quantities ----
  double h() const { return double(m.hidden); }
  int tp() const { return P.tp; }
  std::int64_t ffn_loc() const { return m.ffn / P.tp; }
  std::int64_t fc1_n(std::int64_t f) const { return f * (m.gated_ffn ? 2 : 1); }
  double layer_dense_params_loc(std::int64_t l) const;
  double layer_expert_params_loc(std::int64_t l) const;
  std::int64_t moe_tokens() const { return std::max<std::int64_t>(1, T / P.tp); }  // tokens dispatched per rank
  std::int64_t tokens_per_expert() const;
  double act_bytes() const { return double(T) * h() * eb; }           // one [T, h] activation
  double act_bytes_sp() const { return act_bytes() / (P.sp ? P.tp : 1); }

  // "<phase><mb>.<layer>.<op>" (ProgramBuilder::cut turns mb and layer into templates).
  static std::string nm(char phase, std::int64_t mb, std::int64_t l, const char* op);

  // f operator (entry of a TP region) forward: identity, or all-gather of the sequence with SP.
  NodeIndex tp_enter_fwd(char ph, std::int64_t mb, std::int64_t l, const char* op, NodeIndex x);
  // g operator (exit of a TP region) forward: all-reduce, or reduce-scatter with SP.
  NodeIndex tp_exit_fwd(char ph, std::int64_t mb, std::int64_t l, const char* op, NodeIndex x);
  // Backward of f: all-reduce of the input gradient (reduce-scatter with SP).
  NodeIndex tp_enter_bwd(std::int64_t mb, std::int64_t l, const char* op, NodeIndex x);
  // Backward of g: identity, or all-gather with SP.
  NodeIndex tp_exit_bwd(std::int64_t mb, std::int64_t l, const char* op, NodeIndex x);

  // ---- TP communication overlap (parallel.tp_comm_overlap) ----
  // Chunk i of the token dimension: rows, and the bytes of the [rows, h] slice of a TP collective.
  std::int64_t chunk_rows(int i) const { return T / tp_chunks + (i < T % tp_chunks ? 1 : 0); }
  double chunk_bytes(int i) const { return act_bytes() * double(chunk_rows(i)) / double(T); }
  static std::string nmc(char phase, std::int64_t mb, std::int64_t l, const char* op, int i);
  // Forward: f operator (SP all-gather) feeding the GEMM [T, kk] x [kk, nn]. Chunked: all-gather
  // chunk i, then GEMM chunk i on it, so gather i+1 runs during GEMM i. Returns the (last) GEMM.
  NodeIndex ag_gemm(char ph, std::int64_t mb, std::int64_t l, const char* cname, const char* gname, std::int64_t nn, std::int64_t kk, NodeIndex x);
  // Forward: GEMM [T, kk] x [kk, nn] feeding the g operator (all-reduce / SP reduce-scatter).
  // Chunked: GEMM chunk i, then its reduce-scatter, which runs during GEMM i+1. Returns the (last)
  // collective; each chunk's collective also waits for the previous one, so it implies all.
  NodeIndex gemm_rs(char ph, std::int64_t mb, std::int64_t l, const char* gname, const char* cname, std::int64_t nn, std::int64_t kk, NodeIndex x);
  // Backward of a row-parallel GEMM (forward m=T, k, n) behind the g operator: SP all-gather of the
  // output gradient, data gradient, weight gradient. Chunked: gather i overlaps data-gradient chunk
  // i-1; the weight gradient needs the whole gathered gradient. Returns the (last) data gradient.
  NodeIndex ag_wbwd(std::int64_t mb, std::int64_t l, const char* cname, const char* dg, const char* wg, std::int64_t k, std::int64_t n, NodeIndex x);
  // Backward of a column-parallel GEMM (forward m=T, k, n) behind the f operator: data gradient,
  // weight gradient, and the input-gradient all-reduce / SP reduce-scatter (which overlaps the
  // weight gradient even unchunked). Chunked: reduce-scatter i overlaps data-gradient chunk i+1.
  NodeIndex wbwd_rs(std::int64_t mb, std::int64_t l, const char* dg, const char* wg, const char* cname, std::int64_t k, std::int64_t n, NodeIndex x);

  // ---- dropout (training.dropout > 0) ----
  // Hidden dropout on a [T, h] activation (the sequence shard with SP): read it, write it and a
  // 1-byte mask; backward: read the gradient and the mask, write the gradient.
  double hidden_elems() const { return double(T) * h() / (P.sp ? P.tp : 1); }
  NodeIndex dropout_fwd(char ph, std::int64_t mb, std::int64_t l, const char* op, double elems, NodeIndex x);
  NodeIndex dropout_bwd(std::int64_t mb, std::int64_t l, const char* op, double elems, NodeIndex x);

  // Attention core forward: scores, softmax, context. Returns the context output.
  NodeIndex attn_core_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x);
  // MLA decode uses the absorbed form: scores against the latent cache.
  std::int64_t qk_k() const { return decode && m.is_mla() ? m.mla.kv_lora_rank + m.mla.qk_rope_head_dim : m.qk_dim(); }
  std::int64_t v_n() const { return decode && m.is_mla() ? m.mla.kv_lora_rank : m.v_dim(); }

  // QKV projections forward; returns the last node.
  NodeIndex qkv_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x);
  // Weight matmuls of the QKV stage as (k, n) pairs, for the backward.
  std::vector<std::pair<std::int64_t, std::int64_t>> qkv_shapes() const;
  double kv_gather_bytes() const;

  // Dense MLP with its TP entry (f) and exit (g) operators: input is the norm output.
  NodeIndex mlp_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x);
  NodeIndex moe_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x);

  NodeIndex layer_fwd(char ph, std::int64_t mb, std::int64_t l, NodeIndex x);
  NodeIndex layer_fwd_rest(char ph, std::int64_t mb, std::int64_t l, NodeIndex ln);

  // Backward of a weight matmul (forward: m=T, k, n): data gradient then weight gradient
  // (activation_precision: both in the activations' precision, as the LM head and the router).
  NodeIndex wbwd(std::int64_t mb, std::int64_t l, const char* dg, const char* wg, std::int64_t mm, std::int64_t k, std::int64_t n, std::int64_t batch, NodeIndex x, NodeIndex* wgrad = nullptr,
                 bool activation_precision = false);

  NodeIndex layer_bwd(std::int64_t mb, std::int64_t l, NodeIndex g);

  NodeIndex embed_fwd(std::int64_t mb);
  NodeIndex head_fwd(std::int64_t mb, NodeIndex x);
  NodeIndex head_bwd(std::int64_t mb, NodeIndex x, NodeIndex* wg);

  // Data-parallel reductions of one layer's gradients after its last backward.
  void dp_reduce(std::int64_t l, std::vector<NodeIndex>& reductions, std::vector<std::int64_t>& reduced_layers);

  // overlap_grad_reduce: false: the whole gradient buffer reduced once the backward pass is over.
  void flush_dp_reduce(std::vector<NodeIndex>& reductions);

  Program build_stage(int p);
  Program build_inference_stage(int p);
};

}  // namespace xpu::wl::gen::detail
