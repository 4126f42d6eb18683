// The seed systems added with the serving work each run a scenario end to end (`xpusim run`), and what
// they print follows from their published figures: a memory-bound decode step scales with HBM
// bandwidth (Ascend 950PR-like 1.6 TB/s against 950DT-like 4 TB/s, same compute; Rubin-like HBM4 against
// H100), every level of the new pods carries the traffic that crosses it (GB200 NVL72's one NVLink
// domain; the Atlas 950 SuperPoD's cabinets and optical tier; four CloudMatrix384 supernodes joined by
// RoCE), and every chip reports its energy against its TDP.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tests/support/paths.h"
#include "tests/support/run.h"
#include "tests/support/text.h"

using namespace xpu::test;

namespace {

std::string run_json(const std::string& arch, const std::string& workload) {
  RunResult r = run(binary() + " run --json --arch " + src("arch-configs/" + arch + ".yaml") + " --workload " +
                    src("tests/data/scenarios/" + workload + ".yaml"));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  return r.out;
}

// Bytes the named link level carried.
double level_bytes(const std::string& js, const std::string& level) {
  const auto at = js.find("\"level\": \"" + level + "\"");
  if (at == std::string::npos) return -1;
  return json_number(js, "bytes", at);
}

}  // namespace

TEST(NewPresets, DecodeStepScalesWithHbmBandwidth) {
  const std::string dt = run_json("chips/ascend-950dt-like", "llama3-8b-decode-tp1");
  const std::string pr = run_json("chips/ascend-950pr-like", "llama3-8b-decode-tp1");
  const double ratio = json_number(pr, "step_time_s") / json_number(dt, "step_time_s");
  // Same cores and clock; 4 / 1.6 = 2.5x the bandwidth. Launch overheads and compute keep it a bit under.
  EXPECT_GT(ratio, 2.0);
  EXPECT_LE(ratio, 2.5 * 1.01);
  const std::string rubin = run_json("chips/rubin-like", "llama3-8b-decode-tp1");
  const std::string h100 = run_json("chips/h100-like", "llama3-8b-decode-tp1");
  EXPECT_GT(json_number(h100, "step_time_s") / json_number(rubin, "step_time_s"), 2.0);
  const std::string ppu = run_json("chips/t-head-ppu-like", "llama3-8b-decode-tp1");
  EXPECT_GT(json_number(ppu, "step_time_s"), 0);
  for (const std::string* js : {&dt, &pr, &rubin, &ppu}) {
    const double w = json_number(*js, "average_watts_per_chip"), tdp = json_number(*js, "tdp_watts");
    EXPECT_GT(w, 0);
    EXPECT_LE(w, tdp * 1.005);
  }
  EXPECT_DOUBLE_EQ(json_number(ppu, "tdp_watts"), 400);  // press figure
}

TEST(NewPresets, Gb200Nvl72RunsTensorParallelTrainingInOneNvlinkDomain) {
  const std::string js = run_json("pods/gb200-nvl72-like", "llama3-70b-train-tp8-dp9");
  EXPECT_DOUBLE_EQ(json_number(js, "ranks"), 72);
  EXPECT_GT(level_bytes(js, "nvlink"), 0);
  EXPECT_GT(json_number(js, "mfu"), 0.1);
}

TEST(NewPresets, Atlas950SuperPodCarriesDataParallelTrafficAcrossCabinets) {
  const std::string js = run_json("pods/atlas-950-superpod-like", "llama3-8b-train-tp8-dp1024");
  EXPECT_DOUBLE_EQ(json_number(js, "ranks"), 8192);
  EXPECT_GT(level_bytes(js, "cabinet"), 0);
  EXPECT_GT(level_bytes(js, "optical"), 0);  // DP groups span the 128 cabinets
}

TEST(NewPresets, JobSpanningFourCloudMatrix384sUsesTheRocePlane) {
  const std::string js = run_json("pods/cloudmatrix384-x4-roce-like", "llama3-70b-train-tp8-pp4-dp48");
  EXPECT_DOUBLE_EQ(json_number(js, "ranks"), 1536);
  const double ub = level_bytes(js, "ub"), roce = level_bytes(js, "roce");
  EXPECT_GT(ub, 0);
  EXPECT_GT(roce, 0);
  EXPECT_LT(roce, ub);  // inside a supernode traffic stays on UB
}
