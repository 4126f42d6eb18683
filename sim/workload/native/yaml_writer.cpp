#include "sim/workload/native/yaml_writer.h"
#include "sim/workload/reader.h"

#include <filesystem>

#include "sim/core/output.h"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

namespace xpu::wl {
namespace {

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// A YAML-safe scalar: plain when it is a simple identifier-like string, quoted otherwise.
std::string quote(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '/' ||
                    c == '+';
    if (!ok) plain = false;
  }
  if (plain && (s[0] == '-' || s[0] == '.' || std::isdigit(static_cast<unsigned char>(s[0])))) plain = false;
  static const std::set<std::string> reserved = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "all"};
  std::string low;
  for (char c : s) low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (reserved.count(low)) plain = false;
  if (plain) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    if (c == '\n') { q += "\\n"; continue; }
    if (c == '\t') { q += "\\t"; continue; }
    q += c;
  }
  return q + "\"";
}

std::string rank_list(const std::vector<RankId>& rs) {
  std::string s = "[";
  for (size_t i = 0; i < rs.size(); ++i) s += (i ? ", " : "") + std::to_string(rs[i]);
  return s + "]";
}

}  // namespace

std::string write_yaml_trace(const Workload& w) {
  std::ostringstream os;
  os << "# xpusim native trace (docs/workloads.md)\n";
  os << "workload:\n";
  os << "  name: " << quote(w.name.empty() ? "workload" : w.name) << "\n";
  os << "  ranks: " << w.num_ranks << "\n";
  bool any_groups = false;
  for (const auto& gs : w.group_sets)
    if (gs.name != "all") any_groups = true;
  if (any_groups) {
    os << "  groups:\n";
    for (const auto& gs : w.group_sets) {
      if (gs.name == "all") continue;
      os << "    " << quote(gs.name) << ": [";
      for (size_t g = 0; g < gs.groups.size(); ++g) os << (g ? ", " : "") << rank_list(gs.groups[g]);
      os << "]\n";
    }
  }
  os << "  programs:\n";
  for (size_t pi = 0; pi < w.programs.size(); ++pi) {
    const Program& p = w.programs[pi];
    std::vector<RankId> ranks;
    for (RankId r = 0; r < w.num_ranks; ++r)
      if (w.program_of_rank[static_cast<size_t>(r)] == static_cast<int>(pi)) ranks.push_back(r);
    if (ranks.empty()) continue;
    os << "    - name: " << quote(p.name.empty() ? "program" + std::to_string(pi) : p.name) << "\n";
    bool contiguous = ranks.back() - ranks.front() + 1 == static_cast<RankId>(ranks.size());
    if (static_cast<RankId>(ranks.size()) == w.num_ranks) os << "      ranks: all\n";
    else if (contiguous && ranks.size() > 1) os << "      ranks: \"" << ranks.front() << "-" << ranks.back() << "\"\n";
    else os << "      ranks: " << rank_list(ranks) << "\n";
    os << "      nodes:\n";
    const std::vector<Node> nodes = p.expand();
    // Unique ids: the node's name, suffixed with ~index when taken.
    std::vector<std::string> ids(nodes.size());
    std::set<std::string> used;
    for (size_t i = 0; i < nodes.size(); ++i) {
      std::string id = nodes[i].name.empty() ? "n" + std::to_string(i) : nodes[i].name;
      if (!used.insert(id).second) {
        id += "~" + std::to_string(i);
        while (!used.insert(id).second) id += "_";
      }
      ids[i] = id;
    }
    for (size_t i = 0; i < nodes.size(); ++i) {
      const Node& n = nodes[i];
      os << "        - {id: " << quote(ids[i]) << ", op: ";
      const bool comm = is_communication(n.kind);
      switch (n.kind) {
        case NodeKind::Gemm:
          os << "gemm, m: " << n.gemm.m << ", n: " << n.gemm.n << ", k: " << n.gemm.k;
          if (n.gemm.batch != 1) os << ", batch: " << n.gemm.batch;
          os << ", dtype: " << dtype_name(n.gemm.dtype);
          break;
        case NodeKind::Vector:
          os << "vector, op_class: " << quote(n.vec.op_class) << ", bytes: \"" << num(n.vec.bytes.bytes()) << " B\"";
          if (n.vec.flops.value() != 0) os << ", flops: \"" << num(n.vec.flops.value()) << " FLOP\"";
          os << ", dtype: " << dtype_name(n.vec.dtype);
          break;
        case NodeKind::MemCopy:
          os << "memcpy, bytes: \"" << num(n.copy.bytes.bytes()) << " B\", direction: " << n.copy.direction;
          break;
        case NodeKind::Collective: {
          os << coll_kind_name(n.coll.kind) << ", bytes: \"" << num(n.coll.bytes.bytes()) << " B\"";
          const auto& gs = w.group_sets.at(static_cast<size_t>(n.coll.group_set));
          if (gs.name != "all") os << ", group: " << quote(gs.name);
          if (n.coll.root != 0) os << ", root: " << n.coll.root;
          break;
        }
        case NodeKind::Send:
        case NodeKind::Recv:
          os << (n.kind == NodeKind::Send ? "send" : "recv");
          if (n.p2p.peer >= 0) os << ", peer: " << n.p2p.peer;
          else os << ", peer_offset: " << n.p2p.offset;
          if (n.p2p.tag != 0) os << ", tag: " << n.p2p.tag;
          os << ", bytes: \"" << num(n.p2p.bytes.bytes()) << " B\"";
          break;
        case NodeKind::Attention: {
          const auto& a = n.attn;
          os << "attention, batch: " << a.batch << ", heads: " << a.heads << ", kv_heads: " << a.kv_heads
             << ", q_len: " << a.q_len << ", kv_len: " << a.kv_len << ", head_dim: " << a.head_dim;
          if (a.v_dim > 0) os << ", v_dim: " << a.v_dim;
          if (a.causal) os << ", causal: true";
          if (a.backward) os << ", backward: true";
          os << ", dtype: " << dtype_name(a.dtype);
          break;
        }
        case NodeKind::Delay:
          os << "delay, duration: \"" << num(n.duration.seconds()) << " s\"";
          if (n.flops_hint.value() != 0) os << ", flops: \"" << num(n.flops_hint.value()) << " FLOP\"";
          break;
      }
      if (n.stream != (comm ? StreamKind::Comm : StreamKind::Compute)) os << ", stream: " << stream_name(n.stream);
      if (!n.deps.empty()) {
        os << ", deps: [";
        for (size_t d = 0; d < n.deps.size(); ++d) os << (d ? ", " : "") << quote(ids.at(n.deps[d]));
        os << "]";
      }
      os << "}\n";
    }
  }
  return os.str();
}

void write_yaml_trace_file(const Workload& w, const std::string& path) {
  write_file_atomic(path, write_yaml_trace(w));
}

namespace {
class YamlTraceWriter : public TraceWriter {
 public:
  std::string reader() const override { return "yaml"; }
  int claims(const std::string& out) const override {
    const std::string ext = std::filesystem::path(out).extension().string();
    return ext == ".yaml" || ext == ".yml" ? 2 : 0;
  }
  std::vector<std::string> write(const Workload& w, const std::string& out) const override {
    write_yaml_trace_file(w, out);
    return {out};
  }
};
}  // namespace
XPU_REGISTER_TRACE_WRITER("yaml", YamlTraceWriter, "native YAML trace (docs/workloads.md), one file");

}  // namespace xpu::wl
