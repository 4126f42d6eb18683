#include "sim/cluster/model_registry.h"

#include "sim/collective/collective.h"

namespace xpu {

std::vector<std::string> compute_model_names() { return cluster::compute_model_registry().names(); }
std::vector<std::string> network_model_names() { return cluster::network_model_registry().names(); }
std::vector<std::string> memory_model_choices() {
  std::vector<std::string> v{"auto"};
  for (const auto& n : cluster::memory_model_registry().names()) v.push_back(n);
  return v;
}
std::vector<std::string> collective_algorithm_choices() {
  std::vector<std::string> v{"auto"};
  for (auto& n : algorithm_names()) v.push_back(n);
  return v;
}

namespace cluster {

ComputeModelRegistry& compute_model_registry() {
  static ComputeModelRegistry r("compute model", "models.compute");
  return r;
}
MemoryModelRegistry& memory_model_registry() {
  static MemoryModelRegistry r("memory model", "chip.hbm.preset (empty: constant_efficiency; a preset: hbm)");
  return r;
}
NetworkModelRegistry& network_model_registry() {
  static NetworkModelRegistry r("network model", "models.network");
  return r;
}

std::string memory_model_name(const ArchSpec& arch) {
  if (arch.models.memory != "auto") return arch.models.memory;
  return arch.chip.hbm.preset.empty() ? "constant_efficiency" : "hbm";
}

}  // namespace cluster
}  // namespace xpu
