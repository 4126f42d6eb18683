// Achievable bandwidth must emerge from the timing model: bands from the published DRAMSim3/Ramulator presets and figures
// (DRAMSim3: stream 92.1%, random 64 B reads 24.2%) and closed-form bounds (refresh: 1 - nRFC/nREFI;
// activate window: 4 bursts per nFAW). Runs use 2 channels (pseudo-channels are independent) and
// enough bytes for several refresh intervals, to stay well under 2 s.
#include <gtest/gtest.h>

#include "sim/memory/traffic.h"
#include "tests/support/paths.h"

using namespace xpu;
using namespace xpu::mem;

namespace {
HbmSpec preset(const char* name, int channels) {
  HbmSpec s = load_hbm_preset(test::src(std::string("arch-configs/memory/") + name + ".yaml"));
  if (channels > 0) s.organisation.channels = channels;
  return s;
}
TrafficResult run(const HbmSpec& s, Pattern p, double read_fraction, double size, double bytes) {
  TrafficSpec t;
  t.pattern = p;
  t.read_fraction = read_fraction;
  t.request_size = Bytes(size);
  t.bytes = Bytes(bytes);
  return run_detailed(s, {t});
}
constexpr double MiB = 1024.0 * 1024.0;
}  // namespace

TEST(MemoryEfficiency, StreamReadsAreRefreshBound) {
  HbmSpec s = preset("hbm3", 2);
  TrafficResult r = run(s, Pattern::Stream, 1.0, 64, 2 * MiB);  // ~20 us, ~5 refresh intervals
  const double refresh_bound = 1.0 - static_cast<double>(s.timing.nRFC) / static_cast<double>(s.timing.nREFI);
  EXPECT_GT(r.efficiency, 0.89);
  EXPECT_LE(r.efficiency, refresh_bound + 0.005) << "cannot beat the refresh bound " << refresh_bound;
  EXPECT_GT(r.row_hit_rate, 0.9);
  EXPECT_GT(r.refreshes, 0u);
}

TEST(MemoryEfficiency, WholeStackStreamsReachTheRefreshBoundOnEveryPreset) {
  // A whole stack (every channel, so cross-channel effects of the initiator count) streaming reads
  // for 3 refresh intervals. Closed forms: the bus cannot beat 1 - nRFC/nREFI, and each refresh darks
  // it for at most nRTP + nRP + nRFC + nRCDRD + nCL (drain, precharge, refresh, reopen, first data).
  for (const char* name : {"hbm2e", "hbm3", "hbm3e", "hbm2-dramsim3"}) {
    HbmSpec s = preset(name, 0);
    const auto& t = s.timing;
    const double trefi_s = static_cast<double>(t.nREFI) * s.tck_ps() * 1e-12;
    TrafficResult r = run(s, Pattern::Stream, 1.0, 64, 3.0 * trefi_s * s.peak().bytes_per_second());
    const double upper = 1.0 - static_cast<double>(t.nRFC) / static_cast<double>(t.nREFI);
    const double lower =
        1.0 - static_cast<double>(t.nRTP + t.nRP + t.nRFC + t.nRCDRD + t.nCL) / static_cast<double>(t.nREFI);
    EXPECT_GE(r.efficiency, lower) << name;
    EXPECT_LE(r.efficiency, upper + 0.005) << name;
  }
}

TEST(MemoryEfficiency, SmallRandomReadsAreActivateBound) {
  HbmSpec s = preset("hbm3", 2);
  TrafficResult r = run(s, Pattern::Random, 1.0, 32, 0.5 * MiB);
  // One 32 B burst per ACT and at most 4 ACTs per nFAW: efficiency <= 4 * nBL / nFAW.
  const double faw_bound = 4.0 * static_cast<double>(s.nBL()) / static_cast<double>(s.timing.nFAW);
  EXPECT_GE(r.efficiency, 0.25);
  EXPECT_LE(r.efficiency, 0.35);
  EXPECT_LE(r.efficiency, faw_bound + 0.005);
  EXPECT_LT(r.row_hit_rate, 0.01);
}

