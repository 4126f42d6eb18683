// Timing-rule tests in the Ramulator habit: each rule pins a command blocked at t-1 and allowed at t.
// Numbers come from the HBM3-6400 preset (Ramulator 2.1 / JESD238 values, the published DRAMSim3/Ramulator presets and figures).
#include <gtest/gtest.h>

#include "sim/memory/dram_timing.h"
#include "sim/memory/hbm_spec.h"
#include "tests/support/paths.h"

using namespace xpu;
using namespace xpu::mem;

namespace {
HbmSpec hbm3() { return load_hbm_preset(test::src("arch-configs/memory/hbm3.yaml")); }
// Bank index helpers: HBM3 has 4 bank groups x 4 banks; bank = bg * 4 + b.
constexpr int B(int bg, int b) { return bg * 4 + b; }

// `c` to (bank,row) is blocked at t-1 and allowed at t.
void expect_gate(const PcTiming& s, Cmd c, int bank, std::int64_t row, std::int64_t t) {
  EXPECT_FALSE(s.can_issue(c, bank, row, t - 1)) << cmd_name(c) << " allowed one cycle early at " << t - 1;
  EXPECT_TRUE(s.can_issue(c, bank, row, t)) << cmd_name(c) << " at " << t << ": " << s.why_not(c, bank, row, t);
}
}  // namespace

TEST(MemoryTiming, PresetValuesMatchPublishedHbm3) {
  HbmSpec s = hbm3();
  EXPECT_EQ(s.timing.nRC, 72);
  EXPECT_EQ(s.timing.nFAW, 24);
  EXPECT_EQ(s.nBL(), 2);  // BL8 at 4 beats per 625 ps clock
  EXPECT_NEAR(s.stack_peak().gb_per_s(), 819.2, 1e-9);
  EXPECT_NEAR(s.stack_capacity().gib(), 16.0, 1e-9);
  EXPECT_EQ(s.burst_bytes(), 32);
}

TEST(MemoryTiming, ActToActSameBankNeedsRC) {
  HbmSpec sp = hbm3();
  PcTiming s(sp);
  s.issue(Cmd::ACT, B(0, 0), 1, 0);
  s.issue(Cmd::PRE, B(0, 0), 1, sp.timing.nRAS);
  expect_gate(s, Cmd::ACT, B(0, 0), 2, sp.timing.nRC);
}

TEST(MemoryTiming, PreToActNeedsRP) {
  HbmSpec sp = hbm3();
  PcTiming s(sp);
  s.issue(Cmd::ACT, B(0, 0), 1, 0);
  s.issue(Cmd::PRE, B(0, 0), 1, 100);
  expect_gate(s, Cmd::ACT, B(0, 0), 2, 100 + sp.timing.nRP);
}

TEST(MemoryTiming, ActToReadAndWriteNeedRCD) {
  HbmSpec sp = hbm3();
  PcTiming s(sp);
  s.issue(Cmd::ACT, B(1, 2), 7, 10);
  expect_gate(s, Cmd::RD, B(1, 2), 7, 10 + sp.timing.nRCDRD);
  expect_gate(s, Cmd::WR, B(1, 2), 7, 10 + sp.timing.nRCDWR);
  EXPECT_FALSE(s.can_issue(Cmd::RD, B(1, 2), 8, 1000)) << "a column command to a row that is not open";
}

TEST(MemoryTiming, ActToPreNeedsRAS) {
  HbmSpec sp = hbm3();
  PcTiming s(sp);
  s.issue(Cmd::ACT, B(2, 1), 3, 0);
  expect_gate(s, Cmd::PRE, B(2, 1), 3, sp.timing.nRAS);
}

TEST(MemoryTiming, ActToActOtherBanksNeedRRD) {
  HbmSpec sp = hbm3();
  PcTiming s(sp);
  s.issue(Cmd::ACT, B(0, 0), 1, 0);
  expect_gate(s, Cmd::ACT, B(0, 1), 1, sp.timing.nRRD_L);  // same bank group
  expect_gate(s, Cmd::ACT, B(1, 0), 1, sp.timing.nRRD_S);  // other bank group
}

TEST(MemoryTiming, FifthActWithinFawImpossible) {
  HbmSpec sp = hbm3();
  PcTiming s(sp);
  const std::int64_t r = sp.timing.nRRD_S;
  for (int i = 0; i < 4; ++i) s.issue(Cmd::ACT, B(i, 0), 1, i * r);  // four bank groups, nRRD_S apart
  ASSERT_LT(4 * r, sp.timing.nFAW) << "the preset must make nFAW the binding rule for this test";
  expect_gate(s, Cmd::ACT, B(0, 1), 1, sp.timing.nFAW);
  EXPECT_NE(s.why_not(Cmd::ACT, B(0, 1), 1, sp.timing.nFAW - 1).find("nFAW"), std::string::npos);
}

