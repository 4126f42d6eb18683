// The native YAML trace format. Reference: docs/workloads.md.
//
//   workload:
//     name: mlp-dp8
//     ranks: 8
//     groups:                      # optional; "all" always exists
//       tp: [[0, 1, 2, 3], [4, 5, 6, 7]]
//     programs:
//       - ranks: all               # or a list [0, 1], or a range string "0-3"
//         nodes:
//           - {id: fc1, op: gemm, m: 4096, n: 4096, k: 4096, dtype: bf16}
//           - {id: ar1, op: allreduce, bytes: 64 MiB, group: tp, deps: [fc1]}
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "sim/core/config.h"
#include "sim/workload/reader.h"

namespace xpu::wl {
namespace {

using cfg::Node;

[[noreturn]] void fail(const SourceLoc& loc, const std::string& key, const std::string& msg) {
  throw ConfigError(loc, key, msg);
}

const Node& need(const Node& map, const std::string& key, const std::string& path) {
  const Node* n = map.find(key);
  if (n == nullptr || n->is_null()) fail(map.loc, path + "." + key, "missing required key '" + key + "'");
  return *n;
}

template <class T>
T scalar(const Node& n, const std::string& path) {
  T v{};
  cfg::read_scalar(n, path, v);
  return v;
}

std::vector<RankId> parse_ranks(const Node& n, const std::string& path, RankId num_ranks) {
  std::vector<RankId> out;
  if (n.is_scalar() && n.scalar == "all") {
    for (RankId r = 0; r < num_ranks; ++r) out.push_back(r);
    return out;
  }
  if (n.is_scalar()) {  // "a-b"
    auto dash = n.scalar.find('-');
    if (dash != std::string::npos && dash > 0) {
      Node a = n, b = n;
      a.scalar = n.scalar.substr(0, dash);
      b.scalar = n.scalar.substr(dash + 1);
      auto lo = scalar<std::int64_t>(a, path), hi = scalar<std::int64_t>(b, path);
      if (hi < lo) fail(n.loc, path, "empty range '" + n.scalar + "'");
      for (auto r = lo; r <= hi; ++r) out.push_back(static_cast<RankId>(r));
    } else {
      out.push_back(static_cast<RankId>(scalar<std::int64_t>(n, path)));
    }
  } else if (n.is_seq()) {
    for (size_t i = 0; i < n.seq.size(); ++i)
      out.push_back(static_cast<RankId>(scalar<std::int64_t>(n.seq[i], path + "[" + std::to_string(i) + "]")));
  } else {
    fail(n.loc, path, "expected 'all', a rank, a range \"a-b\" or a list of ranks, got " + n.kind_name());
  }
  for (RankId r : out)
    if (r < 0 || r >= num_ranks)
      fail(n.loc, path, "rank " + std::to_string(r) + " out of range 0.." + std::to_string(num_ranks - 1));
  return out;
}

// Keys each op accepts besides id/op/deps/stream/name.
const std::map<std::string, std::vector<std::string>>& op_keys() {
  static const std::map<std::string, std::vector<std::string>> k = {
      {"gemm", {"m", "n", "k", "batch", "dtype"}},
      {"attention", {"batch", "heads", "kv_heads", "q_len", "kv_len", "head_dim", "v_dim", "causal", "backward", "dtype"}},
      {"vector", {"op_class", "bytes", "flops", "dtype"}},
      {"memcpy", {"bytes", "direction"}},
      {"collective", {"bytes", "group", "root"}},
      {"send", {"peer", "peer_offset", "tag", "bytes"}},
      {"recv", {"peer", "peer_offset", "tag", "bytes"}},
      {"delay", {"duration", "flops"}},
  };
  return k;
}

std::string op_family(const std::string& op) {
  CollKind ck;
  if (parse_coll_kind(op, ck)) return "collective";
  if (op == "elementwise") return "vector";
  return op;
}

std::string known_ops() {
  return "gemm, attention, vector (elementwise), memcpy, allreduce, allgather, reducescatter, alltoall, broadcast, "
         "reduce, send, recv, delay";
}

void parse_node(const Node& nd, const std::string& path, Workload& w, wl::Node& out) {
  if (!nd.is_map()) fail(nd.loc, path, "expected a node map {id: ..., op: ...}, got " + nd.kind_name());
  out.loc = nd.loc;
  out.name = scalar<std::string>(need(nd, "id", path), path + ".id");
  const Node& opn = need(nd, "op", path);
  const std::string op = scalar<std::string>(opn, path + ".op");
  const std::string fam = op_family(op);
  auto it = op_keys().find(fam);
  if (it == op_keys().end()) {
    std::vector<std::string> all = {"gemm", "attention", "vector", "elementwise", "memcpy", "allreduce", "allgather",
                                    "reducescatter", "alltoall", "broadcast", "reduce", "send", "recv", "delay"};
    std::string near = cfg::nearest(op, all);
    fail(opn.loc, path + ".op",
         "unknown op '" + op + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)") + "; known: " + known_ops());
  }
  // Unknown keys for this op.
  for (const auto& e : nd.map) {
    static const std::vector<std::string> common = {"id", "op", "deps", "stream", "name"};
    if (std::find(common.begin(), common.end(), e.key) != common.end()) continue;
    if (std::find(it->second.begin(), it->second.end(), e.key) != it->second.end()) continue;
    std::vector<std::string> valid = common;
    valid.insert(valid.end(), it->second.begin(), it->second.end());
    std::string near = cfg::nearest(e.key, valid);
    std::string all;
    for (const auto& v : valid) all += (all.empty() ? "" : ", ") + v;
    fail(e.key_loc, path + "." + e.key,
         "unknown key '" + e.key + "' for op '" + op + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)") +
             "; valid: " + all);
  }
  auto get_i = [&](const char* key, bool required, std::int64_t def, bool positive) {
    const Node* v = nd.find(key);
    if (v == nullptr || v->is_null()) {
      if (required) fail(nd.loc, path + "." + key, std::string("missing required key '") + key + "' for op '" + op + "'");
      return def;
    }
    auto x = scalar<std::int64_t>(*v, path + "." + key);
    if (positive && x <= 0) fail(v->loc, path + "." + key, "must be greater than zero, got " + v->scalar);
    if (x > static_cast<std::int64_t>(cfg::kPlausibleMaxCount))
      fail(v->loc, path + "." + key, "outside the plausible range (at most " +
                                         std::to_string(static_cast<std::int64_t>(cfg::kPlausibleMaxCount)) +
                                         "), got " + v->scalar);
    return x;
  };
  // One op may not exceed kMaxOpFlops: beyond it its duration leaves the simulator's time range on
  // any chip (docs/robustness.md).
  auto check_op_flops = [&](double flops) {
    if (!(flops <= kMaxOpFlops))
      fail(nd.loc, path, "op of " + std::to_string(flops) + " FLOP exceeds the limit of one op (" +
                             std::to_string(kMaxOpFlops) + " FLOP); check its dimensions");
  };
  auto get_bytes = [&](bool required) {
    const Node* v = nd.find("bytes");
    if (v == nullptr || v->is_null()) {
      if (required) fail(nd.loc, path + ".bytes", "missing required key 'bytes' for op '" + op + "'");
      return Bytes(0);
    }
    Bytes b = scalar<Bytes>(*v, path + ".bytes");
    if (b.bytes() < 0) fail(v->loc, path + ".bytes", "must not be negative, got " + v->scalar);
    if (!(b.bytes() <= cfg::kPlausibleMaxBytes))
      fail(v->loc, path + ".bytes", "outside the plausible range (at most 1 PiB), got " + v->scalar);
    return b;
  };
  auto get_dtype = [&]() {
    const Node* v = nd.find("dtype");
    DType d = DType::BF16;
    if (v == nullptr) return d;
    std::string s = scalar<std::string>(*v, path + ".dtype");
    if (!parse_dtype(s, d)) {
      std::string all;
      for (const auto& x : dtype_names()) all += (all.empty() ? "" : ", ") + x;
      fail(v->loc, path + ".dtype", "unknown datatype '" + s + "'; known: " + all);
    }
    return d;
  };

