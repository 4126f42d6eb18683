// The rules of `xpusim plan` (sim/study/plan.h), without simulating: what is enumerated, how the
// memory model prunes (and which term it names), the dominance rule, and the link bandwidth a
// group of ranks sees on a two-level pod. Closed forms from the rules in docs/study.md.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "sim/study/plan.h"
#include "sim/workload/generator/footprint.h"
#include "tests/support/paths.h"

using namespace xpu;
using namespace xpu::study;
using xpu::test::src;

namespace {

const std::string kPod = src("arch-configs/pods/dgx-a100-superpod-like.yaml");

Plan enumerate_gpt3(PlanOptions opt = {}) {
  ArchSpec arch = load_arch(kPod);
  auto model = wl::gen::load_model(src("workloads/models/gpt3-175b.yaml"));
  opt.global_batch = 512;
  opt.seq_len = 2048;
  opt.max_simulated = 0;
  return run_plan(arch, model, opt);
}

}  // namespace

TEST(StudyPlan, FailingTermIsTheFirstWhoseRunningSumExceedsTheCapacity) {
  EXPECT_EQ(failing_term(10, 10, 10, 10, 50), "");
  EXPECT_EQ(failing_term(10, 10, 10, 10, 40), "");  // exactly full fits
  EXPECT_EQ(failing_term(10, 10, 10, 11, 40), "activations");
  EXPECT_EQ(failing_term(10, 10, 25, 0, 40), "optimizer");
  EXPECT_EQ(failing_term(10, 35, 1, 1, 40), "gradients");
  EXPECT_EQ(failing_term(41, 0, 0, 0, 40), "weights");
}

TEST(StudyPlan, GroupBandwidthIsTheOutermostLevelTheGroupSpans) {
  ArchSpec arch = load_arch(kPod);
  const double nvlink = 300e9 * 0.82, ib = 200e9 / 8 * 0.96;  // the preset's figures
  EXPECT_NEAR(group_bandwidth(arch, 1, 8), nvlink, 1);     // TP 8 inside a node
  EXPECT_NEAR(group_bandwidth(arch, 1, 4), nvlink, 1);
  EXPECT_NEAR(group_bandwidth(arch, 4, 2), nvlink, 1);     // stride 4 x 2 = 8: still one node
  EXPECT_NEAR(group_bandwidth(arch, 8, 8), ib, 1);         // DP across nodes
  EXPECT_NEAR(group_bandwidth(arch, 2, 8), ib, 1);         // 16 ranks: two nodes
}

TEST(StudyPlan, EnumerationFollowsTheTopologyAndTheDivisibilityRules) {
  const Plan p = enumerate_gpt3();
  ASSERT_FALSE(p.candidates.empty());
  std::set<int> tps, pps;
  for (const auto& c : p.candidates) {
    EXPECT_EQ(std::int64_t(c.tp) * c.pp * c.dp * c.cp, 512) << c.label();
    EXPECT_LE(c.tp, 8) << "TP stays inside the 8-GPU NVSwitch level: " << c.label();
    EXPECT_EQ(c.cp, 1) << "no CP below 8K tokens: " << c.label();
    EXPECT_EQ(c.ep, 1) << "dense model: " << c.label();
    EXPECT_EQ(96 % c.tp, 0) << c.label();                       // heads
    EXPECT_EQ(512 % (c.micro_batch * c.dp), 0) << c.label();    // global batch
    EXPECT_EQ(c.micro_batches, 512 / (c.micro_batch * c.dp)) << c.label();
    EXPECT_EQ(c.sp, c.tp > 1);
    if (c.vpp > 1) {
      EXPECT_EQ(96 % (c.pp * c.vpp), 0) << c.label();
      EXPECT_EQ(c.micro_batches % c.pp, 0) << c.label();
    }
    tps.insert(c.tp);
    pps.insert(c.pp);
  }
  EXPECT_EQ(tps, (std::set<int>{1, 2, 4, 8}));
  EXPECT_EQ(pps, (std::set<int>{1, 2, 4, 8, 16, 32, 64}));
  // Every layout that passed the checks has 3 recompute x 4 ZeRO choices.
  EXPECT_EQ(p.candidates.size(), (p.layouts - p.illegal) * 12);
}

