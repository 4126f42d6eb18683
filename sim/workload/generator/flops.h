// FLOP accounting with the formulas published results use, so that MFU figures compare.
//
//  * Megatron-LM (Narayanan et al., SC'21, arXiv 2104.04473, eq. 3), GPT with full activation
//    recomputation, per step of B sequences of length s, l layers, width h, vocab V:
//        F = 96 B s l h^2 (1 + s/(6h) + V/(16 l h))
//    Without recomputation the forward of every layer runs once less:
//        F = 72 B s l h^2 (1 + s/(6h) + V/(12 l h))
//    (each counts the s x s attention matmuls in full, i.e. without causal savings, and 4h MLPs).
//  * "6N": training FLOPs of a dense model = 6 N tokens plus the attention term 12 l h s per token
//    (PaLM, Chowdhery et al. 2022, appendix B; Kaplan et al. 2020), N = parameters excluding the
//    embedding (but including the LM head when untied).
// The generator counts matmuls exactly; its per-step figures reduce to these for GPT shapes
// (tests/unit/test_workload_generator.cpp).
#pragma once

#include "sim/core/units.h"
#include "sim/workload/generator/model.h"

namespace xpu::wl::gen {

Flops megatron_gpt_flops(double batch, double seq, double layers, double hidden, double vocab, bool full_recompute);
Flops six_n_flops(double params, double tokens, double layers, double hidden, double seq);

// Forward matmul FLOPs of one sequence of `seq` tokens through the whole model (all layers, LM head;
// attention over the full s x s as in the formulas above; MoE counts top_k + shared experts).
Flops forward_flops_per_sequence(const ModelSpec& m, double seq, double vocab_padded);

}  // namespace xpu::wl::gen
