// Inputs that used to crash or hang the simulator (issue 13) and the output guarantees: every
// numeric value is range-checked at load with file:line and key; readers refuse alias bombs, deep
// nesting and oversized scalars quickly; outputs are written whole or not at all, and an unusable
// --out fails before any simulation.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <vector>

#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace fs = std::filesystem;
using xpu::test::binary;
using xpu::test::run;
using xpu::test::src;

namespace {

std::string write_file(const std::string& dir, const std::string& name, const std::string& text) {
  std::string p = dir + "/" + name;
  std::ofstream(p) << text;
  return p;
}

// A copy of the 8-chip pod preset with one line changed, placed beside the presets so `base:` resolves.
std::string mutated_pod(const std::string& dir, const std::string& from, const std::string& to) {
  std::string text = xpu::test::slurp(src("arch-configs/pods/ascend-910b-8node.yaml"));
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  // Resolve the preset's relative `base:` from the scratch folder.
  const std::string base_dir = src("arch-configs/pods");
  text = std::regex_replace(text, std::regex("base: *([^ \\n]+)"), "base: " + base_dir + "/$1");
  return write_file(dir, "pod.yaml", text);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

// The fuzzing finding of issue 13: a link bandwidth of 1e300 GB/s overflowed to infinity, `check`
// accepted it and `run` died on an internal assertion (exit 70). Now both refuse it at load.
TEST(InputLimits, InfiniteLinkBandwidthIsALocatedErrorInCheckAndRun) {
  const std::string dir = xpu::test::temp_dir("limits_bw");
  const std::string pod = mutated_pod(dir, "link_bandwidth: ", "link_bandwidth: 1e300 GB/s #");
  for (const std::string& cmd : std::vector<std::string>{"check " + pod, "run --arch " + pod + " --workload " + src("workloads/samples/mlp-dp8.yaml")}) {
    auto r = run(binary() + " " + cmd);
    EXPECT_EQ(r.code, 2) << cmd << "\n" << r.err;
    EXPECT_NE(r.err.find("pod.yaml:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("link_bandwidth"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("finite"), std::string::npos) << r.err;
  }
}

TEST(InputLimits, ImplausiblyLargeValuesAreRefusedWithTheirRange) {
  const std::string dir = xpu::test::temp_dir("limits_big");
  // 1e20 B/s per link is finite but beyond the 10 PB/s ceiling the schema documents.
  const std::string pod = mutated_pod(dir, "link_bandwidth: ", "link_bandwidth: 1e11 GB/s #");
  auto r = run(binary() + " check " + pod);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.err.find("plausible range"), std::string::npos) << r.err;
  auto schema = run(binary() + " schema");
  ASSERT_EQ(schema.code, 0);
  EXPECT_NE(schema.out.find("<= 1e+16"), std::string::npos) << "schema must print the bandwidth ceiling";
}

TEST(InputLimits, ValuesInsideListsAreRangeChecked) {
  // Torus dimensions are a list; each element must be positive (elements were not range-checked before).
  const std::string dir = xpu::test::temp_dir("limits_list");
  std::string text = xpu::test::slurp(src("tests/data/pod_torus_4x4.yaml"));
  auto at = text.find("dims: [4, 4]");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 12, "dims: [16, 0]");
  text = std::regex_replace(text, std::regex("base: *([^ \\n]+)"), "base: " + src("tests/data") + "/$1");
  const std::string f = write_file(dir, "torus.yaml", text);
  auto r = run(binary() + " check " + f);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.err.find("torus.yaml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("dims[1]"), std::string::npos) << r.err;
}

TEST(InputLimits, AliasBombIsRefusedQuickly) {
  // "Billion laughs": 12 levels of ten aliases each expand to 10^12 scalars from 700 bytes.
  const std::string dir = xpu::test::temp_dir("limits_lol");
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 12; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += std::string(k ? ", " : "") + "*a" + std::to_string(i - 1);
    text += "]\n";
  }
  const std::string f = write_file(dir, "lol.yaml", text);
  for (const std::string& cmd : std::vector<std::string>{"check " + f, "run --arch " + f + " --workload " + f}) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = run(binary() + " " + cmd);
    EXPECT_LT(seconds_since(t0), 2.0) << cmd;
    EXPECT_EQ(r.code, 2) << cmd << "\n" << r.err;
    EXPECT_NE(r.err.find("lol.yaml:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("YAML nodes"), std::string::npos) << r.err;
  }
}

TEST(InputLimits, DeepNestingAndHugeScalarsAreRefused) {
  const std::string dir = xpu::test::temp_dir("limits_deep");
  std::string deep = "workload:\n  name: ";
  for (int i = 0; i < 1000; ++i) deep += "[";
  const std::string f1 = write_file(dir, "deep.yaml", deep + "\n");
  auto r1 = run(binary() + " check " + f1);
  EXPECT_EQ(r1.code, 2) << r1.err;
  EXPECT_NE(r1.err.find("deep.yaml"), std::string::npos) << r1.err;
  std::string nested = "workload:\n  name: ";
  for (int i = 0; i < 300; ++i) nested += "[";
  for (int i = 0; i < 300; ++i) nested += "]";
  const std::string f2 = write_file(dir, "nested.yaml", nested + "\n");
  auto r2 = run(binary() + " check " + f2);
  EXPECT_EQ(r2.code, 2) << r2.err;
  EXPECT_NE(r2.err.find("nesting deeper than"), std::string::npos) << r2.err;
  const std::string f3 = write_file(dir, "big.yaml", "workload:\n  name: " + std::string(2u << 20, 'x') + "\n");
  auto r3 = run(binary() + " check " + f3);
  EXPECT_EQ(r3.code, 2) << r3.err;
  EXPECT_NE(r3.err.find("big.yaml:2"), std::string::npos) << r3.err;
}

TEST(InputLimits, UnwritableOutFailsBeforeSimulatingAndWritesNothing) {
  const std::string dir = xpu::test::temp_dir("limits_out");
  const std::string blocker = write_file(dir, "a-file", "not a directory\n");
  const std::string args = " --arch " + src("arch-configs/pods/ascend-910b-8node.yaml") + " --workload " +
                           src("workloads/samples/mlp-dp8.yaml");
  auto r = run(binary() + " run" + args + " --out " + blocker);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("not a directory"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("simulated step time"), std::string::npos) << "it simulated before checking --out";
  auto r2 = run(binary() + " run" + args + " --out " + blocker + "/sub");
  EXPECT_EQ(r2.code, 2) << r2.err;
  EXPECT_EQ(xpu::test::slurp(blocker), "not a directory\n");
}

TEST(InputLimits, OutputsAreCompleteAndNoTemporaryFilesRemain) {
  const std::string dir = xpu::test::temp_dir("limits_atomic");
  auto r = run(binary() + " run --quiet --arch " + src("arch-configs/pods/ascend-910b-8node.yaml") +
               " --workload " + src("workloads/samples/mlp-dp8.yaml") + " --out " + dir + "/o");
  ASSERT_EQ(r.code, 0) << r.err;
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir + "/o")) {
    ++files;
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
  EXPECT_EQ(files, 4);
  const std::string summary = xpu::test::slurp(dir + "/o/summary.json");
  ASSERT_FALSE(summary.empty());
  EXPECT_EQ(summary.front(), '{');
  EXPECT_EQ(summary.substr(summary.find_last_not_of("\n"), 1), "}");
}

// Fuzzing finding (fuzz_trace): a GEMM dimension of 8.2e18 passed the reader, and the chip model
// converted a 1e22-cycle count to int64 (undefined behaviour). Dimensions and per-op work are bounded.
TEST(InputLimits, FuzzFindingHugeGemmDimensionIsALocatedError) {
  const std::string dir = xpu::test::temp_dir("limits_gemm");
  std::string text = xpu::test::slurp(src("workloads/samples/mlp-dp8.yaml"));
  const std::string from = "{id: dX3, op: gemm, m: 4096, n: 8192, k: 8192";
  auto at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), "{id: dX3, op: gemm, m: 4096, n: 8192, k: 8193333333333333332");
  const std::string f = write_file(dir, "trace.yaml", text);
  auto r = run(binary() + " run --arch " + src("arch-configs/pods/ascend-910b-8node.yaml") + " --workload " + f);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("trace.yaml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(".k"), std::string::npos) << r.err;
  // Within each dimension's range but an exaFLOP-plus op: refused by the per-op bound.
  text = xpu::test::slurp(src("workloads/samples/mlp-dp8.yaml"));
  at = text.find(from);
  text.replace(at, from.size(), "{id: dX3, op: gemm, m: 1000000000, n: 1000000000, k: 1000000");
  const std::string f2 = write_file(dir, "trace2.yaml", text);
  auto r2 = run(binary() + " check " + f2);
  EXPECT_EQ(r2.code, 2) << r2.err;
  EXPECT_NE(r2.err.find("exceeds the limit of one op"), std::string::npos) << r2.err;
}

// Fuzzing finding (fuzz_arch): `base: ..` names a directory; reading it threw a stream exception
// that surfaced as an internal error (exit 70). Now a located error.
TEST(InputLimits, FuzzFindingBaseNamingADirectoryIsALocatedError) {
  const std::string dir = xpu::test::temp_dir("limits_basedir");
  const std::string f = write_file(dir, "pod.yaml", "base: ..\npod: {chips: 2}\n");
  for (const std::string& cmd : std::vector<std::string>{"check " + f, "run --arch " + f + " --workload " +
                                                          src("workloads/samples/mlp-dp8.yaml")}) {
    auto r = run(binary() + " " + cmd);
    EXPECT_EQ(r.code, 2) << cmd << "\n" << r.err;
    EXPECT_NE(r.err.find("pod.yaml:1"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
  }
}

// Fuzzing finding (fuzz_arch timeout): a pod of 3,813 chips without a `topology` defaults to one
// full mesh, 14.5 M links: `check` took 3.5 s and 1.4 GB. Full meshes are bounded at 1,024 members.
TEST(InputLimits, FuzzFindingHugeDefaultFullMeshIsRefusedQuickly) {
  const std::string dir = xpu::test::temp_dir("limits_mesh");
  const std::string f = write_file(dir, "pod.yaml", "base: " + src("arch-configs/chips/ascend-910b-like.yaml") +
                                                        "\npod: {name: big-mesh, chips: 3813}\n");
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run(binary() + " check " + f);
  EXPECT_LT(seconds_since(t0), 2.0);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("full_mesh of 3813 members"), std::string::npos) << r.err;
}
