#include "sim/cluster/engine.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <tuple>
#include <unordered_map>

#include "sim/core/kernel.h"

namespace xpu::cluster {

using wl::NodeIndex;
using wl::NodeKind;
using wl::RankId;
using wl::StreamKind;

namespace {
constexpr int kCompute = 0;
constexpr std::int64_t kNotStarted = -1;

Seconds from_ps(std::int64_t ps) { return Seconds(static_cast<double>(ps) * 1e-12); }
}  // namespace

struct ClusterEngine::Impl {
  // A node of the expanded program with the instance that holds it (program order = g).
  struct Ref {
    NodeIndex g = 0;
    std::uint32_t inst = 0;
    bool operator>(const Ref& o) const { return g > o.g; }
  };
  struct Stream {
    std::priority_queue<Ref, std::vector<Ref>, std::greater<>> ready;
    bool busy = false;
    Ref current;
  };
  struct Rank {
    int program = 0;
    std::uint64_t remaining = 0;
    // Per block instance: nodes not yet complete, and (allocated while the instance is live) the
    // unfinished dependencies of each of its nodes and, on traced ranks, their issue times.
    std::vector<std::uint32_t> inst_left;
    std::vector<std::unique_ptr<std::uint32_t[]>> pending;
    std::vector<std::unique_ptr<std::int64_t[]>> start_ps;
    std::vector<Stream> streams;  // [0] compute, then the communication streams (see stream_of)
    int comm_busy = 0;            // communication streams currently busy
    std::vector<std::uint32_t> coll_seq;  // per group set
    bool traced = false;
    bool simulated = true;  // false: a symmetry ghost that repeats its representative
    // time accounting
    std::int64_t last_ps = 0;
    std::int64_t compute_only = 0, comm_only = 0, overlap = 0, idle = 0, finish = 0;
    Flops flops;
    Bytes hbm_bytes, comm_bytes;
    std::vector<OpRecord> ops;  // traced ranks only, in completion order
  };
  // Per distinct block: dependency counts, dependents inside an instance, roots, costs.
  struct BlockInfo {
    std::vector<std::uint32_t> ndeps;
    std::vector<std::uint32_t> dep_begin, dependents;  // CSR over local indices
    std::vector<std::uint32_t> roots;                  // nodes without dependencies
    std::vector<OpCost> cost;
    std::vector<char> cost_known;
    std::vector<std::string> algo;
  };
  // A dependency reaching from a node back into an earlier instance.
  struct CrossEdge {
    NodeIndex target = 0, dependent = 0;
    std::uint32_t inst = 0;  // the dependent's instance
  };
  struct ProgInfo {
    std::vector<BlockInfo> blocks;
    std::vector<CrossEdge> cross;           // sorted by (target, dependent)
    std::vector<std::uint32_t> cross_begin;  // per instance + 1: first edge whose target lies in it
  };
  struct Rendezvous {
    CollectiveCall call;
    std::vector<std::pair<RankId, Ref>> members;  // the first one names the call in messages
  };
  using CollKey = std::tuple<int, int, std::uint32_t>;  // group set, group, sequence
  using P2PKey = std::tuple<RankId, RankId, std::int64_t>;  // src, dst, tag
  struct KeyHash {
    static std::size_t mix(std::size_t h, std::uint64_t v) {
      return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
    }
    std::size_t operator()(const CollKey& k) const {
      return mix(mix(std::hash<int>()(std::get<0>(k)), std::uint64_t(std::get<1>(k))), std::get<2>(k));
    }
    std::size_t operator()(const P2PKey& k) const {
      return mix(mix(std::hash<RankId>()(std::get<0>(k)), std::uint64_t(std::get<1>(k))), std::uint64_t(std::get<2>(k)));
    }
  };

