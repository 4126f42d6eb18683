// `xpusim plan` against a published choice: Megatron-LM's TP 8 x PP 8 layout for its GPT-3-175B-class
// model on DGX A100 nodes (Narayanan et al., SC'21, arXiv 2104.04473, Table 1: the 145.6B row runs
// TP 8, PP 8, DP 24 on 1536 GPUs; workloads/scenarios/gpt3-175b-512.yaml has GPT-3 175B with TP 8,
// PP 8 on 512).
//
// Setting: GPT-3 175B on 512 A100-80GB-like GPUs (dgx-a100-superpod-like: 8 per NVSwitch node, one
// 200 Gb/s HDR rail per GPU), sequence 2048, micro-batch size searched in {1, 2}, and the options
// Megatron-LM had in 2021: no distributed optimizer (ZeRO stage 0) and activation recompute none or
// full. Batch 512 sequences: 64 micro-batches per pipeline at DP 8 (the Table 1 row has 2304 / 24 =
// 96), which keeps the test to a few seconds; at the scenario file's batch of 1536 the result is in
// docs/study.md.
//
// "Near the top", stated before looking at the result: the best candidate with TP 8 and PP 8 ranks
// within the top 3 of the simulated layouts, and its step time is within 5% of the best one.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/paths.h"
#include "tests/support/run.h"

using namespace xpu::test;

namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> v;
  std::string cell;
  std::istringstream s(line);
  while (std::getline(s, cell, ',')) v.push_back(cell);
  if (!line.empty() && line.back() == ',') v.push_back("");
  return v;
}

}  // namespace

TEST(PlanPublished, MegatronTp8Pp8ForGpt3On512A100RanksNearTheTop) {
  const std::string out = temp_dir("plan_gpt3");
  RunResult r = run(binary() + " plan --arch " + src("arch-configs/pods/dgx-a100-superpod-like.yaml") +
                    " --model " + src("workloads/models/gpt3-175b.yaml") +
                    " --gbs 512 --seq 2048 --micro-batch 1,2 --zero 0 --recompute none,full --max-sim 6 -j 2 --no-plot --out " + out);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  std::istringstream in(slurp(out + "/plan.csv"));
  std::string line;
  std::getline(in, line);
  const auto cols = split(line);
  auto col = [&](const std::string& name) {
    for (size_t i = 0; i < cols.size(); ++i)
      if (cols[i] == name) return i;
    ADD_FAILURE() << "no column " << name;
    return size_t(0);
  };
  const size_t c_rank = col("rank"), c_tp = col("tp"), c_pp = col("pp"), c_step = col("step_time_s");
  double best = 0, best_published = 0;
  int published_rank = 0, ranked = 0;
  while (std::getline(in, line)) {
    const auto f = split(line);
    if (f[c_rank].empty()) continue;
    ++ranked;
    const int rank = std::stoi(f[c_rank]);
    const double step = std::stod(f[c_step]);
    if (rank == 1) best = step;
    if (f[c_tp] == "8" && f[c_pp] == "8" && (published_rank == 0 || rank < published_rank)) {
      published_rank = rank;
      best_published = step;
    }
  }
  ASSERT_EQ(ranked, 6) << r.out;
  ASSERT_GT(published_rank, 0) << "TP 8 PP 8 was not among the simulated layouts:\n" << r.out;
  EXPECT_LE(published_rank, 3) << r.out;
  EXPECT_LE(best_published, 1.05 * best) << r.out;
}
