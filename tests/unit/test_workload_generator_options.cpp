// Transformer generator options against hand derivations: dropout ops (training.dropout), the
// post-backward gradient reduction (parallel.overlap_grad_reduce: false), TP communication overlap
// by chunking (parallel.tp_comm_overlap), and the activation footprint with dropout and
// Megatron-Core's recompute modules (training.recompute_modules).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "sim/workload/generator/footprint.h"
#include "sim/workload/generator/transformer.h"
#include "sim/workload/reader.h"
#include "tests/support/paths.h"

using namespace xpu;
using namespace xpu::wl;
using namespace xpu::wl::gen;

namespace {

// Small GPT (MHA, 4h GELU MLP): h 256, 8 heads, 4 layers, s 128, fp16 (2 B), micro-batch 2.
ScenarioSpec gpt(int tp, bool sp, bool flash, double dropout) {
  ScenarioSpec s;
  s.name = "small";
  s.model.name = "small-gpt";
  s.model.hidden = 256;
  s.model.layers = 4;
  s.model.heads = 8;
  s.model.ffn = 1024;
  s.model.vocab = 1000;
  s.parallel.tp = tp;
  s.parallel.sp = sp;
  s.parallel.dp = 2;
  s.training.micro_batch = 2;
  s.training.global_batch = 8;  // 2 micro-batches per replica
  s.training.seq_len = 128;
  s.training.dtype = "fp16";
  s.training.flash_attention = flash;
  s.training.dropout = dropout;
  return s;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Sum of bytes and count of vector nodes whose name ends with `suffix` and starts with `phase`.
struct Sum {
  int n = 0;
  double bytes = 0;
};
Sum vec_sum(const Program& p, char phase, const std::string& suffix) {
  Sum r;
  for (const auto& n : p.expand())
    if (n.kind == NodeKind::Vector && n.name[0] == phase && ends_with(n.name, suffix)) {
      ++r.n;
      r.bytes += n.vec.bytes.bytes();
    }
  return r;
}

}  // namespace

// Megatron's dropouts: attention probabilities (b a/t s^2 elements) and the two hidden dropouts
// ([T, h], the sequence shard with SP); each reads the tensor and writes it plus a 1-byte mask
// (2 x 2 + 1 = 5 bytes per fp16 element), the backward reads gradient and mask and writes the
// gradient (5 bytes again).
TEST(WorkloadGeneratorOptions, DropoutOpsAndBytes) {
  const double b = 2, s = 128, h = 256, a = 8, L = 4, M = 2;
  for (int tp : {1, 2}) {
    Workload w = generate_transformer(gpt(tp, false, false, 0.1));
    const Program& p = w.programs[0];
  const std::vector<Node> p_nodes = p.expand();
    const double attn = b * (a / tp) * s * s * 5, hidden = b * s * h * 5;
    for (char ph : {'f', 'b'}) {
      Sum ad = vec_sum(p, ph, ".attn_drop"), d1 = vec_sum(p, ph, ".drop1"), d2 = vec_sum(p, ph, ".drop2");
      EXPECT_EQ(ad.n, L * M) << ph;
      EXPECT_DOUBLE_EQ(ad.bytes, L * M * attn) << ph;
      EXPECT_EQ(d1.n, L * M);
      EXPECT_DOUBLE_EQ(d1.bytes, L * M * hidden);
      EXPECT_DOUBLE_EQ(d2.bytes, L * M * hidden);
    }
    // The attention-probability dropout sits between softmax and the context matmul.
    for (size_t i = 0; i < p_nodes.size(); ++i)
      if (p_nodes[i].name == "f0.0.attn_drop") {
        EXPECT_EQ(p_nodes[p_nodes[i].deps[0]].name, "f0.0.softmax");
        EXPECT_EQ(p_nodes[i + 1].name, "f0.0.ctx");
      }
  }
  // Sequence parallel: the hidden dropouts run on the 1/t sequence shard.
  Workload sp = generate_transformer(gpt(2, true, false, 0.1));
  EXPECT_DOUBLE_EQ(vec_sum(sp.programs[0], 'f', ".drop1").bytes, L * M * b * s * h * 5 / 2);
  // Fused attention: the probability dropout is inside the kernel, no node, no HBM traffic.
  Workload fa = generate_transformer(gpt(2, false, true, 0.1));
  EXPECT_EQ(vec_sum(fa.programs[0], 'f', ".attn_drop").n, 0);
  EXPECT_EQ(vec_sum(fa.programs[0], 'f', ".drop1").n, L * M);
  // Full recompute re-runs the forward dropouts (same mask from the same RNG state).
  ScenarioSpec rc = gpt(1, false, false, 0.1);
  rc.training.recompute = "full";
  Workload wr = generate_transformer(rc);
  EXPECT_DOUBLE_EQ(vec_sum(wr.programs[0], 'r', ".attn_drop").bytes, L * M * b * a * s * s * 5);
  // No dropout (the default): no dropout node at all, and the FLOP counts do not move.
  Workload none = generate_transformer(gpt(2, false, false, 0.0));
  for (const auto& n : none.programs[0].expand()) EXPECT_EQ(n.name.find("drop"), std::string::npos) << n.name;
  EXPECT_DOUBLE_EQ(none.step.hardware_flops.value(), generate_transformer(gpt(2, false, false, 0.1)).step.hardware_flops.value());
}

// overlap_grad_reduce: true reduces each layer's gradients after its last backward (L layers, the
// LM head, the embedding); false issues one reduction of the whole buffer after the last backward
// op, of the same total size: (L x (12h^2 + 2h) + 2 V h) / t parameters x 2 B (no biases; untied).
TEST(WorkloadGeneratorOptions, GradientReductionAfterTheBackward) {
  for (int zero : {0, 1}) {
    ScenarioSpec on = gpt(2, false, true, 0.0);
    on.parallel.zero = zero;
    ScenarioSpec off = on;
    off.parallel.overlap_grad_reduce = false;
    Workload won = generate_transformer(on), woff = generate_transformer(off);
    const CollKind kind = zero ? CollKind::ReduceScatter : CollKind::AllReduce;
    auto dp = [&](const Workload& w, int& n, double& bytes, size_t& first) {
      n = 0;
      bytes = 0;
      first = 0;
      const Program& p = w.programs[0];
  const std::vector<Node> p_nodes = p.expand();
      for (size_t i = 0; i < p_nodes.size(); ++i) {
        const Node& x = p_nodes[i];
        if (x.kind == NodeKind::Collective && w.group_sets[x.coll.group_set].name == "dp") {
          if (x.coll.kind != kind) continue;  // ZeRO-1's parameter all-gathers
          if (n++ == 0) first = i;
          bytes += x.coll.bytes.bytes();
        }
      }
    };
    int non, noff;
    double bon, boff;
    size_t fon, foff;
    dp(won, non, bon, fon);
    dp(woff, noff, boff, foff);
    const double h = 256, V = 1024;
    const double per_layer = 12 * h * h + 2 * h;  // attention 4h^2, MLP 8h^2, two norms 2h
    EXPECT_EQ(non, 4 + 2);
    EXPECT_EQ(noff, 1);
    EXPECT_DOUBLE_EQ(boff, (4 * per_layer + 2 * V * h) / 2 * 2) << "zero " << zero;
    EXPECT_DOUBLE_EQ(boff, bon);
    // Nothing but the optimizer runs on the compute stream after the single reduction, and it waits
    // for the last backward op (the embedding gradient).
    const Program& p = woff.programs[0];
  const std::vector<Node> p_nodes = p.expand();
    for (size_t i = foff + 1; i < p_nodes.size(); ++i) {
      if (p_nodes[i].stream == StreamKind::Compute) {
        EXPECT_EQ(p_nodes[i].name, "optimizer");
      }
    }
    EXPECT_EQ(p_nodes[p_nodes[foff].deps[0]].name, "b1.-1.embed");
    // Overlapped: the first reduction is issued in the middle of the backward.
    size_t later_backward = 0;
    const std::vector<Node> won_nodes = won.programs[0].expand();
    for (size_t i = fon + 1; i < won_nodes.size(); ++i)
      if (won_nodes[i].name.rfind("b1.", 0) == 0 && won_nodes[i].kind == NodeKind::Gemm) ++later_backward;
    EXPECT_GT(later_backward, 0u);
  }
}

// TP communication overlap, k = 4 chunks, TP 2 with SP, T = 256 tokens: every TP-sliced GEMM next to
// a TP collective becomes 4 GEMMs of 64 rows and its collective 4 collectives of a quarter of the
// [T, h] activation. Chunk i's GEMM waits only for chunk i's all-gather (so gather i+1 can run
// during GEMM i); chunk i's reduce-scatter waits only for chunk i's GEMM (and the previous chunk's
// reduce-scatter). The FLOPs and the bytes on the TP group are unchanged.
TEST(WorkloadGeneratorOptions, TpCommOverlapChunks) {
  ScenarioSpec base = gpt(2, true, true, 0.0);
  ScenarioSpec ov = base;
  ov.parallel.tp_comm_overlap = true;
  Workload wb = generate_transformer(base), wo = generate_transformer(ov);
  EXPECT_DOUBLE_EQ(wo.step.hardware_flops.value(), wb.step.hardware_flops.value());
  auto tp_bytes = [](const Workload& w, int& n) {
    double s = 0;
    n = 0;
    for (const auto& x : w.programs[0].expand())
      if (x.kind == NodeKind::Collective && w.group_sets[x.coll.group_set].name == "tp") {
        s += x.coll.bytes.bytes();
        ++n;
      }
    return s;
  };
  int nb, no;
  EXPECT_DOUBLE_EQ(tp_bytes(wo, no), tp_bytes(wb, nb));
  // Per layer and micro-batch: forward 4 collectives (ag1, ar1, ag2, ar2), backward 4 (ag2, ar2,
  // ag1, ar1), all chunked; the embedding and head collectives are not.
  EXPECT_EQ(no - nb, 4 * 2 /*mb*/ * 8 /*f+b*/ * 3 /*extra chunks*/);
  const Program& p = wo.programs[0];
  const std::vector<Node> p_nodes = p.expand();
  std::map<std::string, NodeIndex> idx;
  for (NodeIndex i = 0; i < p_nodes.size(); ++i) idx[p_nodes[i].name] = i;
  const double quarter = 2.0 * 128 * 256 * 2 / 4;  // [T = 256, h] fp16 / 4
  for (int i = 0; i < 4; ++i) {
    const std::string c = ".c" + std::to_string(i);
    const Node& ag = p_nodes[idx.at("f0.0.ag1" + c)];
    const Node& qkv = p_nodes[idx.at("f0.0.qkv" + c)];
    EXPECT_EQ(ag.coll.kind, CollKind::AllGather);
    EXPECT_DOUBLE_EQ(ag.coll.bytes.bytes(), quarter);
    EXPECT_EQ(qkv.gemm.m, 64);
    EXPECT_EQ(qkv.gemm.n, 3 * 256 / 2);
    EXPECT_NE(std::find(qkv.deps.begin(), qkv.deps.end(), idx.at("f0.0.ag1" + c)), qkv.deps.end());
    if (i > 0) {  // gather i does not wait for GEMM i-1
      const std::string prev = ".c" + std::to_string(i - 1);
      EXPECT_EQ(std::find(ag.deps.begin(), ag.deps.end(), idx.at("f0.0.qkv" + prev)), ag.deps.end());
    }
    const Node& rs = p_nodes[idx.at("f0.0.ar2" + c)];
    EXPECT_EQ(rs.coll.kind, CollKind::ReduceScatter);
    EXPECT_EQ(p_nodes[rs.deps[0]].name, "f0.0.fc2" + c);
    EXPECT_EQ(p_nodes[idx.at("b0.0.fc1_dg" + c)].gemm.m, 64);
    EXPECT_EQ(p_nodes[idx.at("b0.0.proj_dg" + c)].gemm.m, 64);
  }
  // The weight gradients stay whole (they contract over all T tokens).
  EXPECT_EQ(p_nodes[idx.at("b0.0.fc1_wg")].gemm.k, 256);
  // Megatron-Core's overlap works on SP's all-gather/reduce-scatter: without SP it is rejected.
  try {
    read_scenario_text("scenario: {model: gpt3-175b, parallel: {tp: 8, tp_comm_overlap: true}, training: {}}", "x.yaml",
                       test::src("workloads/scenarios"));
    ADD_FAILURE() << "tp_comm_overlap without sp accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("sp: true"), std::string::npos) << e.what();
  }
}

// Activation bytes per layer, by hand (s = 4096, b = 1):
//  * GPT-3 (h 12288, a 96, t 8) without dropout: Korthikanti's sbh(10 + 24/t) + 5as^2b/t loses the two
//    hidden masks (2sbh) and 3as^2b of the attention dropout: sbh(8 + 24/t) + 2as^2b/t.
//  * DeepSeek-V3 MoE layer (h 7168, 128 heads, q/k 192, v 128, latents 1536 + 512 + 64, top 8 + 1
//    shared experts of 2048, t 1, flash attention, no dropout):
//      replicated 8sbh; attention 2sb(128x192 x2 + 128x128) + 2sb 128x128 + 2sb 2112;
//      MLP: shared 6sb 2048 + dispatched copies 16sbh + routed 6sb 8x2048.
//    recompute_modules [layernorm, mla_up_proj, moe_act] removes 4sbh, the Q/K/V term and 2sb 8x2048.
TEST(WorkloadGeneratorOptions, ActivationFootprintTerms) {
  const double s = 4096, b = 1;
  {
    ModelSpec m = load_model("gpt3-175b", {test::src("workloads/models")});
    const double h = 12288, a = 96, t = 8, sbh = s * b * h;
    TrainingSpec T;
    T.flash_attention = false;
    T.dropout = 0;
    EXPECT_NEAR(activation_bytes_per_layer(m, 0, s, b, 8, false, T).bytes(), sbh * (8 + 24 / t) + 2 * a * s * s * b / t, 1);
    T.dropout = 0.1;
    EXPECT_NEAR(activation_bytes_per_layer(m, 0, s, b, 8, false, T).bytes(), sbh * (10 + 24 / t) + 5 * a * s * s * b / t, 1);
  }
  ModelSpec ds = load_model("deepseek-v3", {test::src("workloads/models")});
  const double h = 7168, sb = s * b, sbh = sb * h;
  TrainingSpec T;  // flash attention, no dropout, recompute none
  const double attn_qkv = 2 * sb * (128 * 192 * 2 + 128 * 128);
  const double attn_rest = 2 * sb * 128 * 128 + 2 * sb * (1536 + 512 + 64);
  const double mlp = 6 * sb * 2048 + 16 * sbh + 6 * sb * 8 * 2048;
  EXPECT_NEAR(activation_bytes_per_layer(ds, 10, s, b, 1, false, T).bytes(), 8 * sbh + attn_qkv + attn_rest + mlp, 1);
  T.recompute = "selective";
  T.recompute_modules = {"layernorm", "mla_up_proj", "moe_act"};
  EXPECT_NEAR(activation_bytes_per_layer(ds, 10, s, b, 1, false, T).bytes(), 4 * sbh + attn_rest + mlp - 2 * sb * 8 * 2048, 1);
  // Dense layer 0 (FFN 18432): moe_act does not apply.
  EXPECT_NEAR(activation_bytes_per_layer(ds, 0, s, b, 1, false, T).bytes(), 4 * sbh + attn_rest + 6 * sb * 18432, 1);
  // Unknown module names are rejected with the list.
  try {
    read_scenario_text("scenario: {model: gpt3-175b, training: {recompute: selective, recompute_modules: [layernrom]}}",
                       "x.yaml", test::src("workloads/scenarios"));
    ADD_FAILURE() << "unknown module accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'layernorm'"), std::string::npos) << e.what();
  }
}

