// `xpusim convert` and `xpusim gen` end to end: Chakra -> YAML -> Chakra -> YAML is stable, damaged
// traces exit with code 2 and a message naming the file, gen reports the HBM verdict.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

#include "tests/support/paths.h"

namespace fs = std::filesystem;

namespace {
struct CmdResult {
  int code = -1;
  std::string out;
};
CmdResult run(const std::string& args) {
  CmdResult r;
  std::string cmd = xpu::test::binary() + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}
std::string slurp(const std::string& f) {
  std::ifstream in(f, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
std::string tmp(const std::string& n) {
  fs::path p = fs::temp_directory_path() / ("xpusim_cli_convert_" + n + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}
}  // namespace

TEST(CliConvert, ChakraYamlChakraIsStable) {
  const std::string src = xpu::test::data("chakra/resnet50_dataparallel_8npus/Resnet50_DataParallel");
  ASSERT_TRUE(fs::exists(src + ".0.et")) << "vendored Chakra traces missing: " << src;
  std::string d = tmp("rt");
  CmdResult a = run("convert " + src + " " + d + "/a.yaml");
  ASSERT_EQ(a.code, 0) << a.out;
  EXPECT_NE(a.out.find("duration_micros"), std::string::npos) << a.out;  // the fallback is stated
  CmdResult b = run("convert " + d + "/a.yaml " + d + "/et/resnet");
  ASSERT_EQ(b.code, 0) << b.out;
  EXPECT_TRUE(fs::exists(d + "/et/resnet.7.et"));
  CmdResult c = run("convert " + d + "/et/resnet " + d + "/b.yaml --quiet");
  ASSERT_EQ(c.code, 0) << c.out;
  EXPECT_EQ(slurp(d + "/a.yaml").substr(slurp(d + "/a.yaml").find("ranks:")),
            slurp(d + "/b.yaml").substr(slurp(d + "/b.yaml").find("ranks:")));
  fs::remove_all(d);
}

TEST(CliConvert, TruncatedTraceExitsWithCode2) {
  std::string d = tmp("bad");
  std::string data = slurp(xpu::test::data("chakra/dlrm_hybrid_8npus/DLRM_HybridParallel.0.et"));
  ASSERT_GT(data.size(), 100u);
  std::ofstream(d + "/x.0.et", std::ios::binary) << data.substr(0, data.size() / 2);
  CmdResult r = run("convert " + d + "/x " + d + "/x.yaml");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("x.0.et"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("at byte"), std::string::npos) << r.out;
  fs::remove_all(d);
}

TEST(CliGen, ReportsVerdictAndFailsWhenAsked) {
  const std::string sc = xpu::test::src("workloads/scenarios/student-gpt-125m-tiny.yaml");
  CmdResult r = run("gen " + sc);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("verdict    fits"), std::string::npos) << r.out;
  CmdResult f = run("gen " + sc + " --hbm '512 MiB' --fail-if-no-fit");
  EXPECT_EQ(f.code, 1) << f.out;
  EXPECT_NE(f.out.find("does not fit by"), std::string::npos) << f.out;
  // The checked-in Chakra sample is what the generator writes today.
  std::string d = tmp("gen");
  CmdResult w = run("gen " + sc + " --out " + d + "/s");
  ASSERT_EQ(w.code, 0) << w.out;
  for (int r2 = 0; r2 < 4; ++r2)
    EXPECT_EQ(slurp(d + "/s." + std::to_string(r2) + ".et"),
              slurp(xpu::test::src("workloads/chakra/student-gpt-125m-tiny/student-gpt-125m-tiny." + std::to_string(r2) + ".et")))
        << "regenerate workloads/chakra (see its README)";
  fs::remove_all(d);
}
