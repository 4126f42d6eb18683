// The step-cost oracle against the step model it is built on: at grid points it returns exactly the
// simulated inference step (the same number `xpusim run` prints for that scenario), between them it
// interpolates within its neighbours, and the engine memory model gives the closed-form KV bytes per
// token (layers x 2 x KV heads per chip x head dim x dtype bytes).
#include <gtest/gtest.h>

#include "sim/cluster/arch.h"
#include "sim/core/error.h"
#include "sim/serving/step_cost.h"
#include "sim/study/point.h"
#include "sim/workload/generator/model.h"
#include "tests/support/paths.h"

using namespace xpu;
using namespace xpu::serve;

namespace {

struct Fixture {
  ArchSpec arch = load_arch(xpu::test::src("arch-configs/pods/dgx-h100-node-like.yaml"));
  wl::gen::ModelSpec model = wl::gen::load_model(xpu::test::src("workloads/models/llama3-8b.yaml"));
};

double simulate_step(const Fixture& f, int tp, const std::string& phase, std::int64_t batch, std::int64_t context) {
  study::Point p;
  p.arch = f.arch;
  p.scenario.model = f.model;
  p.scenario.training_mode = false;
  p.scenario.parallel.tp = tp;
  p.scenario.inference.phase = phase;
  p.scenario.inference.batch = batch;
  p.scenario.inference.context = context;
  p.scenario.inference.dtype = "fp8";
  p.scenario.inference.kv_dtype = "fp8";
  const study::Metrics m = study::simulate_point(p);
  EXPECT_TRUE(m.error.empty()) << m.error;
  return m.step_time_s;
}

}  // namespace

TEST(ServingStepCost, GridPointsAreTheSimulatedSteps) {
  Fixture f;
  SimulatedStepCost c(f.arch, f.model, 2, 1, 1, "fp8", "fp8");
  EXPECT_DOUBLE_EQ(c.decode_s(64, 1024), simulate_step(f, 2, "decode", 64, 1024));
  EXPECT_DOUBLE_EQ(c.linear_s(256), simulate_step(f, 2, "decode", 256, 1));
  StepShape pure;
  pure.decode_seqs = 32;
  pure.decode_kv_tokens = 32.0 * 2048;
  EXPECT_DOUBLE_EQ(c.step_s(pure), simulate_step(f, 2, "decode", 32, 2048));
  // A whole prompt of a grid length: its step is the simulated prefill of that prompt.
  StepShape pre;
  pre.prefill_tokens = 512;
  pre.prefill_pairs = 512.0 * 513 / 2;
  pre.prefill_chunk = 512;
  EXPECT_NEAR(c.step_s(pre) / simulate_step(f, 2, "prefill", 1, 512), 1.0, 1e-12);
}

TEST(ServingStepCost, BetweenGridPointsItStaysWithinTheNeighbours) {
  Fixture f;
  SimulatedStepCost c(f.arch, f.model, 1, 1, 1, "fp8", "fp8");
  const double lo = c.decode_s(64, 1024), hi = c.decode_s(128, 2048), mid = c.decode_s(96, 1500);
  EXPECT_GT(mid, lo);
  EXPECT_LT(mid, hi);
  // More decode sequences or longer caches never make a step cheaper.
  EXPECT_LE(c.decode_s(100, 1000), c.decode_s(101, 1000));
  EXPECT_LE(c.decode_s(100, 1000), c.decode_s(100, 1001));
  const std::int64_t sims = c.simulations();
  c.decode_s(96, 1500);  // memoised: no new simulation
  EXPECT_EQ(c.simulations(), sims);
}

TEST(ServingStepCost, EngineMemoryIsTheClosedForm) {
  Fixture f;
  // Llama 3 8B: 32 layers, 8 KV heads of 128; FP8 cache = 1 byte. TP 2 keeps 4 heads per chip.
  const EngineMemory m = engine_memory(f.arch, f.model, 2, 1, 1, "fp8", "fp8", 0.9, 8192);
  EXPECT_DOUBLE_EQ(m.kv_bytes_per_token_per_chip, 32.0 * 2 * 4 * 128 * 1);
  EXPECT_NEAR(m.kv_bytes_per_chip, 0.9 * f.arch.chip.hbm.capacity.value() - m.weights_bytes_per_chip - m.activations_bytes_per_chip, 1);
  EXPECT_EQ(m.kv_tokens, std::int64_t(m.kv_bytes_per_chip / m.kv_bytes_per_token_per_chip));
  // Weights: about 8.0 G parameters at one byte, halved over TP 2 (embeddings split too).
  EXPECT_NEAR(m.weights_bytes_per_chip / 4.0e9, 1.0, 0.05);
  EXPECT_THROW(engine_memory(f.arch, f.model, 1, 1, 1, "fp32", "fp32", 0.3, 8192), UserError);
}
