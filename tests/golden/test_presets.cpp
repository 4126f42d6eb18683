// Presets against their datasheets.
//
// 1. Every preset under arch-configs/ loads and validates (the directories are listed at run time,
//    so a new preset is covered without editing this file): chips/ and pods/ through load_arch,
//    memory/*.yaml through load_hbm_preset, memory/*.calib.yaml through load_calibration.
// 2. Each chip preset with published figures derives, from cores x matrix unit x clock x dtype rate,
//    the datasheet's dense BF16 (and FP8 where given) peak within 1%, and carries the datasheet's
//    HBM bandwidth and capacity within 1%. A chip preset without published figures must say "est."
//    in its description (the test fails for a new chip preset that is neither).
//    HBM "GB" on GPU/NPU datasheets is binary (stacks of 16 or 24 GiB): 80 GB = 80 GiB.
// 3. Pods have the chip counts and level structures their sources state, and the NVSwitch node
//    presets reproduce the published nccl-tests ring all-reduce busbw (published nccl-tests and vendor busbw figures)
//    within the 8% the collective calibration uses (tests/golden/test_collective_calibration.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sim/cluster/arch.h"
#include "sim/collective/collective.h"
#include "sim/memory/fast_hbm.h"
#include "sim/memory/hbm_spec.h"
#include "tests/support/paths.h"

namespace xpu {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> yaml_files(const std::string& rel_dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(test::src(rel_dir)))
    if (e.is_regular_file() && e.path().extension() == ".yaml") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}
std::string stem(const std::string& path) { return fs::path(path).stem().string(); }
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST(Presets, EveryArchPresetLoads) {
  int n = 0;
  for (const char* dir : {"arch-configs/chips", "arch-configs/pods"})
    for (const auto& f : yaml_files(dir)) {
      SCOPED_TRACE(f);
      EXPECT_NO_THROW({
        ArchSpec a = load_arch(f);
        EXPECT_FALSE(a.description.empty()) << "a preset says what it models and where its figures come from";
      });
      ++n;
    }
  EXPECT_GE(n, 31);  // 15 chips and 16 pods when this test was last extended
}

TEST(Presets, EveryMemoryPresetLoads) {
  int presets = 0, tables = 0;
  for (const auto& f : yaml_files("arch-configs/memory")) {
    SCOPED_TRACE(f);
    if (ends_with(f, ".calib.yaml")) {
      EXPECT_NO_THROW(mem::load_calibration(f));
      ++tables;
    } else {
      EXPECT_NO_THROW(mem::load_hbm_preset(f));
      ++presets;
    }
  }
  EXPECT_GE(presets, 4);
  EXPECT_GE(tables, 4);
}

// Datasheet figures: dense TFLOP/s, HBM TB/s and GiB. fp8 = 0: not given / not supported.
struct Datasheet {
  double bf16_tflops, fp8_tflops, hbm_tbps, hbm_gib;
  const char* source;
};
const std::map<std::string, Datasheet>& datasheets() {
  static const std::map<std::string, Datasheet> d = {
      // NVIDIA datasheets (vendor datasheets and press figures): A100 SXM 80GB, H100 SXM, H20, H200 SXM,
      // HGX/DGX B200 (180 GB per GPU in DGX B200's 1,440 GB).
      {"a100-like", {312, 0, 2.039, 80, "NVIDIA A100 80GB datasheet"}},
      {"h100-like", {989, 1979, 3.35, 80, "NVIDIA H100 SXM datasheet"}},
      {"h20-like", {148, 296, 4.0, 96, "NVIDIA H20 product brief (systems.md)"}},
      {"h200-like", {989, 1979, 4.8, 141, "NVIDIA H200 SXM datasheet"}},
      {"b200-like", {2250, 4500, 8.0, 180, "NVIDIA HGX/DGX B200 datasheets"}},
      // Google Cloud TPU7x docs (BF16 2,307, FP8 4,614 TFLOP/s, 192 GiB); Ironwood announcement 7.37 TB/s.
      {"tpu-v7-like", {2307, 4614, 7.37, 192, "Google Cloud TPU7x docs; Ironwood announcement"}},
      // CloudMatrix384 paper, arXiv 2506.12708: 752 TFLOP/s BF16, 128 GB, 3.2 TB/s per 910C.
      {"ascend-910c-like", {752, 0, 3.2, 128, "arXiv 2506.12708"}},
      // Press figures (Huawei Connect 2025): Ascend 950 FP8 1 PFLOP/s (BF16 = FP8 / 2 is est.);
      // 950DT 144 GB at 4 TB/s, 950PR 128 GB at 1.6 TB/s.
      {"ascend-950dt-like", {500, 1000, 4.0, 144, "Huawei Connect 2025 (press)"}},
      {"ascend-950pr-like", {500, 1000, 1.6, 128, "Huawei Connect 2025 (press)"}},
      // Press: Rubin 288 GB HBM4 at 22 TB/s; training NVFP4 35 PFLOP/s (BF16 = / 4, est.).
      {"rubin-like", {8750, 17500, 22.0, 288, "NVIDIA announcements; SemiAnalysis (press)"}},
      // Press: T-Head PPU 96 GB; compute and bandwidth taken from the H20 (est.).
      {"t-head-ppu-like", {148, 296, 4.0, 96, "state-television comparison (press); H20 figures (est.)"}},
      // Ascend 910B: press range 313-376 TFLOP/s by bin; the preset's 353.9 sits inside it. Checked
      // against the range's midpoint with the range's half-width below, not the 1% rule.
  };
  return d;
}

