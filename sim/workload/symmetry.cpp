#include "sim/workload/symmetry.h"

#include <map>

namespace xpu::wl {

std::string program_key(const Program& p) {
  // Over the expanded program, so that a compact (generated) program and the same program read
  // back from a trace file have the same key.
  std::string s;
  const auto put_u64 = [&s](std::uint64_t v) { s.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put_u64(p.size());
  for (std::uint32_t i = 0; i < p.instances.size(); ++i) {
    const auto& nodes = p.blocks[p.instances[i].block].nodes;
    for (std::uint32_t j = 0; j < nodes.size(); ++j) {
      const Node n = p.node(i, j).materialise();
      put_u64(n.name.size());
      s += n.name;
      append_payload_key(s, n);
      put_u64(n.deps.size());
      for (NodeIndex d : n.deps) put_u64(d);
    }
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
