// Controller behaviour: idle latency (closed form), refresh stalls, queue back-pressure, determinism.
#include <gtest/gtest.h>

#include <vector>

#include "sim/core/kernel.h"
#include "sim/memory/hbm_detailed.h"
#include "sim/memory/sim_time.h"
#include "sim/memory/traffic.h"
#include "tests/support/paths.h"

using namespace xpu;
using namespace xpu::mem;

namespace {
HbmSpec hbm3(int channels = 1) {
  HbmSpec s = load_hbm_preset(test::src("arch-configs/memory/hbm3.yaml"));
  s.organisation.channels = channels;
  return s;
}
// Latency (ps) of one 32 B read sent `at_ps` after the memory is built.
std::int64_t single_read_latency(const HbmSpec& s, std::int64_t at_ps) {
  HbmDetailed mem(s);
  std::int64_t lat = -1;
  Kernel::instance().after_ps(at_ps, [&] {
    MemRequest r;
    r.address = 0;
    r.size = 32;
    r.on_done = [&](const MemResponse& resp) { lat = resp.done_ps - resp.accepted_ps; };
    ASSERT_TRUE(mem.try_send(r));
  });
  Kernel::instance().run();
  return lat;
}
}  // namespace

TEST(MemoryController, IdleReadLatencyIsRcdPlusClPlusBurst) {
  HbmSpec s = hbm3();
  const auto& t = s.timing;
  const double expect = static_cast<double>(t.nRCDRD + t.nCL + s.nBL()) * s.tck_ps();
  EXPECT_NEAR(static_cast<double>(single_read_latency(s, 0)), expect, 1.0);
}

TEST(MemoryController, RefreshStallsAReadArrivingDuringIt) {
  HbmSpec s = hbm3();
  const auto& t = s.timing;
  const auto tck = s.tck_ps();
  const std::int64_t due_ps = static_cast<std::int64_t>(static_cast<double>(t.nREFI) * tck);
  const std::int64_t before = single_read_latency(s, due_ps - static_cast<std::int64_t>(200 * tck));
  const std::int64_t during = single_read_latency(s, due_ps + static_cast<std::int64_t>(10 * tck));
  const double idle = static_cast<double>(t.nRCDRD + t.nCL + s.nBL()) * tck;
  EXPECT_NEAR(static_cast<double>(before), idle, 1.0);
  // Arriving 10 cycles into a refresh: waits the rest of nRFC, then ACT + RD.
  EXPECT_NEAR(static_cast<double>(during), static_cast<double>(t.nRFC - 10) * tck + idle, 1.0);
}

TEST(MemoryController, RefreshCountFollowsRefreshInterval) {
  HbmSpec s = hbm3(1);
  TrafficSpec ts;
  ts.bytes = Bytes(1 << 20);
  TrafficResult r = run_detailed(s, {ts});
  const double intervals = r.elapsed.seconds() / (static_cast<double>(s.timing.nREFI) * s.tck_ps() * 1e-12);
  const double per_pc = static_cast<double>(r.refreshes) / static_cast<double>(s.total_pcs());
  EXPECT_NEAR(per_pc, intervals, 1.0);
}

TEST(MemoryController, FullQueueRefusesAndRetries) {
  HbmSpec s = hbm3(1);
  s.controller.read_queue = 4;
  s.controller.mapping = {"ch_pc_ro_ba_bg_co", "none"};  // every request on pseudo-channel 0
  HbmDetailed mem(s);
  int accepted_at_zero = 0, retries = 0, done = 0;
  int next = 0;
  const int total = 40;
  std::function<void()> pump = [&] {
    while (next < total) {
      MemRequest r;
      r.address = static_cast<std::uint64_t>(next) * 32;
      r.size = 32;
      r.on_done = [&](const MemResponse&) { ++done; };
      if (!mem.try_send(r)) {
        EXPECT_EQ(mem.last_refusal().first, 0);
        EXPECT_FALSE(mem.last_refusal().second);
        return;
      }
      ++next;
      EXPECT_LE(mem.controller(0).queued(false), 4u);
    }
  };
  mem.set_retry([&](int, bool) {
    ++retries;
    pump();
  });
  Kernel::instance().after_ps(0, [&] {
    pump();
    accepted_at_zero = next;
  });
  Kernel::instance().run();
  EXPECT_EQ(accepted_at_zero, 4) << "a 4-entry queue takes 4 bursts, then pushes back";
  EXPECT_GE(retries, 9);
  EXPECT_EQ(done, total);
}

TEST(MemoryController, ResultsAreDeterministic) {
  HbmSpec s = hbm3(2);
  TrafficSpec t;
  t.pattern = Pattern::Random;
  t.read_fraction = 0.7;
  t.request_size = Bytes(96);
  t.bytes = Bytes(256 * 1024);
  TrafficResult a = run_detailed(s, {t});
  TrafficResult b = run_detailed(s, {t});
  EXPECT_EQ(a.elapsed.seconds(), b.elapsed.seconds());
  EXPECT_EQ(a.read_p99.seconds(), b.read_p99.seconds());
  EXPECT_EQ(a.activates, b.activates);
  t.seed = 2;
  TrafficResult c = run_detailed(s, {t});
  EXPECT_NE(a.activates, c.activates) << "the seed must matter";
}
