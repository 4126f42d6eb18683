// Fast mode: table lookup, agreement with the detailed model on mixed traffic (within 5%), the
// committed tables being current, and the MemoryPort factory the chip model uses.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "sim/core/error.h"
#include "sim/memory/fast_hbm.h"
#include "sim/memory/traffic.h"
#include "tests/support/paths.h"

using namespace xpu;
using namespace xpu::mem;

namespace {
constexpr double MiB = 1024.0 * 1024.0;
std::string preset_path(const char* n) { return test::src(std::string("arch-configs/memory/") + n + ".yaml"); }

CalibrationTable synthetic() {
  CalibrationTable t;
  for (const char* p : {"stream", "strided", "random"})
    for (double f : {0.0, 1.0})
      for (double s : {32.0, 128.0}) {
        CalibPoint c;
        c.pattern = p;
        c.read_fraction = f;
        c.request_size = Bytes(s);
        c.efficiency = 0.2 + 0.4 * f + (s > 64 ? 0.2 : 0.0);
        t.points.push_back(c);
      }
  return t;
}
}  // namespace

TEST(MemoryFast, TableInterpolatesInReadFractionAndLogSize) {
  CalibrationTable t = synthetic();
  EXPECT_DOUBLE_EQ(t.efficiency({Pattern::Stream, 1.0, Bytes(32)}), 0.6);
  EXPECT_DOUBLE_EQ(t.efficiency({Pattern::Random, 0.0, Bytes(128)}), 0.4);
  EXPECT_NEAR(t.efficiency({Pattern::Stream, 0.5, Bytes(32)}), 0.4, 1e-12);
  EXPECT_NEAR(t.efficiency({Pattern::Stream, 1.0, Bytes(64)}), 0.7, 1e-12);  // halfway in log2(size)
  EXPECT_NEAR(t.efficiency({Pattern::Stream, 1.0, Bytes(4096)}), 0.8, 1e-12);  // clamped
}

TEST(MemoryFast, IncompleteTableRejected) {
  const std::string text =
      "preset: x\nidle_latency: \"50 ns\"\npoints:\n"
      "  - {pattern: stream, read_fraction: 1, request_size: \"64 B\", efficiency: 0.9}\n"
      "  - {pattern: stream, read_fraction: 0, request_size: \"128 B\", efficiency: 0.9}\n";
  EXPECT_THROW(cfg::read<CalibrationTable>(cfg::load_string(text, "t.calib.yaml"), ""), ConfigError);
}

TEST(MemoryFast, FastMatchesDetailedOnMixedTraffic) {
  HbmSpec s = load_hbm_preset(preset_path("hbm3"));
  CalibrationTable table = load_calibration(s.calibration_path());
  // Off-grid points on purpose (3:1 at 96 B, 2:1 at 256 B): the lookup interpolates. Each phase
  // lasts a few refresh intervals on the whole stack, as the calibration runs do.
  constexpr double kPhaseMiB[] = {5, 1.5, 2.5, 5};
  std::vector<TrafficSpec> phases(4);
  phases[0].pattern = Pattern::Stream, phases[0].read_fraction = 0.75, phases[0].request_size = Bytes(96);
  phases[1].pattern = Pattern::Random, phases[1].read_fraction = 1.0, phases[1].request_size = Bytes(32);
  phases[2].pattern = Pattern::Strided, phases[2].read_fraction = 2.0 / 3.0, phases[2].request_size = Bytes(256);
  phases[3].pattern = Pattern::Stream, phases[3].read_fraction = 0.0, phases[3].request_size = Bytes(128);
  for (int i = 0; i < 4; ++i) phases[static_cast<size_t>(i)].bytes = Bytes(kPhaseMiB[i] * MiB);
  TrafficResult d = run_detailed(s, phases);
  TrafficResult f = run_fast(s, table, phases);
  EXPECT_EQ(d.bytes.bytes(), f.bytes.bytes());
  const double ratio = f.elapsed.seconds() / d.elapsed.seconds();
  std::printf("fast / detailed elapsed = %.4f\n", ratio);
  EXPECT_NEAR(ratio, 1.0, 0.05)
      << "detailed " << d.elapsed.us() << " us, fast " << f.elapsed.us() << " us";
}

TEST(MemoryFast, CommittedTableIsCurrent) {
  // A table is generated; if the model changes and nobody regenerates it, this fails.
  HbmSpec s = load_hbm_preset(preset_path("hbm3"));
  CalibrationTable table = load_calibration(s.calibration_path());
  CalibrationOptions o;
  o.patterns = {Pattern::Stream, Pattern::Random};
  o.read_fractions = {1.0};
  o.request_sizes = {32};
  o.refresh_intervals = 1.0;
  CalibrationTable fresh = calibrate(s, o);
  ASSERT_EQ(fresh.points.size(), 2u);
  // Shorter runs than the table's (1 vs 3 refresh intervals): agreement within 2 points.
  for (const auto& p : fresh.points)
    EXPECT_NEAR(p.efficiency, table.efficiency({parse_pattern(p.pattern), 1.0, Bytes(32)}), 0.02) << p.pattern;
  EXPECT_NEAR(fresh.idle_latency.seconds(), table.idle_latency.seconds(), 1e-12);
}

TEST(MemoryFast, MemoryPortIsScaledToTheChip) {
  // A chip with four HBM3 stacks.
  const BytesPerSecond chip_peak = units::gbps(4 * 819.2);
  auto port = make_memory_port(preset_path("hbm3"), chip_peak, Bytes(64.0 * units::GiB));
  EXPECT_EQ(port->peak_bandwidth().value(), chip_peak.value());
  EXPECT_EQ(port->capacity().gib(), 64.0);
  const double stream = port->achievable_bandwidth({Pattern::Stream, 1.0, Bytes(256)}) / chip_peak;
  const double random = port->achievable_bandwidth({Pattern::Random, 1.0, Bytes(32)}) / chip_peak;
  EXPECT_GT(stream, 0.88);
  EXPECT_LT(stream, 0.94);
  EXPECT_GT(random, 0.25);
  EXPECT_LT(random, 0.35);
  // Idle latency: ACT + RD on an idle bank: (nRCDRD + nCL + nBL) * tCK = 53 * 0.625 ns.
  EXPECT_NEAR(port->idle_latency().seconds() * 1e9, 53 * 0.625, 0.01);
  EXPECT_NE(port->name().find("HBM3"), std::string::npos);
}

TEST(MemoryFast, MissingTableNamesTheRegenerateCommand) {
  const std::string tmp = ::testing::TempDir() + "/nocalib.yaml";
  {
    std::ifstream in(preset_path("hbm3"));
    std::ofstream out(tmp);
    out << in.rdbuf();
  }
  try {
    make_memory_port(tmp, units::gbps(819.2), Bytes(16.0 * units::GiB));
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("xpusim mem --calibrate --preset"), std::string::npos) << e.what();
  }
  std::remove(tmp.c_str());
}
