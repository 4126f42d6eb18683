#include "sim/cluster/model_registry.h"

#include "sim/collective/collective.h"

namespace xpu {

std::vector<std::string> compute_model_names() { return cluster::compute_model_registry().names(); }
std::vector<std::string> network_model_names() { return cluster::network_model_registry().names(); }
namespace {
std::vector<std::string> auto_then(const std::vector<std::string>& names) {
  std::vector<std::string> v{"auto"};
  v.insert(v.end(), names.begin(), names.end());
  return v;
}
}  // namespace
std::vector<std::string> memory_model_choices() { return auto_then(cluster::memory_model_registry().names()); }
std::vector<std::string> collective_algorithm_choices() { return auto_then(algorithm_names()); }

namespace cluster {

ComputeModelRegistry& compute_model_registry() {
  static ComputeModelRegistry r("compute model", "models.compute");
  return r;
}
MemoryModelRegistry& memory_model_registry() {
  static MemoryModelRegistry r("memory model", "models.memory (auto: hbm when chip.hbm.preset names a preset, else constant_efficiency)");
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
