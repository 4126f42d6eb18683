// `xpusim plan` end to end on small cases: the training table and CSV (ranked by simulated step,
// survivors fit, rejections name a term, byte-identical across -j), and the inference search under a
// latency target (every ranked layout meets it, ranked by tokens/s per chip, the slower ones are
// marked too_slow), plus bad input (exit 2, the option named).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "tests/support/paths.h"
#include "tests/support/run.h"
#include "tests/support/text.h"

using namespace xpu::test;
namespace fs = std::filesystem;

namespace {

using Row = CsvRow;

const std::string kNode = src("arch-configs/pods/dgx-h100-node-like.yaml");

}  // namespace

TEST(CliPlan, TrainingRanksSimulatedLayoutsAndIsIdenticalAcrossJobs) {
  const std::string dir = temp_dir("plan_train");
  const std::string cmd = binary() + " plan --arch " + kNode + " --model " + src("workloads/models/llama3-8b.yaml") +
                          " --gbs 16 --seq 4096 --max-sim 4 --no-plot";
  RunResult a = run(cmd + " -j 1 --out " + dir + "/a");
  RunResult b = run(cmd + " -j 2 --out " + dir + "/b");
  ASSERT_EQ(a.code, 0) << a.out << a.err;
  ASSERT_EQ(b.code, 0) << b.out << b.err;
  EXPECT_EQ(slurp(dir + "/a/plan.csv"), slurp(dir + "/b/plan.csv"));
  EXPECT_NE(a.out.find("why (share of the step)"), std::string::npos) << a.out;
  auto rows = read_csv(slurp(dir + "/a/plan.csv"));
  std::map<int, double> step_by_rank;
  int rejected = 0;
  for (const auto& r : rows) {
    const double total = std::stod(r.at("hbm_total_gib")), cap = std::stod(r.at("hbm_capacity_gib"));
    if (r.at("status") == "rejected") {
      ++rejected;
      EXPECT_GT(total, cap);
      const std::string& why = r.at("reason");
      EXPECT_TRUE(why.rfind("weights does not fit", 0) == 0 || why.rfind("gradients does not fit", 0) == 0 ||
                  why.rfind("optimizer does not fit", 0) == 0 || why.rfind("activations does not fit", 0) == 0)
          << why;
    } else {
      EXPECT_LE(total, cap) << r.at("reason");
    }
    if (r.at("status") == "simulated") {
      step_by_rank[std::stoi(r.at("rank"))] = std::stod(r.at("step_time_s"));
      // compute + exposed communication + idle = the step (the engine's accounting).
      EXPECT_NEAR(std::stod(r.at("compute_s")) + std::stod(r.at("exposed_comm_s")) + std::stod(r.at("idle_s")),
                  std::stod(r.at("step_time_s")), 1e-6);
    }
  }
  EXPECT_GT(rejected, 0);
  ASSERT_EQ(step_by_rank.size(), 4u);
  for (auto it = std::next(step_by_rank.begin()); it != step_by_rank.end(); ++it)
    EXPECT_LE(std::prev(it)->second, it->second);
  fs::remove_all(dir);
}

