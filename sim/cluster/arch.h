// ArchSpec: a whole arch config (one chip type, and the pod built from it).
//
// File layout (arch-configs/): a chip preset has a top-level `chip:` map; a pod preset names its
// chip with `base: ../chips/<chip>.yaml`, adds `pod:`, and may override any chip key.
#pragma once

#include <string>

#include "sim/chip/chip_spec.h"
#include "sim/interconnect/pod_spec.h"

namespace xpu {

struct ArchSpec {
  std::string description;
  ChipSpec chip;
  PodSpec pod;
  std::string source_file;  // not a config key: where it was loaded from

  template <class V>
  void visit(V& v) {
    v.field("description", description, cfg::Field("free text: what this preset models and its sources"));
    v.field("chip", chip, cfg::Field("the accelerator chip").required());
    v.field("pod", pod, cfg::Field("the pod of chips (default: a single chip)"));
  }
  void check(const cfg::Checker& c) const;

  // Link figures the placeholder network uses, with defaults resolved.
  BytesPerSecond link_bandwidth() const;
  Seconds link_latency() const;
};

// Load and validate an arch config; throws ConfigError (file:line:col: key: message).
ArchSpec load_arch(const std::string& path);

}  // namespace xpu
