#include "sim/cluster/arch.h"

namespace xpu {

void ArchSpec::check(const cfg::Checker& c) const {
  if (pod.chips > 1 && link_bandwidth().value() <= 0)
    c.fail("pod.topology.link_bandwidth", "a pod of more than one chip needs a link bandwidth > 0");
}

BytesPerSecond ArchSpec::link_bandwidth() const {
  return pod.topology.link_bandwidth.value() > 0 ? pod.topology.link_bandwidth : chip.links.bandwidth;
}

Seconds ArchSpec::link_latency() const {
  return pod.topology.link_latency.value() >= 0 ? pod.topology.link_latency : chip.links.latency;
}

ArchSpec load_arch(const std::string& path) {
  cfg::Node root = cfg::load_file(path);
  ArchSpec a = cfg::read<ArchSpec>(root, "");
  a.source_file = path;
  return a;
}

}  // namespace xpu
