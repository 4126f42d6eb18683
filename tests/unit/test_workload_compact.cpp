// Compact programs (ir.h): a program stores each distinct block once and places it by instances.
// The expanded program must be exactly the sequence of nodes pushed into the builder (names, tags,
// dependencies, payloads), whatever the cuts; repeated micro-batches must not grow the stored work.
#include <gtest/gtest.h>

#include "sim/workload/generator/scenario.h"
#include "sim/workload/generator/transformer.h"
#include "sim/workload/ir.h"
#include "sim/workload/symmetry.h"
#include "tests/support/paths.h"

using namespace xpu;
using namespace xpu::wl;

namespace {
Node gemm(const std::string& name, std::int64_t m, std::vector<NodeIndex> deps) {
  Node n;
  n.name = name;
  n.kind = NodeKind::Gemm;
  n.gemm.m = m;
  n.gemm.n = n.gemm.k = 64;
  n.deps = std::move(deps);
  return n;
}
Node p2p(const std::string& name, bool send, std::int64_t tag, std::vector<NodeIndex> deps) {
  Node n;
  n.name = name;
  n.kind = send ? NodeKind::Send : NodeKind::Recv;
  n.stream = StreamKind::Comm;
  n.p2p.offset = send ? 1 : -1;
  n.p2p.tag = tag;
  n.p2p.bytes = Bytes(1024);
  n.deps = std::move(deps);
  return n;
}
void expect_same(const std::vector<Node>& a, const std::vector<Node>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name) << i;
    EXPECT_EQ(a[i].kind, b[i].kind) << i;
    EXPECT_EQ(a[i].deps, b[i].deps) << i;
    EXPECT_EQ(a[i].p2p.tag, b[i].p2p.tag) << i;
    EXPECT_EQ(a[i].gemm.m, b[i].gemm.m) << i;
  }
}
}  // namespace

TEST(WorkloadCompact, BuilderExpandsToExactlyThePushedNodes) {
  // Ten micro-batches of: recv, two layers of two GEMMs, send; each micro-batch's first GEMM waits
  // for the previous micro-batch's last one (a dependency across blocks).
  ProgramBuilder b("stage");
  std::vector<Node> pushed;
  auto push = [&](Node n) {
    pushed.push_back(n);
    return b.push(std::move(n));
  };
  NodeIndex last = 0;
  bool first = true;
  for (std::int64_t mb = 0; mb < 10; ++mb) {
    const std::int64_t tag = mb * 6 + 2;
    NodeIndex x = push(p2p("f" + std::to_string(mb) + ".-1.recv", false, tag, {}));
    b.cut(mb, -1, mb * 6);
    for (std::int64_t l = 3; l < 5; ++l) {
      std::vector<NodeIndex> deps{x};
      if (!first) deps.push_back(last);
      first = false;
      x = push(gemm("f" + std::to_string(mb) + "." + std::to_string(l) + ".qkv", 128, deps));
      x = push(gemm("f" + std::to_string(mb) + "." + std::to_string(l) + ".proj", 128, {x}));
      last = x;
      b.cut(mb, l, mb * 6);
    }
    push(p2p("f" + std::to_string(mb) + ".-1.send", true, tag + 1, {x}));
    b.cut(mb, -1, mb * 6);
  }
  push(gemm("optimizer", 7, {last}));
  Program p = b.finish();
  EXPECT_EQ(p.size(), pushed.size());
  expect_same(p.expand(), pushed);
  // Distinct work: recv, first layer of mb 0 (no cross dependency), layer with one, send, the tail;
  // every other micro-batch reuses them.
  EXPECT_EQ(p.blocks.size(), 6u);
  EXPECT_EQ(p.instances.size(), 10u * 4 + 1);
  // node(g) agrees with the expansion, including the instance's name and tag.
  EXPECT_EQ(p.node(p.size() - 2).name(), "f9.-1.send");
  EXPECT_EQ(p.node(p.size() - 2).tag(), 9 * 6 + 3);
  EXPECT_EQ(p.node(6).name(), "f1.-1.recv");  // six nodes per micro-batch
}

TEST(WorkloadCompact, CutsDoNotChangeTheProgram) {
  // The same nodes with no cuts (one literal block) have the same key as the compact program.
  std::vector<Node> nodes;
  ProgramBuilder b("p");
  for (int mb = 0; mb < 4; ++mb) {
    Node n = gemm("b" + std::to_string(mb) + ".0.fc1_dg", 64, {});
    if (mb) n.deps.push_back(static_cast<NodeIndex>(mb - 1));
    nodes.push_back(n);
    b.push(n);
    b.cut(mb, 0);
  }
  Program compact = b.finish();
  Program literal = Program::from_nodes("p", nodes);
  EXPECT_EQ(compact.blocks.size(), 2u);  // the first (no dependency) and the repeated one
  EXPECT_TRUE(program_key(compact) == program_key(literal));
}

TEST(WorkloadCompact, StoredWorkDoesNotGrowWithMicroBatches) {
  // GPT-3 175B, TP 8, PP 8: 48 and 192 micro-batches per pipeline. The expanded programs grow with
  // the micro-batches; the stored blocks are the same set (warm-up, steady state, cool-down, the
  // last backward with its gradient reductions), so they do not.
  auto gen = [](const std::string& batch) {
    auto s = gen::load_scenario(test::src("workloads/scenarios/gpt3-175b-512.yaml"),
                                {{"training.global_batch", batch, "test"}});
    return gen::generate_transformer(s);
  };
  Workload small = gen("384"), big = gen("1536");
  ASSERT_EQ(small.programs.size(), 8u);
  ASSERT_EQ(big.programs.size(), 8u);
  for (size_t p = 0; p < 8; ++p) {
    const Program &a = small.programs[p], &b = big.programs[p];
    EXPECT_EQ(a.blocks.size(), b.blocks.size()) << p;
    std::size_t stored = 0;
    for (const auto& blk : b.blocks) stored += blk.nodes.size();
    EXPECT_GT(double(b.size()) / double(a.size()), 3.9) << p;  // 4x the micro-batches
    EXPECT_LT(stored * 50, std::size_t(b.size())) << p;          // at least 50x fewer nodes stored
  }
}
