// NoC construction: see noc.h.
#include "sim/interconnect/noc.h"

#include "sim/core/error.h"

namespace xpu {

void NocSpec::check(const cfg::Checker& c) const {
  if (kind == "mesh" && hbm_controllers > 2 * rows)
    c.fail("hbm_controllers", "a mesh has 2 x rows = " + std::to_string(2 * rows) + " edge tiles for controllers, got " +
                                  std::to_string(hbm_controllers));
}

Noc::Noc(const NocSpec& s) {
  PodSpec pod;
  pod.name = "noc";
  pod.topology.link_bandwidth = s.link_bandwidth;
  pod.topology.link_latency = s.hop_latency;
  const int cols = static_cast<int>(s.cols), rows = static_cast<int>(s.rows), h = static_cast<int>(s.hbm_controllers);
  LevelSpec l;
  if (s.kind == "mesh") {
    if (h > 2 * rows) throw UserError("noc: " + std::to_string(h) + " HBM controllers do not fit on " +
                                      std::to_string(2 * rows) + " edge tiles");
    const int w = cols + 2;
    l.kind = "mesh";
    l.dims = {w, rows};
    l.size = static_cast<std::int64_t>(w) * rows;
    pod.chips = l.size;
    for (int y = 0; y < rows; ++y)
      for (int x = 1; x <= cols; ++x) cores_.push_back(x + y * w);
    // controllers alternate west/east, spread over the rows
    const int west = (h + 1) / 2, east = h / 2;
    auto spread = [&](int count, int x) {
      for (int k = 0; k < count; ++k) hbm_.push_back(x + ((2 * k + 1) * rows / (2 * count)) * w);
    };
    std::vector<int> wv, ev;
    spread(west, 0);
    wv.assign(hbm_.begin(), hbm_.end());
    hbm_.clear();
    spread(east, w - 1);
    ev.assign(hbm_.begin(), hbm_.end());
    hbm_.clear();
    for (int k = 0; k < west; ++k) {
      hbm_.push_back(wv[static_cast<size_t>(k)]);
      if (k < east) hbm_.push_back(ev[static_cast<size_t>(k)]);
    }
  } else {
    const int n = cols * rows + h;
    l.kind = "ring";
    l.size = n;
    pod.chips = n;
    // controller j at position round((j + 0.5) n / h)
    std::vector<char> is_hbm(static_cast<size_t>(n), 0);
    for (int j = 0; j < h; ++j) {
      const int p = static_cast<int>((2LL * j + 1) * n / (2LL * h));
      is_hbm[static_cast<size_t>(p)] = 1;
      hbm_.push_back(p);
    }
    for (int p = 0; p < n; ++p)
      if (!is_hbm[static_cast<size_t>(p)]) cores_.push_back(p);
  }
  pod.topology.levels = {l};
  topo_ = std::make_unique<Topology>(pod, LinkDefaults{s.link_bandwidth, s.hop_latency});
}

int Noc::nearest_hbm(int i) const {
  int best = -1;
  size_t best_h = 0;
  for (int j = 0; j < hbm_controllers(); ++j) {
    size_t hops = topo_->route(core(i), hbm(j)).links.size();
    if (best < 0 || hops < best_h) best = j, best_h = hops;
  }
  return best;
}

}  // namespace xpu
