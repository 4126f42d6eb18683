// The per-core load -> compute -> store pipeline (hand-worked recurrences) and the steady-state
// extrapolation, which must equal tile-by-tile simulation exactly.
#include <gtest/gtest.h>

#include <cstdint>

#include "sim/chip/chip_model.h"
#include "sim/chip/pipeline.h"
#include "sim/core/config.h"
#include "tests/support/paths.h"

using namespace xpu;
using namespace xpu::chip;

namespace {
ChipSpec load_chip(const std::string& rel) {
  cfg::Node root = cfg::load_file(test::src(rel));
  return cfg::read<ChipSpec>(*root.find("chip"), "chip");
}
TileCost uniform_tile(std::int64_t steps, std::int64_t load, std::int64_t compute, std::int64_t tail, std::int64_t store) {
  TileCost t;
  t.steps.push_back({StepCost{load, compute}, steps});
  t.tail = tail;
  t.store = store;
  return t;
}
}  // namespace

TEST(ChipPipeline, MemoryBoundTileIsLoadsPlusLastComputeTailStore) {
  // Loads 10, compute 4: L = 10, 20, 30; C ends 14, 24, 34; result at 36; stored at 41.
  PipelineResult r = run_core({uniform_tile(3, 10, 4, 2, 5)}, {{0, 1}}, 0, false);
  EXPECT_EQ(r.cycles, 41);
  EXPECT_EQ(r.load_busy, 30);
  EXPECT_EQ(r.compute_busy, 12);
}

TEST(ChipPipeline, ComputeBoundTileIsFirstLoadPlusComputes) {
  // Loads 2, compute 10: first load 2, then 3 x 10 of compute, tail 2, store 5.
  PipelineResult r = run_core({uniform_tile(3, 2, 10, 2, 5)}, {{0, 1}}, 0, false);
  EXPECT_EQ(r.cycles, 2 + 30 + 2 + 5);
  // The first-access latency delays everything once.
  EXPECT_EQ(run_core({uniform_tile(3, 2, 10, 2, 5)}, {{0, 1}}, 100, false).cycles, 100 + 39);
}

TEST(ChipPipeline, TwoAccumulatorBuffersThrottleOnSlowStores) {
  // One-step tiles (load 1, compute 1) with 10-cycle stores: tile 3 must wait for store 1 (cycle 12).
  PipelineResult r = run_core({uniform_tile(1, 1, 1, 0, 10)}, {{0, 3}}, 0, false);
  EXPECT_EQ(r.cycles, 2 + 3 * 10);
}

TEST(ChipPipeline, ExtrapolationEqualsFullSimulationOnRandomSequences) {
  std::uint64_t seed = 12345;
  auto rnd = [&seed](std::int64_t lo, std::int64_t hi) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return lo + static_cast<std::int64_t>((seed >> 33) % static_cast<std::uint64_t>(hi - lo + 1));
  };
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<TileCost> kinds;
    const int nk = static_cast<int>(rnd(1, 4));
    for (int k = 0; k < nk; ++k) {
      TileCost t;
      const int runs = static_cast<int>(rnd(1, 3));
      for (int i = 0; i < runs; ++i) t.steps.push_back({StepCost{rnd(0, 50), rnd(0, 50)}, rnd(1, 40)});
      t.tail = rnd(0, 20);
      t.store = rnd(0, 60);
      kinds.push_back(t);
    }
    std::vector<TileRun> seq;
    const int ns = static_cast<int>(rnd(1, 5));
    for (int i = 0; i < ns; ++i) seq.push_back({static_cast<int>(rnd(0, nk - 1)), rnd(1, 60)});
    const std::int64_t lat = rnd(0, 100);
    PipelineResult full = run_core(kinds, seq, lat, false);
    PipelineResult fast = run_core(kinds, seq, lat, true);
    ASSERT_EQ(fast.cycles, full.cycles) << "trial " << trial;
    ASSERT_EQ(fast.compute_busy, full.compute_busy) << "trial " << trial;
    ASSERT_EQ(fast.load_busy, full.load_busy) << "trial " << trial;
    ASSERT_EQ(fast.store_busy, full.store_busy) << "trial " << trial;
    ASSERT_EQ(fast.steps, full.steps) << "trial " << trial;
    ASSERT_LE(fast.steps_simulated, full.steps_simulated);
  }
}

TEST(ChipPipeline, ExtrapolatedOpsEqualFullTileByTileSimulation) {
  const ChipSpec chip = load_chip("tests/data/chip_small.yaml");
  mem::ConstantEfficiencyPort port(chip.hbm.bandwidth, chip.hbm.efficiency, chip.hbm.capacity);
  SimOptions full;
  full.extrapolate = false;
  for (const GemmShape& g : {GemmShape{1024, 1024, 1024, 1, DType::BF16}, GemmShape{1000, 600, 700, 1, DType::BF16},
                             GemmShape{8, 4096, 4096, 1, DType::BF16}, GemmShape{300, 200, 4000, 3, DType::FP8}}) {
    OpResult a = simulate_gemm(chip, port, g);
    OpResult b = simulate_gemm(chip, port, g, full);
    EXPECT_EQ(a.cycles, b.cycles) << g.canonical();
    EXPECT_EQ(a.mapping, b.mapping) << g.canonical();
    EXPECT_EQ(a.compute_cycles, b.compute_cycles) << g.canonical();
    EXPECT_LT(a.steps_simulated, b.steps_simulated) << g.canonical();
  }
  for (const AttentionShape& at : {AttentionShape{1, 8, 2, 512, 512, 64, true, DType::BF16},
                                   AttentionShape{4, 8, 8, 1, 4096, 128, false, DType::BF16}}) {
    EXPECT_EQ(simulate_attention(chip, port, at).cycles, simulate_attention(chip, port, at, full).cycles)
        << at.canonical();
  }
  VectorOpDesc v{"softmax", 1024 * 1000, 1000, DType::BF16};
  EXPECT_EQ(simulate_vector(chip, port, v).cycles, simulate_vector(chip, port, v, full).cycles);
}
