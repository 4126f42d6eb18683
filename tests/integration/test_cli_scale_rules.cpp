// The rules behind `xpusim scale` (sim/study/scaling.h), in-process: how a pod of N chips is
// derived from a preset's levels, how the scenario's DP degree and batch follow N in strong and
// weak scaling, the chip-list parser, and that a study run twice in one process (one reused event
// kernel) gives the same CSV.
#include <gtest/gtest.h>

#include "sim/core/error.h"
#include "sim/study/scaling.h"
#include "tests/support/paths.h"

using namespace xpu;
using namespace xpu::study;
using xpu::test::src;

namespace {

std::vector<std::int64_t> sizes(const PodSpec& p) {
  std::vector<std::int64_t> v;
  for (const auto& l : p.resolved_levels()) v.push_back(l.size);
  return v;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

const ArchSpec& rail_pod() {  // [hccs full_mesh 8, roce fat_tree 64 (leaf 16)]
  static const ArchSpec a = load_arch(src("arch-configs/pods/ascend-910b-64node.yaml"));
  return a;
}

}  // namespace

TEST(ScaleRules, OutermostLevelIsResizedAndInnerLevelsKept) {
  const PodSpec& p = rail_pod().pod;
  EXPECT_EQ(sizes(derive_pod(p, 512)), (std::vector<std::int64_t>{8, 64}));
  EXPECT_EQ(sizes(derive_pod(p, 128)), (std::vector<std::int64_t>{8, 16}));
  EXPECT_EQ(sizes(derive_pod(p, 1024)), (std::vector<std::int64_t>{8, 128}));
  EXPECT_EQ(sizes(derive_pod(p, 16)), (std::vector<std::int64_t>{8, 2}));
  // N chips fit under the inner level: the outer level is dropped and the inner one resized.
  EXPECT_EQ(sizes(derive_pod(p, 8)), (std::vector<std::int64_t>{8}));
  EXPECT_EQ(sizes(derive_pod(p, 4)), (std::vector<std::int64_t>{4}));
  PodSpec d = derive_pod(p, 128);
  EXPECT_EQ(d.chips, 128);
  EXPECT_EQ(d.name, "ascend-910b-64node@128");
  // link figures of the kept and the resized level are the preset's
  const auto lv = d.resolved_levels();
  EXPECT_EQ(lv[1].name, "roce");
  EXPECT_EQ(lv[1].leaf_size, 16);
  ASSERT_TRUE(lv[1].link_bandwidth.has_value());
  EXPECT_DOUBLE_EQ(lv[1].link_bandwidth->value(), 200e9 / 8);
}

TEST(ScaleRules, TorusRingsAndShorthandPods) {
  ArchSpec torus = load_arch(src("arch-configs/pods/torus-4x4x4-like.yaml"));  // rings x, y, z of 4
  EXPECT_EQ(sizes(derive_pod(torus.pod, 128)), (std::vector<std::int64_t>{4, 4, 8}));
  EXPECT_EQ(sizes(derive_pod(torus.pod, 32)), (std::vector<std::int64_t>{4, 4, 2}));
  EXPECT_EQ(sizes(derive_pod(torus.pod, 8)), (std::vector<std::int64_t>{4, 2}));
  EXPECT_EQ(derive_pod(torus.pod, 8).resolved_levels()[1].dims, (std::vector<std::int64_t>{2}));  // ring dims follow
  // single-level shorthand: a full mesh of 8 grows to 16 and shrinks to 2
  ArchSpec node = load_arch(src("arch-configs/pods/ascend-910b-8node.yaml"));
  EXPECT_EQ(sizes(derive_pod(node.pod, 16)), (std::vector<std::int64_t>{16}));
  EXPECT_EQ(sizes(derive_pod(node.pod, 2)), (std::vector<std::int64_t>{2}));
  // a single-level 2-D torus keeps its first dimension and resizes the last
  ArchSpec t2 = load_arch(src("tests/data/pod_torus_4x4.yaml"));
  PodSpec g = derive_pod(t2.pod, 32);
  EXPECT_EQ(g.chips, 32);
  EXPECT_EQ(g.resolved_levels()[0].dims, (std::vector<std::int64_t>{4, 8}));
  EXPECT_NE(error_of([&] { derive_pod(t2.pod, 6); }).find("not a multiple of the product of its dimensions"),
            std::string::npos);
}

TEST(ScaleRules, UnreachableCountsAreErrorsNamingTheLevel) {
  const PodSpec& p = rail_pod().pod;
  std::string e = error_of([&] { derive_pod(p, 12); });
  EXPECT_NE(e.find("12 is not a multiple of 8, the chips under level 'roce'"), std::string::npos) << e;
  // 8 x 24 = 192: the fat tree would need 24 members, not whole leaves of 16
  e = error_of([&] { derive_pod(p, 192); });
  EXPECT_NE(e.find("not a multiple of its leaf_size 16"), std::string::npos) << e;
  e = error_of([&] { derive_pod(p, 0); });
  EXPECT_NE(e.find("must be positive"), std::string::npos) << e;
}

TEST(ScaleRules, ScenarioFollowsTheChipCount) {
  auto base = wl::gen::load_scenario(src("workloads/scenarios/gpt3-175b-512.yaml"));  // tp 8 pp 8 dp 8, B 1536
  auto s = scale_scenario(base, ScalingMode::Strong, 128);
  EXPECT_EQ(s.parallel.dp, 2);
  EXPECT_EQ(s.parallel.tp, 8);
  EXPECT_EQ(s.parallel.pp, 8);
  EXPECT_EQ(s.training.global_batch, 1536);
  auto w = scale_scenario(base, ScalingMode::Weak, 128);
  EXPECT_EQ(w.parallel.dp, 2);
  EXPECT_EQ(w.training.global_batch, 1536 / 8 * 2);
  EXPECT_EQ(scale_scenario(base, ScalingMode::Weak, 1024).training.global_batch, 3072);
  std::string e = error_of([&] { scale_scenario(base, ScalingMode::Strong, 32); });
  EXPECT_NE(e.find("tp x pp x cp = 8 x 8 x 1 = 64 chips"), std::string::npos) << e;
  e = error_of([&] { scale_scenario(base, ScalingMode::Weak, 96); });
  EXPECT_NE(e.find("multiple of 64"), std::string::npos) << e;
}

TEST(ScaleRules, ChipListParser) {
  EXPECT_EQ(parse_chip_list("64, 8,16"), (std::vector<std::int64_t>{8, 16, 64}));
  EXPECT_NE(error_of([] { parse_chip_list("8,8"); }).find("listed twice"), std::string::npos);
  EXPECT_NE(error_of([] { parse_chip_list("8,-1"); }).find("'-1' is not a positive integer"), std::string::npos);
  EXPECT_NE(error_of([] { parse_chip_list(""); }).find("empty list"), std::string::npos);
  EXPECT_NE(error_of([] { parse_chip_list("8,,16"); }).find("'' is not a positive integer"), std::string::npos);
}

TEST(ScaleRules, StudyInOneProcessIsRepeatableAndMatchesSymmetryOff) {
  ArchSpec arch = load_arch(src("arch-configs/pods/torus-4x4x4-like.yaml"));
  auto sc = wl::gen::load_scenario(src("workloads/scenarios/student-gpt-125m-dp4.yaml"));
  ScalingOptions o;
  o.chips = {4, 8};
  std::string first = scaling_csv(run_scaling(arch, sc, o));
  std::string second = scaling_csv(run_scaling(arch, sc, o));  // the kernel is reused
  EXPECT_EQ(first, second);
  // Every DP replica's TP pair sits in its own x ring: representatives repeat exactly.
  o.symmetry = false;
  ScalingStudy full = run_scaling(arch, sc, o);
  ScalingStudy red = run_scaling(arch, sc, ScalingOptions{o.chips, o.modes, false, true});
  ASSERT_EQ(full.points.size(), red.points.size());
  for (size_t i = 0; i < full.points.size(); ++i) {
    EXPECT_EQ(full.points[i].step_time.value(), red.points[i].step_time.value()) << i;
    EXPECT_EQ(full.points[i].simulated_ranks, full.points[i].chips);
    EXPECT_LT(red.points[i].simulated_ranks, red.points[i].chips);
  }
}