TEST(MemoryTiming, ReadToReadNeedsCCD) {
  HbmSpec sp = hbm3();
  PcTiming s(sp);
  s.issue(Cmd::ACT, B(0, 0), 1, 0);
  s.issue(Cmd::ACT, B(0, 1), 1, 10);
  s.issue(Cmd::ACT, B(1, 0), 1, 20);
  const std::int64_t t0 = 100;
  s.issue(Cmd::RD, B(0, 0), 1, t0);
  expect_gate(s, Cmd::RD, B(0, 1), 1, t0 + sp.timing.nCCD_L);  // same bank group
  expect_gate(s, Cmd::RD, B(1, 0), 1, t0 + sp.timing.nCCD_S);  // other bank group
}

TEST(MemoryTiming, WriteToReadNeedsWTR) {
  HbmSpec sp = hbm3();
  PcTiming s(sp);
  s.issue(Cmd::ACT, B(0, 0), 1, 0);
  s.issue(Cmd::ACT, B(0, 1), 1, 10);
  s.issue(Cmd::ACT, B(1, 0), 1, 20);
  const std::int64_t t0 = 100;
  s.issue(Cmd::WR, B(0, 0), 1, t0);
  const auto& t = sp.timing;
  expect_gate(s, Cmd::RD, B(0, 1), 1, t0 + t.nCWL + sp.nBL() + t.nWTR_L);
  expect_gate(s, Cmd::RD, B(1, 0), 1, t0 + t.nCWL + sp.nBL() + t.nWTR_S);
}

TEST(MemoryTiming, ReadToWriteNeedsRTW) {
  HbmSpec sp = hbm3();
  PcTiming s(sp);
  s.issue(Cmd::ACT, B(0, 0), 1, 0);
  s.issue(Cmd::ACT, B(3, 3), 1, 10);
  s.issue(Cmd::RD, B(0, 0), 1, 100);
  expect_gate(s, Cmd::WR, B(3, 3), 1, 100 + sp.timing.nRTW);
}

TEST(MemoryTiming, ReadAndWriteToPreNeedRTPAndWR) {
  HbmSpec sp = hbm3();
  PcTiming s(sp);
  const auto& t = sp.timing;
  s.issue(Cmd::ACT, B(0, 0), 1, 0);
  s.issue(Cmd::ACT, B(1, 0), 1, 10);
  s.issue(Cmd::RD, B(0, 0), 1, 100);
  expect_gate(s, Cmd::PRE, B(0, 0), 1, 100 + t.nRTP);
  s.issue(Cmd::WR, B(1, 0), 1, 200);
  expect_gate(s, Cmd::PRE, B(1, 0), 1, 200 + t.nCWL + sp.nBL() + t.nWR);
}

TEST(MemoryTiming, AutoPrechargeThenActNeedsRTPPlusRP) {
  HbmSpec sp = hbm3();
  PcTiming s(sp);
  s.issue(Cmd::ACT, B(0, 0), 1, 0);
  s.issue(Cmd::RDA, B(0, 0), 1, 200);
  EXPECT_LT(s.open_row(B(0, 0)), 0) << "RDA closes the row";
  expect_gate(s, Cmd::ACT, B(0, 0), 2, 200 + sp.timing.nRTP + sp.timing.nRP);
}

TEST(MemoryTiming, RefreshNeedsClosedBanksAndBlocksForRFC) {
  HbmSpec sp = hbm3();
  PcTiming s(sp);
  s.issue(Cmd::ACT, B(0, 0), 1, 0);
  EXPECT_FALSE(s.can_issue(Cmd::REF, 0, 0, 1000)) << "REF with an open bank";
  s.issue(Cmd::PRE, B(0, 0), 1, 100);
  expect_gate(s, Cmd::REF, 0, 0, 100 + sp.timing.nRP);
  s.issue(Cmd::REF, 0, 0, 200);
  expect_gate(s, Cmd::ACT, B(2, 3), 5, 200 + sp.timing.nRFC);
}

TEST(MemoryTiming, OneCommandPerBusPerCycle) {
  HbmSpec sp = hbm3();
  PcTiming s(sp);
  s.issue(Cmd::ACT, B(0, 0), 1, 0);
  s.issue(Cmd::ACT, B(1, 0), 1, 50);
  s.issue(Cmd::RD, B(0, 0), 1, 100);
  // A row command may share the cycle with a column command (separate buses); two row commands may not.
  EXPECT_TRUE(s.can_issue(Cmd::PRE, B(1, 0), 1, 100));
  s.issue(Cmd::PRE, B(1, 0), 1, 100);
  EXPECT_FALSE(s.can_issue(Cmd::ACT, B(3, 0), 1, 100));
}

TEST(MemoryTiming, IllegalIssueIsAnInternalError) {
  HbmSpec sp = hbm3();
  PcTiming s(sp);
  s.issue(Cmd::ACT, B(0, 0), 1, 0);
  EXPECT_THROW(s.issue(Cmd::ACT, B(0, 0), 2, sp.timing.nRC), InternalError) << "ACT to an open bank";
}
