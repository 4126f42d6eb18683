// Trace IR: what every workload source (native YAML/JSONL traces, Chakra ET, the transformer
// generator) turns into, and what the cluster engine executes.
//
// A Workload has `num_ranks` ranks. Ranks that run the same program share one `Program` (a DAG of
// Nodes): `program_of_rank[r]` says which. This is how symmetry is exploited: a 512-rank
// data-parallel job holds one program, not 512 copies.
//
// Communicators are `GroupSet`s: a named partition of (some of) the ranks into subsets, e.g. the
// tensor-parallel groups {0..7}, {8..15}, ... A collective names a GroupSet; on rank r it runs on
// the subset that contains r. So one shared program can say "all-reduce over my TP group".
// Point-to-point ops name a peer either absolutely or as an offset from the executing rank.
//
// Nodes reference their dependencies by index into `Program::nodes`; `validate()` rejects dangling
// references and cycles, and computes a topological order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/dtype.h"
#include "sim/core/error.h"
#include "sim/core/units.h"

namespace xpu::wl {

// The most work one op may carry (1e18 FLOP, an exaFLOP): at 1 TFLOP/s that is 1e6 s, inside the
// simulator's time range (int64 picoseconds, about 100 days). Readers refuse larger ops.
inline constexpr double kMaxOpFlops = 1.0e18;


using RankId = std::int32_t;
using NodeIndex = std::uint32_t;

enum class NodeKind {
  Gemm,        // (batched) matrix multiply: C[b,m,n] = A[b,m,k] * B[b,k,n]
  Vector,      // elementwise / reduction / normalisation work on the vector unit
  MemCopy,     // a copy through the memory system (HBM to HBM, or host/device)
  Collective,  // a collective over a communicator
  Send,        // point-to-point send
  Recv,        // point-to-point receive
  Delay,       // fixed-duration compute (e.g. a Chakra node with only a recorded duration)
  Attention,   // fused (FlashAttention-style) attention core: softmax(Q K^T) V, forward or backward
};
enum class CollKind { AllReduce, AllGather, ReduceScatter, AllToAll, Broadcast, Reduce };
enum class StreamKind { Compute, Comm };

const char* node_kind_name(NodeKind k);
// Collectives and point-to-point ops: the nodes a communication model, not a compute model, costs.
inline bool is_communication(NodeKind k) {
  return k == NodeKind::Collective || k == NodeKind::Send || k == NodeKind::Recv;
}
const char* coll_kind_name(CollKind k);
const char* stream_name(StreamKind s);
bool parse_coll_kind(const std::string& s, CollKind& out);

struct GemmOp {
  std::int64_t m = 0, n = 0, k = 0;
  std::int64_t batch = 1;
  DType dtype = DType::BF16;
  Flops flops() const { return Flops(2.0 * double(batch) * double(m) * double(n) * double(k)); }
  // Minimum HBM traffic: read A and B once, write C once.
  Bytes min_bytes() const {
    return Bytes(double(batch) * (double(m) * double(k) + double(k) * double(n) + double(m) * double(n)) *
                 dtype_bytes(dtype));
  }
};

// Fused attention over `heads` query heads sharing `kv_heads` K/V heads (GQA/MQA), q_len queries
// against kv_len keys per sequence, for `batch` sequences. FLOPs follow the matmul convention the
// standard formulas (Megatron, 6N+attention) use: 2*b*h*q*kv*(qk_dim + v_dim) forward, counted in
// full even when causal masking lets a kernel skip half; backward counts twice the forward (dQ, dK,
// dV, dP). The time a chip needs is the compute model's business (docs/models/compute.md).
struct AttentionOp {
  std::int64_t batch = 1, heads = 1, kv_heads = 1;
  std::int64_t q_len = 1, kv_len = 1;
  std::int64_t head_dim = 128;  // Q/K head dimension
  std::int64_t v_dim = 0;       // V head dimension (0 = head_dim)
  bool causal = false;
  bool backward = false;
  DType dtype = DType::BF16;
  std::int64_t vdim() const { return v_dim > 0 ? v_dim : head_dim; }
  Flops flops() const {
    double f = 2.0 * double(batch) * double(heads) * double(q_len) * double(kv_len) * double(head_dim + vdim());
    return Flops(backward ? 2.0 * f : f);
  }
};

struct VectorOp {
  std::string op_class = "elementwise";  // elementwise, reduction, softmax, layernorm, rmsnorm, gelu, silu, ...
  Bytes bytes;                           // bytes moved to/from memory
  Flops flops;
  DType dtype = DType::BF16;
};

struct CopyOp {
  Bytes bytes;
  std::string direction = "d2d";  // d2d, h2d, d2h
};

struct CollOp {
  CollKind kind = CollKind::AllReduce;
  // Size S as nccl-tests counts it: all-reduce, broadcast, reduce: the buffer; all-gather: the
  // gathered output (n x each rank's part); reduce-scatter: the input (n x each rank's result);
  // all-to-all: one rank's whole send buffer (S/n to each peer).
  Bytes bytes;
  int group_set = 0; // index into Workload::group_sets
  RankId root = 0;   // for broadcast / reduce: index within the group
};

struct P2POp {
  RankId peer = -1;      // absolute peer rank, or -1 when `offset` is used
  RankId offset = 0;     // peer = executing rank + offset (when peer == -1)
  std::int64_t tag = 0;
  Bytes bytes;
  RankId resolve(RankId self) const { return peer >= 0 ? peer : self + offset; }
};

struct Node {
  std::string name;
  NodeKind kind = NodeKind::Delay;
  StreamKind stream = StreamKind::Compute;
  GemmOp gemm;
  AttentionOp attn;
  VectorOp vec;
  CopyOp copy;
  CollOp coll;
  P2POp p2p;
  Seconds duration;     // Delay nodes; also a recorded duration kept for reference
  Flops flops_hint;     // recorded op count (Chakra num_ops) when no shape is known
  std::vector<NodeIndex> deps;
  SourceLoc loc;        // where the node was defined (for error messages)
};

struct Program {
  std::string name;
  std::vector<Node> nodes;
  std::vector<NodeIndex> topo_order;  // filled by validate()
};

struct GroupSet {
  std::string name;
  std::vector<std::vector<RankId>> groups;  // disjoint subsets of ranks
  // rank -> index of its subset in `groups`, -1 when the rank is in none (filled by validate()).
  std::vector<int> group_of_rank;
};

// Per-step figures a generator knows and a raw trace does not (0 = unknown).
struct StepInfo {
  Flops model_flops;      // useful model FLOPs of one step, whole job (for MFU)
  Flops hardware_flops;   // including recomputation (for HFU)
  double tokens = 0;      // tokens processed per step, whole job
  double samples = 0;     // sequences per step, whole job
};

// Per-rank HBM footprint (the largest rank), by item (weights, gradients, optimizer, activations, KV cache).
struct FootprintItem {
  std::string name;
  Bytes bytes;
};

struct Workload {
  std::string name;
  std::string source;  // file it came from
  RankId num_ranks = 1;
  std::vector<Program> programs;
  std::vector<int> program_of_rank;  // size num_ranks
  std::vector<GroupSet> group_sets;  // index 0 is conventionally "all"
  std::vector<std::string> notes;    // reader remarks shown in the report (e.g. fallbacks taken)
  StepInfo step;
  std::vector<FootprintItem> footprint;  // empty when unknown
  // Symmetry reduction (optional): representative[r] is the rank whose timeline rank r is assumed to
  // repeat exactly (same program, same arrival times at every collective). Only representatives
  // (representative[r] == r) are simulated; a collective starts when all *simulated* members of its
  // group have arrived, and the communication model still moves the whole group's data. Empty =
  // simulate every rank. See docs/engine.md, "Symmetry".
  std::vector<RankId> representative;

  // Add (or find) the group set containing all ranks; returns its index.
  int group_all();
  int find_group_set(const std::string& name) const;
};

// Check structure and fill derived fields (topo orders, group_of_rank). Throws ConfigError naming
// the node (and its source location, when known) for: dependency on a missing node, a cycle, a
// collective whose group set does not contain the executing rank, a peer out of range, ranks
// without a program.
void validate(Workload& w);

// Total compute work of one rank's program (for reports).
Flops program_flops(const Program& p);

}  // namespace xpu::wl