TEST(CliPlan, InferenceMeetsTheLatencyTargetAndRanksByThroughputPerChip) {
  const std::string dir = temp_dir("plan_inf");
  RunResult r = run(binary() + " plan --arch " + kNode + " --model " + src("workloads/models/llama3-70b.yaml") +
                    " --inference decode --context 4096 --batch 8,32,64,128,256 --latency-ms 20 --max-sim 10 -j 2 --no-plot --out " + dir);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto rows = read_csv(slurp(dir + "/plan.csv"));
  std::map<int, double> rate_by_rank;
  int too_slow = 0;
  for (const auto& row : rows) {
    if (row.at("status") == "simulated") {
      EXPECT_LE(std::stod(row.at("step_time_s")), 0.020) << row.at("tp") << " " << row.at("batch");
      // tokens/s per chip = batch / step / chips of the replica (tp x dp).
      const double chips = std::stod(row.at("tp")) * std::stod(row.at("dp"));
      EXPECT_NEAR(std::stod(row.at("tokens_per_s_per_chip")),
                  std::stod(row.at("batch")) / std::stod(row.at("step_time_s")) / chips, 1e-3);
      rate_by_rank[std::stoi(row.at("rank"))] = std::stod(row.at("tokens_per_s_per_chip"));
    } else if (row.at("status") == "too_slow") {
      ++too_slow;
      EXPECT_GT(std::stod(row.at("step_time_s")), 0.020);
      EXPECT_EQ(row.at("rank"), "");
    }
  }
  ASSERT_GE(rate_by_rank.size(), 2u) << r.out;
  EXPECT_GT(too_slow, 0) << r.out;
  for (auto it = std::next(rate_by_rank.begin()); it != rate_by_rank.end(); ++it)
    EXPECT_GE(std::prev(it)->second, it->second);
  fs::remove_all(dir);
}

TEST(CliPlan, BadOptionsExitTwoAndNameTheOption) {
  const std::string base = binary() + " plan --arch " + kNode + " --model " + src("workloads/models/llama3-8b.yaml");
  RunResult a = run(base + " --gbs 16");
  EXPECT_EQ(a.code, 2);
  EXPECT_NE(a.err.find("--seq"), std::string::npos) << a.err;
  RunResult b = run(binary() + " plan --arch " + src("tests/data/pod_torus_4x4.yaml") + " --model " +
                    src("workloads/models/llama3-8b.yaml") + " --gbs 16 --seq 4096 --objective tokens-per-joule");
  EXPECT_EQ(b.code, 2);
  EXPECT_NE(b.err.find("no power model"), std::string::npos) << b.err;
  RunResult c = run(base + " --inference decode --gbs 16");
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find("--gbs is a training option"), std::string::npos) << c.err;
  RunResult d = run(base + " --gbs 16 --seq 4096 --zero 0,4");
  EXPECT_EQ(d.code, 2);
  EXPECT_NE(d.err.find("--zero"), std::string::npos) << d.err;
  RunResult e = run(binary() + " plan --arch " + kNode + " --model no-such-model --gbs 16 --seq 4096");
  EXPECT_EQ(e.code, 2);
  EXPECT_NE(e.err.find("no-such-model"), std::string::npos) << e.err;
}

TEST(CliPlan, TokensPerJouleRanksByEnergyPerStep) {
  // The H100 preset has a power model: the ranking is by the job's energy per step (lowest first), which
  // for a fixed global batch is the most tokens per joule; the step-time ranking of the same plan differs
  // only in order, never in the set of simulated layouts.
  const std::string dir = temp_dir("plan_energy");
  const std::string base = binary() + " plan --arch " + kNode + " --model " + src("workloads/models/llama3-8b.yaml") +
                           " --gbs 16 --seq 4096 --max-sim 4 --no-plot";
  RunResult e = run(base + " --objective tokens-per-joule --out " + dir + "/e");
  ASSERT_EQ(e.code, 0) << e.out << e.err;
  RunResult t = run(base + " --out " + dir + "/t");
  ASSERT_EQ(t.code, 0) << t.out << t.err;
  auto rows_e = read_csv(slurp(dir + "/e/plan.csv"));
  auto rows_t = read_csv(slurp(dir + "/t/plan.csv"));
  ASSERT_EQ(rows_e.size(), rows_t.size());
  std::map<int, double> energy_by_rank;
  for (const auto& r : rows_e)
    if (r.at("status") == "simulated") {
      ASSERT_FALSE(r.at("energy_j_per_step").empty());
      energy_by_rank[std::stoi(r.at("rank"))] = std::stod(r.at("energy_j_per_step"));
    }
  ASSERT_GE(energy_by_rank.size(), 2u);
  for (auto it = std::next(energy_by_rank.begin()); it != energy_by_rank.end(); ++it) EXPECT_LE(std::prev(it)->second, it->second);
  fs::remove_all(dir);
}
