#include "sim/interconnect/pod_spec.h"

namespace xpu {

void PodSpec::check(const cfg::Checker& c) const {
  if (topology.kind == "torus") {
    if (topology.dims.empty()) c.fail("topology.dims", "a torus needs dims, e.g. [4, 4, 4]");
    std::int64_t p = 1;
    for (auto d : topology.dims) p *= d;
    if (p != chips)
      c.fail("topology.dims", "product of dims is " + std::to_string(p) + " but pod.chips is " + std::to_string(chips));
  }
}

}  // namespace xpu