TEST(MemoryEfficiency, MatchesDramsim3OnItsOwnHbm2Preset) {
  HbmSpec s = preset("hbm2-dramsim3", 2);
  TrafficResult stream = run(s, Pattern::Stream, 1.0, 64, 1 * MiB);
  TrafficResult random = run(s, Pattern::Random, 1.0, 64, 0.25 * MiB);
  EXPECT_NEAR(stream.efficiency, 0.921, 0.02) << "DRAMSim3 sequential read stream: 92.1% of peak";
  EXPECT_NEAR(random.efficiency, 0.242, 0.02) << "DRAMSim3 random 64 B reads: 24.2% of peak";
}

TEST(MemoryEfficiency, ReadWriteMixCostsStreamingEfficiency) {
  HbmSpec s = preset("hbm3", 2);
  TrafficResult reads = run(s, Pattern::Stream, 1.0, 64, 2 * MiB);
  TrafficResult mix = run(s, Pattern::Stream, 2.0 / 3.0, 64, 2 * MiB);
  const double cost = reads.efficiency - mix.efficiency;
  EXPECT_GE(cost, 0.10) << "bus turnarounds (nRTW, nWTR) must cost something";
  EXPECT_LE(cost, 0.35) << "DRAMSim3: a 2:1 mix costs 10-35 points";
}

TEST(MemoryEfficiency, BadAddressMappingHurtsStreams) {
  HbmSpec good = preset("hbm3", 2);
  HbmSpec rows_low = good;  // consecutive bursts of a pseudo-channel hit different rows of one bank
  rows_low.controller.mapping = {"co_ro_ba_bg_pc_ch", "none"};
  HbmSpec channel_high = good;  // the whole stream lands on one pseudo-channel
  channel_high.controller.mapping = {"ch_pc_ro_ba_bg_co", "none"};
  const double g = run(good, Pattern::Stream, 1.0, 64, 1 * MiB).efficiency;
  const double r = run(rows_low, Pattern::Stream, 1.0, 64, 0.25 * MiB).efficiency;
  const double c = run(channel_high, Pattern::Stream, 1.0, 64, 0.25 * MiB).efficiency;
  EXPECT_LT(r, 0.5 * g);
  EXPECT_LT(c, 1.0 / static_cast<double>(good.total_pcs()) + 0.01);
}

TEST(MemoryEfficiency, XorHashRescuesPowerOfTwoStride) {
  HbmSpec plain = preset("hbm3", 2);
  plain.controller.mapping.hash = "none";
  HbmSpec hashed = plain;
  hashed.controller.mapping.hash = "xor";
  TrafficSpec t;
  t.pattern = Pattern::Strided;
  t.stride = Bytes(4096);  // = channels * pcs * bank groups * 32 B here: every request on one PC without hashing
  plain.organisation.channels = 16;
  hashed.organisation.channels = 16;
  t.bytes = Bytes(1 * MiB);
  const double p = run_detailed(plain, {t}).efficiency;
  const double h = run_detailed(hashed, {t}).efficiency;
  EXPECT_LT(p, 0.05);
  EXPECT_GT(h, 0.6);
}

TEST(MemoryEfficiency, ClosedPageKeepsStreamsAndHidesPrechargeForRandom) {
  HbmSpec open = preset("hbm3", 2);
  HbmSpec closed = open;
  closed.controller.page_policy = "closed";
  // Auto-precharge only when no queued request still hits the row: a saturated stream barely notices.
  const TrafficResult so = run(open, Pattern::Stream, 1.0, 64, 1 * MiB);
  const TrafficResult sc = run(closed, Pattern::Stream, 1.0, 64, 1 * MiB);
  EXPECT_NEAR(sc.efficiency, so.efficiency, 0.03);
  // Random traffic never hits: closing at once hides the precharge, so closed is not worse.
  const TrafficResult ro = run(open, Pattern::Random, 1.0, 32, 0.25 * MiB);
  const TrafficResult rc = run(closed, Pattern::Random, 1.0, 32, 0.25 * MiB);
  EXPECT_GE(rc.efficiency, ro.efficiency - 0.01);
  EXPECT_GE(rc.efficiency, 0.25);
}