// The recomputed modules are paid for in the backward: layernorm re-runs both norms, mla_up_proj
// the query and KV up-projections (2 T (heads x 192) 1536 + 2 T (heads x 256) 512 FLOPs per MLA
// layer), moe_act the routed experts' activation.
TEST(WorkloadGeneratorOptions, RecomputeModulesEmitTheirOps) {
  ScenarioSpec s;
  s.name = "mla";
  s.model = load_model("deepseek-v3", {test::src("workloads/models")});
  s.model.layers = 4;  // layers 0-2 dense, 3 MoE
  s.parallel.ep = 1;
  s.training.seq_len = 256;
  s.training.recompute = "selective";
  s.training.recompute_modules = {"layernorm", "mla_up_proj", "moe_act"};
  Workload w = generate_transformer(s);
  ScenarioSpec base = s;
  base.training.recompute = "none";
  Workload wb = generate_transformer(base);
  const double T = 256, heads = 128;
  const double up = 2 * T * heads * 192 * 1536 + 2 * T * heads * 256 * 512;
  EXPECT_NEAR(w.step.hardware_flops.value() - wb.step.hardware_flops.value(), 4 * up, 1e-6 * up);
  EXPECT_EQ(vec_sum(w.programs[0], 'r', ".ln1").n, 4);
  EXPECT_EQ(vec_sum(w.programs[0], 'r', ".ln2").n, 4);
  EXPECT_EQ(vec_sum(w.programs[0], 'r', ".ex_act").n, 1);
}

