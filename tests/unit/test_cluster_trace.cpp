// Native trace validation: every bad-trace class gives a clear error with file, line and key.
#include <gtest/gtest.h>

#include "sim/workload/reader.h"
#include "tests/support/paths.h"

using namespace xpu;

namespace {
ConfigError trace_error(const std::string& text) {
  try {
    wl::read_yaml_trace_text(text, "t.yaml");
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.loc().file, "t.yaml") << e.what();
    EXPECT_GT(e.loc().line, 0) << e.what();
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return ConfigError({}, "", "");
}
}  // namespace

TEST(Trace, SamplesLoadAndValidate) {
  for (const char* f : {"workloads/samples/mlp-dp8.yaml", "workloads/samples/tp2-pp2.yaml"}) {
    wl::Workload w = wl::load_workload(test::src(f));
    EXPECT_GT(w.num_ranks, 1) << f;
    EXPECT_EQ(w.program_of_rank.size(), static_cast<size_t>(w.num_ranks));
    for (const auto& p : w.programs) EXPECT_EQ(p.expand().size(), p.size());
  }
  wl::Workload w = wl::load_workload(test::src("workloads/samples/mlp-dp8.yaml"));
  EXPECT_EQ(w.programs.size(), 1u);  // 8 symmetric ranks share one program
}

TEST(Trace, UnknownOpSuggests) {
  auto e = trace_error(R"(workload:
  ranks: 1
  programs:
    - ranks: all
      nodes:
        - {id: a, op: gemn, m: 1, n: 1, k: 1}
)");
  EXPECT_EQ(e.loc().line, 6);
  EXPECT_NE(e.message().find("unknown op 'gemn'"), std::string::npos) << e.what();
  EXPECT_NE(e.message().find("did you mean 'gemm'"), std::string::npos) << e.what();
}

TEST(Trace, DanglingDependency) {
  auto e = trace_error(R"(workload:
  ranks: 1
  programs:
    - ranks: all
      nodes:
        - {id: a, op: gemm, m: 1, n: 1, k: 1}
        - {id: b, op: gemm, m: 1, n: 1, k: 1, deps: [a, c]}
)");
  EXPECT_EQ(e.loc().line, 7);
  EXPECT_NE(e.message().find("dangling dependency"), std::string::npos) << e.what();
  EXPECT_NE(e.message().find("'c'"), std::string::npos);
}

TEST(Trace, CycleIsNamed) {
  auto e = trace_error(R"(workload:
  ranks: 1
  programs:
    - ranks: all
      nodes:
        - {id: a, op: gemm, m: 1, n: 1, k: 1, deps: [c]}
        - {id: b, op: gemm, m: 1, n: 1, k: 1, deps: [a]}
        - {id: c, op: gemm, m: 1, n: 1, k: 1, deps: [b]}
)");
  EXPECT_NE(e.message().find("dependency cycle"), std::string::npos) << e.what();
  EXPECT_NE(e.message().find("'a'"), std::string::npos) << e.what();
}

TEST(Trace, BadFieldsAreRejected) {
  // zero dimension
  auto e1 = trace_error("workload:\n  ranks: 1\n  programs:\n    - ranks: all\n      nodes:\n        - {id: a, op: gemm, m: 0, n: 1, k: 1}\n");
  EXPECT_NE(e1.key_path().find(".m"), std::string::npos) << e1.what();
  // unknown dtype
  auto e2 = trace_error("workload:\n  ranks: 1\n  programs:\n    - ranks: all\n      nodes:\n        - {id: a, op: gemm, m: 1, n: 1, k: 1, dtype: fp12}\n");
  EXPECT_NE(e2.message().find("unknown datatype 'fp12'"), std::string::npos) << e2.what();
  // key that belongs to another op
  auto e3 = trace_error("workload:\n  ranks: 1\n  programs:\n    - ranks: all\n      nodes:\n        - {id: a, op: allreduce, bytes: 10, m: 3}\n");
  EXPECT_NE(e3.message().find("unknown key 'm' for op 'allreduce'"), std::string::npos) << e3.what();
  // unparsable size
  auto e4 = trace_error("workload:\n  ranks: 2\n  programs:\n    - ranks: all\n      nodes:\n        - {id: a, op: allreduce, bytes: lots}\n");
  EXPECT_NE(e4.message().find("expected a size"), std::string::npos) << e4.what();
  // duplicate id
  auto e5 = trace_error("workload:\n  ranks: 1\n  programs:\n    - ranks: all\n      nodes:\n        - {id: a, op: gemm, m: 1, n: 1, k: 1}\n        - {id: a, op: gemm, m: 1, n: 1, k: 1}\n");
  EXPECT_NE(e5.message().find("duplicate node id"), std::string::npos);
}

TEST(Trace, RanksAndGroupsAreChecked) {
  auto e1 = trace_error("workload:\n  ranks: 4\n  programs:\n    - ranks: [0, 1]\n      nodes: [{id: a, op: gemm, m: 1, n: 1, k: 1}]\n");
  EXPECT_NE(e1.message().find("rank 2 is not covered"), std::string::npos) << e1.what();
  auto e2 = trace_error("workload:\n  ranks: 2\n  programs:\n    - ranks: [0, 5]\n      nodes: [{id: a, op: gemm, m: 1, n: 1, k: 1}]\n");
  EXPECT_NE(e2.message().find("out of range"), std::string::npos) << e2.what();
  auto e3 = trace_error("workload:\n  ranks: 4\n  groups:\n    tp: [[0, 1]]\n  programs:\n    - ranks: all\n      nodes: [{id: a, op: allreduce, bytes: 8, group: tp}]\n");
  EXPECT_NE(e3.message().find("in no group of set 'tp'"), std::string::npos) << e3.what();
  auto e4 = trace_error("workload:\n  ranks: 2\n  programs:\n    - ranks: all\n      nodes: [{id: a, op: allreduce, bytes: 8, group: tq}]\n");
  EXPECT_NE(e4.message().find("unknown group 'tq'"), std::string::npos) << e4.what();
  auto e5 = trace_error("workload:\n  ranks: 2\n  programs:\n    - ranks: all\n      nodes: [{id: a, op: send, peer_offset: 1, bytes: 8}]\n");
  EXPECT_NE(e5.message().find("out of range"), std::string::npos) << e5.what();
}

TEST(Trace, MissingFileAndUnknownFormat) {
  EXPECT_THROW(wl::load_workload("/nonexistent/x.yaml"), UserError);
  EXPECT_THROW(wl::load_workload(test::src("CMakeLists.txt")), UserError);
}
