// `xpusim graph`: DOT and SVG for a small pod (every chip drawn) and a 512-chip pod (by level).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/paths.h"
#include "tests/support/run.h"

using namespace xpu::test;
namespace fs = std::filesystem;

TEST(CliGraph, SmallPodDrawsEveryChipAndSwitch) {
  std::string out = temp_dir("graph_small");
  RunResult r = run(binary() + " graph --arch " + src("tests/data/pod_two_tier.yaml") + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  std::string dot = slurp(out + "/two-tier-32.dot"), svg = slurp(out + "/two-tier-32.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  for (int c : {0, 31}) EXPECT_NE(dot.find("label=\"chip" + std::to_string(c) + "\""), std::string::npos) << c;
  EXPECT_NE(dot.find("scale-out.7.sw"), std::string::npos);  // one switch per rail
  EXPECT_NE(svg.find("chip31"), std::string::npos);
  fs::remove_all(out);
}

TEST(CliGraph, LargePodIsSummarisedByLevel) {
  std::string out = temp_dir("graph_large");
  RunResult r = run(binary() + " graph --arch " + src("arch-configs/pods/ascend-910b-64node.yaml") + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("summary by level"), std::string::npos);
  std::string dot = slurp(out + "/ascend-910b-64node.dot");
  EXPECT_NE(dot.find("full_mesh of 8 x 64 instance(s)"), std::string::npos) << dot;
  EXPECT_NE(dot.find("fat_tree of 64 x 8 instance(s)"), std::string::npos) << dot;
  EXPECT_EQ(dot.find("chip511"), std::string::npos);
  EXPECT_NE(slurp(out + "/ascend-910b-64node.svg").find("<svg"), std::string::npos);
  fs::remove_all(out);
}