  if (fam == "gemm") {
    out.kind = NodeKind::Gemm;
    out.gemm.m = get_i("m", true, 0, true);
    out.gemm.n = get_i("n", true, 0, true);
    out.gemm.k = get_i("k", true, 0, true);
    out.gemm.batch = get_i("batch", false, 1, true);
    out.gemm.dtype = get_dtype();
    check_op_flops(2.0 * double(out.gemm.m) * double(out.gemm.n) * double(out.gemm.k) * double(out.gemm.batch));
  } else if (fam == "attention") {
    out.kind = NodeKind::Attention;
    out.attn.batch = get_i("batch", false, 1, true);
    out.attn.heads = get_i("heads", true, 0, true);
    out.attn.kv_heads = get_i("kv_heads", false, out.attn.heads, true);
    out.attn.q_len = get_i("q_len", true, 0, true);
    out.attn.kv_len = get_i("kv_len", false, out.attn.q_len, true);
    out.attn.head_dim = get_i("head_dim", true, 0, true);
    out.attn.v_dim = get_i("v_dim", false, 0, false);
    if (out.attn.heads % out.attn.kv_heads != 0)
      fail(nd.find("kv_heads")->loc, path + ".kv_heads",
           "must divide heads (" + std::to_string(out.attn.heads) + "), got " + std::to_string(out.attn.kv_heads));
    if (const Node* v = nd.find("causal")) out.attn.causal = scalar<bool>(*v, path + ".causal");
    if (const Node* v = nd.find("backward")) out.attn.backward = scalar<bool>(*v, path + ".backward");
    out.attn.dtype = get_dtype();
    const double vd = double(out.attn.v_dim > 0 ? out.attn.v_dim : out.attn.head_dim);
    check_op_flops(2.0 * double(out.attn.batch) * double(out.attn.heads) * double(out.attn.q_len) *
                   double(out.attn.kv_len) * (double(out.attn.head_dim) + vd) * (out.attn.backward ? 2.5 : 1.0));
  } else if (fam == "vector") {
    out.kind = NodeKind::Vector;
    if (const Node* v = nd.find("op_class")) out.vec.op_class = scalar<std::string>(*v, path + ".op_class");
    out.vec.bytes = get_bytes(true);
    if (const Node* v = nd.find("flops")) {
      out.vec.flops = scalar<Flops>(*v, path + ".flops");
      if (out.vec.flops.value() < 0) fail(v->loc, path + ".flops", "must not be negative");
      check_op_flops(out.vec.flops.value());
    }
    out.vec.dtype = get_dtype();
  } else if (fam == "memcpy") {
    out.kind = NodeKind::MemCopy;
    out.copy.bytes = get_bytes(true);
    if (const Node* v = nd.find("direction")) {
      out.copy.direction = scalar<std::string>(*v, path + ".direction");
      if (out.copy.direction != "d2d" && out.copy.direction != "h2d" && out.copy.direction != "d2h")
        fail(v->loc, path + ".direction", "must be one of d2d, h2d, d2h, got '" + out.copy.direction + "'");
    }
  } else if (fam == "collective") {
    out.kind = NodeKind::Collective;
    out.stream = StreamKind::Comm;
    parse_coll_kind(op, out.coll.kind);
    out.coll.bytes = get_bytes(true);
    out.coll.group_set = w.group_all();
    if (const Node* v = nd.find("group")) {
      std::string g = scalar<std::string>(*v, path + ".group");
      int gi = w.find_group_set(g);
      if (gi < 0) {
        std::vector<std::string> names;
        for (const auto& gs : w.group_sets) names.push_back(gs.name);
        std::string near = cfg::nearest(g, names);
        fail(v->loc, path + ".group", "unknown group '" + g + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
      }
      out.coll.group_set = gi;
    }
    out.coll.root = static_cast<RankId>(get_i("root", false, 0, false));
  } else if (fam == "send" || fam == "recv") {
    out.kind = fam == "send" ? NodeKind::Send : NodeKind::Recv;
    out.stream = StreamKind::Comm;
    const Node* peer = nd.find("peer");
    const Node* off = nd.find("peer_offset");
    if ((peer == nullptr) == (off == nullptr))
      fail(nd.loc, path, "op '" + op + "' needs exactly one of 'peer' (a rank) or 'peer_offset' (relative)");
    if (peer) out.p2p.peer = static_cast<RankId>(get_i("peer", true, 0, false));
    if (off) {
      out.p2p.peer = -1;
      out.p2p.offset = static_cast<RankId>(get_i("peer_offset", true, 0, false));
    }
    out.p2p.tag = get_i("tag", false, 0, false);
    out.p2p.bytes = get_bytes(true);
  } else if (fam == "delay") {
    out.kind = NodeKind::Delay;
    const Node& d = need(nd, "duration", path);
    out.duration = scalar<Seconds>(d, path + ".duration");
    if (out.duration.value() < 0) fail(d.loc, path + ".duration", "must not be negative");
    if (const Node* v = nd.find("flops")) out.flops_hint = scalar<Flops>(*v, path + ".flops");
  }
  if (const Node* s = nd.find("stream")) {
    std::string st = scalar<std::string>(*s, path + ".stream");
    if (st == "compute") out.stream = StreamKind::Compute;
    else if (st == "comm") out.stream = StreamKind::Comm;
    else fail(s->loc, path + ".stream", "must be 'compute' or 'comm', got '" + st + "'");
  }
}

Workload read_root(const Node& root, const std::string& name) {
  if (!root.is_map()) fail(root.loc, "", "a trace file must be a map with a top-level 'workload:' key");
  for (const auto& e : root.map)
    if (e.key != "workload") fail(e.key_loc, e.key, "unknown top-level key '" + e.key + "' (a trace has only 'workload:')");
  const Node& wn = need(root, "workload", "");
  if (!wn.is_map()) fail(wn.loc, "workload", "expected a map");
  static const std::vector<std::string> keys = {"name", "ranks", "groups", "programs", "description"};
  for (const auto& e : wn.map)
    if (std::find(keys.begin(), keys.end(), e.key) == keys.end()) {
      std::string near = cfg::nearest(e.key, keys);
      fail(e.key_loc, "workload." + e.key,
           "unknown key '" + e.key + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
  Workload w;
  w.source = name;
  w.name = wn.find("name") ? scalar<std::string>(*wn.find("name"), "workload.name") : std::string("workload");
  const Node& rn = need(wn, "ranks", "workload");
  auto ranks = scalar<std::int64_t>(rn, "workload.ranks");
  if (ranks < 1 || ranks > (1 << 20)) fail(rn.loc, "workload.ranks", "must be between 1 and 1048576, got " + rn.scalar);
  w.num_ranks = static_cast<RankId>(ranks);
  w.group_all();
  if (const Node* gn = wn.find("groups")) {
    if (!gn->is_map()) fail(gn->loc, "workload.groups", "expected a map of name -> list of rank lists");
    for (const auto& e : gn->map) {
      std::string p = "workload.groups." + e.key;
      if (e.key == "all") fail(e.key_loc, p, "'all' is predefined and cannot be redefined");
      GroupSet gs;
      gs.name = e.key;
      if (!e.value.is_seq()) fail(e.value.loc, p, "expected a list of rank lists, e.g. [[0, 1], [2, 3]]");
      bool flat = !e.value.seq.empty() && e.value.seq[0].is_scalar();
      if (flat) {
        gs.groups.push_back(parse_ranks(e.value, p, w.num_ranks));
      } else {
        for (size_t i = 0; i < e.value.seq.size(); ++i)
          gs.groups.push_back(parse_ranks(e.value.seq[i], p + "[" + std::to_string(i) + "]", w.num_ranks));
      }
      w.group_sets.push_back(std::move(gs));
    }
  }
  const Node& pn = need(wn, "programs", "workload");
  if (!pn.is_seq() || pn.seq.empty()) fail(pn.loc, "workload.programs", "expected a non-empty list of programs");
  w.program_of_rank.assign(w.num_ranks, -1);
  for (size_t pi = 0; pi < pn.seq.size(); ++pi) {
    const Node& p = pn.seq[pi];
    std::string pp = "workload.programs[" + std::to_string(pi) + "]";
    if (!p.is_map()) fail(p.loc, pp, "expected a map with 'ranks' and 'nodes'");
    for (const auto& e : p.map)
      if (e.key != "ranks" && e.key != "nodes" && e.key != "name")
        fail(e.key_loc, pp + "." + e.key, "unknown key '" + e.key + "'; valid: name, ranks, nodes");
    std::vector<wl::Node> prog_nodes;
    std::string prog_name = p.find("name") ? scalar<std::string>(*p.find("name"), pp + ".name") : "program" + std::to_string(pi);
    const Node& rr = need(p, "ranks", pp);
    for (RankId r : parse_ranks(rr, pp + ".ranks", w.num_ranks)) {
      if (w.program_of_rank[r] >= 0)
        fail(rr.loc, pp + ".ranks",
             "rank " + std::to_string(r) + " already runs program #" + std::to_string(w.program_of_rank[r]));
      w.program_of_rank[r] = static_cast<int>(pi);
    }
    const Node& nn = need(p, "nodes", pp);
    if (!nn.is_seq()) fail(nn.loc, pp + ".nodes", "expected a list of nodes");
    std::map<std::string, NodeIndex> ids;
    std::vector<const Node*> dep_nodes;
    for (size_t ni = 0; ni < nn.seq.size(); ++ni) {
      std::string np = pp + ".nodes[" + std::to_string(ni) + "]";
      wl::Node node;
      parse_node(nn.seq[ni], np, w, node);
      if (!ids.emplace(node.name, static_cast<NodeIndex>(ni)).second)
        fail(nn.seq[ni].loc, np + ".id", "duplicate node id '" + node.name + "'");
      prog_nodes.push_back(std::move(node));
      dep_nodes.push_back(nn.seq[ni].find("deps"));
    }
    for (size_t ni = 0; ni < prog_nodes.size(); ++ni) {
      const Node* d = dep_nodes[ni];
      if (d == nullptr || d->is_null()) continue;
      std::string np = pp + ".nodes[" + std::to_string(ni) + "].deps";
      std::vector<const Node*> items;
      if (d->is_scalar()) items.push_back(d);
      else if (d->is_seq()) for (const auto& x : d->seq) items.push_back(&x);
      else fail(d->loc, np, "expected a list of node ids");
      for (const Node* x : items) {
        std::string dn = scalar<std::string>(*x, np);
        auto f = ids.find(dn);
        if (f == ids.end()) {
          std::vector<std::string> all;
          for (const auto& [k, v] : ids) all.push_back(k);
          std::string near = cfg::nearest(dn, all);
          fail(x->loc, np, "dangling dependency: no node with id '" + dn + "' in this program" +
                               (near.empty() ? "" : " (did you mean '" + near + "'?)"));
        }
        prog_nodes[ni].deps.push_back(f->second);
      }
    }
    w.programs.push_back(Program::from_nodes(std::move(prog_name), std::move(prog_nodes)));
  }
  for (RankId r = 0; r < w.num_ranks; ++r)
    if (w.program_of_rank[r] < 0)
      fail(pn.loc, "workload.programs", "rank " + std::to_string(r) + " is not covered by any program's 'ranks'");
  validate(w);
  return w;
}

class YamlTraceReader : public TraceReader {
 public:
  std::string name() const override { return "yaml"; }
  std::string description() const override { return "xpusim native YAML trace (docs/workloads.md)"; }
  bool recognises(const std::string& path) const override {
    auto ext = std::filesystem::path(path).extension().string();
    return ext == ".yaml" || ext == ".yml";
  }
  Workload read(const std::string& path) const override { return read_root(cfg::load_file(path), path); }
};

}  // namespace

Workload read_yaml_trace_text(const std::string& text, const std::string& name) {
  return read_root(cfg::load_string(text, name), name);
}

XPU_REGISTER_TRACE_READER("yaml", YamlTraceReader);

}  // namespace xpu::wl
