// The energy model against closed forms on one-op workloads, and the TDP cap: a step that draws more
// than the cap is re-simulated at the clock where it meets it, and a compute-bound GEMM then takes
// 1/s longer while its matrix energy falls by s^2 (V ~ f).
#include <gtest/gtest.h>

#include <cmath>

#include "sim/cluster/power.h"
#include "sim/cluster/simulate.h"
#include "sim/workload/reader.h"
#include "tests/support/paths.h"

using namespace xpu;

namespace {

wl::Workload gemm_workload(std::int64_t m, std::int64_t n, std::int64_t k, const std::string& dtype) {
  const std::string text = "workload:\n  name: g\n  ranks: 1\n  programs:\n    - ranks: all\n      nodes:\n        - {id: g, op: gemm, m: " +
                           std::to_string(m) + ", n: " + std::to_string(n) + ", k: " + std::to_string(k) + ", dtype: " + dtype + "}\n";
  return wl::read_yaml_trace_text(text, "gemm.yaml");
}

ArchSpec h100(const std::vector<ArchOverride>& extra = {}) {
  return load_arch(xpu::test::src("arch-configs/chips/h100-like.yaml"), extra);
}

}  // namespace

TEST(Power, GemmEnergyIsMacsTimesEnergyPerMacPlusStaticAndHbm) {
  const ArchSpec a = h100({{"chip.power.throttle", "false"}});
  const wl::Workload w = gemm_workload(4096, 4096, 4096, "bf16");
  const cluster::SimResult r = cluster::simulate(a, w);
  const cluster::StepEnergy e = cluster::step_energy(w, a, r);
  ASSERT_TRUE(e.known);
  const double macs = 4096.0 * 4096 * 4096;
  EXPECT_NEAR(e.compute_j, macs * a.chip.power.mac_pj.at("bf16") * 1e-12, 1e-9 * e.compute_j);
  EXPECT_NEAR(e.static_j, a.chip.power.static_watts * r.makespan.value(), 1e-12);
  EXPECT_NEAR(e.hbm_j, r.ranks[0].hbm_bytes.value() * a.chip.power.hbm_pj_per_byte * 1e-12, 1e-15);
  EXPECT_EQ(e.vector_j, 0);
  EXPECT_NEAR(e.average_w(), e.total_j() / r.makespan.value(), 1e-9);
}

TEST(Power, PresetsDrawTheirTdpOnADenseGemmAtTheSustainedClock) {
  // The calibration rule of chip.power.mac_pj (docs/models/power.md): within 1 % for the fitted dtypes.
  // (h100-like fp8 is fitted on MAMF's FP8 maximum instead, which its dense FP8 GEMMs reach throttled:
  // tests/golden/test_validation_rows.cpp MamfIsTheMaximumOverTheShapeSweep and the test below.)
  const std::vector<std::pair<std::string, std::vector<std::string>>> chips = {
      {"h100-like", {"bf16"}},        {"a100-like", {"bf16"}},         {"b200-like", {"bf16", "fp8"}},
      {"ascend-910b-like", {"bf16", "int8"}}, {"ascend-910c-like", {"bf16"}}, {"kunlun-p800-like", {"bf16"}},
      {"tpu-v7-like", {"bf16", "fp8"}}};
  for (const auto& [chip, dtypes] : chips)
    for (const auto& d : dtypes) {
      SCOPED_TRACE(chip + " " + d);
      const ArchSpec a = load_arch(xpu::test::src("arch-configs/chips/" + chip + ".yaml"), {{"chip.power.throttle", "false"}});
      const wl::Workload w = gemm_workload(8192, 8192, 8192, d);
      const cluster::StepEnergy e = cluster::step_energy(w, a, cluster::simulate(a, w));
      EXPECT_NEAR(e.average_w() / a.chip.power.tdp_watts, 1.0, 0.01);
    }
}

TEST(Power, TdpCapLowersTheClockUntilTheStepMeetsIt) {
  const wl::Workload w = gemm_workload(8192, 8192, 8192, "bf16");
  const ArchSpec free_run = h100({{"chip.power.throttle", "false"}, {"chip.power.tdp_watts", "450"}});
  const cluster::SimResult r0 = cluster::simulate(free_run, w);
  const cluster::StepEnergy e0 = cluster::step_energy(w, free_run, r0);
  ASSERT_GT(e0.average_w(), 450);
  const ArchSpec capped = h100({{"chip.power.tdp_watts", "450"}});
  const cluster::SimResult r1 = cluster::simulate(capped, w);
  const cluster::StepEnergy e1 = cluster::step_energy(w, capped, r1);
  EXPECT_LT(r1.clock_scale, 1.0);
  EXPECT_NEAR(e1.average_w(), 450, 0.005 * 450);
  // Compute-bound: time ~ 1/s, matrix energy ~ s^2.
  const double s = r1.clock_scale;
  EXPECT_NEAR(r1.makespan.value() / r0.makespan.value(), 1 / s, 0.02 / s);
  EXPECT_NEAR(e1.compute_j / e0.compute_j, s * s, 1e-9);
  // The closed form of the cap for a compute-bound op: static + hbm + matrix x s^3 = TDP (HBM power ~ s).
  const double t0 = r0.makespan.value();
  const double pm = e0.compute_j / t0, ph = e0.hbm_j / t0, ps = e0.static_j / t0;
  const double f = ps + ph * s + pm * s * s * s;
  EXPECT_NEAR(f / 450, 1.0, 0.02);
}

TEST(Power, NoPowerModelNoEnergy) {
  const ArchSpec a = load_arch(xpu::test::src("tests/data/chip_small.yaml"));
  const wl::Workload w = gemm_workload(256, 256, 256, "bf16");
  EXPECT_FALSE(cluster::step_energy(w, a, cluster::simulate(a, w)).known);
}

// H100 FP8: a dense GEMM at the sustained clock would draw more than the TDP (mac_pj.fp8 fitted on
// MAMF's FP8 maximum), so simulate() throttles it to the cap, and `op` (simulate_op) costs the same GEMM
// at the same clock.
TEST(Power, DenseFp8GemmOnH100MeetsTheCapBelowTheSustainedClock) {
  const wl::Workload w = gemm_workload(8192, 8192, 8192, "fp8");
  const ArchSpec a = h100();
  const cluster::SimResult r = cluster::simulate(a, w);
  const cluster::StepEnergy e = cluster::step_energy(w, a, r);
  EXPECT_LT(r.clock_scale, 0.95);
  EXPECT_NEAR(e.average_w(), a.chip.power.tdp_watts, 0.005 * a.chip.power.tdp_watts);
  chip::OpDesc op;
  op.gemm = chip::GemmShape{8192, 8192, 8192, 1, DType::FP8};
  const cluster::OpAtCap at = cluster::simulate_op(a, op);
  EXPECT_DOUBLE_EQ(at.clock_scale, r.clock_scale);
  // The run's step is the op plus nothing else.
  EXPECT_NEAR(at.result.time.seconds(), r.makespan.seconds(), 1e-9 * r.makespan.seconds());
  // Unthrottled, the same op is faster.
  const ArchSpec free_run = h100({{"chip.power.throttle", "false"}});
  EXPECT_LT(cluster::simulate_op(free_run, op).result.time.seconds(), at.result.time.seconds() * 0.95);
}