namespace {
const Node* find_node(const std::vector<Node>& nodes, const std::string& name) {
  for (const auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}
}  // namespace

// FP8 training (Transformer Engine's recipe, docs/workloads.md "FP8 training"): the linear layers'
// GEMMs in FP8, each forward GEMM's input and each backward data-gradient GEMM's incoming gradient
// quantized first (6 B per element of the A operand: amax read 2, cast-transpose read 2, write 1 + 1),
// the weight-gradient GEMM without a cast, and the attention core, LM head and vector ops in BF16.
TEST(WorkloadGeneratorOptions, Fp8TrainingRecipe) {
  ScenarioSpec s = gpt(1, false, true, 0);
  s.training.dtype = "fp8";
  Workload w = generate_transformer(s);
  const std::vector<Node> nodes = w.programs[0].expand();
  int fp8_gemms = 0, casts = 0;
  for (const auto& n : nodes) {
    if (n.kind == NodeKind::Attention) {
      EXPECT_EQ(n.attn.dtype, DType::BF16) << n.name;
    }
    if (n.kind == NodeKind::Vector) {
      EXPECT_NE(n.vec.dtype, DType::FP8) << n.name;
    }
    if (n.kind != NodeKind::Gemm) continue;
    if (n.name.find("lm_head") != std::string::npos) {
      EXPECT_EQ(n.gemm.dtype, DType::BF16) << n.name;
      continue;
    }
    EXPECT_EQ(n.gemm.dtype, DType::FP8) << n.name;
    ++fp8_gemms;
    const Node* cast = find_node(nodes, n.name + "_fp8cast");
    if (ends_with(n.name, "_wg")) {
      EXPECT_EQ(cast, nullptr) << n.name;
      continue;
    }
    ASSERT_NE(cast, nullptr) << n.name;
    ++casts;
    EXPECT_EQ(cast->vec.op_class, "unary");
    EXPECT_EQ(cast->vec.dtype, DType::BF16);
    EXPECT_DOUBLE_EQ(cast->vec.bytes.bytes(), 6.0 * double(n.gemm.m) * double(n.gemm.k) * double(n.gemm.batch)) << n.name;
  }
  // Per layer and micro-batch: qkv, proj, fc1, fc2 forward; their four data gradients backward.
  EXPECT_EQ(casts, 4 * 2 * 4 * 2);
  EXPECT_GT(fp8_gemms, casts);
  // The same scenario in BF16 has no casts.
  s.training.dtype = "bf16";
  for (const auto& n : generate_transformer(s).programs[0].expand()) EXPECT_EQ(n.name.find("_fp8cast"), std::string::npos);
}

// The loss over E = tokens x vocab logits (docs/workloads.md "Loss"): Megatron's FP32 cross entropy is
// a cast (unary FP32, E elements), a softmax (FP32, E) and the two in-place passes (unary FP32, 2E)
// forward, and one unary FP32 op of 2E backward; `fused` is one 16-bit softmax pass each way.
TEST(WorkloadGeneratorOptions, LossKernels) {
  ScenarioSpec s = gpt(1, false, true, 0);  // fp16, micro-batch 2 x 128 tokens, vocab 1000 (padded 1024)
  const double E = 2.0 * 128.0 * 1024.0;
  const std::vector<Node> nodes = generate_transformer(s).programs[0].expand();
  const Node* cast = find_node(nodes, "f0.-1.loss_cast");
  const Node* soft = find_node(nodes, "f0.-1.loss");
  const Node* inpl = find_node(nodes, "f0.-1.loss_inplace");
  const Node* back = find_node(nodes, "b0.-1.loss");
  ASSERT_TRUE(cast && soft && inpl && back);
  EXPECT_EQ(cast->vec.dtype, DType::FP32);
  EXPECT_DOUBLE_EQ(cast->vec.bytes.bytes(), 8.0 * E);
  EXPECT_EQ(soft->vec.op_class, "softmax");
  EXPECT_DOUBLE_EQ(soft->vec.bytes.bytes(), 8.0 * E);
  EXPECT_DOUBLE_EQ(inpl->vec.bytes.bytes(), 16.0 * E);
  EXPECT_DOUBLE_EQ(back->vec.bytes.bytes(), 16.0 * E);
  s.training.cross_entropy = "fused";
  const std::vector<Node> fused = generate_transformer(s).programs[0].expand();
  EXPECT_EQ(find_node(fused, "f0.-1.loss_cast"), nullptr);
  const Node* f = find_node(fused, "f0.-1.loss");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->vec.dtype, DType::FP16);
  EXPECT_DOUBLE_EQ(f->vec.bytes.bytes(), 4.0 * E);
}

