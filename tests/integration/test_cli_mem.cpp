// `xpusim mem` end to end: runs the built binary.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/support/paths.h"

namespace {
struct Out {
  int code = -1;
  std::string text;
};
Out sh(const std::string& args) {
  const std::string cmd = xpu::test::binary() + " " + args + " 2>&1";
  Out o;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return o;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), p)) o.text += buf.data();
  int st = pclose(p);
  o.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return o;
}
std::string preset(const char* n) { return xpu::test::src(std::string("arch-configs/memory/") + n + ".yaml"); }
double percent_of_peak(const std::string& text) {
  auto p = text.find("% of peak");
  if (p == std::string::npos) return -1;
  auto s = text.rfind('(', p);
  return std::stod(text.substr(s + 1, p - s - 1));
}
}  // namespace

TEST(CliMem, HelpWorks) {
  Out o = sh("mem --help");
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.text.find("--pattern"), std::string::npos);
  EXPECT_NE(o.text.find("--calibrate"), std::string::npos);
}

TEST(CliMem, StreamReportsBandwidthHitsLatencyAndChannels) {
  Out o = sh("mem --preset " + preset("hbm3") + " --pattern stream --bytes '2 MiB' --rw 1:0");
  ASSERT_EQ(o.code, 0) << o.text;
  for (const char* k : {"achieved", "row hits", "p50", "p90", "p99", "ch15"}) EXPECT_NE(o.text.find(k), std::string::npos) << k << "\n" << o.text;
  EXPECT_GT(percent_of_peak(o.text), 80.0) << o.text;
}

TEST(CliMem, ArchResolvesPresetRelativeToArchFile) {
  const std::string dir = ::testing::TempDir() + "/cli_mem_arch";
  std::string mk = "mkdir -p " + dir + "/chips " + dir + "/memory && cp " + preset("hbm3") + " " + xpu::test::src("arch-configs/memory/hbm3.calib.yaml") + " " + dir + "/memory/";
  ASSERT_EQ(std::system(mk.c_str()), 0);
  std::ofstream(dir + "/chips/chip.yaml") << "chip:\n  clock: \"1.5 GHz\"\n  hbm:\n    bandwidth: \"1638.4 GB/s\"\n    capacity: \"32 GiB\"\n"
                                             "    preset: ../memory/hbm3.yaml\n  links:\n    bandwidth: \"50 GB/s\"\n";
  Out o = sh("mem --arch " + dir + "/chips/chip.yaml --pattern random --size 32 --bytes '256 KiB' --rw 2:1");
  ASSERT_EQ(o.code, 0) << o.text;
  EXPECT_NE(o.text.find("2 stack(s)"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("1.638 TB/s"), std::string::npos) << o.text;
  Out f = sh("mem --arch " + dir + "/chips/chip.yaml --pattern stream --bytes '4 MiB' --mode fast");
  ASSERT_EQ(f.code, 0) << f.text;
  EXPECT_GT(percent_of_peak(f.text), 85.0) << f.text;
}

TEST(CliMem, BadInputExitsTwoWithAMessage) {
  Out o = sh("mem --preset " + preset("hbm3") + " --rw 2-1");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.text.find("--rw"), std::string::npos) << o.text;
  o = sh("mem --preset " + preset("hbm3") + " --pattern zigzag");
  EXPECT_EQ(o.code, 2);
  o = sh("mem --pattern stream");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.text.find("--arch"), std::string::npos) << o.text;
}
