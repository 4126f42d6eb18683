// Grid levels: ring (1-D torus), k-D torus with wrap-around, k-D mesh without.
//
// Links: every member has a link to its +1 and -1 neighbour in each dimension of size > 1 (a torus
// of size 2 in a dimension has one neighbour, joined by one link each way). Routing is dimension
// order (dimension 0 first); within a torus dimension the shorter direction, ties going +.
// Hops between members = sum over dimensions of min(|d|, D - |d|) (torus) or |d| (mesh).
#include "sim/core/error.h"
#include "sim/interconnect/topology.h"

namespace xpu {
namespace {

class GridLevel : public LevelKind {
 public:
  explicit GridLevel(bool wrap) : wrap_(wrap) {}
  bool needs_dims() const override { return true; }
  LevelSpec example(std::int64_t size) const override {  // two dimensions where size allows
    LevelSpec l;
    l.size = size;
    l.dims = size >= 4 && size % 2 == 0 ? std::vector<std::int64_t>{2, size / 2} : std::vector<std::int64_t>{size};
    return l;
  }
  // Only the last dimension grows or shrinks (a 1-D grid: the only one).
  std::string resize(LevelSpec& l, std::int64_t size) const override {
    if (l.dims.size() <= 1) {
      l.dims = {size};
      return "";
    }
    std::int64_t inner = 1;
    for (size_t d = 0; d + 1 < l.dims.size(); ++d) inner *= l.dims[d];
    if (size % inner != 0)
      return "would need " + std::to_string(size) +
             " members, not a multiple of the product of its dimensions but the last (" + std::to_string(inner) +
             "); only the last dimension is resized";
    l.dims.back() = size / inner;
    return "";
  }
  int implied_size(const LevelSpec& s) const override {
    int p = 1;
    for (auto d : s.dims) p *= static_cast<int>(d);
    return s.dims.empty() ? 0 : p;
  }
  void build(Builder& b) override {
    dims_ = b.level->dims;
    if (dims_.empty()) dims_ = {b.level->size};
    const int n = b.level->size, nd = static_cast<int>(dims_.size());
    ports_.assign(static_cast<size_t>(b.level->instances) * n * nd * 2, -1);
    for (int inst = 0; inst < b.level->instances; ++inst) {
      for (int m = 0; m < n; ++m) {
        int stride = 1;
        for (int d = 0; d < nd; ++d) {
          const int D = dims_[d], x = (m / stride) % D;
          if (D > 1) {
            const bool has_plus = wrap_ || x + 1 < D;
            const bool has_minus = wrap_ ? D > 2 : x > 0;
            if (has_plus) {
              int to = m + (((x + 1) % D) - x) * stride;
              port(inst, m, d, 0) = b.add_link(b.chip(inst, m), b.chip(inst, to), b.level->bandwidth, b.level->latency_s);
            }
            if (has_minus) {
              int to = m + (((x + D - 1) % D) - x) * stride;
              port(inst, m, d, 1) = b.add_link(b.chip(inst, m), b.chip(inst, to), b.level->bandwidth, b.level->latency_s);
            }
          }
          stride *= D;
        }
      }
      if (wrap_)  // size-2 torus dimension: the - port is the + link
        for (int m = 0; m < n; ++m)
          for (int d = 0; d < nd; ++d)
            if (dims_[d] == 2) port(inst, m, d, 1) = port(inst, m, d, 0);
    }
  }
  void route(int inst, int from, int to, int, int, Route& out) const override {
    int m = from, stride = 1;
    for (size_t d = 0; d < dims_.size(); ++d) {
      const int D = dims_[d];
      int x = (m / stride) % D;
      const int t = (to / stride) % D;
      while (x != t) {
        bool plus;
        if (wrap_) {
          const int diff = (t - x + D) % D;
          plus = 2 * diff <= D;
        } else {
          plus = t > x;
        }
        const int id = port(inst, m, static_cast<int>(d), plus ? 0 : 1);
        XPU_ASSERT(id >= 0, "grid route uses a missing link");
        out.links.push_back(id);
        const int nx = plus ? (x + 1) % D : (x + D - 1) % D;
        m += (nx - x) * stride;
        x = nx;
      }
      stride *= D;
    }
  }
  int hops(int, int from, int to) const override {
    int h = 0, stride = 1;
    for (int D : dims_) {
      int x = (from / stride) % D, t = (to / stride) % D;
      int d = t > x ? t - x : x - t;
      h += wrap_ ? std::min(d, D - d) : d;
      stride *= D;
    }
    return h;
  }

 private:
  int& port(int inst, int m, int d, int dir) {
    return ports_[((static_cast<size_t>(inst) * level_->size + m) * dims_.size() + d) * 2 + dir];
  }
  int port(int inst, int m, int d, int dir) const {
    return ports_[((static_cast<size_t>(inst) * level_->size + m) * dims_.size() + d) * 2 + dir];
  }
  bool wrap_;
  std::vector<int> dims_;
  std::vector<int> ports_;
};

struct RingLevel : GridLevel {
  RingLevel() : GridLevel(true) {}
  bool needs_dims() const override { return false; }
  bool circular() const override { return true; }
  LevelSpec example(std::int64_t size) const override { return LevelKind::example(size); }
  void resolve(LevelSpec& l) const override {
    if (l.dims.empty() && l.size > 0) l.dims = {l.size};
  }
  std::string resize(LevelSpec& l, std::int64_t size) const override {
    if (!l.dims.empty()) l.dims = {size};
    return "";
  }
};
struct TorusLevel : GridLevel {
  TorusLevel() : GridLevel(true) {}
};
struct MeshLevel : GridLevel {
  MeshLevel() : GridLevel(false) {}
};

}  // namespace
XPU_REGISTER_LEVEL_KIND("ring", RingLevel, "bidirectional ring, shortest direction (ties: positive)",
                        level_params({"size"}));
XPU_REGISTER_LEVEL_KIND("torus", TorusLevel, "k-D torus with wrap-around, dimension-order routing (TPU-style)",
                        level_params({"dims"}));
XPU_REGISTER_LEVEL_KIND("mesh", MeshLevel, "k-D mesh without wrap-around, dimension-order routing",
                        level_params({"dims"}));
}  // namespace xpu