// Pipeline exchanges (parallel.p2p, parallel.p2p_scatter_gather), PP 2, TP 2 without SP, micro-batch
// 2 x 128 tokens x h 256 x 2 B = 131,072 B per activation:
//   default      sends of the whole activation on the communication stream;
//   scatter-gather  sends of 1/tp of it (65,536 B), and every receive followed by an all-gather of the
//                whole activation over the TP group, which the first compute op after it waits for;
//   blocking     sends on the compute stream, and the next compute op of the stage depends on the send.
TEST(WorkloadGeneratorOptions, PipelineExchanges) {
  ScenarioSpec base = gpt(2, false, true, 0.0);
  base.parallel.pp = 2;
  base.parallel.dp = 1;
  base.training.global_batch = 4;  // 2 micro-batches
  const double act = 2.0 * 128 * 256 * 2;
  auto sends = [](const Workload& w, int stage) {
    std::vector<Node> out;
    for (const auto& n : w.programs[static_cast<size_t>(stage)].expand())
      if (n.kind == NodeKind::Send) out.push_back(n);
    return out;
  };
  {
    const Workload w = generate_transformer(base);
    const auto s0 = sends(w, 0);
    ASSERT_EQ(s0.size(), 2u);  // one forward send per micro-batch
    for (const auto& n : s0) {
      EXPECT_DOUBLE_EQ(n.p2p.bytes.bytes(), act);
      EXPECT_EQ(n.stream, StreamKind::Comm);
    }
  }
  {
    ScenarioSpec sg = base;
    sg.parallel.p2p_scatter_gather = true;
    const Workload w = generate_transformer(sg);
    for (int stage : {0, 1})
      for (const auto& n : sends(w, stage)) EXPECT_DOUBLE_EQ(n.p2p.bytes.bytes(), act / 2) << n.name;
    // Stage 1: each forward receive is gathered; the gather is a TP all-gather of the whole activation.
    const std::vector<Node> p = w.programs[1].expand();
    int gathers = 0;
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i].kind != NodeKind::Collective || !ends_with(p[i].name, "recv_ag")) continue;
      ++gathers;
      EXPECT_EQ(p[i].coll.kind, CollKind::AllGather);
      EXPECT_EQ(w.group_sets[p[i].coll.group_set].name, "tp");
      EXPECT_DOUBLE_EQ(p[i].coll.bytes.bytes(), act);
      ASSERT_EQ(p[i].deps.size(), 1u);
      EXPECT_EQ(p[p[i].deps[0]].kind, NodeKind::Recv);
    }
    EXPECT_EQ(gathers, 2);  // stage 1 receives only forward activations (it is the last stage)
    ScenarioSpec sg_sp = sg;  // with SP the tensor is already split: no gather, 1/tp on the wire
    sg_sp.parallel.sp = true;
    for (const auto& n : sends(generate_transformer(sg_sp), 0)) EXPECT_DOUBLE_EQ(n.p2p.bytes.bytes(), act / 2);
    for (const auto& n : generate_transformer(sg_sp).programs[1].expand()) EXPECT_FALSE(ends_with(n.name, "recv_ag")) << n.name;
  }
  {
    ScenarioSpec bl = base;
    bl.parallel.p2p = "blocking";
    const Workload w = generate_transformer(bl);
    const std::vector<Node> p = w.programs[0].expand();
    int blocking = 0;
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i].kind != NodeKind::Send) continue;
      ++blocking;
      EXPECT_EQ(p[i].stream, StreamKind::Compute);
      // The next compute op after the send waits for it.
      for (size_t j = i + 1; j < p.size(); ++j)
        if (p[j].stream == StreamKind::Compute && p[j].kind != NodeKind::Recv) {
          EXPECT_NE(std::find(p[j].deps.begin(), p[j].deps.end(), static_cast<NodeIndex>(i)), p[j].deps.end())
              << p[j].name << " does not wait for " << p[i].name;
          break;
        }
    }
    EXPECT_EQ(blocking, 2);
  }
}
