// `xpusim scale` end to end: the CSV's columns and rows, physical bounds on the curves (strong
// scaling never beats the chips ratio; weak scaling never raises per-chip throughput), closed forms
// for the compute column, byte-identical reruns, exit 2 with a clear message on bad input, and the
// plot script (which must be runnable: python3-matplotlib is a declared dependency, scripts/deps.sh).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "tests/support/paths.h"
#include "tests/support/run.h"
#include "tests/support/text.h"

using namespace xpu::test;
namespace fs = std::filesystem;

namespace {

// GPT-3 Small, TP 2 x DP 2, 32 sequences per step (4 micro-batches of 4 per replica), on pods
// derived from the 4x4x4 torus (levels x, y, z): 2 chips = part of x, 4 = x, 8 = x by 2 of y.
const std::string kPod = src("arch-configs/pods/torus-4x4x4-like.yaml");
const std::string kScenario = src("workloads/scenarios/student-gpt-125m-dp4.yaml");

std::string scale_cmd(const std::string& out, const std::string& extra = "") {
  return binary() + " scale --arch " + kPod + " --scenario " + kScenario + " --chips 2,4,8 --out " + out + " " + extra;
}

using Row = CsvRow;

double num(const Row& r, const std::string& k) { return std::stod(r.at(k)); }

bool python_has_matplotlib() { return run("/usr/bin/python3 -c 'import matplotlib'").code == 0; }

}  // namespace

TEST(CliScale, CsvHasTheColumnsAndOneRowPerPointAndMode) {
  std::string out = temp_dir("scale_rows");
  RunResult r = run(scale_cmd(out, "--no-plot"));
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<std::string> header;
  bool widths_ok = false;
  auto rows = read_csv(slurp(out + "/scaling.csv"), &header, &widths_ok);
  EXPECT_TRUE(widths_ok) << "every row has as many cells as the header";
  const std::vector<std::string> want = {
      "mode", "chips", "tp", "pp", "dp", "cp", "ep", "global_batch", "micro_batches", "step_time_s",
      "tokens_per_s", "samples_per_s", "tokens_per_s_per_chip", "ideal_tokens_per_s", "scaling_efficiency", "mfu",
      "compute_s", "exposed_comm_s", "overlap_s", "idle_s", "exposed_comm_share", "hbm_footprint_gib",
      "hbm_capacity_gib", "hbm_fits", "simulated_ranks"};
  EXPECT_EQ(header, want);
  ASSERT_EQ(rows.size(), 6u);
  const int chips[] = {2, 4, 8};
  for (int i = 0; i < 6; ++i) {
    const Row& row = rows[static_cast<size_t>(i)];
    EXPECT_EQ(row.at("mode"), i < 3 ? "strong" : "weak");
    EXPECT_EQ(std::stoi(row.at("chips")), chips[i % 3]);
    EXPECT_EQ(std::stoi(row.at("dp")), chips[i % 3] / 2);  // tp 2
    EXPECT_EQ(row.at("tp"), "2");
    // strong: global batch fixed at 32; weak: 16 per replica (the scenario's 32 over dp 2)
    EXPECT_EQ(std::stoi(row.at("global_batch")), i < 3 ? 32 : 16 * chips[i % 3] / 2);
    EXPECT_EQ(row.at("hbm_fits"), "yes");
    EXPECT_GT(num(row, "mfu"), 0.05);
    EXPECT_LT(num(row, "mfu"), 1.0);
    // tokens/s = 1024 tokens x batch / step time; efficiency = tokens / ideal
    EXPECT_NEAR(num(row, "tokens_per_s"), 1024.0 * num(row, "global_batch") / num(row, "step_time_s"),
                1e-6 * num(row, "tokens_per_s"));
    EXPECT_NEAR(num(row, "scaling_efficiency"), num(row, "tokens_per_s") / num(row, "ideal_tokens_per_s"), 2e-6);
    // compute + exposed communication + idle = the step (the engine's four buckets cover it)
    EXPECT_NEAR(num(row, "compute_s") + num(row, "exposed_comm_s") + num(row, "idle_s"), num(row, "step_time_s"), 5e-9);
  }
  EXPECT_NE(r.out.find("wrote " + out + "/scaling.csv"), std::string::npos) << r.out;
  fs::remove_all(out);
}

