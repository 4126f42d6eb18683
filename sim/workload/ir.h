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
// A Program is compact: its work is stored once per distinct *block* and repeated by *instances*.
// A block is a contiguous run of nodes (the generator cuts one per micro-batch pass through a
// layer, plus the pieces between layers); an instance places a block in the program and says which
// micro-batch and layer it is, which only changes node names and point-to-point tags. Memory grows
// with the distinct work (blocks) plus 24 bytes per instance, not with micro-batches x layers. The
// program a reader or the engine sees is the *expanded* one: node g of the program is node
// g - first of the instance holding it, with its name, tag and dependencies resolved (NodeRef).
// The engine walks the expanded program lazily (docs/engine.md, "Compact programs"); `expand()`
// materialises it for writers and tests. A trace read from a file is one literal block.
//
// Nodes reference their dependencies by index into the expanded program; `validate()` rejects
// dangling references and cycles.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
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
// The most nodes one expanded program may have (node indices are 32-bit).
inline constexpr NodeIndex kMaxProgramNodes = NodeIndex(1) << 31;

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

// One node with its payload. In a builder or an expanded program (`Program::expand`, the readers'
// input to `Program::from_nodes`) names, tags and `deps` (indices of earlier or later nodes) are
// literal; inside a Block they are templates (see Block).
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

// A run of nodes stored once and placed by one or more instances.
//  * deps: with `back` set (generated blocks), deps[k] is the distance back from the node to its
//    dependency in the expanded program (> 0; it may reach into earlier instances). Without it
//    (literal blocks: a trace read from a file, used by one instance), deps[k] is the dependency's
//    index within the block, earlier or later.
//  * names: `mb_at` / `layer_at` (>= 0) are the positions in the template name where the instance's
//    micro-batch and layer numbers are inserted; -1: the name is literal.
//  * tags: a point-to-point node's tag is the template tag plus the instance's tag_offset.
struct Block {
  std::vector<Node> nodes;
  std::vector<std::int16_t> mb_at, layer_at;  // per node
  bool back = false;
};

struct Instance {
  std::uint32_t block = 0;
  NodeIndex first = 0;  // index of its first node in the expanded program
  std::int32_t mb = -1, layer = -1;
  std::int64_t tag_offset = 0;
};

struct Program;

// A node of the expanded program: the template payload plus what the instance resolves.
struct NodeRef {
  const Program* prog = nullptr;
  const Node* node = nullptr;  // payload (name/tag/deps are templates: use the methods)
  NodeIndex index = 0;
  std::uint32_t inst = 0, local = 0;
  const Node* operator->() const { return node; }
  const Node& operator*() const { return *node; }
  std::string name() const;
  std::int64_t tag() const;
  std::size_t num_deps() const { return node->deps.size(); }
  NodeIndex dep(std::size_t k) const;
  Node materialise() const;  // a copy with name, tag and deps resolved
};

struct Program {
  std::string name;
  std::vector<Block> blocks;
  std::vector<Instance> instances;  // in program order, each starting where the previous ends

  // Nodes in the expanded program.
  NodeIndex size() const { return total_; }
  // The instance holding expanded node g (binary search).
  std::uint32_t locate(NodeIndex g) const;
  NodeRef node(NodeIndex g) const;
  NodeRef node(std::uint32_t inst, std::uint32_t local) const;
  // Every node with names, tags and dependencies resolved (memory: the whole expanded program).
  std::vector<Node> expand() const;
  // How many instances place each block.
  std::vector<std::uint64_t> instance_counts() const;
  // A program of literal nodes (deps: indices into `nodes`): one block, one instance.
  static Program from_nodes(std::string name, std::vector<Node> nodes);
  void add_instance(std::uint32_t block, std::int32_t mb, std::int32_t layer, std::int64_t tag_offset);

 private:
  NodeIndex total_ = 0;
};

// Builds a compact program: nodes are pushed with absolute (expanded) dependencies and literal
// names; `cut()` closes the run pushed since the previous cut as one instance of a block, stored
// once when an identical block (same payloads, dependency distances, name and tag templates) exists.
// The expanded program is exactly the sequence of pushed nodes, whatever the cuts.
class ProgramBuilder {
 public:
  explicit ProgramBuilder(std::string name);
  NodeIndex size() const { return next_; }
  // Append a node; its deps must be earlier nodes. Returns its index.
  NodeIndex push(Node n);
  // Close the open run. Names `<phase><mb>.<layer>.…` (phase f, b or r) become templates of the
  // instance's micro-batch and layer (mb/layer < 0: names stay literal); tags are stored relative
  // to tag_offset.
  void cut(std::int64_t mb = -1, std::int64_t layer = -1, std::int64_t tag_offset = 0);
  Program finish();

 private:
  Program prog_;
  std::vector<Node> open_;
  NodeIndex next_ = 0;
  std::unordered_map<std::string, std::uint32_t> index_;  // serialised block -> its index
  std::string scratch_;
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

// Append a byte string of a node's kind, stream and payload (not its name, deps or location) to s:
// equal for two nodes exactly when they describe the same work.
void append_payload_key(std::string& s, const Node& n);

// Check structure and fill derived fields (group_of_rank). Throws ConfigError naming
// the node (and its source location, when known) for: dependency on a missing node, a cycle, a
// collective whose group set does not contain the executing rank, a peer out of range, ranks
// without a program.
void validate(Workload& w);

// Total compute work of one rank's program (for reports).
Flops program_flops(const Program& p);

}  // namespace xpu::wl