  const wl::Workload& w;
  ComputeCostModel& compute;
  CommModel& comm;
  Kernel& k = Kernel::instance();
  std::vector<Rank> ranks;
  std::vector<ProgInfo> info;  // [program]
  // Hash maps: only looked up; a deadlock report sorts what it lists.
  std::unordered_map<CollKey, Rendezvous, KeyHash> rendezvous;
  std::vector<std::vector<std::uint32_t>> simulated_members;  // [group set][group]
  std::unordered_map<P2PKey, std::uint32_t, KeyHash> arrived;        // messages delivered, not yet received
  std::unordered_map<P2PKey, std::deque<Ref>, KeyHash> recv_waiting;  // recvs issued, data not yet there
  double comm_slowdown = 0;
  double straggler = 1;  // 1 + spread/2 (R-1)/(R+1): the slowest of R chips against the median one
  Impl(const wl::Workload& wl_, ComputeCostModel& c, CommModel& m)
      : w(wl_), compute(c), comm(m), comm_slowdown(c.comm_slowdown()) {
    const double r = static_cast<double>(wl_.num_ranks);
    straggler = 1.0 + 0.5 * c.chip_spread() * (r - 1.0) / (r + 1.0);
  }

  const wl::Program& prog_of(RankId r) const { return w.programs[ranks[r].program]; }
  std::uint32_t local_of(RankId r, Ref x) const { return x.g - prog_of(r).instances[x.inst].first; }
  std::uint32_t block_of(RankId r, Ref x) const { return prog_of(r).instances[x.inst].block; }
  const wl::Node& node(RankId r, Ref x) const { return prog_of(r).blocks[block_of(r, x)].nodes[local_of(r, x)]; }
  std::string name_of(RankId r, Ref x) const { return prog_of(r).node(x.inst, local_of(r, x)).name(); }

  // Stream of a node: 0 = compute; communication goes to one stream per communicator (group set)
  // as NCCL/HCCL give each communicator its own stream, plus one for point-to-point; or to a single
  // communication stream when EngineOptions::comm_streams == Single.
  bool per_communicator = true;
  int stream_of(const wl::Node& nd) const {
    if (nd.stream == StreamKind::Compute) return kCompute;
    if (!per_communicator) return 1;
    if (nd.kind == NodeKind::Collective) return 1 + nd.coll.group_set;
    return 1 + static_cast<int>(w.group_sets.size());
  }
  int streams_per_rank() const { return per_communicator ? 2 + static_cast<int>(w.group_sets.size()) : 2; }
  void set_busy(Rank& rk, int s, bool b) {
    if (rk.streams[s].busy == b) return;
    rk.streams[s].busy = b;
    if (s != kCompute) rk.comm_busy += b ? 1 : -1;
  }

  void account(Rank& rk) {
    const std::int64_t now = k.now_ps();
    const std::int64_t dt = now - rk.last_ps;
    if (dt > 0) {
      bool c = rk.streams[kCompute].busy, m = rk.comm_busy > 0;
      if (c && m) rk.overlap += dt;
      else if (c) rk.compute_only += dt;
      else if (m) rk.comm_only += dt;
      else rk.idle += dt;
    }
    rk.last_ps = now;
  }

  const OpCost& cost_of(int prog, std::uint32_t block, std::uint32_t local) {
    BlockInfo& bi = info[prog].blocks[block];
    if (!bi.cost_known[local]) {
      bi.cost[local] = compute.cost(w.programs[prog].blocks[block].nodes[local]);
      bi.cost_known[local] = 1;
    }
    return bi.cost[local];
  }

  // Issue time of a traced rank's node (kept while its instance is live).
  std::int64_t& start_slot(Rank& rk, RankId r, Ref x) {
    auto& a = rk.start_ps[x.inst];
    if (!a) {
      const std::size_t n = prog_of(r).blocks[block_of(r, x)].nodes.size();
      a.reset(new std::int64_t[n]);
      std::fill(a.get(), a.get() + n, kNotStarted);
    }
    return a[local_of(r, x)];
  }

  void make_ready(RankId r, Ref x) {
    const wl::Node& nd = node(r, x);
    Rank& rk = ranks[r];
    if (nd.kind == NodeKind::Recv) {
      if (rk.traced) start_slot(rk, r, x) = k.now_ps();
      RankId src = nd.p2p.resolve(r);
      P2PKey key{src, r, nd.p2p.tag + prog_of(r).instances[x.inst].tag_offset};
      auto it = arrived.find(key);
      if (it != arrived.end() && it->second > 0) {
        if (--it->second == 0) arrived.erase(it);
        complete(r, x, -1);
      } else {
        recv_waiting[key].push_back(x);
      }
      return;
    }
    const int s = stream_of(nd);
    rk.streams[s].ready.push(x);
    try_start(r, s);
  }

