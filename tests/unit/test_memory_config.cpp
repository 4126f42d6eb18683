// Presets: organisation-derived peaks against spec sheets, and malformed presets rejected with the
// file, line and key of the mistake.
#include <gtest/gtest.h>

#include <string>

#include "sim/core/error.h"
#include "sim/memory/hbm_spec.h"
#include "tests/support/paths.h"

using namespace xpu;
using namespace xpu::mem;

namespace {
HbmSpec preset(const char* name) { return load_hbm_preset(test::src(std::string("arch-configs/memory/") + name + ".yaml")); }

const char* kGood = R"(name: test
organisation:
  channels: 16
  pseudo_channels: 2
  bank_groups: 4
  banks_per_group: 4
  pc_width: 32
  burst_length: 8
  pin_rate: "6.4 Gb/s"
  clock: "1.6 GHz"
  spec_bandwidth: "819.2 GB/s"
timing:
  nRAS: 45
  nRP: 26
  nRC: 72
)";

std::string error_of(const std::string& text) {
  try {
    parse_hbm_preset(text, "bad.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  return s.replace(p, from.size(), to);
}
}  // namespace

TEST(MemoryConfig, PresetPeaksMatchSpecSheets) {
  EXPECT_NEAR(preset("hbm2e").stack_peak().gb_per_s(), 460.8, 1e-6);   // 3.6 Gb/s x 1024 pins
  EXPECT_NEAR(preset("hbm3").stack_peak().gb_per_s(), 819.2, 1e-6);    // 6.4 Gb/s x 1024 pins
  EXPECT_NEAR(preset("hbm3e").stack_peak().gb_per_s(), 1228.8, 1e-6);  // 9.6 Gb/s x 1024 pins
  EXPECT_NEAR(preset("hbm2-dramsim3").stack_peak().gb_per_s(), 256.0, 1e-6);
  EXPECT_NEAR(preset("hbm2e").stack_capacity().gib(), 16.0, 1e-9);
  EXPECT_NEAR(preset("hbm3e").stack_capacity().gib(), 24.0, 1e-9);
  for (const char* n : {"hbm2e", "hbm3", "hbm3e"}) {
    HbmSpec s = preset(n);
    EXPECT_EQ(s.burst_bytes(), 32) << n;
    EXPECT_EQ(s.nBL(), 2) << n;
    EXPECT_FALSE(s.sources.empty()) << n << " must cite its sources";
  }
}

TEST(MemoryConfig, GoodPresetParses) {
  HbmSpec s = parse_hbm_preset(kGood, "good.yaml");
  EXPECT_EQ(s.total_pcs(), 32);
}

TEST(MemoryConfig, RcShorterThanRasPlusRpRejectedWithFileAndLine) {
  std::string e = error_of(replace(kGood, "nRC: 72", "nRC: 70"));
  EXPECT_NE(e.find("bad.yaml:15:"), std::string::npos) << e;
  EXPECT_NE(e.find("timing.nRC"), std::string::npos) << e;
  EXPECT_NE(e.find("nRAS + nRP = 71"), std::string::npos) << e;
  EXPECT_NE(e.find("got 70"), std::string::npos) << e;
}

TEST(MemoryConfig, ZeroBanksRejectedWithFileAndLine) {
  std::string e = error_of(replace(kGood, "banks_per_group: 4", "banks_per_group: 0"));
  EXPECT_NE(e.find("bad.yaml:6:"), std::string::npos) << e;
  EXPECT_NE(e.find("organisation.banks_per_group"), std::string::npos) << e;
}

TEST(MemoryConfig, SpecBandwidthMismatchRejected) {
  std::string e = error_of(replace(kGood, "819.2 GB/s", "1 TB/s"));
  EXPECT_NE(e.find("organisation.spec_bandwidth"), std::string::npos) << e;
  EXPECT_NE(e.find("819.2"), std::string::npos) << e;
}

TEST(MemoryConfig, NonIntegralBurstRejected) {
  std::string e = error_of(replace(kGood, "clock: \"1.6 GHz\"", "clock: \"1.5 GHz\""));
  EXPECT_NE(e.find("organisation.clock"), std::string::npos) << e;
}

TEST(MemoryConfig, BadMappingRejected) {
  std::string e = error_of(std::string(kGood) + "controller:\n  mapping:\n    order: ro_ba_bg_co_pc\n");
  EXPECT_NE(e.find("controller.mapping.order"), std::string::npos) << e;
  EXPECT_NE(e.find("'ch' missing"), std::string::npos) << e;
  e = error_of(std::string(kGood) + "controller:\n  mapping:\n    hash: sha\n");
  EXPECT_NE(e.find("controller.mapping.hash"), std::string::npos) << e;
}

TEST(MemoryConfig, UnknownKeyRejected) {
  std::string e = error_of(replace(kGood, "nRP: 26", "nRPP: 26"));
  EXPECT_NE(e.find("bad.yaml:14:"), std::string::npos) << e;
  EXPECT_NE(e.find("nRP"), std::string::npos) << e;
}