TEST(Presets, ChipPeaksAndMemoryMatchDatasheets) {
  int checked = 0;
  for (const auto& f : yaml_files("arch-configs/chips")) {
    SCOPED_TRACE(f);
    const ArchSpec a = load_arch(f);
    const std::string name = stem(f);
    if (name == "ascend-910b-like") {  // press range 313-376 TFLOP/s, 64 GB, about 1.6 TB/s
      const double bf16 = a.chip.matrix_peak(DType::BF16).value() / 1e12;
      EXPECT_GE(bf16, 313.0);
      EXPECT_LE(bf16, 376.0);
      EXPECT_NEAR(a.chip.hbm.capacity.value() / units::GiB, 64, 0.64);
      EXPECT_NEAR(a.chip.hbm.bandwidth.value() / 1e12, 1.6, 0.016);
      ++checked;
      continue;
    }
    auto it = datasheets().find(name);
    if (it == datasheets().end()) {
      EXPECT_NE(a.description.find("est."), std::string::npos)
          << name << ": a chip preset without datasheet figures in this test must say \"est.\" in its description";
      continue;
    }
    const Datasheet& d = it->second;
    SCOPED_TRACE(d.source);
    const double bf16 = a.chip.matrix_peak(DType::BF16).value() / 1e12;
    EXPECT_NEAR(bf16, d.bf16_tflops, 0.01 * d.bf16_tflops) << "BF16 peak";
    if (d.fp8_tflops > 0) {
      const double fp8 = a.chip.matrix_peak(DType::FP8).value() / 1e12;
      EXPECT_NEAR(fp8, d.fp8_tflops, 0.01 * d.fp8_tflops) << "FP8 peak";
    }
    EXPECT_NEAR(a.chip.hbm.bandwidth.value() / 1e12, d.hbm_tbps, 0.01 * d.hbm_tbps) << "HBM bandwidth";
    EXPECT_NEAR(a.chip.hbm.capacity.value() / units::GiB, d.hbm_gib, 0.01 * d.hbm_gib) << "HBM capacity";
    EXPECT_FALSE(a.chip.hbm.preset.empty()) << "names its HBM generation for the memory model";
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(datasheets().size()) + 1) << "every datasheet row has its preset";
}

TEST(Presets, A100HasNoFp8) {  // datasheet: no FP8 tensor format on Ampere
  EXPECT_EQ(load_arch(test::src("arch-configs/chips/a100-like.yaml")).chip.matrix_peak(DType::FP8).value(), 0.0);
}

TEST(Presets, ScaleUpLinksMatchSources) {
  // Per chip, one way: NVLink3 300 GB/s (A100), NVLink4 450 GB/s (H100/H200/H20), NVLink5 900 GB/s
  // (B200), UB 196 GB/s (910C, arXiv 2506.12708), ICI 1.2 TB/s bidirectional = 600 GB/s (TPU v7);
  // press figures: NVLink 6 3.6 TB/s both ways (Rubin), 2 TB/s both ways (Ascend 950), 700 GB/s both
  // ways (T-Head PPU, "chip-to-chip bandwidth").
  const std::map<std::string, double> gbps = {{"a100-like", 300}, {"h100-like", 450}, {"h200-like", 450},
                                              {"h20-like", 450},  {"b200-like", 900}, {"ascend-910c-like", 196},
                                              {"tpu-v7-like", 600}, {"rubin-like", 1800}, {"ascend-950dt-like", 1000},
                                              {"ascend-950pr-like", 1000}, {"t-head-ppu-like", 350}};
  for (const auto& [name, want] : gbps) {
    SCOPED_TRACE(name);
    const ArchSpec a = load_arch(test::src("arch-configs/chips/" + name + ".yaml"));
    EXPECT_NEAR(double(a.chip.links.count) * a.chip.links.bandwidth.gb_per_s(), want, 0.01 * want);
  }
}