  void try_start(RankId r, int s) {
    Rank& rk = ranks[r];
    Stream& st = rk.streams[s];
    if (st.busy || st.ready.empty()) return;
    Ref x = st.ready.top();
    st.ready.pop();
    account(rk);
    set_busy(rk, s, true);
    st.current = x;
    if (rk.traced) start_slot(rk, r, x) = k.now_ps();
    const wl::Node& nd = node(r, x);
    switch (nd.kind) {
      case NodeKind::Collective: issue_collective(r, x, nd); break;
      case NodeKind::Send: {
        RankId dst = nd.p2p.resolve(r);
        rk.comm_bytes += nd.p2p.bytes;
        P2PKey key{r, dst, nd.p2p.tag + prog_of(r).instances[x.inst].tag_offset};
        comm.start_send(r, dst, nd.p2p.bytes, [this, r, x, s, key] {
          complete(r, x, s);
          deliver(key);
        });
        break;
      }
      default: {
        const OpCost& c = cost_of(rk.program, block_of(r, x), local_of(r, x));
        rk.flops += c.flops;
        rk.hbm_bytes += c.hbm_bytes;
        // (rank, stream) is enough: a stream runs one node at a time (`current`). Small capture, so
        // std::function keeps it inline (no allocation per event).
        // Contention (chip.kernel.comm_slowdown): a compute op that starts while a collective of this
        // rank runs shares the chip's cores and HBM with the communication kernels.
        // Synchronous job at the pace of its slowest chip (chip.kernel.chip_spread): exactly 1 for one rank.
        Seconds t = c.time;
        if (straggler != 1.0) t = c.time * straggler;
        if (rk.comm_busy > 0 && s == kCompute && comm_slowdown > 0) t = t * (1.0 + comm_slowdown);
        k.after(t, [this, r, s] { complete(r, ranks[r].streams[s].current, s); });
      }
    }
  }

  void deliver(const P2PKey& key) {
    auto it = recv_waiting.find(key);
    if (it != recv_waiting.end() && !it->second.empty()) {
      Ref x = it->second.front();
      it->second.pop_front();
      if (it->second.empty()) recv_waiting.erase(it);
      complete(std::get<1>(key), x, -1);
    } else {
      ++arrived[key];
    }
  }

  void issue_collective(RankId r, Ref x, const wl::Node& nd) {
    Rank& rk = ranks[r];
    const wl::GroupSet& gs = w.group_sets[nd.coll.group_set];
    const int gi = gs.group_of_rank[r];
    const auto& group = gs.groups[gi];
    CollKey key{nd.coll.group_set, gi, rk.coll_seq[nd.coll.group_set]++};
    rk.comm_bytes += nd.coll.bytes;
    auto [it, fresh] = rendezvous.try_emplace(key);
    Rendezvous& rv = it->second;
    if (fresh) {
      rv.call.kind = nd.coll.kind;
      rv.call.bytes = nd.coll.bytes;
      rv.call.ranks = group;
      rv.call.root = nd.coll.root;
    } else if (rv.call.kind != nd.coll.kind || rv.call.bytes != nd.coll.bytes) {
      throw SimulationError(
          "collective mismatch on group set '" + gs.name + "' (call #" + std::to_string(std::get<2>(key)) +
          "): rank " + std::to_string(rv.members.front().first) + " issued '" +
          name_of(rv.members.front().first, rv.members.front().second) + "' (" +
          wl::coll_kind_name(rv.call.kind) + ", " + format_bytes(rv.call.bytes) + ") but rank " + std::to_string(r) +
          " issued '" + name_of(r, x) + "' (" + wl::coll_kind_name(nd.coll.kind) + ", " + format_bytes(nd.coll.bytes) + ")");
    }
    rv.members.emplace_back(r, x);
    if (rv.members.size() == simulated_members[nd.coll.group_set][gi]) {
      std::string algo = comm.algorithm(rv.call);
      for (const auto& [mr, mx] : rv.members) {
        auto& a = info[ranks[mr].program].blocks[block_of(mr, mx)].algo[local_of(mr, mx)];
        if (a.empty()) a = algo;
      }
      auto members = std::move(rv.members);
      CollectiveCall call = std::move(rv.call);
      rendezvous.erase(it);
      comm.start_collective(call, [this, members = std::move(members)] {
        for (const auto& [mr, mx] : members) complete(mr, mx, stream_of(node(mr, mx)));
      });
    }
  }

