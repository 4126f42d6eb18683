// The chip model: what one op costs on one chip. Pure functions (no SystemC, no simulated time),
// deterministic, cheap enough to call per distinct op; the cluster engine caches them in OpCache and
// replays the latencies.
//
//   simulate_gemm       (batched) GEMM tiled over the cores and their buffers by a mapper, each core
//                       running load -> compute -> store with double buffering (pipeline.h); the matrix
//                       unit's cycles per step follow the systolic schedule (systolic.h); DMA traffic
//                       shares the memory port's achievable bandwidth across all cores, and a global
//                       buffer (L2) lets concurrently running tiles share operand panels.
//   simulate_vector     element-wise / row-wise vector ops (softmax, norms, activations, reductions),
//                       costed by the chip's op-class table (chip.vector.ops).
//   simulate_attention  fused FlashAttention-style attention: a Q block against K/V blocks with online
//                       softmax; GQA heads packed into one block; KV split across cores for decode.
// Every result carries the mapping chosen, bytes moved per level and whether the op is compute- or
// memory-bound. Equations, assumptions and the calibration table: docs/models/compute.md.
// Kernel effects (chip.kernel: launch overhead, dispatch floor, achieved memory efficiency, per-tile
// overhead, tile menu) are applied here, so every caller sees them; docs/models/compute.md §5b.
// Not modelled: bank conflicts in on-chip buffers, L1->L0 transfer time (assumed hidden behind the
// matrix unit), instruction issue, power/clock throttling beyond chip.sustained_clock.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "sim/chip/chip_spec.h"
#include "sim/core/dtype.h"
#include "sim/core/units.h"
#include "sim/memory/memory_port.h"

namespace xpu::chip {

struct GemmShape {
  std::int64_t m = 0, n = 0, k = 0;
  std::int64_t batch = 1;         // independent GEMMs of the same shape (each with its own A and B)
  DType dtype = DType::BF16;
  void validate() const;          // UserError on zero/negative dims
  std::string canonical() const;  // "gemm M=.. N=.. K=.. B=.. dtype=.."
};

struct VectorOpDesc {
  std::string op_class = "elementwise";  // a key of chip.vector.ops
  std::int64_t elements = 0;             // elements of the op's (largest) tensor
  std::int64_t row_length = 0;           // elements per row for row-wise ops (0 = flat)
  DType dtype = DType::BF16;
  void validate() const;
  std::string canonical() const;
};

struct AttentionShape {
  std::int64_t batch = 1, heads = 0, kv_heads = 0;  // kv_heads divides heads (GQA / MQA)
  std::int64_t q_len = 0, kv_len = 0, head_dim = 0; // q_len = 1 for decode
  bool causal = false;                              // query i sees keys up to i + (kv_len - q_len)
  DType dtype = DType::BF16;
  bool backward = false;                            // the backward kernel (dQ, dK, dV): 2.5 x the forward's FLOPs
  void validate() const;
  std::string canonical() const;
};

// Bytes moved per level of the hierarchy during one op.
struct LevelBytes {
  Bytes hbm_read, hbm_write;   // through the memory port
  Bytes global_to_l1;          // DMA fills of the cores' L1 (from the global buffer / L2 or HBM)
  Bytes l1_to_global;          // DMA drains of results
  Bytes l0_operands;           // operand reads by the matrix unit (L1/L0 -> PEs)
  Bytes l0_accumulator;        // partial-sum traffic through the accumulators
};

struct OpResult {
  std::string op;              // canonical op text
  Cycles cycles;               // core clock cycles, op start to last result stored
  Seconds time;
  Flops flops;                 // useful FLOP (2 per MAC; attention: its two matmuls)
  Bytes hbm_bytes;             // read + write
  double utilization = 0.0;    // flops / (peak of the op's unit and dtype * time)
  std::string bound;           // "compute" or "memory"
  std::string mapping;         // the mapper's choice, human-readable
  LevelBytes bytes;
  Cycles compute_cycles;       // busy cycles of the compute unit on the critical core
  Cycles dma_cycles;           // busy cycles of the load queue on the critical core
  std::int64_t cores_used = 0;
  std::int64_t steps_simulated = 0;  // pipeline steps evaluated (a measure of simulation work)
};

// Vector-unit cycles per element on one core for op class `c` and dtype `d` (see vector.cpp).
double vector_cycles_per_element(const ChipSpec& chip, const VectorOpClassSpec& c, DType d);

struct SimOptions {
  bool extrapolate = true;  // steady-state extrapolation of identical tiles (exact); false = every tile
};

OpResult simulate_gemm(const ChipSpec& chip, const mem::MemoryPort& port, const GemmShape& g,
                       const SimOptions& opt = {});
OpResult simulate_vector(const ChipSpec& chip, const mem::MemoryPort& port, const VectorOpDesc& v,
                         const SimOptions& opt = {});
OpResult simulate_attention(const ChipSpec& chip, const mem::MemoryPort& port, const AttentionShape& a,
                            const SimOptions& opt = {});

// Op-latency cache for one chip configuration behind one memory port: each distinct op is simulated
// once, later calls return the stored result. The key is the op's canonical text; the chip part of
// the key (a 64-bit FNV-1a hash of the resolved chip config and the port's figures) is fixed at
// construction and checked against the chip passed in debug builds of the engine via chip_key().
// Thread-compatible (no internal locking: one cache per thread, or lock around it); deterministic.
class OpCache {
 public:
  OpCache(const ChipSpec& chip, const mem::MemoryPort& port, SimOptions opt = {});
  const OpResult& gemm(const GemmShape& g);
  const OpResult& vector(const VectorOpDesc& v);
  const OpResult& attention(const AttentionShape& a);
  std::size_t hits() const { return hits_; }
  std::size_t misses() const { return misses_; }
  std::size_t size() const { return map_.size(); }
  const std::string& chip_key() const { return chip_key_; }
  static std::string key_of(const ChipSpec& chip, const mem::MemoryPort& port);

 private:
  template <class F>
  const OpResult& lookup(const std::string& op, F&& compute);
  const ChipSpec& chip_;
  const mem::MemoryPort& port_;
  SimOptions opt_;
  std::string chip_key_;
  std::map<std::string, OpResult> map_;
  std::size_t hits_ = 0, misses_ = 0;
};

}  // namespace xpu::chip