TEST(CliScale, CurvesRespectPhysicalBoundsAndClosedForms) {
  std::string out = temp_dir("scale_bounds");
  ASSERT_EQ(run(scale_cmd(out, "--no-plot --quiet")).code, 0);
  bool widths_ok = false;
  auto rows = read_csv(slurp(out + "/scaling.csv"), nullptr, &widths_ok);
  EXPECT_TRUE(widths_ok);
  ASSERT_EQ(rows.size(), 6u);
  const Row &s2 = rows[0], &s4 = rows[1], &s8 = rows[2], &w2 = rows[3];
  // Strong scaling: with the global batch fixed, N chips cannot beat N/N0 times the smallest point.
  for (const Row* p : {&s2, &s4, &s8}) {
    EXPECT_LE(num(*p, "tokens_per_s"), num(s2, "tokens_per_s") * num(*p, "chips") / 2.0 * (1 + 1e-9));
    EXPECT_LE(num(*p, "scaling_efficiency"), 1.0 + 1e-9);
  }
  EXPECT_EQ(num(s2, "scaling_efficiency"), 1.0);
  // Weak scaling: per-chip throughput never exceeds the smallest point's (same work per replica,
  // more data-parallel communication).
  for (size_t i = 3; i < 6; ++i)
    EXPECT_LE(num(rows[i], "tokens_per_s_per_chip"), num(w2, "tokens_per_s_per_chip") * (1 + 1e-9));
  // Closed forms for the compute column (pp 1, no ZeRO): per-rank compute is
  // m * c_microbatch + c_optimizer, m the micro-batches per replica (8, 4, 2 for strong scaling),
  // so successive differences halve; weak scaling keeps m, so compute is the same at every size.
  const double d1 = num(s2, "compute_s") - num(s4, "compute_s"), d2 = num(s4, "compute_s") - num(s8, "compute_s");
  EXPECT_EQ(s2.at("micro_batches"), "8");
  EXPECT_NEAR(d1, 2 * d2, 4e-9);
  for (size_t i = 3; i < 6; ++i) EXPECT_EQ(rows[i].at("compute_s"), w2.at("compute_s"));
  // Weak scaling with dp 1 has no data-parallel traffic; with dp >= 2 exposed communication grows.
  EXPECT_LT(num(w2, "exposed_comm_s"), num(rows[4], "exposed_comm_s"));
  fs::remove_all(out);
}

