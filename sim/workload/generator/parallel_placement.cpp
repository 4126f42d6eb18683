// Parallel placement (stage_builder.h): the communicator groups of a rank layout.
#include "sim/workload/generator/stage_builder.h"

namespace xpu::wl::gen::detail {

// A group set over the ranks that differ only in the dimensions flagged in `vary` (t, c, e, x, p).
GroupSet make_groups(const std::string& name, const Dims& d, bool vt, bool vc, bool ve, bool vx) {
  GroupSet gs;
  gs.name = name;
  std::vector<int> key_index;
  const int sz[5] = {d.tp, d.cp, d.ep, d.dpx, d.pp};
  const bool vary[5] = {vt, vc, ve, vx, false};
  std::vector<std::vector<RankId>> groups;
  // Enumerate keys in rank order of their first member.
  std::vector<int> first_of_key;
  std::vector<int> key_of_rank;
  const RankId n = d.tp * d.cp * d.ep * d.dpx * d.pp;
  std::vector<int> key_id;
  std::vector<long> keys;
  std::vector<std::vector<RankId>> g;
  std::vector<long> seen_keys;
  std::vector<int> map_key;  // dense: key value -> group index
  long key_space = 1;
  for (int i = 0; i < 5; ++i)
    if (!vary[i]) key_space *= sz[i];
  map_key.assign(static_cast<size_t>(key_space), -1);
  for (RankId r = 0; r < n; ++r) {
    int c[5];
    RankId x = r;
    for (int i = 0; i < 5; ++i) { c[i] = static_cast<int>(x % sz[i]); x /= sz[i]; }
    long key = 0;
    for (int i = 4; i >= 0; --i)
      if (!vary[i]) key = key * sz[i] + c[i];
    int& gi = map_key[static_cast<size_t>(key)];
    if (gi < 0) { gi = static_cast<int>(g.size()); g.emplace_back(); }
    g[static_cast<size_t>(gi)].push_back(r);
  }
  gs.groups = std::move(g);
  return gs;
}

}  // namespace xpu::wl::gen::detail
