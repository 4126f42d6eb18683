// Arch loading: where a memory preset path resolves. A relative chip.hbm.preset is relative to the
// file that names it (an inherited base included); a --set override of it is relative to the config
// file given on the command line, as the same key written in that file would be.
#include <gtest/gtest.h>

#include <filesystem>

#include "sim/cluster/arch.h"
#include "sim/cluster/model_registry.h"
#include "sim/cluster/simulate.h"
#include "tests/support/paths.h"

using namespace xpu;
using xpu::test::src;

namespace {
std::string canonical(const std::string& p) { return std::filesystem::weakly_canonical(p).string(); }
}  // namespace

TEST(ClusterArch, PresetInTheBaseFileResolvesAgainstTheBase) {
  // dgx-h100-node-like.yaml inherits chips/h100-like.yaml, which names ../memory/hbm3.yaml.
  ArchSpec a = load_arch(src("arch-configs/pods/dgx-h100-node-like.yaml"));
  EXPECT_EQ(canonical(a.chip.hbm.preset), canonical(src("arch-configs/memory/hbm3.yaml")));
}

TEST(ClusterArch, SetPresetResolvesAgainstTheConfigFile) {
  // The pod file lives in arch-configs/pods/, so ../memory/hbm3e.yaml is arch-configs/memory/hbm3e.yaml
  // (against the working directory it would name nothing).
  ArchSpec a = load_arch(src("arch-configs/pods/dgx-h100-node-like.yaml"),
                         {parse_override("chip.hbm.preset=../memory/hbm3e.yaml")});
  EXPECT_EQ(canonical(a.chip.hbm.preset), canonical(src("arch-configs/memory/hbm3e.yaml")));
  // The same key written under a chip preset resolves against that file: the chips/ folder.
  ArchSpec c = load_arch(src("arch-configs/chips/h100-like.yaml"),
                         {parse_override("chip.hbm.preset=../memory/hbm2e.yaml")});
  EXPECT_EQ(canonical(c.chip.hbm.preset), canonical(src("arch-configs/memory/hbm2e.yaml")));
}

TEST(ClusterArch, SetPresetThatDoesNotExistNamesTheOverride) {
  try {
    load_arch(src("arch-configs/pods/dgx-h100-node-like.yaml"), {parse_override("chip.hbm.preset=nope.yaml")});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("--set chip.hbm.preset=nope.yaml"), std::string::npos) << msg;
    EXPECT_NE(msg.find("no such memory preset"), std::string::npos) << msg;
    EXPECT_NE(msg.find("pods/nope.yaml"), std::string::npos) << msg;  // resolved against the pod file
  }
}

// models.memory picks the memory port behind the compute-array model: auto = hbm with a preset;
// constant_efficiency = bandwidth x chip.hbm.efficiency for every access (closed form); hbm without a
// preset is refused naming the key.
TEST(ClusterArch, MemoryModelChoice) {
  ArchSpec a = load_arch(src("arch-configs/pods/dgx-h100-node-like.yaml"));
  EXPECT_EQ(cluster::memory_model_name(a), "hbm");
  ArchSpec c = load_arch(src("arch-configs/pods/dgx-h100-node-like.yaml"), {parse_override("models.memory=constant_efficiency")});
  EXPECT_EQ(cluster::memory_model_name(c), "constant_efficiency");
  auto port = cluster::make_memory_port(c);
  mem::AccessProfile prof;
  EXPECT_NEAR(port->achievable_bandwidth(prof).value(), c.chip.hbm.bandwidth.value() * c.chip.hbm.efficiency,
              1e-9 * c.chip.hbm.bandwidth.value());
  try {
    load_arch(xpu::test::data("chip_small.yaml"), {parse_override("models.memory=hbm")});  // no memory preset
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("models.memory"), std::string::npos) << e.what();
  }
}
