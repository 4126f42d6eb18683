// Chakra ET writer: Workload -> one file per rank, standard Chakra attributes plus "xpusim.*" ones
// that keep everything the IR holds (contract in chakra.h).
#include "sim/workload/chakra/chakra.h"

#include "sim/core/output.h"

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
#include "workload/chakra/et_def.pb.h"

namespace xpu::wl::chakra {
namespace fs = std::filesystem;
namespace pb = xpu::chakra;

namespace {

// ---- writing --------------------------------------------------------------------------------------

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void put_message(std::string& out, const google::protobuf::MessageLite& m) {
  std::string s;
  m.SerializeToString(&s);
  put_varint(out, s.size());
  out += s;
}

pb::AttributeProto* add_attr(pb::Node& n, const char* name) {
  auto* a = n.add_attr();
  a->set_name(name);
  return a;
}

std::int64_t as_int(double x) { return static_cast<std::int64_t>(std::llround(x)); }

}  // namespace

std::vector<std::string> write_chakra(const Workload& w, const std::string& out_prefix) {
  std::vector<std::string> written;
  std::string groups;
  for (const auto& gs : w.group_sets) {
    if (gs.name == "all") continue;
    groups += (groups.empty() ? "" : "|") + gs.name + "=";
    for (size_t g = 0; g < gs.groups.size(); ++g) {
      if (g) groups += ";";
      for (size_t k = 0; k < gs.groups[g].size(); ++k) groups += (k ? "," : "") + std::to_string(gs.groups[g][k]);
    }
  }
  for (RankId r = 0; r < w.num_ranks; ++r) {
    const Program& p = w.programs.at(static_cast<size_t>(w.program_of_rank.at(static_cast<size_t>(r))));
    std::string out;
    pb::GlobalMetadata meta;
    meta.set_version("0.0.4");
    auto* a = meta.add_attr();
    a->set_name("schema");
    a->set_string_val("xpusim");
    if (!groups.empty()) {
      a = meta.add_attr();
      a->set_name("xpusim.groups");
      a->set_string_val(groups);
    }
    put_message(out, meta);
    const std::vector<Node> nodes = p.expand();
    for (size_t i = 0; i < nodes.size(); ++i) {
      const Node& n = nodes[i];
      pb::Node e;
      e.set_id(i);
      e.set_name(n.name);
      for (NodeIndex d : n.deps) e.add_data_deps(d);
      double us = n.duration.us();
      e.set_duration_micros(static_cast<std::uint64_t>(std::max<std::int64_t>(0, as_int(us))));
      if (n.duration.seconds() > 0 && std::fabs(us - std::round(us)) > 1e-9)
        add_attr(e, "xpusim.duration_s")->set_double_val(n.duration.seconds());
      switch (n.kind) {
        case NodeKind::Gemm: {
          e.set_type(pb::COMP_NODE);
          add_attr(e, "xpusim.op")->set_string_val("gemm");
          add_attr(e, "xpusim.m")->set_int64_val(n.gemm.m);
          add_attr(e, "xpusim.n")->set_int64_val(n.gemm.n);
          add_attr(e, "xpusim.k")->set_int64_val(n.gemm.k);
          add_attr(e, "xpusim.batch")->set_int64_val(n.gemm.batch);
          add_attr(e, "xpusim.dtype")->set_string_val(dtype_name(n.gemm.dtype));
          add_attr(e, "num_ops")->set_int64_val(as_int(n.gemm.flops().value()));
          std::ostringstream sh;
          if (n.gemm.batch > 1)
            sh << "[[" << n.gemm.batch << ", " << n.gemm.m << ", " << n.gemm.k << "], [" << n.gemm.batch << ", " << n.gemm.k
               << ", " << n.gemm.n << "]]";
          else
            sh << "[[" << n.gemm.m << ", " << n.gemm.k << "], [" << n.gemm.k << ", " << n.gemm.n << "]]";
          e.mutable_inputs()->set_shapes(sh.str());
          break;
        }
        case NodeKind::Vector:
          e.set_type(pb::COMP_NODE);
          add_attr(e, "xpusim.op")->set_string_val("vector");
          add_attr(e, "xpusim.op_class")->set_string_val(n.vec.op_class);
          add_attr(e, "xpusim.dtype")->set_string_val(dtype_name(n.vec.dtype));
          add_attr(e, "xpusim.flops")->set_double_val(n.vec.flops.value());
          add_attr(e, "num_ops")->set_int64_val(as_int(n.vec.flops.value()));
          add_attr(e, "tensor_size")->set_uint64_val(static_cast<std::uint64_t>(as_int(n.vec.bytes.bytes())));
          break;
        case NodeKind::MemCopy:
          e.set_type(n.copy.direction == "d2h" ? pb::MEM_STORE_NODE : pb::MEM_LOAD_NODE);
          add_attr(e, "tensor_size")->set_uint64_val(static_cast<std::uint64_t>(as_int(n.copy.bytes.bytes())));
          add_attr(e, "xpusim.direction")->set_string_val(n.copy.direction);
          break;
        case NodeKind::Collective: {
          e.set_type(pb::COMM_COLL_NODE);
          pb::CollectiveCommType ct = pb::ALL_REDUCE;
          switch (n.coll.kind) {
            case CollKind::AllReduce: ct = pb::ALL_REDUCE; break;
            case CollKind::AllGather: ct = pb::ALL_GATHER; break;
            case CollKind::ReduceScatter: ct = pb::REDUCE_SCATTER; break;
            case CollKind::AllToAll: ct = pb::ALL_TO_ALL; break;
            case CollKind::Broadcast: ct = pb::BROADCAST; break;
            case CollKind::Reduce: ct = pb::REDUCE; break;
          }
          add_attr(e, "is_cpu_op")->set_bool_val(false);
          add_attr(e, "comm_type")->set_int64_val(ct);
          add_attr(e, "comm_size")->set_int64_val(as_int(n.coll.bytes.bytes()));
          const auto& gs = w.group_sets.at(static_cast<size_t>(n.coll.group_set));
          if (gs.name != "all") add_attr(e, "pg_name")->set_string_val(gs.name);
          if (n.coll.root != 0) add_attr(e, "xpusim.root")->set_int64_val(n.coll.root);
          break;
        }
        case NodeKind::Send:
        case NodeKind::Recv: {
          const bool send = n.kind == NodeKind::Send;
          e.set_type(send ? pb::COMM_SEND_NODE : pb::COMM_RECV_NODE);
          RankId peer = n.p2p.resolve(r);
          add_attr(e, "is_cpu_op")->set_bool_val(false);
          add_attr(e, "comm_src")->set_int64_val(send ? r : peer);
          add_attr(e, "comm_dst")->set_int64_val(send ? peer : r);
          add_attr(e, "comm_size")->set_int64_val(as_int(n.p2p.bytes.bytes()));
          add_attr(e, "comm_tag")->set_int64_val(n.p2p.tag);
          break;
        }
        case NodeKind::Attention: {
          e.set_type(pb::COMP_NODE);
          const auto& at = n.attn;
          add_attr(e, "xpusim.op")->set_string_val("attention");
          add_attr(e, "xpusim.batch")->set_int64_val(at.batch);
          add_attr(e, "xpusim.heads")->set_int64_val(at.heads);
          add_attr(e, "xpusim.kv_heads")->set_int64_val(at.kv_heads);
          add_attr(e, "xpusim.q_len")->set_int64_val(at.q_len);
          add_attr(e, "xpusim.kv_len")->set_int64_val(at.kv_len);
          add_attr(e, "xpusim.head_dim")->set_int64_val(at.head_dim);
          add_attr(e, "xpusim.v_dim")->set_int64_val(at.v_dim);
          add_attr(e, "xpusim.causal")->set_int64_val(at.causal ? 1 : 0);
          add_attr(e, "xpusim.backward")->set_int64_val(at.backward ? 1 : 0);
          add_attr(e, "xpusim.dtype")->set_string_val(dtype_name(at.dtype));
          add_attr(e, "num_ops")->set_int64_val(as_int(at.flops().value()));
          break;
        }
        case NodeKind::Delay:
          e.set_type(pb::COMP_NODE);
          add_attr(e, "xpusim.op")->set_string_val("delay");
          if (n.flops_hint.value() > 0) {
            add_attr(e, "num_ops")->set_int64_val(as_int(n.flops_hint.value()));
            add_attr(e, "xpusim.flops")->set_double_val(n.flops_hint.value());
          }
          break;
      }
      const bool comm_kind = is_communication(n.kind);
      if (n.stream != (comm_kind ? StreamKind::Comm : StreamKind::Compute))
        add_attr(e, "xpusim.stream")->set_string_val(stream_name(n.stream));
      put_message(out, e);
    }
    std::string file = out_prefix + "." + std::to_string(r) + ".et";
    fs::path parent = fs::path(file).parent_path();
    std::error_code ec;
    if (!parent.empty()) fs::create_directories(parent, ec);
    write_file_atomic(file, out);
    written.push_back(file);
  }
  return written;
}

namespace {
// Writes OUT.<rank>.et; OUT ending in '/' writes <OUT><workload name>.<rank>.et, a trailing .et is dropped.
class ChakraTraceWriter : public TraceWriter {
 public:
  std::string reader() const override { return "chakra"; }
  int claims(const std::string&) const override { return 1; }
  std::vector<std::string> write(const Workload& w, const std::string& out_path) const override {
    std::string out = out_path;
    if (!out.empty() && out.back() == '/') out += w.name.empty() ? "trace" : w.name;
    if (fs::path(out_path).extension() == ".et") out = out.substr(0, out.size() - 3);
    return write_chakra(w, out);
  }
};
}  // namespace

}  // namespace xpu::wl::chakra

namespace xpu::wl {
using ChakraEtWriter = chakra::ChakraTraceWriter;
XPU_REGISTER_TRACE_WRITER("chakra", ChakraEtWriter, "MLCommons Chakra ET, one file per rank: OUT.<rank>.et");
}  // namespace xpu::wl
