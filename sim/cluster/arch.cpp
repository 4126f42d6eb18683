#include "sim/cluster/arch.h"

#include <filesystem>

namespace xpu {

void ArchSpec::check(const cfg::Checker& c) const {
  pod.check_links(c, chip.links.bandwidth, "pod");
  if (models.memory == "hbm" && chip.hbm.preset.empty())
    c.fail("models.memory", "the hbm memory model needs a memory preset (chip.hbm.preset); use auto or constant_efficiency");
}

BytesPerSecond ArchSpec::link_bandwidth() const {
  return pod.topology.link_bandwidth.value() > 0 ? pod.topology.link_bandwidth : chip.links.bandwidth;
}

Seconds ArchSpec::link_latency() const {
  return pod.topology.link_latency.value() >= 0 ? pod.topology.link_latency : chip.links.latency;
}

ArchOverride parse_override(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UserError("--set expects KEY=VALUE (e.g. chip.hbm.bandwidth=2TB/s), got '" + text + "'");
  ArchOverride o;
  o.key = text.substr(0, eq);
  o.value = text.substr(eq + 1);
  while (!o.key.empty() && o.key.back() == ' ') o.key.pop_back();
  while (!o.value.empty() && o.value.front() == ' ') o.value.erase(0, 1);
  return o;
}

ArchSpec load_arch(const std::string& path, const std::vector<ArchOverride>& overrides) {
  cfg::Node root = cfg::load_file(path);
  for (const auto& o : overrides) cfg::apply_override(root, o.key, o.value, "--set " + o.text());
  ArchSpec a = cfg::read<ArchSpec>(root, "");
  a.source_file = path;
  // A memory preset path is relative to the file that names it (which may be an inherited base); a
  // `--set chip.hbm.preset=PATH` override is relative to the config file it overrides, as a key
  // written in that file would be (an override's node carries its origin, line 0, not a file).
  if (!a.chip.hbm.preset.empty() && !std::filesystem::path(a.chip.hbm.preset).is_absolute()) {
    const cfg::Node* n = root.find("chip");
    n = n ? n->find("hbm") : nullptr;
    n = n ? n->find("preset") : nullptr;
    bool from_override = false;
    for (const auto& o : overrides) from_override |= n != nullptr && n->loc.file == "--set " + o.text();
    std::string from = n && !from_override ? n->loc.file : path;
    a.chip.hbm.preset = (std::filesystem::path(from).parent_path() / a.chip.hbm.preset).lexically_normal().string();
    if (!std::filesystem::exists(a.chip.hbm.preset))
      throw ConfigError(n ? n->loc : SourceLoc{path}, "chip.hbm.preset", "no such memory preset '" + a.chip.hbm.preset + "'");
  }
  return a;
}

}  // namespace xpu
