// A scenario: a model x a parallel layout x a training step or an inference step. The transformer
// generator (transformer.h) turns it into per-rank DAGs.
//
// YAML (docs/workloads.md):
//   scenario:
//     name: gpt3-175b-512
//     model: gpt3-175b            # preset name (workloads/models/<name>.yaml), a path, or an inline map
//     parallel: {tp: 8, pp: 8, dp: 8, schedule: 1f1b, zero: 1, sp: false}
//     training: {micro_batch: 1, global_batch: 1536, seq_len: 2048, recompute: full}
//     # or: inference: {phase: decode, batch: 64, context: 4096}
//     hbm: 80 GiB                 # optional: footprint verdict against this capacity
//
// Rank layout (Megatron order, tensor fastest): rank = t + TP*(c + CP*(d + DP*p)) for tensor index
// t, context index c, data index d and pipeline stage p. Expert parallelism is carved out of data
// parallelism: d = e + EP*x (e: index in the EP group, x: index in the expert-data-parallel group).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/config.h"
#include "sim/workload/generator/model.h"

namespace xpu::wl::gen {

struct ParallelSpec {
  int tp = 1, pp = 1, dp = 1, ep = 1, cp = 1;
  bool sp = false;           // sequence parallelism (with TP): all-reduce -> reduce-scatter + all-gather
  int vpp = 1;               // virtual pipeline chunks per stage (interleaved schedule)
  std::string schedule = "1f1b";  // 1f1b, interleaved (needs vpp > 1), gpipe
  int zero = 0;              // 0 none, 1 optimizer states, 2 + gradients, 3 + parameters (sharded over DP)
  // Data-parallel gradient reduction: true = per layer as soon as its last backward is done,
  // overlapping the rest of the backward (Megatron-Core / PyTorch DDP bucketing); false = one
  // reduction of the whole gradient buffer after the backward pass (Megatron-LM 2021).
  bool overlap_grad_reduce = true;
  // ZeRO-1/2 parameter all-gather: false = after the optimizer step, exposed; true = each layer's
  // gather runs ahead of that layer's first forward of the next step, overlapping the forward of the
  // layers before it (Megatron-Core --overlap-param-gather). Generated in the steady state: the
  // step's gathers lead its forward, the optimizer ends it.
  bool overlap_param_gather = false;
  // Megatron-Core's userbuffer overlap of TP communication with GEMMs (needs sp when tp > 1): each
  // TP-sliced GEMM next to a TP all-gather / reduce-scatter is split into tp_comm_chunks pieces
  // along the token dimension, so chunk i's communication runs during chunk i+1's GEMM.
  bool tp_comm_overlap = false;
  int tp_comm_chunks = 4;
  // Pipeline point-to-point exchanges between stages: "async" = on the communication stream, the
  // sender computes on (Megatron-Core); "blocking" = the send holds the compute stream until the data
  // has arrived (Megatron-LM 2021, which synchronised the device after every exchange; DeepSpeed's
  // pipeline engine, whose sends the compute stream waits on).
  std::string p2p = "async";
  // Megatron-LM's scatter-gather of pipeline tensors (without sp): each TP rank sends 1/tp of the
  // activation to its peer of the next stage, which all-gathers it over TP (NVLink) before use.
  bool p2p_scatter_gather = false;
  // Megatron-Core's --overlap-moe-expert-parallel-comm (after DeepSeek-V3's DualPipe): in the 1F1B
  // steady state the forward pass of one micro-batch and the backward pass scheduled next to it run
  // as two independent streams of work on the chip, so one's expert-parallel all-to-all (dispatch,
  // combine) runs under the other's compute. Needs a MoE model with ep > 1.
  bool overlap_moe_comm = false;
  template <class V>
  void visit(V& v) {
    v.field("tp", tp, cfg::Field("tensor-parallel degree").positive());
    v.field("pp", pp, cfg::Field("pipeline-parallel stages").positive());
    v.field("dp", dp, cfg::Field("data-parallel degree").positive());
    v.field("ep", ep, cfg::Field("expert-parallel degree (divides dp)").positive());
    v.field("cp", cp, cfg::Field("context-parallel degree (sequence split across ranks)").positive());
    v.field("sp", sp, cfg::Field("sequence parallelism with TP (reduce-scatter/all-gather instead of all-reduce)"));
    v.field("vpp", vpp, cfg::Field("virtual pipeline chunks per stage (interleaved 1F1B)").positive());
    v.field("schedule", schedule, cfg::Field("pipeline schedule").one_of({"1f1b", "interleaved", "gpipe"}));
    v.field("zero", zero, cfg::Field("ZeRO stage: 0 none, 1 optimizer, 2 +gradients, 3 +parameters").min(0).max(3));
    v.field("overlap_param_gather", overlap_param_gather,
            cfg::Field("ZeRO-1/2: overlap each layer's parameter all-gather with the forward before it (Megatron-Core --overlap-param-gather)"));
    v.field("overlap_grad_reduce", overlap_grad_reduce,
            cfg::Field("overlap the data-parallel gradient reduction with the backward (false: reduce after it, Megatron-LM 2021)"));
    v.field("tp_comm_overlap", tp_comm_overlap,
            cfg::Field("overlap TP all-gather/reduce-scatter with the neighbouring GEMMs by chunking them (Megatron-Core userbuffers; needs sp)"));
    v.field("tp_comm_chunks", tp_comm_chunks, cfg::Field("chunks per overlapped GEMM and its TP collective").positive());
    v.field("p2p", p2p,
            cfg::Field("pipeline sends between stages: async (overlap compute) or blocking (hold the compute stream until delivered)")
                .one_of({"async", "blocking"}));
    v.field("overlap_moe_comm", overlap_moe_comm,
            cfg::Field("MoE: pair each steady-state forward with the backward next to it so one's all-to-all runs under the "
                       "other's compute (Megatron-Core --overlap-moe-expert-parallel-comm; DeepSeek DualPipe); needs ep > 1"));
    v.field("p2p_scatter_gather", p2p_scatter_gather,
            cfg::Field("without sp: send 1/tp of each pipeline tensor and all-gather it over TP after the receive (Megatron-LM)"));
  }
  void check(const cfg::Checker& c) const;
  int ranks() const { return tp * pp * dp * cp; }
};

struct TrainingSpec {
  std::int64_t micro_batch = 1;
  std::int64_t global_batch = 0;  // 0 = micro_batch * dp (one micro-batch per step)
  std::int64_t seq_len = 2048;
  std::string recompute = "none";  // none, selective, full
  std::string dtype = "bf16";
  double grad_bytes = 2;           // per parameter (ZeRO paper convention: fp16/bf16 gradients)
  double optimizer_bytes = 12;     // per parameter: fp32 master weights + Adam m and v
  bool flash_attention = true;     // fused attention: the s x s scores are never stored
  // Dropout probability (0 = none, as in most modern LLM training; GPT-2/3, Megatron-LM 2021: 0.1).
  // Only whether it is > 0 matters for cost: the ops and masks are the same for any p > 0.
  double dropout = 0;
  // With recompute: selective, which cheap modules are recomputed in the backward instead of
  // stored (Megatron-Core's --recompute-modules): core_attn, layernorm, mla_up_proj, moe_act.
  std::vector<std::string> recompute_modules = {"core_attn"};
  // The loss over the vocabulary (docs/workloads.md, "Loss"): "fp32" = Megatron's vocab-parallel cross
  // entropy (the logits cast to FP32, then max, subtract, exp, sum and normalise as separate passes;
  // the backward scales the saved softmax and casts it back), "fused" = one kernel that reads the
  // logits once and writes their gradient in place (--cross-entropy-loss-fusion, Liger-style).
  std::string cross_entropy = "fp32";
  template <class V>
  void visit(V& v) {
    v.field("cross_entropy", cross_entropy,
            cfg::Field("loss kernel: fp32 (Megatron vocab-parallel cross entropy, unfused FP32 passes) or fused (one pass)")
                .one_of({"fp32", "fused"}));
    v.field("flash_attention", flash_attention, cfg::Field("fused attention that never stores the s x s scores (false: Korthikanti's 5as^2b term)"));
    v.field("dropout", dropout, cfg::Field("dropout probability (attention probabilities, after attention and after the MLP); 0 = none").min(0).max(0.99));
    v.field("recompute_modules", recompute_modules,
            cfg::Field("with recompute: selective, modules recomputed in the backward: core_attn, layernorm, mla_up_proj, moe_act"));
    v.field("micro_batch", micro_batch, cfg::Field("sequences per micro-batch per data-parallel replica").positive());
    v.field("global_batch", global_batch, cfg::Field("sequences per step, whole job (0 = micro_batch x dp)").min(0));
    v.field("seq_len", seq_len, cfg::Field("tokens per sequence").positive());
    v.field("recompute", recompute, cfg::Field("activation recomputation").one_of({"none", "selective", "full"}));
    v.field("dtype", dtype, cfg::Field("datatype of weights, activations and matmuls").one_of({"bf16", "fp16", "fp8", "fp32"}));
    v.field("grad_bytes", grad_bytes, cfg::Field("gradient bytes per parameter").positive());
    v.field("optimizer_bytes", optimizer_bytes, cfg::Field("optimizer-state bytes per parameter (Adam, mixed precision: 12)").min(0));
  }
  void check(const cfg::Checker& c) const;
  // True when `module` is recomputed in the backward (recompute: selective and listed).
  bool recomputes(const std::string& module) const;
};

struct InferenceSpec {
  std::string phase = "decode";   // prefill or decode
  std::int64_t batch = 1;         // sequences in flight
  std::int64_t context = 2048;    // prefill: prompt length; decode: tokens already in the KV cache
  std::int64_t micro_batches = 1; // with PP: the batch split into this many micro-batches
  std::string dtype = "bf16";
  std::string kv_dtype = "bf16";
  bool flash_attention = true;     // fused attention kernels
  template <class V>
  void visit(V& v) {
    v.field("phase", phase, cfg::Field("prefill (whole prompt) or decode (one new token per sequence)").one_of({"prefill", "decode"}));
    v.field("batch", batch, cfg::Field("sequences in flight (whole job, per data-parallel replica x dp)").positive());
    v.field("context", context, cfg::Field("prompt length (prefill) or KV-cache length (decode)").positive());
    v.field("micro_batches", micro_batches, cfg::Field("micro-batches the batch is split into for PP").positive());
    v.field("dtype", dtype, cfg::Field("datatype of weights and matmuls").one_of({"bf16", "fp16", "fp8", "fp32", "int8"}));
    v.field("kv_dtype", kv_dtype, cfg::Field("datatype of the KV cache").one_of({"bf16", "fp16", "fp8", "fp32", "int8"}));
    v.field("flash_attention", flash_attention, cfg::Field("fused attention kernels (FlashDecoding); false: explicit score matmuls and softmax"));
  }
};

struct ScenarioSpec {
  std::string name;
  ModelSpec model;
  ParallelSpec parallel;
  bool training_mode = true;
  TrainingSpec training;
  InferenceSpec inference;
  Bytes hbm;        // 0 = unknown
  std::string source;
};

// Read a scenario file (top-level `scenario:`); model presets resolve relative to the file
// (../models, ./models), then $XPUSIM_MODELS_DIR and ./workloads/models.
ScenarioSpec load_scenario(const std::string& path);
// One override of a scenario key, dotted below `scenario:` ("parallel.tp", "training.micro_batch",
// "model"); `value` is YAML text. Errors name `origin` (e.g. "--vary parallel.tp=3").
struct ScenarioOverride {
  std::string key, value, origin;
};
// load_scenario with overrides applied to the parsed tree (in order) before it is read and checked.
ScenarioSpec load_scenario(const std::string& path, const std::vector<ScenarioOverride>& overrides);
ScenarioSpec read_scenario_text(const std::string& text, const std::string& name, const std::string& dir = ".");
bool looks_like_scenario(const std::string& path);

// Cross-checks between model and layout (divisibility etc.); throws UserError naming the rule.
void check_scenario(const ScenarioSpec& s);

}  // namespace xpu::wl::gen