TEST(StudyPlan, PruningMatchesTheMemoryModelAndNamesTheTerm) {
  const Plan p = enumerate_gpt3();
  const double cap = 80.0 * double(units::GiB);  // the A100-80GB-like chip
  std::size_t rejected = 0, survivors = 0, dominated = 0;
  for (const auto& c : p.candidates) {
    // The figures are the memory model's for this scenario (the stage that needs most).
    const auto fp = wl::gen::footprint(c.scenario);
    EXPECT_NEAR(c.footprint_bytes(), fp.total().value(), 1.0) << c.label();
    EXPECT_DOUBLE_EQ(c.capacity_bytes, cap);
    if (c.status == PlanStatus::Rejected) {
      ++rejected;
      EXPECT_GT(c.footprint_bytes(), cap) << c.label();
      const std::string term = failing_term(c.weights_bytes, c.gradients_bytes, c.optimizer_bytes, c.activations_bytes, cap);
      EXPECT_EQ(c.reason.rfind(term + " does not fit", 0), 0u) << c.reason;
    } else {
      EXPECT_LE(c.footprint_bytes(), cap) << c.label();
      (c.status == PlanStatus::Dominated ? dominated : survivors)++;
    }
  }
  EXPECT_GT(rejected, 0u);
  EXPECT_GT(survivors, 0u);
  EXPECT_GT(dominated, 0u);
  // Closed form for one layout: TP 8, PP 8, no ZeRO, no recompute. Weights of stage 0 = (12 layers
  // x 12h^2 + padded vocab x h) / 8 parameters x 2 bytes; gradients the same; optimizer 12 B each.
  const double h = 12288, V = 51200;  // 51200 is a multiple of 128 x 8
  const double params = (12 * 12 * h * h + 12 * 2 * h + V * h) / 8 + 0;  // norms 2h per layer, /tp in the model
  for (const auto& c : p.candidates)
    if (c.tp == 8 && c.pp == 8 && c.vpp == 1 && c.micro_batch == 1 && c.zero == 0 && c.recompute == "none") {
      EXPECT_NEAR(c.weights_bytes / (2 * params), 1.0, 1e-3);
      EXPECT_NEAR(c.gradients_bytes / (2 * params), 1.0, 1e-3);
      EXPECT_NEAR(c.optimizer_bytes / (12 * params), 1.0, 1e-3);
    }
}

TEST(StudyPlan, EachLayoutKeepsOnlyItsFirstFittingChoiceInPreferenceOrder) {
  const Plan p = enumerate_gpt3();
  const std::vector<std::pair<std::string, int>> order = {{"none", 0},      {"none", 1},      {"none", 2},
                                                          {"selective", 0}, {"selective", 1}, {"selective", 2},
                                                          {"full", 0},      {"full", 1},      {"full", 2},
                                                          {"none", 3},      {"selective", 3}, {"full", 3}};
  ASSERT_EQ(p.candidates.size() % order.size(), 0u);
  for (size_t i = 0; i < p.candidates.size(); i += order.size()) {
    bool seen_fit = false;
    for (size_t k = 0; k < order.size(); ++k) {
      const Candidate& c = p.candidates[i + k];
      EXPECT_EQ(c.recompute, order[k].first);
      EXPECT_EQ(c.zero, order[k].second);
      const bool fits = c.status != PlanStatus::Rejected;
      if (fits && !seen_fit) {
        EXPECT_EQ(c.status, PlanStatus::NotSimulated) << c.label();
      }
      if (fits && seen_fit) {
        EXPECT_EQ(c.status, PlanStatus::Dominated) << c.label();
      }
      seen_fit = seen_fit || fits;
    }
  }
}