  // One dependency of node (inst, local) on rank r is done; the node becomes ready at zero.
  void satisfy(RankId r, std::uint32_t inst, NodeIndex g) {
    Rank& rk = ranks[r];
    const wl::Program& p = prog_of(r);
    const std::uint32_t local = g - p.instances[inst].first;
    auto& pend = rk.pending[inst];
    if (!pend) {
      const BlockInfo& bi = info[rk.program].blocks[p.instances[inst].block];
      pend.reset(new std::uint32_t[bi.ndeps.size()]);
      std::copy(bi.ndeps.begin(), bi.ndeps.end(), pend.get());
    }
    if (--pend[local] == 0) make_ready(r, Ref{g, inst});
  }

  void complete(RankId r, Ref x, int s) {
    Rank& rk = ranks[r];
    account(rk);
    if (s >= 0) set_busy(rk, s, false);
    const wl::Program& p = prog_of(r);
    const wl::Instance& in = p.instances[x.inst];
    const std::uint32_t local = x.g - in.first;
    if (rk.traced) {
      const wl::Node& nd = p.blocks[in.block].nodes[local];
      rk.ops.push_back(OpRecord{r, x.g, nd.stream, start_slot(rk, r, x), k.now_ps()});
    }
    --rk.remaining;
    rk.finish = k.now_ps();
    // Dependents in program order: inside the instance, then in later instances.
    const ProgInfo& pi = info[rk.program];
    const BlockInfo& bi = pi.blocks[in.block];
    for (std::uint32_t e = bi.dep_begin[local]; e < bi.dep_begin[local + 1]; ++e)
      satisfy(r, x.inst, in.first + bi.dependents[e]);
    {  // the instance's cross edges are sorted by target: visit those of x.g only
      const auto first = pi.cross.begin() + pi.cross_begin[x.inst], last = pi.cross.begin() + pi.cross_begin[x.inst + 1];
      for (auto c = std::lower_bound(first, last, x.g, [](const CrossEdge& a, std::uint32_t g) { return a.target < g; });
           c != last && c->target == x.g; ++c)
        satisfy(r, c->inst, c->dependent);
    }
    if (--rk.inst_left[x.inst] == 0) {  // the instance is done: drop its counters
      rk.pending[x.inst].reset();
      rk.start_ps[x.inst].reset();
    }
    if (s >= 0) try_start(r, s);
  }

