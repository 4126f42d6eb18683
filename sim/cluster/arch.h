// ArchSpec: a whole arch config (one chip type, and the pod built from it).
//
// File layout (arch-configs/): a chip preset has a top-level `chip:` map; a pod preset names its
// chip with `base: ../chips/<chip>.yaml`, adds `pod:`, and may override any chip key.
#pragma once

#include <string>
#include <vector>

#include "sim/chip/chip_spec.h"
#include "sim/interconnect/pod_spec.h"

namespace xpu {

// The registered names the `models` choices come from (model_registry.h, collective/algorithm.h).
std::vector<std::string> compute_model_names();
std::vector<std::string> network_model_names();
std::vector<std::string> memory_model_choices();  // "auto", then every registered memory model
std::vector<std::string> collective_algorithm_choices();  // "auto", then every registered algorithm

// Which model fills each seam (docs/engine.md). Defaults are the detailed models.
struct ModelsSpec {
  std::string compute = "array";       // compute-array model, or the closed-form roofline
  std::string network = "flow";        // flow-level network with collectives, or the closed-form alpha-beta ring
  std::string memory = "auto";         // memory port of the compute-array model (auto: hbm with a preset)
  std::string collective_algorithm = "auto";  // collective algorithm (auto = fastest by model)
  Bytes collective_chunk = Bytes(4.0 * units::MiB);
  std::string comm_streams = "per_communicator";  // or "single"
  bool collective_fast_path = true;  // exact isolated fast path of the collective service
  template <class V>
  void visit(V& v) {
    v.field("collective_fast_path", collective_fast_path,
            cfg::Field("simulate a collective whose links are idle once, alone, and replay it (exact; false = always flow by flow)"));
    v.field("comm_streams", comm_streams,
            cfg::Field("communication streams per rank: one per communicator (NCCL/HCCL) or a single one").one_of({"per_communicator", "single"}));
    v.field("compute", compute, cfg::Field("op cost model").one_of(compute_model_names()));
    v.field("network", network, cfg::Field("communication model").one_of(network_model_names()));
    v.field("memory", memory,
            cfg::Field("memory model behind the compute-array model (auto: hbm when chip.hbm.preset names a preset, else constant_efficiency)")
                .one_of(memory_model_choices()));
    v.field("collective_algorithm", collective_algorithm,
            cfg::Field("collective algorithm for every collective (auto = fastest by model, as NCCL tuning)")
                .one_of(collective_algorithm_choices()));
    v.field("collective_chunk", collective_chunk, cfg::Field("pipelining chunk of tree/chain collective algorithms").positive());
  }
};

struct ArchSpec {
  std::string description;
  ModelsSpec models;
  ChipSpec chip;
  PodSpec pod;
  std::string source_file;  // not a config key: where it was loaded from

  template <class V>
  void visit(V& v) {
    v.field("description", description, cfg::Field("free text: what this preset models and its sources"));
    v.field("chip", chip, cfg::Field("the accelerator chip").required());
    v.field("pod", pod, cfg::Field("the pod of chips (default: a single chip)"));
    v.field("models", models, cfg::Field("which model fills each seam of the engine"));
  }
  void check(const cfg::Checker& c) const;

  // Link figures the alpha-beta ring network uses, with defaults resolved.
  BytesPerSecond link_bandwidth() const;
  Seconds link_latency() const;
};

// One command-line override: "chip.hbm.bandwidth=2 TB/s" (see cfg::apply_override).
struct ArchOverride {
  std::string key;
  std::string value;
  std::string text() const { return key + "=" + value; }
};
// "KEY=VALUE" -> ArchOverride; UserError when there is no '='.
ArchOverride parse_override(const std::string& text);

// Load and validate an arch config, with overrides applied on top (in order); throws ConfigError
// (file:line:col: key: message; an override's errors name it as "--set KEY=VALUE").
ArchSpec load_arch(const std::string& path, const std::vector<ArchOverride>& overrides = {});

}  // namespace xpu