TEST(CliScale, TwoRunsGiveByteIdenticalCsv) {
  std::string a = temp_dir("scale_det_a"), b = a + "_b";
  ASSERT_EQ(run(scale_cmd(a, "--no-plot --quiet")).code, 0);
  ASSERT_EQ(run(scale_cmd(b, "--no-plot --quiet")).code, 0);
  std::string x = slurp(a + "/scaling.csv"), y = slurp(b + "/scaling.csv");
  EXPECT_FALSE(x.empty());
  EXPECT_EQ(x, y);
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(CliScale, UnreachableChipCountExitsTwoAndWritesNothing) {
  std::string out = temp_dir("scale_bad_chips");
  fs::remove_all(out);
  // 6 chips: the x ring (4) is kept whole, so counts above 4 must be multiples of 4.
  RunResult r = run(binary() + " scale --arch " + kPod + " --scenario " + kScenario + " --chips 2,4,6 --out " + out);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot derive a 6-chip pod from 'torus-4x4x4-like'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not a multiple of 4"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out + "/scaling.csv"));
  // 3 chips: not whole model replicas of tp 2.
  r = run(binary() + " scale --arch " + kPod + " --scenario " + kScenario + " --chips 3 --out " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("tp x pp x cp = 2 x 1 x 1 = 2 chips"), std::string::npos) << r.err;
  // 64 chips, strong scaling: the fixed global batch of 32 cannot feed 32 replicas of micro-batch 4.
  r = run(binary() + " scale --arch " + kPod + " --scenario " + kScenario + " --chips 64 --modes strong --out " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("fixed global batch (32) is smaller than micro_batch x dp"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out + "/scaling.csv"));
}

TEST(CliScale, BadArgumentsExitTwoWithAClearMessage) {
  std::string out = temp_dir("scale_bad_args");
  RunResult r = run(binary() + " scale --arch " + kPod + " --scenario " + src("workloads/scenarios/no-such.yaml") +
                    " --out " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--scenario: no such file"), std::string::npos) << r.err;
  r = run(binary() + " scale --arch " + kPod + " --scenario " + src("workloads/samples/mlp-dp8.yaml") + " --out " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("is not a transformer scenario"), std::string::npos) << r.err;
  r = run(scale_cmd(out, "--modes sideways"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown mode 'sideways'"), std::string::npos) << r.err;
  r = run(binary() + " scale --arch " + kPod + " --scenario " + kScenario + " --chips 8,x --out " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("'x' is not a positive integer"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out + "/scaling.csv"));
  fs::remove_all(out);
}

TEST(CliScale, DefaultChipListSkipsCountsBelowOneReplica) {
  // GPT-3 175B (tp 8, pp 8: 64 chips a replica) would skip 8..32; the student scenario (2 chips a
  // replica) on the 8-chip node skips nothing up to 8 but cannot reach the strong points past
  // 8 replicas of micro-batch 4 (batch 32): those are skipped, not fatal, with the default list.
  std::string out = temp_dir("scale_default");
  RunResult r = run(binary() + " scale --arch " + src("arch-configs/pods/ascend-910b-8node.yaml") + " --scenario " +
                    kScenario + " --modes strong --no-plot --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("skipped strong 32"), std::string::npos) << r.out;
  bool widths_ok = false;
  auto rows = read_csv(slurp(out + "/scaling.csv"), nullptr, &widths_ok);
  EXPECT_TRUE(widths_ok);
  ASSERT_EQ(rows.size(), 2u);  // 8 and 16 chips (16: the 8-chip mesh grown to 16)
  EXPECT_EQ(rows[1].at("chips"), "16");
  fs::remove_all(out);
}

TEST(CliScale, WithoutMatplotlibItSaysSoInOneLineAndKeepsTheCsv) {
  std::string out = temp_dir("scale_noplot");
  RunResult r = run(scale_cmd(out, "--quiet --python /bin/false"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("plots: skipped: /bin/false cannot import matplotlib (install python3-matplotlib"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(fs::exists(out + "/scaling.csv"));
  EXPECT_FALSE(fs::exists(out + "/scaling.png"));
  fs::remove_all(out);
}

TEST(CliScale, PlotScriptRendersDeterministicPngAndSvg) {
  ASSERT_TRUE(python_has_matplotlib())
      << "python3-matplotlib is missing: /usr/bin/python3 cannot import matplotlib. Install it with "
         "scripts/deps.sh (apt-get install python3-matplotlib); the scaling plots need it.";
  std::string out = temp_dir("scale_plot");
  // The CLI runs analysis/plot_scaling.py itself.
  RunResult r = run(scale_cmd(out, "--quiet"));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  std::string png = slurp(out + "/scaling.png"), svg = slurp(out + "/scaling.svg");
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_EQ(png.find("tIME"), std::string::npos);  // no timestamp chunk
  EXPECT_EQ(svg.find("<dc:date>"), std::string::npos);
  // Rendering the same CSV again gives the same bytes.
  RunResult p = run("/usr/bin/python3 " + src("analysis/plot_scaling.py") + " " + out + "/scaling.csv --out " + out +
                    "/again --title 'student-gpt-125m-dp4 on torus-4x4x4-like-derived pods'");
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(slurp(out + "/again/scaling.png"), png);
  EXPECT_EQ(slurp(out + "/again/scaling.svg"), svg);
  // A CSV that is not a scaling.csv is refused with a message, not a traceback.
  std::ofstream(out + "/bad.csv") << "a,b\n1,2\n";
  p = run("/usr/bin/python3 " + src("analysis/plot_scaling.py") + " " + out + "/bad.csv");
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("lacks column(s)"), std::string::npos) << p.err;
  fs::remove_all(out);
}

namespace {
// A small `xpusim run` whose outputs the analysis scripts read.
std::string small_run(const std::string& tag) {
  std::string out = temp_dir(tag);
  RunResult r = run(binary() + " run --quiet --arch " + src("arch-configs/pods/ascend-910b-8node.yaml") +
                    " --workload " + src("workloads/scenarios/student-gpt-125m-tiny.yaml") + " --out " + out);
  EXPECT_EQ(r.code, 0) << r.err;
  return out;
}
const char* const kNoMatplotlib =
    "python3-matplotlib is missing: /usr/bin/python3 cannot import matplotlib. Install it with scripts/deps.sh "
    "(apt-get install python3-matplotlib); the analysis plots need it.";
}  // namespace

TEST(CliScale, BreakdownPlotRendersFromASummary) {
  ASSERT_TRUE(python_has_matplotlib()) << kNoMatplotlib;
  std::string out = small_run("scale_breakdown");
  RunResult b = run("/usr/bin/python3 " + src("analysis/plot_breakdown.py") + " " + out + "/summary.json");
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(slurp(out + "/breakdown.png").substr(1, 3), "PNG");
  EXPECT_NE(slurp(out + "/breakdown.svg").find("<svg"), std::string::npos);
  b = run("/usr/bin/python3 " + src("analysis/plot_breakdown.py") + " " + out + "/ops.csv");
  EXPECT_EQ(b.code, 2);
  EXPECT_NE(b.err.find("cannot read"), std::string::npos) << b.err;
  fs::remove_all(out);
}

TEST(CliScale, TimelinePlotRendersFromOpsCsv) {
  ASSERT_TRUE(python_has_matplotlib()) << kNoMatplotlib;
  std::string out = small_run("scale_timeline");
  RunResult t = run("/usr/bin/python3 " + src("analysis/plot_timeline.py") + " " + out + "/ops.csv --max-ranks 2");
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_EQ(slurp(out + "/timeline.png").substr(1, 3), "PNG");
  // a rank that was not traced is refused with a message
  t = run("/usr/bin/python3 " + src("analysis/plot_timeline.py") + " " + out + "/ops.csv --ranks 999");
  EXPECT_EQ(t.code, 2);
  EXPECT_NE(t.err.find("not in"), std::string::npos) << t.err;
  fs::remove_all(out);
}

TEST(CliScale, RunsOnWorkersAndReusesADatabase) {
  // Same CSV on 1 and 2 workers, and from a database that already holds every point.
  std::string a = temp_dir("scale_j1"), b = temp_dir("scale_j2");
  const std::string db = b + "/r.db";
  RunResult one = run(scale_cmd(a, "--no-plot -j 1"));
  RunResult two = run(scale_cmd(b, "--no-plot -j 2 --db " + db));
  ASSERT_EQ(one.code, 0) << one.err;
  ASSERT_EQ(two.code, 0) << two.err;
  EXPECT_EQ(slurp(a + "/scaling.csv"), slurp(b + "/scaling.csv"));
  fs::remove(b + "/scaling.csv");
  RunResult again = run("XPUSIM_PROGRESS=1 " + scale_cmd(b, "--no-plot -j 2 --db " + db));
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(slurp(a + "/scaling.csv"), slurp(b + "/scaling.csv"));
  // 6 rows, 5 distinct simulations (the base point is shared by both modes), all from the database.
  EXPECT_NE(again.err.find("5/5 points (5 from the database)"), std::string::npos) << again.err;
  fs::remove_all(a);
  fs::remove_all(b);
}
