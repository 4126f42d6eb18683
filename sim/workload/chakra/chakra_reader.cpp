// Chakra ET reader: rank files -> validated Workload. The contract and the mapping to the IR are in
// chakra.h; the byte layout (varint length + message, repeated) is parsed here by hand so that a
// truncated or corrupt file is reported with its byte offset instead of a bare "parse failed".
#include "sim/workload/chakra/chakra.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "sim/workload/reader.h"
#include "sim/workload/symmetry.h"
#include "workload/chakra/et_def.pb.h"

namespace xpu::wl::chakra {
namespace fs = std::filesystem;
namespace pb = xpu::chakra;

namespace {

// ---- byte stream ----------------------------------------------------------------------------------

// One rank file may hold at most this much (docs/robustness.md): larger is refused before reading.
constexpr std::uintmax_t kMaxChakraFileBytes = std::uintmax_t{2} << 30;  // 2 GiB

std::string read_bytes(const std::string& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) throw UserError(file + ": is a directory, not a Chakra rank file");
  const std::uintmax_t size = fs::file_size(file, ec);
  if (!ec && size > kMaxChakraFileBytes)
    throw UserError(file + ": " + std::to_string(size) + " bytes exceeds the Chakra reader's limit of " +
                    std::to_string(kMaxChakraFileBytes) + " bytes per rank file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UserError(file + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Reads the next length-delimited message; returns false at a clean end of file.
bool next_message(const std::string& file, const std::string& data, size_t& off, std::string_view& msg,
                  size_t index) {
  if (off == data.size()) return false;
  const size_t start = off;
  std::uint64_t len = 0;
  int shift = 0;
  while (true) {
    if (off >= data.size())
      throw UserError(file + ": truncated file at byte " + std::to_string(start) + ": the length prefix of message #" +
                      std::to_string(index) + " ends early");
    const auto b = static_cast<unsigned char>(data[off++]);
    if (shift >= 64 || (shift == 63 && (b & 0x7e)))
      throw UserError(file + ": corrupt varint at byte " + std::to_string(start) + " (length prefix of message #" +
                      std::to_string(index) + " is longer than 10 bytes)");
    len |= std::uint64_t(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  const size_t remain = data.size() - off;
  if (len > remain)
    throw UserError(file + ": truncated file at byte " + std::to_string(start) + ": message #" +
                    std::to_string(index) + " declares " + std::to_string(len) + " bytes but only " +
                    std::to_string(remain) + " remain");
  msg = std::string_view(data.data() + off, static_cast<size_t>(len));
  off += static_cast<size_t>(len);
  return true;
}

// ---- attributes -----------------------------------------------------------------------------------

const pb::AttributeProto* find_attr(const pb::Node& n, const char* name) {
  for (const auto& a : n.attr())
    if (a.name() == name) return &a;
  return nullptr;
}

bool attr_int(const pb::AttributeProto* a, std::int64_t& out) {
  if (a == nullptr) return false;
  switch (a->value_case()) {
    case pb::AttributeProto::kInt32Val: out = a->int32_val(); return true;
    case pb::AttributeProto::kInt64Val: out = a->int64_val(); return true;
    case pb::AttributeProto::kUint32Val: out = a->uint32_val(); return true;
    case pb::AttributeProto::kUint64Val: out = static_cast<std::int64_t>(a->uint64_val()); return true;
    case pb::AttributeProto::kSint32Val: out = a->sint32_val(); return true;
    case pb::AttributeProto::kSint64Val: out = a->sint64_val(); return true;
    case pb::AttributeProto::kFixed32Val: out = a->fixed32_val(); return true;
    case pb::AttributeProto::kFixed64Val: out = static_cast<std::int64_t>(a->fixed64_val()); return true;
    case pb::AttributeProto::kSfixed32Val: out = a->sfixed32_val(); return true;
    case pb::AttributeProto::kSfixed64Val: out = a->sfixed64_val(); return true;
    case pb::AttributeProto::kBoolVal: out = a->bool_val() ? 1 : 0; return true;
    case pb::AttributeProto::kDoubleVal: out = static_cast<std::int64_t>(a->double_val()); return true;
    case pb::AttributeProto::kFloatVal: out = static_cast<std::int64_t>(a->float_val()); return true;
    default: return false;
  }
}
bool attr_double(const pb::AttributeProto* a, double& out) {
  if (a == nullptr) return false;
  if (a->value_case() == pb::AttributeProto::kDoubleVal) { out = a->double_val(); return true; }
  if (a->value_case() == pb::AttributeProto::kFloatVal) { out = a->float_val(); return true; }
  std::int64_t i = 0;
  if (attr_int(a, i)) { out = static_cast<double>(i); return true; }
  return false;
}
bool attr_str(const pb::AttributeProto* a, std::string& out) {
  if (a == nullptr) return false;
  if (a->value_case() == pb::AttributeProto::kStringVal) { out = a->string_val(); return true; }
  if (a->value_case() == pb::AttributeProto::kBytesVal) { out = a->bytes_val(); return true; }
  std::int64_t i = 0;
  if (attr_int(a, i)) { out = std::to_string(i); return true; }
  return false;
}

// ---- shapes ("[[64, 1024], [1024, 512]]") ---------------------------------------------------------

// Parses a nested list of integers; returns the top-level entries that are flat integer lists (other
// entries, e.g. scalars or nested tuples, become empty lists).
std::vector<std::vector<std::int64_t>> parse_shapes(const std::string& s) {
  std::vector<std::vector<std::int64_t>> out;
  int depth = 0;
  std::vector<std::int64_t> cur;
  bool bad = false;
  std::string num;
  auto flush = [&] {
    if (!num.empty()) {
      try { cur.push_back(std::stoll(num)); } catch (...) { bad = true; }
      num.clear();
    }
  };
  for (char c : s) {
    if (c == '[') {
      ++depth;
      if (depth == 2) { cur.clear(); bad = false; }
      if (depth > 2) bad = true;
    } else if (c == ']') {
      flush();
      if (depth == 2) out.push_back(bad ? std::vector<std::int64_t>{} : cur);
      else if (depth == 1 && out.empty() && !cur.empty()) out.push_back(cur);
      --depth;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      num += c;
    } else {
      flush();
    }
  }
  return out;
}

DType dtype_from_types(const std::string& types, DType def) {
  if (types.find("BFloat16") != std::string::npos) return DType::BF16;
  if (types.find("Half") != std::string::npos) return DType::FP16;
  if (types.find("Float8") != std::string::npos) return DType::FP8;
  if (types.find("float") != std::string::npos || types.find("Float") != std::string::npos) return DType::FP32;
  return def;
}

std::int64_t prod(const std::vector<std::int64_t>& v, size_t from, size_t to) {
  std::int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= v[i];
  return p;
}

// A PyTorch matrix multiply with usable shapes -> GemmOp.
bool gemm_from_shapes(const pb::Node& n, GemmOp& g) {
  const std::string& name = n.name();
  auto shapes = parse_shapes(n.inputs().shapes());
  auto ok = [](const std::vector<std::int64_t>& v, size_t r) {
    return v.size() == r && std::all_of(v.begin(), v.end(), [](std::int64_t x) { return x > 0; });
  };
  auto ends = [&](const char* op) { return name == op || name.find(op) != std::string::npos; };
  g.dtype = dtype_from_types(n.inputs().types(), DType::BF16);
  if (ends("aten::addmm") && shapes.size() >= 3 && ok(shapes[1], 2) && ok(shapes[2], 2) && shapes[1][1] == shapes[2][0]) {
    g.m = shapes[1][0]; g.k = shapes[1][1]; g.n = shapes[2][1]; g.batch = 1;
    return true;
  }
  if (ends("aten::mm") && shapes.size() >= 2 && ok(shapes[0], 2) && ok(shapes[1], 2) && shapes[0][1] == shapes[1][0]) {
    g.m = shapes[0][0]; g.k = shapes[0][1]; g.n = shapes[1][1]; g.batch = 1;
    return true;
  }
  if ((ends("aten::bmm") || ends("aten::baddbmm")) && shapes.size() >= 2) {
    size_t a = ends("aten::baddbmm") ? 1 : 0;
    if (shapes.size() >= a + 2 && ok(shapes[a], 3) && ok(shapes[a + 1], 3) && shapes[a][2] == shapes[a + 1][1] &&
        shapes[a][0] == shapes[a + 1][0]) {
      g.batch = shapes[a][0]; g.m = shapes[a][1]; g.k = shapes[a][2]; g.n = shapes[a + 1][2];
      return true;
    }
  }
  if (ends("aten::linear") && shapes.size() >= 2 && shapes[0].size() >= 2 && ok(shapes[1], 2) &&
      shapes[0].back() == shapes[1][1] && std::all_of(shapes[0].begin(), shapes[0].end(), [](auto x) { return x > 0; })) {
    g.m = prod(shapes[0], 0, shapes[0].size() - 1); g.k = shapes[1][1]; g.n = shapes[1][0]; g.batch = 1;
    return true;
  }
  if (ends("aten::matmul") && shapes.size() >= 2 && shapes[0].size() >= 2 && shapes[1].size() >= 2) {
    const auto& A = shapes[0];
    const auto& B = shapes[1];
    if (A.back() != B[B.size() - 2]) return false;
    if (!std::all_of(A.begin(), A.end(), [](auto x) { return x > 0; }) ||
        !std::all_of(B.begin(), B.end(), [](auto x) { return x > 0; }))
      return false;
    if (B.size() == 2) {
      g.batch = 1; g.m = prod(A, 0, A.size() - 1);
    } else {
      g.batch = prod(A, 0, A.size() - 2); g.m = A[A.size() - 2];
      if (prod(B, 0, B.size() - 2) != g.batch) return false;
    }
    g.k = A.back(); g.n = B.back();
    return true;
  }
  return false;
}

bool coll_from_comm_type(std::int64_t t, CollKind& k, std::string& approx) {
  switch (t) {
    case pb::ALL_REDUCE: k = CollKind::AllReduce; return true;
    case pb::REDUCE: k = CollKind::Reduce; return true;
    case pb::ALL_GATHER: k = CollKind::AllGather; return true;
    case pb::GATHER: k = CollKind::Reduce; approx = "GATHER simulated as REDUCE to root (same bytes in, one root)"; return true;
    case pb::SCATTER: k = CollKind::Broadcast; approx = "SCATTER simulated as BROADCAST from root"; return true;
    case pb::BROADCAST: k = CollKind::Broadcast; return true;
    case pb::ALL_TO_ALL: k = CollKind::AllToAll; return true;
    case pb::REDUCE_SCATTER: k = CollKind::ReduceScatter; return true;
    case pb::REDUCE_SCATTER_BLOCK: k = CollKind::ReduceScatter; return true;
    case pb::BARRIER: k = CollKind::AllReduce; approx = "BARRIER simulated as a zero-byte ALL_REDUCE"; return true;
    default: return false;
  }
}

// Per-file record of leniencies, summed into notes.
struct Remarks {
  std::int64_t dangling = 0;
  std::vector<std::string> dangling_first;  // "rank r: node a -> missing b"
  std::int64_t cpu_colls = 0;
  std::vector<std::string> cpu_first;
  std::int64_t delay_nodes = 0, delay_with_ops = 0, ops_only = 0, gemm_from_shapes = 0, other_types = 0;
  std::set<std::string> approx;
};

// Groups: "xpusim.groups" in the metadata, "tp=0,1;2,3|dp=0,2;1,3".
std::vector<GroupSet> parse_groups_attr(const std::string& s, const std::string& file) {
  std::vector<GroupSet> out;
  std::stringstream sets(s);
  std::string set;
  while (std::getline(sets, set, '|')) {
    auto eq = set.find('=');
    if (eq == std::string::npos || eq == 0) throw UserError(file + ": malformed xpusim.groups metadata '" + set + "'");
    GroupSet gs;
    gs.name = set.substr(0, eq);
    std::stringstream groups(set.substr(eq + 1));
    std::string g;
    while (std::getline(groups, g, ';')) {
      std::vector<RankId> ranks;
      std::stringstream rs(g);
      std::string r;
      while (std::getline(rs, r, ',')) {
        try { ranks.push_back(static_cast<RankId>(std::stol(r))); } catch (...) {
          throw UserError(file + ": malformed rank '" + r + "' in xpusim.groups metadata");
        }
      }
      gs.groups.push_back(std::move(ranks));
    }
    out.push_back(std::move(gs));
  }
  return out;
}

struct RankProgram {
  std::string name;
  std::vector<Node> nodes;
  std::vector<std::string> pg_name;  // per node ("" = all ranks), collectives only
  std::vector<GroupSet> meta_groups;
};

RankProgram read_rank(const std::string& file, RankId rank, RankId num_ranks, Remarks& rem) {
  const std::string data = read_bytes(file);
  RankProgram rp;
  rp.name = "rank" + std::to_string(rank);
  size_t off = 0;
  std::string_view msg;
  size_t msg_start = 0;
  if (!next_message(file, data, off, msg, 0))
    throw UserError(file + ": empty file (a Chakra trace starts with a GlobalMetadata message)");
  pb::GlobalMetadata meta;
  if (!meta.ParseFromArray(msg.data(), static_cast<int>(msg.size())))
    throw UserError(file + ": corrupt GlobalMetadata message at byte 0");
  for (const auto& a : meta.attr())
    if (a.name() == "xpusim.groups" && a.value_case() == pb::AttributeProto::kStringVal)
      rp.meta_groups = parse_groups_attr(a.string_val(), file);

  std::vector<pb::Node> nodes;
  size_t index = 1;
  msg_start = off;
  while (next_message(file, data, off, msg, index)) {
    pb::Node n;
    if (!n.ParseFromArray(msg.data(), static_cast<int>(msg.size())))
      throw UserError(file + ": corrupt Node message #" + std::to_string(index) + " at byte " + std::to_string(msg_start));
    nodes.push_back(std::move(n));
    ++index;
    msg_start = off;
  }

  std::unordered_map<std::uint64_t, NodeIndex> by_id;
  by_id.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i)
    if (!by_id.emplace(nodes[i].id(), static_cast<NodeIndex>(i)).second)
      throw UserError(file + ": duplicate node id " + std::to_string(nodes[i].id()) + " (node '" + nodes[i].name() + "')");

  rp.nodes.resize(nodes.size());
  rp.pg_name.assign(nodes.size(), "");
  for (size_t i = 0; i < nodes.size(); ++i) {
    const pb::Node& in = nodes[i];
    Node& out = rp.nodes[i];
    out.name = in.name().empty() ? "node" + std::to_string(in.id()) : in.name();
    out.loc = SourceLoc{file};
    out.duration = Seconds(static_cast<double>(in.duration_micros()) * 1e-6);
    if (double d = 0; attr_double(find_attr(in, "xpusim.duration_s"), d)) out.duration = Seconds(d);
    std::int64_t num_ops = 0, tensor_size = 0, v = 0;
    attr_int(find_attr(in, "num_ops"), num_ops);
    attr_int(find_attr(in, "tensor_size"), tensor_size);
    std::string xop;
    attr_str(find_attr(in, "xpusim.op"), xop);
    std::int64_t cpu = 0;
    const bool is_cpu = attr_int(find_attr(in, "is_cpu_op"), cpu) && cpu != 0;
    switch (in.type()) {
      case pb::COMP_NODE: {
        if (xop == "gemm") {
          out.kind = NodeKind::Gemm;
          attr_int(find_attr(in, "xpusim.m"), out.gemm.m);
          attr_int(find_attr(in, "xpusim.n"), out.gemm.n);
          attr_int(find_attr(in, "xpusim.k"), out.gemm.k);
          attr_int(find_attr(in, "xpusim.batch"), out.gemm.batch);
          std::string dt;
          if (attr_str(find_attr(in, "xpusim.dtype"), dt) && !parse_dtype(dt, out.gemm.dtype))
            throw UserError(file + ": node " + std::to_string(in.id()) + ": unknown xpusim.dtype '" + dt + "'");
          if (out.gemm.m <= 0 || out.gemm.n <= 0 || out.gemm.k <= 0 || out.gemm.batch <= 0)
            throw UserError(file + ": node " + std::to_string(in.id()) + ": gemm needs positive xpusim.m/n/k/batch");
        } else if (xop == "attention") {
          out.kind = NodeKind::Attention;
          auto& a = out.attn;
          attr_int(find_attr(in, "xpusim.batch"), a.batch);
          attr_int(find_attr(in, "xpusim.heads"), a.heads);
          attr_int(find_attr(in, "xpusim.kv_heads"), a.kv_heads);
          attr_int(find_attr(in, "xpusim.q_len"), a.q_len);
          attr_int(find_attr(in, "xpusim.kv_len"), a.kv_len);
          attr_int(find_attr(in, "xpusim.head_dim"), a.head_dim);
          attr_int(find_attr(in, "xpusim.v_dim"), a.v_dim);
          std::int64_t flag = 0;
          if (attr_int(find_attr(in, "xpusim.causal"), flag)) a.causal = flag != 0;
          flag = 0;
          if (attr_int(find_attr(in, "xpusim.backward"), flag)) a.backward = flag != 0;
          std::string dt;
          if (attr_str(find_attr(in, "xpusim.dtype"), dt) && !parse_dtype(dt, a.dtype))
            throw UserError(file + ": node " + std::to_string(in.id()) + ": unknown xpusim.dtype '" + dt + "'");
          if (a.batch <= 0 || a.heads <= 0 || a.kv_heads <= 0 || a.q_len <= 0 || a.kv_len <= 0 || a.head_dim <= 0 ||
              a.heads % a.kv_heads != 0)
            throw UserError(file + ": node " + std::to_string(in.id()) + ": attention needs positive xpusim.batch/heads/"
                            "kv_heads/q_len/kv_len/head_dim with kv_heads dividing heads");
        } else if (xop == "vector") {
          out.kind = NodeKind::Vector;
          attr_str(find_attr(in, "xpusim.op_class"), out.vec.op_class);
          out.vec.bytes = Bytes(static_cast<double>(tensor_size));
          double f = 0;
          if (attr_double(find_attr(in, "xpusim.flops"), f)) out.vec.flops = Flops(f);
          else out.vec.flops = Flops(static_cast<double>(num_ops));
          std::string dt;
          if (attr_str(find_attr(in, "xpusim.dtype"), dt) && !parse_dtype(dt, out.vec.dtype))
            throw UserError(file + ": node " + std::to_string(in.id()) + ": unknown xpusim.dtype '" + dt + "'");
        } else if (gemm_from_shapes(in, out.gemm)) {
          out.kind = NodeKind::Gemm;
          ++rem.gemm_from_shapes;
        } else {
          out.kind = NodeKind::Delay;
          double f = 0;
          if (attr_double(find_attr(in, "xpusim.flops"), f)) out.flops_hint = Flops(f);
          else out.flops_hint = Flops(static_cast<double>(num_ops));
          if (xop.empty()) {
            if (in.duration_micros() > 0) {
              ++rem.delay_nodes;
              if (num_ops > 0) ++rem.delay_with_ops;
            } else if (num_ops > 0) {
              ++rem.ops_only;
            }
          }
        }
        break;
      }
      case pb::COMM_COLL_NODE: {
        out.kind = NodeKind::Collective;
        out.stream = StreamKind::Comm;
        std::int64_t ct = 0;
        if (!attr_int(find_attr(in, "comm_type"), ct))
          throw UserError(file + ": COMM_COLL_NODE id " + std::to_string(in.id()) + " ('" + in.name() +
                          "') has no comm_type attribute");
        std::string approx;
        if (!coll_from_comm_type(ct, out.coll.kind, approx))
          throw UserError(file + ": COMM_COLL_NODE id " + std::to_string(in.id()) + ": unknown comm_type " +
                          std::to_string(ct));
        if (!approx.empty()) rem.approx.insert(approx);
        if (attr_int(find_attr(in, "comm_size"), v)) out.coll.bytes = Bytes(static_cast<double>(v));
        if (ct == pb::BARRIER) out.coll.bytes = Bytes(0);
        if (out.coll.bytes.bytes() < 0)
          throw UserError(file + ": COMM_COLL_NODE id " + std::to_string(in.id()) + ": negative comm_size");
        if (attr_int(find_attr(in, "xpusim.root"), v)) out.coll.root = static_cast<RankId>(v);
        attr_str(find_attr(in, "pg_name"), rp.pg_name[i]);
        if (is_cpu) {
          ++rem.cpu_colls;
          if (rem.cpu_first.size() < 5) rem.cpu_first.push_back("rank " + std::to_string(rank) + " node " + std::to_string(in.id()));
        }
        break;
      }
      case pb::COMM_SEND_NODE:
      case pb::COMM_RECV_NODE: {
        const bool send = in.type() == pb::COMM_SEND_NODE;
        out.kind = send ? NodeKind::Send : NodeKind::Recv;
        out.stream = StreamKind::Comm;
        std::int64_t peer = -1;
        if (!attr_int(find_attr(in, send ? "comm_dst" : "comm_src"), peer))
          throw UserError(file + ": " + (send ? "COMM_SEND_NODE" : "COMM_RECV_NODE") + std::string(" id ") +
                          std::to_string(in.id()) + " has no " + (send ? "comm_dst" : "comm_src") + " attribute");
        if (peer < 0 || peer >= num_ranks)
          throw UserError(file + ": node id " + std::to_string(in.id()) + ": peer rank " + std::to_string(peer) +
                          " is outside 0.." + std::to_string(num_ranks - 1) +
                          (num_ranks == 1 ? " (read all rank files: pass dir/prefix, not one .et file)" : ""));
        out.p2p.peer = -1;
        out.p2p.offset = static_cast<RankId>(peer) - rank;
        if (attr_int(find_attr(in, "comm_tag"), v)) out.p2p.tag = v;
        if (attr_int(find_attr(in, "comm_size"), v)) out.p2p.bytes = Bytes(static_cast<double>(v));
        break;
      }
      case pb::MEM_LOAD_NODE:
      case pb::MEM_STORE_NODE: {
        out.kind = NodeKind::MemCopy;
        out.copy.bytes = Bytes(static_cast<double>(tensor_size));
        out.copy.direction = in.type() == pb::MEM_LOAD_NODE ? "h2d" : "d2h";
        attr_str(find_attr(in, "xpusim.direction"), out.copy.direction);
        if (out.copy.direction != "h2d" && out.copy.direction != "d2h" && out.copy.direction != "d2d")
          throw UserError(file + ": node id " + std::to_string(in.id()) + ": bad xpusim.direction '" + out.copy.direction + "'");
        break;
      }
      default:
        out.kind = NodeKind::Delay;
        ++rem.other_types;
        break;
    }
    std::string st;
    if (attr_str(find_attr(in, "xpusim.stream"), st)) {
      if (st == "compute") out.stream = StreamKind::Compute;
      else if (st == "comm") out.stream = StreamKind::Comm;
    }
    // Dependencies: data and control, each once, in file order; dangling ones dropped.
    std::set<NodeIndex> seen;
    auto add = [&](std::uint64_t id) {
      auto it = by_id.find(id);
      if (it == by_id.end()) {
        ++rem.dangling;
        if (rem.dangling_first.size() < 5)
          rem.dangling_first.push_back("rank " + std::to_string(rank) + ": node " + std::to_string(in.id()) + " -> " +
                                       std::to_string(id));
        return;
      }
      if (it->second == i) return;  // a self-dependency carries no meaning; drop it quietly
      if (seen.insert(it->second).second) out.deps.push_back(it->second);
    };
    for (auto d : in.data_deps()) add(d);
    for (auto d : in.ctrl_deps()) add(d);
  }
  return rp;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "; ") + x;
  return s;
}


}  // namespace

Workload read_chakra_files(const std::vector<std::string>& files, const std::string& name) {
  if (files.empty()) throw UserError(name + ": no rank files");
  Workload w;
  w.name = name;
  w.source = files.size() == 1 ? files[0] : name;
  w.num_ranks = static_cast<RankId>(files.size());
  w.group_all();
  Remarks rem;
  std::vector<RankProgram> rps;
  rps.reserve(files.size());
  for (size_t r = 0; r < files.size(); ++r) rps.push_back(read_rank(files[r], static_cast<RankId>(r), w.num_ranks, rem));

  // Communicators. xpusim's own metadata names the group sets exactly; otherwise each distinct
  // pg_name becomes a set with one group: the ranks whose files use it.
  for (const auto& gs : rps[0].meta_groups)
    if (w.find_group_set(gs.name) < 0) w.group_sets.push_back(gs);
  std::map<std::string, std::set<RankId>> pg_users;
  for (size_t r = 0; r < rps.size(); ++r)
    for (const auto& pg : rps[r].pg_name)
      if (!pg.empty() && w.find_group_set(pg) < 0) pg_users[pg].insert(static_cast<RankId>(r));
  int inferred = 0;
  for (const auto& [pg, users] : pg_users) {
    if (static_cast<RankId>(users.size()) == w.num_ranks) continue;  // same as "all"
    GroupSet gs;
    gs.name = pg;
    gs.groups.emplace_back(users.begin(), users.end());
    w.group_sets.push_back(std::move(gs));
    ++inferred;
  }
  for (auto& rp : rps) {
    for (size_t i = 0; i < rp.nodes.size(); ++i) {
      Node& n = rp.nodes[i];
      if (n.kind != NodeKind::Collective) continue;
      int g = rp.pg_name[i].empty() ? -1 : w.find_group_set(rp.pg_name[i]);
      n.coll.group_set = g >= 0 ? g : w.group_all();
    }
  }
  for (auto& rp : rps) {
    w.program_of_rank.push_back(static_cast<int>(w.programs.size()));
    w.programs.push_back(Program::from_nodes(std::move(rp.name), std::move(rp.nodes)));
  }
  share_identical_programs(w);

  // Notes.
  if (rem.delay_nodes > 0)
    w.notes.push_back(std::to_string(rem.delay_nodes) +
                      " compute nodes have no tensor shapes: replayed as their recorded duration (duration_micros)" +
                      (rem.delay_with_ops > 0 ? "; " + std::to_string(rem.delay_with_ops) + " of them also carry num_ops, kept as flops_hint" : ""));
  if (rem.ops_only > 0)
    w.notes.push_back(std::to_string(rem.ops_only) +
                      " compute nodes have neither shapes nor a duration: only their FLOP count (num_ops, as flops_hint) is known");
  if (rem.gemm_from_shapes > 0)
    w.notes.push_back(std::to_string(rem.gemm_from_shapes) + " matrix-multiply nodes modelled from their recorded shapes (recorded durations ignored)");
  if (rem.dangling > 0)
    w.notes.push_back(std::to_string(rem.dangling) + " dependencies on nodes absent from the trace were dropped (first: " +
                      join(rem.dangling_first) + ")");
  if (rem.cpu_colls > 0)
    w.notes.push_back(std::to_string(rem.cpu_colls) + " collective nodes are marked is_cpu_op; simulated as collectives anyway (first: " +
                      join(rem.cpu_first) + ")");
  if (rem.other_types > 0)
    w.notes.push_back(std::to_string(rem.other_types) + " nodes of other types (metadata, storage, ...) kept as delays of their recorded duration");
  for (const auto& a : rem.approx) w.notes.push_back(a);
  if (inferred > 0)
    w.notes.push_back(std::to_string(inferred) + " communicators inferred from pg_name (each: the ranks whose files use it)");
  if (files.size() == 1) w.notes.push_back("one rank file read: collectives span that rank only");
  w.notes.push_back(std::to_string(w.num_ranks) + " ranks, " + std::to_string(w.programs.size()) + " distinct programs");
  validate(w);
  return w;
}

Workload read_chakra(const std::string& path) {
  RankFiles rf = find_rank_files(path);
  return read_chakra_files(rf.files, rf.name);
}

namespace {
class ChakraReader : public TraceReader {
 public:
  std::string name() const override { return "chakra"; }
  std::string description() const override {
    return "MLCommons Chakra ET (dir/prefix for prefix.N.et, one .et file, or a directory)";
  }
  bool recognises(const std::string& path) const override { return looks_like_chakra(path); }
  Workload read(const std::string& path) const override { return read_chakra(path); }
};
}  // namespace

}  // namespace xpu::wl::chakra

namespace xpu::wl {
using ChakraTraceReader = chakra::ChakraReader;
XPU_REGISTER_TRACE_READER("chakra", ChakraTraceReader);
}  // namespace xpu::wl
