#include "sim/workload/ir.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <queue>

namespace xpu::wl {

const char* node_kind_name(NodeKind k) {
  switch (k) {
    case NodeKind::Gemm: return "gemm";
    case NodeKind::Vector: return "vector";
    case NodeKind::MemCopy: return "memcpy";
    case NodeKind::Collective: return "collective";
    case NodeKind::Send: return "send";
    case NodeKind::Recv: return "recv";
    case NodeKind::Delay: return "delay";
    case NodeKind::Attention: return "attention";
  }
  return "?";
}

const char* coll_kind_name(CollKind k) {
  switch (k) {
    case CollKind::AllReduce: return "allreduce";
    case CollKind::AllGather: return "allgather";
    case CollKind::ReduceScatter: return "reducescatter";
    case CollKind::AllToAll: return "alltoall";
    case CollKind::Broadcast: return "broadcast";
    case CollKind::Reduce: return "reduce";
  }
  return "?";
}

bool parse_coll_kind(const std::string& s, CollKind& out) {
  static const std::pair<const char*, CollKind> names[] = {
      {"allreduce", CollKind::AllReduce},         {"all_reduce", CollKind::AllReduce},
      {"allgather", CollKind::AllGather},         {"all_gather", CollKind::AllGather},
      {"reducescatter", CollKind::ReduceScatter}, {"reduce_scatter", CollKind::ReduceScatter},
      {"alltoall", CollKind::AllToAll},           {"all_to_all", CollKind::AllToAll},
      {"broadcast", CollKind::Broadcast},         {"reduce", CollKind::Reduce}};
  for (const auto& [n, k] : names)
    if (s == n) { out = k; return true; }
  return false;
}

const char* stream_name(StreamKind s) { return s == StreamKind::Compute ? "compute" : "comm"; }

int Workload::find_group_set(const std::string& n) const {
  for (size_t i = 0; i < group_sets.size(); ++i)
    if (group_sets[i].name == n) return static_cast<int>(i);
  return -1;
}

int Workload::group_all() {
  int g = find_group_set("all");
  if (g >= 0) return g;
  GroupSet s;
  s.name = "all";
  s.groups.emplace_back();
  for (RankId r = 0; r < num_ranks; ++r) s.groups[0].push_back(r);
  group_sets.push_back(std::move(s));
  return static_cast<int>(group_sets.size() - 1);
}

namespace {
template <class T>
void put(std::string& s, const T& v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  s.append(buf, sizeof(T));
}
void put_str(std::string& s, const std::string& v) {
  put(s, static_cast<std::uint32_t>(v.size()));
  s += v;
}
}  // namespace

void append_payload_key(std::string& s, const Node& n) {
  put(s, static_cast<int>(n.kind));
  put(s, static_cast<int>(n.stream));
  switch (n.kind) {
    case NodeKind::Gemm:
      put(s, n.gemm.m); put(s, n.gemm.n); put(s, n.gemm.k); put(s, n.gemm.batch);
      put(s, static_cast<int>(n.gemm.dtype));
      break;
    case NodeKind::Vector:
      put_str(s, n.vec.op_class); put(s, n.vec.bytes.value()); put(s, n.vec.flops.value());
      put(s, static_cast<int>(n.vec.dtype));
      break;
    case NodeKind::MemCopy:
      put(s, n.copy.bytes.value()); put_str(s, n.copy.direction);
      break;
    case NodeKind::Collective:
      put(s, static_cast<int>(n.coll.kind)); put(s, n.coll.bytes.value()); put(s, n.coll.group_set);
      put(s, n.coll.root);
      break;
    case NodeKind::Send:
    case NodeKind::Recv:
      put(s, n.p2p.peer); put(s, n.p2p.offset); put(s, n.p2p.tag); put(s, n.p2p.bytes.value());
      break;
    case NodeKind::Attention:
      put(s, n.attn.batch); put(s, n.attn.heads); put(s, n.attn.kv_heads); put(s, n.attn.q_len);
      put(s, n.attn.kv_len); put(s, n.attn.head_dim); put(s, n.attn.v_dim);
      put(s, static_cast<int>(n.attn.causal)); put(s, static_cast<int>(n.attn.backward));
      put(s, static_cast<int>(n.attn.dtype));
      break;
    case NodeKind::Delay:
      break;
  }
  put(s, n.duration.value());
  put(s, n.flops_hint.value());
}

// ---- Program ----

std::string NodeRef::name() const {
  const Instance& in = prog->instances[inst];
  const Block& b = prog->blocks[in.block];
  const int ma = b.mb_at[local], la = b.layer_at[local];
  if (ma < 0 && la < 0) return node->name;
  std::string s = node->name;
  if (la >= 0) s.insert(static_cast<size_t>(la), std::to_string(in.layer));  // la > ma: insert it first
  if (ma >= 0) s.insert(static_cast<size_t>(ma), std::to_string(in.mb));
  return s;
}

std::int64_t NodeRef::tag() const { return node->p2p.tag + prog->instances[inst].tag_offset; }

NodeIndex NodeRef::dep(std::size_t k) const {
  const Instance& in = prog->instances[inst];
  const NodeIndex d = node->deps[k];
  return prog->blocks[in.block].back ? index - d : in.first + d;
}

Node NodeRef::materialise() const {
  Node n = *node;
  n.name = name();
  if (n.kind == NodeKind::Send || n.kind == NodeKind::Recv) n.p2p.tag = tag();
  for (std::size_t k = 0; k < n.deps.size(); ++k) n.deps[k] = dep(k);
  return n;
}

std::uint32_t Program::locate(NodeIndex g) const {
  auto it = std::upper_bound(instances.begin(), instances.end(), g,
                             [](NodeIndex v, const Instance& in) { return v < in.first; });
  return static_cast<std::uint32_t>(it - instances.begin() - 1);
}

NodeRef Program::node(std::uint32_t inst, std::uint32_t local) const {
  const Instance& in = instances[inst];
  return NodeRef{this, &blocks[in.block].nodes[local], in.first + local, inst, local};
}

NodeRef Program::node(NodeIndex g) const {
  const std::uint32_t i = locate(g);
  return node(i, g - instances[i].first);
}

std::vector<Node> Program::expand() const {
  std::vector<Node> out;
  out.reserve(total_);
  for (std::uint32_t i = 0; i < instances.size(); ++i) {
    const auto& b = blocks[instances[i].block];
    for (std::uint32_t j = 0; j < b.nodes.size(); ++j) out.push_back(node(i, j).materialise());
  }
  return out;
}

std::vector<std::uint64_t> Program::instance_counts() const {
  std::vector<std::uint64_t> c(blocks.size(), 0);
  for (const auto& in : instances) ++c[in.block];
  return c;
}

void Program::add_instance(std::uint32_t block, std::int32_t mb, std::int32_t layer, std::int64_t tag_offset) {
  const auto n = static_cast<std::uint64_t>(blocks.at(block).nodes.size());
  if (std::uint64_t(total_) + n > std::uint64_t(kMaxProgramNodes))
    throw UserError("program '" + name + "' would have more than " + std::to_string(kMaxProgramNodes) +
                    " nodes (expanded); reduce the micro-batches or layers per stage");
  instances.push_back(Instance{block, total_, mb, layer, tag_offset});
  total_ += static_cast<NodeIndex>(n);
}

Program Program::from_nodes(std::string name, std::vector<Node> nodes) {
  Program p;
  p.name = std::move(name);
  Block b;
  b.mb_at.assign(nodes.size(), -1);
  b.layer_at.assign(nodes.size(), -1);
  b.nodes = std::move(nodes);
  p.blocks.push_back(std::move(b));
  p.add_instance(0, -1, -1, 0);
  return p;
}

// ---- ProgramBuilder ----

ProgramBuilder::ProgramBuilder(std::string name) { prog_.name = std::move(name); }

NodeIndex ProgramBuilder::push(Node n) {
  for (NodeIndex d : n.deps)
    if (d >= next_) throw InternalError("ProgramBuilder: node '" + n.name + "' depends on a later node");
  open_.push_back(std::move(n));
  return next_++;
}

namespace {
// "<phase><mb>.<layer>." at the start of a generated name: the digits of mb (and layer) are removed
// and their positions returned; -1 when the name does not carry them.
void template_name(std::string& name, std::int64_t mb, std::int64_t layer, std::int16_t& ma, std::int16_t& la) {
  ma = la = -1;
  if (mb < 0 || name.size() < 3 || (name[0] != 'f' && name[0] != 'b' && name[0] != 'r')) return;
  char M[24], L[24];
  const size_t nm = static_cast<size_t>(std::to_chars(M, M + sizeof M, mb).ptr - M);
  if (name.size() <= 1 + nm || name.compare(1, nm, M, nm) != 0 || name[1 + nm] != '.') return;
  const size_t nl = layer < 0 ? 0 : static_cast<size_t>(std::to_chars(L, L + sizeof L, layer).ptr - L);
  const bool with_layer = layer >= 0 && name.size() > 2 + nm + nl && name.compare(2 + nm, nl, L, nl) == 0 &&
                          name[2 + nm + nl] == '.';
  // Remove the layer digits first (they follow the micro-batch's), then the micro-batch's.
  if (with_layer) {
    name.erase(2 + nm, nl);
    la = 2;
  }
  name.erase(1, nm);
  ma = 1;
}
}  // namespace

void ProgramBuilder::cut(std::int64_t mb, std::int64_t layer, std::int64_t tag_offset) {
  if (open_.empty()) return;
  const NodeIndex first = next_ - static_cast<NodeIndex>(open_.size());
  Block b;
  b.back = true;
  b.mb_at.resize(open_.size());
  b.layer_at.resize(open_.size());
  std::string& key = scratch_;
  key.clear();
  for (std::size_t i = 0; i < open_.size(); ++i) {
    Node& n = open_[i];
    const NodeIndex g = first + static_cast<NodeIndex>(i);
    for (NodeIndex& d : n.deps) d = g - d;
    template_name(n.name, mb, layer, b.mb_at[i], b.layer_at[i]);
    if (n.kind == NodeKind::Send || n.kind == NodeKind::Recv) n.p2p.tag -= tag_offset;
    put_str(key, n.name);
    put(key, b.mb_at[i]);
    put(key, b.layer_at[i]);
    append_payload_key(key, n);
    put(key, static_cast<std::uint32_t>(n.deps.size()));
    for (NodeIndex d : n.deps) put(key, d);
  }
  auto it = index_.find(key);
  if (it == index_.end()) {
    it = index_.emplace(key, static_cast<std::uint32_t>(prog_.blocks.size())).first;
    b.nodes = std::move(open_);
    prog_.blocks.push_back(std::move(b));
  }
  open_.clear();
  prog_.add_instance(it->second, static_cast<std::int32_t>(mb), static_cast<std::int32_t>(layer), tag_offset);
}

Program ProgramBuilder::finish() {
  cut();
  index_.clear();
  Program p = std::move(prog_);
  prog_ = Program{};
  return p;
}

namespace {

[[noreturn]] void fail_node(const Program& p, const NodeRef& n, const std::string& msg) {
  throw ConfigError(n->loc, "node '" + n.name() + "' (program '" + p.name + "')", msg);
}

// A literal block (a trace read from a file) may name later nodes: check that its dependencies
// exist and form no cycle (Kahn's algorithm; the cycle is named when one remains).
void check_literal_block(const Program& p, std::uint32_t inst) {
  const Block& b = p.blocks[p.instances[inst].block];
  const size_t n = b.nodes.size();
  std::vector<std::uint32_t> indeg(n, 0);
  std::vector<std::vector<NodeIndex>> out(n);
  bool forward = false;
  for (size_t i = 0; i < n; ++i) {
    for (NodeIndex d : b.nodes[i].deps) {
      if (d >= n)
        fail_node(p, p.node(inst, static_cast<std::uint32_t>(i)),
                  "depends on node #" + std::to_string(d) + ", which does not exist");
      if (d == i) fail_node(p, p.node(inst, static_cast<std::uint32_t>(i)), "depends on itself");
      forward |= d > i;
      out[d].push_back(static_cast<NodeIndex>(i));
      ++indeg[i];
    }
  }
  if (!forward) return;  // every dependency is an earlier node: no cycle
  std::vector<NodeIndex> ready;
  for (size_t i = 0; i < n; ++i)
    if (indeg[i] == 0) ready.push_back(static_cast<NodeIndex>(i));
  std::vector<char> done(n, 0);
  size_t ndone = 0;
  while (!ready.empty()) {
    NodeIndex i = ready.back();
    ready.pop_back();
    done[i] = 1;
    ++ndone;
    for (NodeIndex j : out[i])
      if (--indeg[j] == 0) ready.push_back(j);
  }
  if (ndone == n) return;
  // Name one node on a cycle: follow unfinished deps until a node repeats.
  NodeIndex cur = 0;
  while (done[cur]) ++cur;
  std::vector<int> seen(n, -1);
  std::vector<NodeIndex> path;
  while (seen[cur] < 0) {
    seen[cur] = static_cast<int>(path.size());
    path.push_back(cur);
    for (NodeIndex d : b.nodes[cur].deps)
      if (!done[d]) { cur = d; break; }
  }
  std::string cyc;
  for (size_t k = static_cast<size_t>(seen[cur]); k < path.size(); ++k) cyc += "'" + p.node(inst, path[k]).name() + "' -> ";
  cyc += "'" + p.node(inst, cur).name() + "'";
  fail_node(p, p.node(inst, cur), "dependency cycle: " + cyc + " (each waits on the next)");
}

// Dependencies of every node exist. Generated blocks name earlier nodes only (distance > 0), so no
// cycle is possible; a literal block is checked in full.
void check_program(const Program& p) {
  NodeIndex expect = 0;
  for (std::uint32_t i = 0; i < p.instances.size(); ++i) {
    const Instance& in = p.instances[i];
    XPU_ASSERT(in.block < p.blocks.size() && in.first == expect, "malformed program instances");
    const Block& b = p.blocks[in.block];
    expect += static_cast<NodeIndex>(b.nodes.size());
    if (!b.back) { check_literal_block(p, i); continue; }
    for (std::uint32_t j = 0; j < b.nodes.size(); ++j)
      for (NodeIndex d : b.nodes[j].deps) {
        if (d == 0) fail_node(p, p.node(i, j), "depends on itself");
        if (d > in.first + j) fail_node(p, p.node(i, j), "depends on a node before the start of the program");
      }
  }
}

}  // namespace

void validate(Workload& w) {
  if (w.num_ranks < 1) throw ConfigError(SourceLoc{w.source}, "ranks", "must be at least 1");
  if (static_cast<RankId>(w.program_of_rank.size()) != w.num_ranks)
    throw ConfigError(SourceLoc{w.source}, "programs",
                      "every rank needs a program: " + std::to_string(w.program_of_rank.size()) + " of " +
                          std::to_string(w.num_ranks) + " assigned");
  for (RankId r = 0; r < w.num_ranks; ++r) {
    int pi = w.program_of_rank[r];
    if (pi < 0 || pi >= static_cast<int>(w.programs.size()))
      throw ConfigError(SourceLoc{w.source}, "programs", "rank " + std::to_string(r) + " has no program");
  }
  for (auto& gs : w.group_sets) {
    gs.group_of_rank.assign(w.num_ranks, -1);
    for (size_t gi = 0; gi < gs.groups.size(); ++gi) {
      if (gs.groups[gi].empty())
        throw ConfigError(SourceLoc{w.source}, "groups." + gs.name, "group #" + std::to_string(gi) + " is empty");
      for (RankId r : gs.groups[gi]) {
        if (r < 0 || r >= w.num_ranks)
          throw ConfigError(SourceLoc{w.source}, "groups." + gs.name,
                            "rank " + std::to_string(r) + " is out of range (ranks: " + std::to_string(w.num_ranks) + ")");
        if (gs.group_of_rank[r] >= 0)
          throw ConfigError(SourceLoc{w.source}, "groups." + gs.name,
                            "rank " + std::to_string(r) + " is in two groups of the same set");
        gs.group_of_rank[r] = static_cast<int>(gi);
      }
    }
  }
  for (const auto& p : w.programs) check_program(p);
  if (!w.representative.empty()) {
    if (static_cast<RankId>(w.representative.size()) != w.num_ranks)
      throw ConfigError(SourceLoc{w.source}, "representative", "needs one entry per rank");
    for (RankId r = 0; r < w.num_ranks; ++r) {
      RankId q = w.representative[r];
      if (q < 0 || q >= w.num_ranks || w.representative[q] != q)
        throw ConfigError(SourceLoc{w.source}, "representative",
                          "rank " + std::to_string(r) + " names representative " + std::to_string(q) +
                              ", which is not its own representative");
      if (w.program_of_rank[q] != w.program_of_rank[r])
        throw ConfigError(SourceLoc{w.source}, "representative",
                          "rank " + std::to_string(r) + " and its representative " + std::to_string(q) +
                              " run different programs");
    }
  }
  // Per-rank checks: groups contain the executing rank, peers in range. Only communication nodes
  // depend on the rank, and not on the instance: list them once per block.
  struct CommNode { std::uint32_t inst, local; };
  std::vector<std::vector<CommNode>> comm_nodes(w.programs.size());
  for (size_t pi = 0; pi < w.programs.size(); ++pi) {
    const Program& p = w.programs[pi];
    std::vector<char> seen(p.blocks.size(), 0);
    for (std::uint32_t i = 0; i < p.instances.size(); ++i) {
      const std::uint32_t bi = p.instances[i].block;
      if (seen[bi]) continue;
      seen[bi] = 1;
      const auto& nodes = p.blocks[bi].nodes;
      for (std::uint32_t j = 0; j < nodes.size(); ++j)
        if (is_communication(nodes[j].kind)) comm_nodes[pi].push_back(CommNode{i, j});
    }
  }
  for (RankId r = 0; r < w.num_ranks; ++r) {
    if (!w.representative.empty() && w.representative[r] != r) continue;  // checked via its representative
    const Program& p = w.programs[w.program_of_rank[r]];
    for (const CommNode& c : comm_nodes[w.program_of_rank[r]]) {
      const NodeRef ref = p.node(c.inst, c.local);
      const Node& n = *ref;
      if (n.kind == NodeKind::Collective) {
        if (n.coll.group_set < 0 || n.coll.group_set >= static_cast<int>(w.group_sets.size()))
          fail_node(p, ref, "names an unknown communicator group");
        const GroupSet& gs = w.group_sets[n.coll.group_set];
        if (gs.group_of_rank[r] < 0)
          fail_node(p, ref, "runs on rank " + std::to_string(r) + ", which is in no group of set '" + gs.name + "'");
        const auto& g = gs.groups[gs.group_of_rank[r]];
        if ((n.coll.kind == CollKind::Broadcast || n.coll.kind == CollKind::Reduce) &&
            (n.coll.root < 0 || n.coll.root >= static_cast<RankId>(g.size())))
          fail_node(p, ref, "root " + std::to_string(n.coll.root) + " is outside its group of " + std::to_string(g.size()));
      } else {
        RankId peer = n.p2p.resolve(r);
        if (peer < 0 || peer >= w.num_ranks)
          fail_node(p, ref, "on rank " + std::to_string(r) + " names peer " + std::to_string(peer) + ", out of range");
        if (peer == r) fail_node(p, ref, "on rank " + std::to_string(r) + " sends to itself");
        if (!w.representative.empty() && w.representative[r] == r && w.representative[peer] != peer)
          fail_node(p, ref, "on simulated rank " + std::to_string(r) + " names peer " + std::to_string(peer) +
                              ", which symmetry reduction does not simulate (representatives must be closed "
                              "under point-to-point peers)");
      }
    }
  }
}

Flops program_flops(const Program& p) {
  Flops f;
  for (const auto& in : p.instances)
    for (const Node& n : p.blocks[in.block].nodes) {
      if (n.kind == NodeKind::Gemm) f += n.gemm.flops();
      else if (n.kind == NodeKind::Attention) f += n.attn.flops();
      else if (n.kind == NodeKind::Vector) f += n.vec.flops;
      else if (n.kind == NodeKind::Delay) f += n.flops_hint;
    }
  return f;
}

}  // namespace xpu::wl
