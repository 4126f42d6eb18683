// Transformer workload generator: a ScenarioSpec -> per-rank DAGs (wl::Workload).
//
// What one step contains (training):
//  * per micro-batch and model chunk, the forward of each layer: [SP all-gather] norm, QKV matmul,
//    [CP all-gather of K,V], attention scores (batched matmul per KV group), softmax, context
//    matmul, output projection, TP all-reduce [SP reduce-scatter], residual+norm, MLP (or MoE:
//    router, EP all-to-all dispatch, grouped expert matmuls, all-to-all combine, shared experts),
//    TP all-reduce; the embedding on the first chunk and LM head + loss on the last; P2P send/recv
//    of activations between pipeline stages (peers as rank offsets, so all ranks of a stage share
//    one Program);
//  * the backward in reverse with data-gradient and weight-gradient matmuls (2x the forward),
//    recomputation before it (full: the whole layer forward again including its TP collectives;
//    selective: the attention core);
//  * data-parallel gradient reduction per layer after the last micro-batch (all-reduce, or
//    reduce-scatter + all-gather of parameters with ZeRO-1/2; ZeRO-3 gathers parameters before each
//    layer's forward and backward and reduce-scatters gradients every micro-batch), expert
//    gradients over the expert-data-parallel group; an optimizer step (vector op).
//  * pipeline schedules: GPipe (all forwards, then all backwards), 1F1B (warm-up pp-p-1 forwards,
//    steady one-forward-one-backward, cool-down), interleaved 1F1B with vpp chunks per stage
//    (Megatron's order; needs micro-batches divisible by pp).
// Compute nodes of a rank run in schedule order (each depends on the previous one), as a framework
// issues kernels on one stream; collectives block their consumers. DP reductions overlap with the
// remaining backward (parallel.overlap_grad_reduce, default) or run once after it (false). With
// parallel.tp_comm_overlap (needs SP), each TP-sliced GEMM and its SP all-gather / reduce-scatter
// are split into tp_comm_chunks pieces along the tokens so that chunk i's communication overlaps
// chunk i+1's GEMM (Megatron-Core userbuffers). training.dropout > 0 adds Megatron's dropouts
// (attention probabilities when attention is unfused; after the projection and the MLP): read the
// tensor, write it and a 1-byte mask; backward: read gradient and mask, write the gradient.
// training.recompute_modules (with recompute: selective) re-runs the listed modules' forward ops in
// the backward: core_attn, layernorm, mla_up_proj, moe_act.
// Inference: one forward step (prefill of `context` tokens, or one decode token per sequence
// attending to a KV cache of `context`), micro-batched across PP stages.
//
// Collective sizes follow the nccl-tests convention (docs/workloads.md): all-reduce the buffer,
// all-gather the gathered output, reduce-scatter the full input, all-to-all the send buffer.
// Not modelled: causal-mask savings in attention, vocab-parallel cross-entropy all-reduces, the
// SP all-gather repeated in the backward for weight gradients, embedding-gradient all-reduce of tied
// embeddings across the first and last stage, MoE load imbalance (routing is uniform), expert TP.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/workload/generator/scenario.h"
#include "sim/workload/ir.h"

namespace xpu::wl::gen {

// Layers of each model chunk: chunk k = v*pp + p lives on stage p as its v-th virtual chunk.
struct ChunkLayers {
  std::int64_t first = 0, count = 0;
};
std::vector<ChunkLayers> chunk_layers(std::int64_t layers, int pp, int vpp);
// Vocabulary padded to a multiple of 128*tp (Megatron's make-vocab-size-divisible-by).
std::int64_t padded_vocab(std::int64_t vocab, int tp);
std::int64_t micro_batches_per_step(const ScenarioSpec& s);

// The generator. Fills Workload::step and Workload::footprint; the result is validated.
Workload generate_transformer(const ScenarioSpec& s);

}  // namespace xpu::wl::gen