TEST(Presets, PodsHaveTheirStatedChipCountsAndLevels) {
  struct Want {
    std::int64_t chips;
    std::vector<std::int64_t> level_sizes;
  };
  const std::map<std::string, Want> want = {
      {"cloudmatrix384-like", {384, {384}}},        // 48 nodes x 8 NPUs, one UB domain (arXiv 2506.12708)
      {"cloudmatrix384-x4-roce-like", {1536, {384, 4}}},  // four supernodes on the RoCE plane (arXiv 2506.12708)
      {"gb200-nvl72-like", {72, {72}}},             // 72 GPUs in one NVLink domain (GB200 NVL72 datasheet)
      {"atlas-950-superpod-like", {8192, {64, 128}}},  // 8,192 NPUs, 128 cabinets of 64 (Huawei Connect 2025, press)
      {"supernode-384-like", {384, {384}}},
      {"tianchi256-like", {256, {256}}},            // 256 cards, one scale-up domain (press)
      {"tianchi512-like", {512, {512}}},            // 512 cards (press)
      {"dgx-h100-superpod-like", {256, {8, 32}}},   // 32 DGX H100 nodes x 8 GPUs (SuperPOD SU)
      {"dgx-h100-node-like", {8, {8}}},
      {"dgx-a100-node-like", {8, {8}}},
      {"dgx-a100-superpod-like", {512, {8, 64}}},   // 64 DGX A100 nodes x 8 GPUs (Megatron-LM SC21 class)
      {"kunlun-p800-8node-like", {8, {8}}},
      {"tpu-v7-pod-like", {256, {256}}},            // Ironwood 256-chip pod, 3-D torus
      {"tpu-v7-superpod-like", {9216, {16, 24, 24}}},  // Ironwood superpod: 9,216 chips (Google, 2025)
      {"tpu-v7-16superpods-like", {147456, {16, 24, 24, 16}}},  // 16 superpods on a scale-out network (est.)
      {"ascend-910b-8node", {8, {8}}},
      {"ascend-910b-64node", {512, {8, 64}}},
      {"ascend-910b-512node", {4096, {8, 512}}},
      {"torus-4x4x4-like", {64, {4, 4, 4}}},
  };
  int seen = 0;
  for (const auto& f : yaml_files("arch-configs/pods")) {
    const std::string name = stem(f);
    SCOPED_TRACE(name);
    auto it = want.find(name);
    if (it == want.end()) {
      ADD_FAILURE() << "new pod preset: add its stated chip count here";
      continue;
    }
    const ArchSpec a = load_arch(f);
    EXPECT_EQ(a.pod.chips, it->second.chips);
    std::vector<std::int64_t> sizes;
    for (const auto& l : a.pod.resolved_levels()) sizes.push_back(l.size);
    EXPECT_EQ(sizes, it->second.level_sizes);
    ++seen;
  }
  EXPECT_EQ(seen, static_cast<int>(want.size()));
  const ArchSpec tpu = load_arch(test::src("arch-configs/pods/tpu-v7-pod-like.yaml"));
  EXPECT_EQ(tpu.pod.resolved_levels().at(0).kind, "torus");
  EXPECT_EQ(tpu.pod.resolved_levels().at(0).dims, (std::vector<std::int64_t>{4, 8, 8}));
  // CloudMatrix384: 7 planes of 28 GB/s = 196 GB/s per NPU, leaves of one node (8 NPUs).
  const ArchSpec cm = load_arch(test::src("arch-configs/pods/cloudmatrix384-like.yaml"));
  const LevelSpec ub = cm.pod.resolved_levels().at(0);
  EXPECT_NEAR(double(ub.nics_per_chip) * ub.link_bandwidth->gb_per_s(), 196, 1.96);
  EXPECT_EQ(ub.leaf_size, 8);
}

double ring_allreduce_busbw(const std::string& pod_file) {
  const ArchSpec a = load_arch(test::src(pod_file));
  Topology t(a.pod, LinkDefaults{a.chip.links.bandwidth, a.chip.links.latency});
  std::vector<int> ranks;
  for (int i = 0; i < t.chips(); ++i) ranks.push_back(i);
  return run_isolated(t, {CollOp::AllReduce, Bytes(units::GiB), ranks, 0, "ring"}).busbw.gb_per_s();
}

TEST(Presets, NvswitchNodesReproducePublishedBusbw) {
  // nccl-tests all-reduce busbw, 8 GPUs in one node (published nccl-tests and vendor busbw figures): A100 232 GB/s,
  // H100 370 GB/s. Tolerance 8%, as the collective calibration.
  EXPECT_NEAR(ring_allreduce_busbw("arch-configs/pods/dgx-a100-node-like.yaml"), 232, 0.08 * 232);
  EXPECT_NEAR(ring_allreduce_busbw("arch-configs/pods/dgx-h100-node-like.yaml"), 370, 0.08 * 370);
}

}  // namespace
}  // namespace xpu
