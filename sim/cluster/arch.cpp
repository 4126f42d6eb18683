#include "sim/cluster/arch.h"

namespace xpu {

void ArchSpec::check(const cfg::Checker& c) const {
  pod.check_links(c, chip.links.bandwidth, "pod");
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
