#include "sim/workload/ir.h"

#include <algorithm>
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

[[noreturn]] void fail_node(const Program& p, const Node& n, const std::string& msg) {
  throw ConfigError(n.loc, "node '" + n.name + "' (program '" + p.name + "')", msg);
}

void topo_sort(Program& p) {
  const size_t n = p.nodes.size();
  std::vector<std::uint32_t> indeg(n, 0);
  std::vector<std::vector<NodeIndex>> out(n);
  for (size_t i = 0; i < n; ++i) {
    for (NodeIndex d : p.nodes[i].deps) {
      if (d >= n) fail_node(p, p.nodes[i], "depends on node #" + std::to_string(d) + ", which does not exist");
      if (d == i) fail_node(p, p.nodes[i], "depends on itself");
      out[d].push_back(static_cast<NodeIndex>(i));
      ++indeg[i];
    }
  }
  // Kahn's algorithm with a min-heap: the order is unique (lowest index first among ready nodes).
  std::priority_queue<NodeIndex, std::vector<NodeIndex>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (indeg[i] == 0) ready.push(static_cast<NodeIndex>(i));
  p.topo_order.clear();
  p.topo_order.reserve(n);
  while (!ready.empty()) {
    NodeIndex i = ready.top();
    ready.pop();
    p.topo_order.push_back(i);
    for (NodeIndex j : out[i])
      if (--indeg[j] == 0) ready.push(j);
  }
  if (p.topo_order.size() != n) {
    // Name one node on a cycle: follow unfinished deps until a node repeats.
    std::vector<char> done(n, 0);
    for (NodeIndex i : p.topo_order) done[i] = 1;
    NodeIndex cur = 0;
    while (done[cur]) ++cur;
    std::vector<int> seen(n, -1);
    std::vector<NodeIndex> path;
    while (seen[cur] < 0) {
      seen[cur] = static_cast<int>(path.size());
      path.push_back(cur);
      for (NodeIndex d : p.nodes[cur].deps)
        if (!done[d]) { cur = d; break; }
    }
    std::string cyc;
    for (size_t k = static_cast<size_t>(seen[cur]); k < path.size(); ++k) cyc += "'" + p.nodes[path[k]].name + "' -> ";
    cyc += "'" + p.nodes[cur].name + "'";
    fail_node(p, p.nodes[cur], "dependency cycle: " + cyc + " (each waits on the next)");
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
  for (auto& p : w.programs) topo_sort(p);
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
  // depend on the rank, so list them once per program.
  std::vector<std::vector<NodeIndex>> comm_nodes(w.programs.size());
  for (size_t pi = 0; pi < w.programs.size(); ++pi) {
    const auto& nodes = w.programs[pi].nodes;
    for (NodeIndex i = 0; i < nodes.size(); ++i)
      if (is_communication(nodes[i].kind))
        comm_nodes[pi].push_back(i);
  }
  for (RankId r = 0; r < w.num_ranks; ++r) {
    if (!w.representative.empty() && w.representative[r] != r) continue;  // checked via its representative
    const Program& p = w.programs[w.program_of_rank[r]];
    for (NodeIndex i : comm_nodes[w.program_of_rank[r]]) {
      const Node& n = p.nodes[i];
      if (n.kind == NodeKind::Collective) {
        if (n.coll.group_set < 0 || n.coll.group_set >= static_cast<int>(w.group_sets.size()))
          fail_node(p, n, "names an unknown communicator group");
        const GroupSet& gs = w.group_sets[n.coll.group_set];
        if (gs.group_of_rank[r] < 0)
          fail_node(p, n, "runs on rank " + std::to_string(r) + ", which is in no group of set '" + gs.name + "'");
        const auto& g = gs.groups[gs.group_of_rank[r]];
        if ((n.coll.kind == CollKind::Broadcast || n.coll.kind == CollKind::Reduce) &&
            (n.coll.root < 0 || n.coll.root >= static_cast<RankId>(g.size())))
          fail_node(p, n, "root " + std::to_string(n.coll.root) + " is outside its group of " + std::to_string(g.size()));
      } else {
        RankId peer = n.p2p.resolve(r);
        if (peer < 0 || peer >= w.num_ranks)
          fail_node(p, n, "on rank " + std::to_string(r) + " names peer " + std::to_string(peer) + ", out of range");
        if (peer == r) fail_node(p, n, "on rank " + std::to_string(r) + " sends to itself");
        if (!w.representative.empty() && w.representative[r] == r && w.representative[peer] != peer)
          fail_node(p, n, "on simulated rank " + std::to_string(r) + " names peer " + std::to_string(peer) +
                              ", which symmetry reduction does not simulate (representatives must be closed "
                              "under point-to-point peers)");
      }
    }
  }
}

Flops program_flops(const Program& p) {
  Flops f;
  for (const Node& n : p.nodes) {
    if (n.kind == NodeKind::Gemm) f += n.gemm.flops();
    else if (n.kind == NodeKind::Attention) f += n.attn.flops();
    else if (n.kind == NodeKind::Vector) f += n.vec.flops;
    else if (n.kind == NodeKind::Delay) f += n.flops_hint;
  }
  return f;
}

}  // namespace xpu::wl
