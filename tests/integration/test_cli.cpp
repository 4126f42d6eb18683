// End to end through the `xpusim` binary: samples run, help works, bad input gives exit code 2
// with file:line and no output files, deadlocks give 3, and runs are byte-for-byte deterministic.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/core/registry.h"
#include "tests/support/paths.h"
#include "tests/support/run.h"

using namespace xpu::test;
namespace fs = std::filesystem;

namespace {
std::string xpusim() { return binary(); }
const std::string kPod = src("arch-configs/pods/ascend-910b-8node.yaml");
const std::string kMlp = src("workloads/samples/mlp-dp8.yaml");
}  // namespace

TEST(Cli, RunPrintsASummaryAndWritesTheThreeFiles) {
  std::string out = temp_dir("cli_run");
  RunResult r = run(xpusim() + " run --arch " + kPod + " --workload " + kMlp + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("simulated step time"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exposed"), std::string::npos);
  EXPECT_NE(r.out.find("TFLOP/s"), std::string::npos);
  for (const char* f : {"summary.json", "ops.csv", "trace.json"}) EXPECT_TRUE(fs::exists(out + "/" + f)) << f;
  std::string trace = slurp(out + "/trace.json");
  EXPECT_NE(trace.find("\"traceEvents\""), std::string::npos);
  EXPECT_NE(trace.find("\"thread_name\""), std::string::npos);
  // 8 ranks x 20 nodes, one CSV row each plus the header
  std::string csv = slurp(out + "/ops.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 8 * 20);
  fs::remove_all(out);
}

TEST(Cli, RunsAreByteIdentical) {
  std::string a = temp_dir("det_a"), b = a + "_b";
  ASSERT_EQ(run(xpusim() + " run --quiet --arch " + kPod + " --workload " + src("workloads/samples/tp2-pp2.yaml") + " --out " + a).code, 0);
  ASSERT_EQ(run(xpusim() + " run --quiet --arch " + kPod + " --workload " + src("workloads/samples/tp2-pp2.yaml") + " --out " + b).code, 0);
  for (const char* f : {"summary.json", "ops.csv", "trace.json"}) {
    std::string x = slurp(a + "/" + f), y = slurp(b + "/" + f);
    EXPECT_FALSE(x.empty()) << f;
    EXPECT_EQ(x, y) << f;
  }
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(Cli, HelpOnEverySubcommand) {
  RunResult top = run(xpusim() + " --help");
  ASSERT_EQ(top.code, 0);
  for (const char* c : {"run", "check", "schema", "op", "mem", "coll", "graph", "gen", "convert", "scale", "sweep"}) {
    EXPECT_NE(top.out.find(c), std::string::npos) << c;
    RunResult r = run(xpusim() + " " + c + " --help");
    EXPECT_EQ(r.code, 0) << c << ": " << r.err;
    EXPECT_NE(r.out.find("usage: xpusim " + std::string(c)), std::string::npos) << r.out;
  }
}

TEST(Cli, BadArchGivesFileLineAndNoOutput) {
  std::string dir = temp_dir("badarch");
  std::string bad = dir + "/bad.yaml";
  std::ofstream(bad) << "base: " << src("arch-configs/chips/ascend-910b-like.yaml") << "\nchip:\n  hbm:\n    bandwidth: -1.6 TB/s\n";
  std::string out = dir + "/out";
  RunResult r = run(xpusim() + " run --arch " + bad + " --workload " + kMlp + " --out " + out);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.yaml:4:16: chip.hbm.bandwidth: must be greater than zero"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  fs::remove_all(dir);
}

TEST(Cli, BadTraceGivesFileLineAndExit2) {
  std::string dir = temp_dir("badtrace");
  std::string bad = dir + "/t.yaml";
  std::ofstream(bad) << "workload:\n  ranks: 2\n  programs:\n    - ranks: all\n      nodes:\n"
                        "        - {id: a, op: allreduce, bytes: 1 MiB, deps: [b]}\n";
  RunResult r = run(xpusim() + " run --arch " + kPod + " --workload " + bad);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("t.yaml:6:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("dangling dependency"), std::string::npos) << r.err;
  RunResult c = run(xpusim() + " check " + bad);
  EXPECT_EQ(c.code, 2);
  fs::remove_all(dir);
}

TEST(Cli, DeadlockGivesExit3) {
  std::string dir = temp_dir("deadlock");
  std::string t = dir + "/t.yaml";
  std::ofstream(t) << "workload:\n  ranks: 2\n  programs:\n    - ranks: [0]\n      nodes: [{id: a, op: allreduce, bytes: 8}]\n"
                      "    - ranks: [1]\n      nodes: [{id: b, op: gemm, m: 8, n: 8, k: 8}]\n";
  RunResult r = run(xpusim() + " run --arch " + kPod + " --workload " + t);
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("deadlock"), std::string::npos) << r.err;
  fs::remove_all(dir);
}

TEST(Cli, TooManyRanksForThePodIsAnError) {
  std::string dir = temp_dir("toomany");
  std::string t = dir + "/t.yaml";
  std::ofstream(t) << "workload:\n  ranks: 16\n  programs:\n    - ranks: all\n      nodes: [{id: a, op: allreduce, bytes: 8}]\n";
  RunResult r = run(xpusim() + " run --arch " + kPod + " --workload " + t);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("16 ranks"), std::string::npos) << r.err;
  fs::remove_all(dir);
}

TEST(Cli, CheckAcceptsPresetsAndSamples) {
  RunResult r = run(xpusim() + " check " + kPod + " " + src("arch-configs/chips/ascend-910b-like.yaml") + " " + kMlp);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("ok (arch: ascend-910b-like, 8 chips)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("8 ranks, 1 distinct program"), std::string::npos) << r.out;
}

TEST(Cli, UnknownCommandAndOptionSuggest) {
  RunResult r = run(xpusim() + " rnu");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("did you mean 'run'"), std::string::npos) << r.err;
  RunResult o = run(xpusim() + " run --arhc x --workload y");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("did you mean '--arch'"), std::string::npos) << o.err;
  RunResult m = run(xpusim() + " run --arch " + kPod);
  EXPECT_EQ(m.code, 2);
  EXPECT_NE(m.err.find("--workload"), std::string::npos) << m.err;
}

TEST(Cli, SchemaListsEveryChipKey) {
  RunResult r = run(xpusim() + " schema");
  ASSERT_EQ(r.code, 0);
  for (const char* k : {"chip.clock", "chip.matrix.rows", "chip.hbm.bandwidth", "chip.links.latency", "pod.chips"})
    EXPECT_NE(r.out.find(std::string("`") + k + "`"), std::string::npos) << k;
}

TEST(Cli, SchemaAndCheckListEveryRegisteredImplementation) {
  // Every registry this process links (all but the CLI's own) and each of its entries appear in
  // `schema` (with its declared parameters) and in `check --list`.
  RunResult s = run(xpusim() + " schema");
  RunResult l = run(xpusim() + " check --list");
  ASSERT_EQ(s.code, 0);
  ASSERT_EQ(l.code, 0) << l.err;
  EXPECT_NE(s.out.find("## Registered implementations"), std::string::npos);
  EXPECT_NE(l.out.find("CLI subcommand"), std::string::npos) << l.out;
  ASSERT_GE(xpu::registry_catalog().size(), 8u);
  for (const auto& [what, r] : xpu::registry_catalog()) {
    EXPECT_NE(s.out.find("### " + what), std::string::npos) << what;
    EXPECT_NE(l.out.find(what + " ("), std::string::npos) << what;
    for (const auto& e : r->info()) {
      EXPECT_NE(s.out.find("| `" + e.name + "` | " + e.doc + " |"), std::string::npos) << what << " " << e.name;
      EXPECT_NE(l.out.find("  " + e.name + ": " + e.doc + "\n"), std::string::npos) << what << " " << e.name;
      for (const auto& p : e.params) {
        EXPECT_NE(s.out.find("| `" + p.key + "` |"), std::string::npos) << e.name << " " << p.key;
        EXPECT_NE(l.out.find("      " + p.key + " ("), std::string::npos) << e.name << " " << p.key;
      }
    }
  }
}

TEST(Cli, ConfigReferenceDocIsUpToDate) {
  // docs/config-reference.md is generated; regenerate with: build/xpusim schema > docs/config-reference.md
  RunResult r = run(xpusim() + " schema");
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(r.out, slurp(src("docs/config-reference.md")))
      << "docs/config-reference.md is stale: run `build/xpusim schema > docs/config-reference.md`";
}

TEST(Cli, LinkTrafficMatchesTheAllReduceVolume) {
  // mlp-dp8 runs 4 all-reduces of S = 128 MiB on 8 ranks of a full mesh. Any bandwidth-optimal
  // algorithm sends 2(n-1)/n * S per rank over one hop, so the links carry
  // 4 x 8 x 2 x 7/8 x 128 MiB = 7 GiB in total, over 8 x 7 = 56 directed links.
  std::string out = temp_dir("links");
  RunResult r = run(xpusim() + " run --quiet --arch " + kPod + " --workload " + kMlp + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream in(out + "/links.csv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "level,link,bytes,bandwidth_bytes_per_s,utilization");
  double total = 0;
  int rows = 0;
  while (std::getline(in, line)) {
    ++rows;
    auto c1 = line.find(','), c2 = line.find(',', c1 + 1), c3 = line.find(',', c2 + 1);
    total += std::stod(line.substr(c2 + 1, c3 - c2 - 1));
  }
  EXPECT_EQ(rows, 56);
  EXPECT_NEAR(total, 7.0 * 1024 * 1024 * 1024, 1024.0);
  EXPECT_NE(slurp(out + "/summary.json").find("\"link_levels\""), std::string::npos);
  fs::remove_all(out);
}

TEST(Cli, ResNetChakraTraceReplaysOn512Ranks) {
  // ASTRA-sim's ResNet-50 data-parallel trace (8 ranks) replayed on 512 chips: compute is
  // 1,082,450 us per rank (tests/data/chakra/ORIGIN.md), and the 54 gradient all-reduces (97.3 MiB in
  // all) overlap with it, so the step is 1.0825 s plus at most a little exposed communication.
  const std::string trace = data("chakra/resnet50_dataparallel_8npus/Resnet50_DataParallel");
  ASSERT_TRUE(fs::exists(trace + ".0.et")) << "missing shared trace " << trace << ".0.et";
  RunResult r = run(xpusim() + " run --json --ranks 512 --arch " + src("arch-configs/pods/ascend-910b-64node.yaml") +
                    " --workload " + trace);
  ASSERT_EQ(r.code, 0) << r.err;
  auto at = r.out.find("\"step_time_s\": ");
  ASSERT_NE(at, std::string::npos);
  double step = std::stod(r.out.substr(at + 15));
  EXPECT_GE(step, 1.08245);
  EXPECT_LT(step, 1.0825 + 0.01);
  EXPECT_NE(r.out.find("\"ranks\": 512"), std::string::npos);
  EXPECT_NE(r.out.find("replicated from 8 to 512 ranks"), std::string::npos);
  // A trace with point-to-point ops or per-rank programs is not data-parallel.
  RunResult bad = run(xpusim() + " run --ranks 64 --arch " + src("arch-configs/pods/ascend-910b-64node.yaml") +
                      " --workload " + src("workloads/samples/tp2-pp2.yaml"));
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("cannot replicate"), std::string::npos) << bad.err;
}

TEST(Cli, SetOverridesAKeyLikeAnEditedPreset) {
  // --set chip.hbm.bandwidth=... must give exactly what a copy of the preset with that key gives.
  std::string dir = temp_dir("set");
  std::ofstream(dir + "/pod.yaml") << "base: " << kPod << "\nchip:\n  hbm:\n    bandwidth: 3.2 TB/s\n";
  RunResult edited = run(xpusim() + " run --json --arch " + dir + "/pod.yaml --workload " + kMlp);
  RunResult set = run(xpusim() + " run --json --arch " + kPod + " --workload " + kMlp + " --set chip.hbm.bandwidth=3.2TB/s");
  ASSERT_EQ(edited.code, 0) << edited.err;
  ASSERT_EQ(set.code, 0) << set.err;
  auto step = [](const std::string& j) { return j.substr(j.find("\"step_time_s\""), 40); };
  EXPECT_EQ(step(edited.out), step(set.out));
  RunResult bad = run(xpusim() + " run --arch " + kPod + " --workload " + kMlp + " --set chip.hbm.bandwith=3TB/s");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--set chip.hbm.bandwith=3TB/s: chip.hbm.bandwith: unknown key"), std::string::npos) << bad.err;
  fs::remove_all(dir);
}

TEST(Cli, SweepWritesOneRowPerPointAndFasterLinksNeverSlowTheStep) {
  RunResult r = run(xpusim() + " sweep --arch " + kPod + " --workload " + kMlp +
                    " --vary 'pod.topology.link_bandwidth=28GB/s,56GB/s,112GB/s' --vary 'chip.hbm.bandwidth=1.6TB/s,2TB/s'");
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream in(r.out);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line.rfind("point,pod.topology.link_bandwidth,chip.hbm.bandwidth,step_time_s,", 0), 0u) << line;
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string x;
    while (std::getline(ls, x, ',')) f.push_back(x);
    rows.push_back(f);
  }
  ASSERT_EQ(rows.size(), 6u);
  // Points enumerate the last axis fastest; for a fixed HBM bandwidth, more link bandwidth can only
  // shorten (or keep) the step.
  for (int hbm = 0; hbm < 2; ++hbm)
    for (int l = 0; l + 1 < 3; ++l)
      EXPECT_GE(std::stod(rows[l * 2 + hbm][3]), std::stod(rows[(l + 1) * 2 + hbm][3])) << l << "," << hbm;
  RunResult bad = run(xpusim() + " sweep --arch " + kPod + " --workload " + kMlp + " --vary 'chip.hbm.bandwidth=1TB/s,,2TB/s'");
  EXPECT_EQ(bad.code, 2);
}

TEST(Cli, OversizedScenarioIsRefusedNotRunOutOfMemory) {
  std::string dir = temp_dir("huge");
  std::ofstream(dir + "/s.yaml") << "scenario:\n  name: huge\n"
      "  model: {name: m, hidden: 1024, layers: 96, heads: 16, ffn: 4096, vocab: 32000, max_seq_len: 2048}\n"
      "  parallel: {tp: 1, pp: 1, dp: 8}\n"
      "  training: {micro_batch: 1, global_batch: 8000000, seq_len: 2048}\n";
  RunResult r = run(xpusim() + " run --arch " + kPod + " --workload " + dir + "/s.yaml");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("million nodes"), std::string::npos) << r.err;
  fs::remove_all(dir);
}