TEST(StudyPlan, EstimateTermsFollowTheirClosedForms) {
  ArchSpec arch = load_arch(kPod);
  const Plan p = enumerate_gpt3();
  for (const auto& c : p.candidates) {
    if (c.status != PlanStatus::NotSimulated) continue;
    const PlanEstimate& e = c.estimate;
    // Bubble (pp - 1) / (vpp m) of the compute; no TP communication without TP.
    EXPECT_NEAR(e.bubble_s, e.compute_s * (c.pp - 1) / double(c.vpp * c.micro_batches), 1e-12) << c.label();
    if (c.tp == 1) {
      EXPECT_EQ(e.tp_comm_s, 0.0);
    }
    if (c.pp == 1) {
      EXPECT_EQ(e.pp_comm_s, 0.0);
    }
    // Compute at the bf16 peak: 3 x forward (4 x with full recompute) over all chips.
    const double fwd = 2.0 * 175e9 * 2048;  // ~2 N per token, the order of magnitude
    const double f = (c.recompute == "full" ? 4.0 : 3.0) * fwd * 512 / (512 * 312e12);
    EXPECT_NEAR(e.compute_s / f, 1.0, 0.15) << c.label();
  }
}

TEST(StudyPlan, BadOptionsAreNamed) {
  ArchSpec arch = load_arch(kPod);
  auto model = wl::gen::load_model(src("workloads/models/gpt3-175b.yaml"));
  PlanOptions o;
  o.global_batch = 512;
  o.objective = "tokens-per-watt";
  try {
    run_plan(arch, model, o);
    FAIL() << "accepted an unknown objective";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("--objective"), std::string::npos) << e.what();
  }
  o.objective = "step-time";
  o.global_batch = 0;
  EXPECT_THROW(run_plan(arch, model, o), UserError);
}

TEST(StudyPlan, InferenceFailingTermAndEnumeration) {
  EXPECT_EQ(failing_term_inference(10, 10, 10, 30), "");
  EXPECT_EQ(failing_term_inference(10, 21, 0, 30), "kv_cache");
  EXPECT_EQ(failing_term_inference(31, 0, 0, 30), "weights");
  EXPECT_EQ(failing_term_inference(10, 10, 11, 30), "activations");
  // Llama 3 70B decode on one 8-GPU H100-like node: tp in {1, 2, 4, 8} x the batches, pp 1, dp 1.
  ArchSpec arch = load_arch(src("arch-configs/pods/dgx-h100-node-like.yaml"));
  auto model = wl::gen::load_model(src("workloads/models/llama3-70b.yaml"));
  PlanOptions o;
  o.inference = true;
  o.context = 4096;
  o.batches = {1, 64};
  o.max_simulated = 0;
  const Plan p = run_plan(arch, model, o);
  ASSERT_EQ(p.candidates.size(), 8u);
  const double cap = 80.0 * double(units::GiB);
  for (const auto& c : p.candidates) {
    EXPECT_EQ(c.pp, 1);
    EXPECT_EQ(c.dp, 1);
    // Weights: every parameter once per TP group, bf16 (the LM head untied: 2 V h).
    EXPECT_NEAR(c.weights_bytes * c.tp / (2.0 * model.total_params()), 1.0, 0.02) << c.label();
    // KV cache: 2 (K, V) x layers x batch x (context + 1) x kv_heads/tp x head_dim x 2 bytes.
    const double kv = 2.0 * 80 * double(c.batch) * 4097 * (8.0 / c.tp) * 128 * 2;
    EXPECT_NEAR(c.kv_bytes / kv, 1.0, 1e-9) << c.label();
    const bool fits = c.footprint_bytes() <= cap;
    EXPECT_EQ(c.status == PlanStatus::Rejected, !fits) << c.label();
  }
  // 70B x 2 bytes = 141 GB: one GPU cannot hold the weights.
  EXPECT_EQ(p.candidates[0].tp, 1);
  EXPECT_EQ(p.candidates[0].reason.rfind("weights does not fit", 0), 0u) << p.candidates[0].reason;
}
