// Op descriptions as text, for the CLI (`xpusim op`) and tests:
//   gemm M=4096 N=4096 K=4096 [B=1] [dtype=bf16]
//   conv H=224 W=224 C=3 F=64 FH=7 FW=7 [stride=1] [B=1] [dtype=bf16] [rounding=floor|scalesim]
//        (lowered to a GEMM by im2col, see systolic.h)
//   attention B=1 H=32 KVH=8 S=4096 KV=4096 D=128 [causal=0|1] [dtype=bf16]
//   <vector class> N=<elements> | rows=R cols=C   [dtype=bf16]   (softmax, layernorm, rmsnorm, gelu,
//        silu, swiglu, elementwise, unary, reduction, copy, rope, ...: the keys of chip.vector.ops)
// Keys are case-insensitive; values are plain decimal integers (dtype, rounding: names).
// Errors (unknown op, unknown or repeated key, zero or malformed number, unknown dtype) are UserError
// naming the token.
#pragma once

#include <string>

#include "sim/chip/chip_model.h"

namespace xpu::chip {

struct OpDesc {
  enum class Kind { Gemm, Vector, Attention };
  Kind kind = Kind::Gemm;
  GemmShape gemm;
  VectorOpDesc vector;
  AttentionShape attention;
  std::string note;  // e.g. how a conv was lowered
};

OpDesc parse_op(const std::string& text);
OpResult simulate_op(const ChipSpec& chip, const mem::MemoryPort& port, const OpDesc& op, const SimOptions& opt = {});

}  // namespace xpu::chip
