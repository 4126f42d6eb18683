#include "sim/workload/replicate.h"

#include <set>

namespace xpu::wl {

void replicate_data_parallel(Workload& w, RankId ranks) {
  const std::string what = "cannot replicate '" + w.name + "' to " + std::to_string(ranks) + " ranks: ";
  if (ranks < 1) throw UserError(what + "the rank count must be at least 1");
  std::set<int> progs(w.program_of_rank.begin(), w.program_of_rank.end());
  if (progs.size() != 1)
    throw UserError(what + "its ranks run " + std::to_string(progs.size()) +
                    " different programs (only a trace whose ranks all run one program is data-parallel)");
  const int p = *progs.begin();
  const Program& src = w.programs[p];
  for (std::uint32_t i = 0; i < src.instances.size(); ++i)
    for (std::uint32_t j = 0; j < src.blocks[src.instances[i].block].nodes.size(); ++j) {
      const NodeRef n = src.node(i, j);
      if (n->kind == NodeKind::Send || n->kind == NodeKind::Recv)
        throw UserError(what + "node '" + n.name() + "' is point-to-point");
      if (n->kind == NodeKind::Collective) {
        const GroupSet& gs = w.group_sets[n->coll.group_set];
        if (gs.groups.size() != 1 || static_cast<RankId>(gs.groups[0].size()) != w.num_ranks)
          throw UserError(what + "collective '" + n.name() + "' runs on group set '" + gs.name +
                          "', which is not all ranks");
      }
    }
  const RankId before = w.num_ranks;
  Program prog = std::move(w.programs[p]);
  std::vector<int> used;
  for (auto& b : prog.blocks)
    for (auto& n : b.nodes)
      if (n.kind == NodeKind::Collective) n.coll.group_set = 0;
  w.programs.clear();
  w.programs.push_back(std::move(prog));
  w.num_ranks = ranks;
  w.group_sets.clear();
  w.group_all();
  w.program_of_rank.assign(ranks, 0);
  w.representative.assign(ranks, 0);
  w.notes.push_back("replicated from " + std::to_string(before) + " to " + std::to_string(ranks) +
                    " ranks (data-parallel: one program, all collectives over all ranks)");
  validate(w);
}

}  // namespace xpu::wl