  std::string describe_stuck() const {
    std::string msg;
    int shown = 0;
    int stuck = 0;
    for (RankId r = 0; r < static_cast<RankId>(ranks.size()); ++r)
      if (ranks[r].remaining > 0) ++stuck;
    msg = "deadlock: " + std::to_string(stuck) + " of " + std::to_string(ranks.size()) +
          " ranks cannot finish (the trace waits on something that never happens)";
    std::vector<const std::pair<const CollKey, Rendezvous>*> open_calls;
    for (const auto& e : rendezvous) open_calls.push_back(&e);
    std::sort(open_calls.begin(), open_calls.end(), [](auto* a, auto* b) { return a->first < b->first; });
    for (const auto* e : open_calls) {
      const auto& [key, rv] = *e;
      if (shown++ >= 4) break;
      const wl::GroupSet& gs = w.group_sets[std::get<0>(key)];
      const auto& group = gs.groups[std::get<1>(key)];
      std::string missing;
      int nmiss = 0;
      for (RankId m : group) {
        if (!ranks[m].simulated) continue;
        bool in = false;
        for (const auto& [mr, mx] : rv.members) in |= (mr == m);
        if (!in && nmiss++ < 8) missing += (missing.empty() ? "" : ", ") + std::to_string(m);
      }
      if (nmiss > 8) missing += ", ...";
      msg += "\n  collective '" + name_of(rv.members.front().first, rv.members.front().second) + "' (" + wl::coll_kind_name(rv.call.kind) + " on group set '" +
             gs.name + "'): " + std::to_string(rv.members.size()) + " of " +
             std::to_string(simulated_members[std::get<0>(key)][std::get<1>(key)]) +
             " ranks arrived; missing rank(s) " + missing;
    }
    std::vector<const std::pair<const P2PKey, std::deque<Ref>>*> waits;
    for (const auto& e : recv_waiting) waits.push_back(&e);
    std::sort(waits.begin(), waits.end(), [](auto* a, auto* b) { return a->first < b->first; });
    for (const auto* e : waits) {
      const auto& [key, q] = *e;
      if (q.empty() || shown++ >= 8) continue;
      msg += "\n  rank " + std::to_string(std::get<1>(key)) + " waits in recv '" + name_of(std::get<1>(key), q.front()) +
             "' for a send from rank " + std::to_string(std::get<0>(key)) + " (tag " + std::to_string(std::get<2>(key)) +
             ") that never comes";
    }
    if (shown == 0) {
      for (RankId r = 0; r < static_cast<RankId>(ranks.size()) && shown < 4; ++r) {
        if (ranks[r].remaining == 0) continue;
        ++shown;
        msg += "\n  rank " + std::to_string(r) + ": " + std::to_string(ranks[r].remaining) + " node(s) never became ready";
      }
    }
    return msg;
  }
};

namespace {
std::uint32_t locate_in(const wl::Program& p, NodeIndex g) { return p.locate(g); }
}  // namespace

const OpCost& SimResult::cost(const wl::Workload& w, int p, wl::NodeIndex g) const {
  const auto& prog = w.programs[static_cast<size_t>(p)];
  const auto& in = prog.instances[locate_in(prog, g)];
  return costs[static_cast<size_t>(p)][in.block][g - in.first];
}

const std::string& SimResult::algo(const wl::Workload& w, int p, wl::NodeIndex g) const {
  const auto& prog = w.programs[static_cast<size_t>(p)];
  const auto& in = prog.instances[locate_in(prog, g)];
  return algos[static_cast<size_t>(p)][in.block][g - in.first];
}

ClusterEngine::ClusterEngine(const wl::Workload& w, ComputeCostModel& compute, CommModel& comm, EngineOptions opt)
    : w_(w), compute_(compute), comm_(comm), opt_(std::move(opt)) {}

SimResult ClusterEngine::run() {
  Impl im(w_, compute_, comm_);
  const RankId n = w_.num_ranks;
  XPU_ASSERT(static_cast<RankId>(w_.program_of_rank.size()) == n, "workload not validated");

  // Per-program structure, shared by all ranks that run it: per distinct block, and the few
  // dependencies that reach back across instances.
  im.info.resize(w_.programs.size());
  for (size_t p = 0; p < w_.programs.size(); ++p) {
    const wl::Program& prog = w_.programs[p];
    Impl::ProgInfo& pi = im.info[p];
    pi.blocks.resize(prog.blocks.size());
    for (size_t b = 0; b < prog.blocks.size(); ++b) {
      const wl::Block& blk = prog.blocks[b];
      Impl::BlockInfo& bi = pi.blocks[b];
      const std::uint32_t nn = static_cast<std::uint32_t>(blk.nodes.size());
      bi.ndeps.resize(nn);
      bi.dep_begin.assign(nn + 1, 0);
      for (std::uint32_t j = 0; j < nn; ++j) {
        bi.ndeps[j] = static_cast<std::uint32_t>(blk.nodes[j].deps.size());
        if (bi.ndeps[j] == 0) bi.roots.push_back(j);
        for (NodeIndex d : blk.nodes[j].deps) {
          if (blk.back && d > j) continue;  // reaches into an earlier instance
          ++bi.dep_begin[(blk.back ? j - d : d) + 1];
        }
      }
      for (std::uint32_t j = 0; j < nn; ++j) bi.dep_begin[j + 1] += bi.dep_begin[j];
      bi.dependents.resize(bi.dep_begin[nn]);
      std::vector<std::uint32_t> fill(bi.dep_begin.begin(), bi.dep_begin.end() - 1);
      for (std::uint32_t j = 0; j < nn; ++j)
        for (NodeIndex d : blk.nodes[j].deps) {
          if (blk.back && d > j) continue;
          bi.dependents[fill[blk.back ? j - d : d]++] = j;
        }
      bi.cost.resize(nn);
      bi.cost_known.assign(nn, 0);
      bi.algo.resize(nn);
    }
    for (std::uint32_t i = 0; i < prog.instances.size(); ++i) {
      const wl::Instance& in = prog.instances[i];
      const wl::Block& blk = prog.blocks[in.block];
      if (!blk.back) continue;
      for (std::uint32_t j = 0; j < blk.nodes.size(); ++j)
        for (NodeIndex d : blk.nodes[j].deps)
          if (d > j) pi.cross.push_back(Impl::CrossEdge{in.first + j - d, in.first + j, i});
    }
    std::sort(pi.cross.begin(), pi.cross.end(), [](const Impl::CrossEdge& a, const Impl::CrossEdge& b) {
      return std::tie(a.target, a.dependent) < std::tie(b.target, b.dependent);
    });
    pi.cross_begin.assign(prog.instances.size() + 1, 0);
    std::size_t e = 0;
    for (std::uint32_t i = 0; i < prog.instances.size(); ++i) {
      pi.cross_begin[i] = static_cast<std::uint32_t>(e);
      const NodeIndex end = prog.instances[i].first + static_cast<NodeIndex>(prog.blocks[prog.instances[i].block].nodes.size());
      while (e < pi.cross.size() && pi.cross[e].target < end) ++e;
    }
    pi.cross_begin[prog.instances.size()] = static_cast<std::uint32_t>(e);
  }

  // Which ranks get a recorded timeline.
  std::vector<RankId> traced = opt_.trace_ranks;
  auto is_sim = [&](RankId r) { return w_.representative.empty() || w_.representative[r] == r; };
  if (traced.empty()) {
    RankId nsim = 0;
    for (RankId r = 0; r < n; ++r) nsim += is_sim(r) ? 1 : 0;
    // Every simulated rank when that stays small (<= 64 ranks and <= 1M recorded ops), otherwise
    // one representative per distinct program (at most 64).
    std::size_t all_ops = 0;
    for (RankId r = 0; r < n; ++r)
      if (is_sim(r)) all_ops += w_.programs[w_.program_of_rank[r]].size();
    if (nsim <= 64 && all_ops <= 1000000) {
      for (RankId r = 0; r < n; ++r)
        if (is_sim(r)) traced.push_back(r);
    } else {
      std::vector<char> seen(w_.programs.size(), 0);
      for (RankId r = 0; r < n && traced.size() < 64; ++r)
        if (is_sim(r) && !seen[w_.program_of_rank[r]]) { seen[w_.program_of_rank[r]] = 1; traced.push_back(r); }
    }
  }
  std::sort(traced.begin(), traced.end());
  traced.erase(std::unique(traced.begin(), traced.end()), traced.end());

  im.ranks.resize(n);
  im.per_communicator = opt_.comm_streams == CommStreams::PerCommunicator;
  Kernel& k = Kernel::instance();
  k.clear();
  const bool reduced = !w_.representative.empty();
  im.simulated_members.resize(w_.group_sets.size());
  for (size_t g = 0; g < w_.group_sets.size(); ++g) {
    for (const auto& grp : w_.group_sets[g].groups) {
      std::uint32_t c = 0;
      for (RankId m : grp) c += (!reduced || w_.representative[m] == m) ? 1 : 0;
      im.simulated_members[g].push_back(c);
    }
  }
  for (RankId r = 0; r < n; ++r) {
    auto& rk = im.ranks[r];
    rk.program = w_.program_of_rank[r];
    rk.simulated = !reduced || w_.representative[r] == r;
    if (!rk.simulated) continue;
    const wl::Program& prog = w_.programs[rk.program];
    rk.inst_left.resize(prog.instances.size());
    for (size_t i = 0; i < prog.instances.size(); ++i)
      rk.inst_left[i] = static_cast<std::uint32_t>(prog.blocks[prog.instances[i].block].nodes.size());
    rk.pending.resize(prog.instances.size());
    rk.start_ps.resize(prog.instances.size());
    rk.remaining = prog.size();
    rk.coll_seq.assign(w_.group_sets.size(), 0);
    rk.streams.resize(static_cast<size_t>(im.streams_per_rank()));
  }
  if (opt_.record_ops) {
    for (RankId r : traced) {
      if (r < 0 || r >= n) throw UserError("trace rank " + std::to_string(r) + " out of range");
      if (!is_sim(r)) continue;  // a symmetry ghost has no timeline of its own
      im.ranks[r].traced = true;
    }
  }
  // Seed: every node without dependencies becomes ready at time 0, in rank order.
  k.after(Seconds(0), [&im, n] {
    for (RankId r = 0; r < n; ++r) {
      if (!im.ranks[r].simulated) continue;
      const wl::Program& prog = im.w.programs[im.ranks[r].program];
      const auto& info = im.info[im.ranks[r].program];
      for (std::uint32_t i = 0; i < prog.instances.size(); ++i)
        for (std::uint32_t j : info.blocks[prog.instances[i].block].roots)
          im.make_ready(r, Impl::Ref{prog.instances[i].first + j, i});
    }
  });
  const std::uint64_t ev0 = k.events_processed();
  try {
    k.run();
  } catch (...) {
    k.clear();
    throw;
  }

  for (const auto& rk : im.ranks)
    if (rk.remaining > 0) throw SimulationError(im.describe_stuck());

  SimResult res;
  res.events = k.events_processed() - ev0;
  res.compute_model = compute_.name();
  res.comm_model = comm_.name();
  std::int64_t makespan = 0;
  for (const auto& rk : im.ranks) makespan = std::max(makespan, rk.finish);
  res.makespan = from_ps(makespan);
  res.ranks.resize(n);
  for (RankId r = 0; r < n; ++r) {
    const auto& rk = im.ranks[reduced ? w_.representative[r] : r];
    auto& s = res.ranks[r];
    s.finish = from_ps(rk.finish);
    s.compute_only = from_ps(rk.compute_only);
    s.comm_only = from_ps(rk.comm_only);
    s.overlap = from_ps(rk.overlap);
    s.idle = from_ps(rk.idle + (makespan - rk.last_ps));
    s.flops = rk.flops;
    s.hbm_bytes = rk.hbm_bytes;
    s.comm_bytes = rk.comm_bytes;
  }
  res.traced_ranks.clear();
  if (opt_.record_ops)
    for (RankId r : traced)
      if (is_sim(r)) res.traced_ranks.push_back(r);
  res.simulated_ranks = 0;
  for (RankId r = 0; r < n; ++r) res.simulated_ranks += is_sim(r) ? 1 : 0;
  for (RankId r : res.traced_ranks) {
    auto& v = im.ranks[r].ops;
    std::sort(v.begin(), v.end(), [](const OpRecord& a, const OpRecord& b) {
      return std::tie(a.start_ps, a.node) < std::tie(b.start_ps, b.node);
    });
    res.ops.insert(res.ops.end(), v.begin(), v.end());
    std::vector<OpRecord>().swap(v);
  }
  // Costs of nodes never executed are still useful for reports: fill them.
  res.costs.resize(w_.programs.size());
  res.algos.resize(w_.programs.size());
  for (size_t p = 0; p < w_.programs.size(); ++p) {
    for (size_t b = 0; b < w_.programs[p].blocks.size(); ++b) {
      const auto& nodes = w_.programs[p].blocks[b].nodes;
      for (std::uint32_t j = 0; j < nodes.size(); ++j)
        if (!im.info[p].blocks[b].cost_known[j] && !wl::is_communication(nodes[j].kind))
          im.cost_of(static_cast<int>(p), static_cast<std::uint32_t>(b), j);
      res.costs[p].push_back(std::move(im.info[p].blocks[b].cost));
      res.algos[p].push_back(std::move(im.info[p].blocks[b].algo));
    }
  }
  res.links = comm_.link_usage();
  return res;
}

}  // namespace xpu::cluster
