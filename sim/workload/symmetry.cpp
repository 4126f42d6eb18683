#include "sim/workload/symmetry.h"

#include <cstring>
#include <map>

namespace xpu::wl {
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

std::string program_key(const Program& p) {
  std::string s;
  s.reserve(p.nodes.size() * 48);
  put(s, static_cast<std::uint64_t>(p.nodes.size()));
  for (const Node& n : p.nodes) {
    put_str(s, n.name);
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
    put(s, static_cast<std::uint32_t>(n.deps.size()));
    for (NodeIndex d : n.deps) put(s, d);
  }
  return s;
}

int share_identical_programs(Workload& w) {
  std::map<std::string, int> first;  // key -> new index
  std::vector<int> remap(w.programs.size(), -1);
  std::vector<Program> kept;
  for (size_t i = 0; i < w.programs.size(); ++i) {
    auto [it, inserted] = first.emplace(program_key(w.programs[i]), static_cast<int>(kept.size()));
    if (inserted) kept.push_back(std::move(w.programs[i]));
    remap[i] = it->second;
  }
  int removed = static_cast<int>(w.programs.size() - kept.size());
  w.programs = std::move(kept);
  for (auto& p : w.program_of_rank)
    if (p >= 0) p = remap[static_cast<size_t>(p)];
  return removed;
}

}  // namespace xpu::wl
