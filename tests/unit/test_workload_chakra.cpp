// Chakra ET reader/writer: the public sample traces (figures from tests/data/chakra/ORIGIN.md,
// which counts them independently of this reader), round trips, and rejection of damaged files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/workload/chakra/chakra.h"
#include "sim/workload/native/yaml_writer.h"
#include "sim/workload/reader.h"
#include "sim/workload/symmetry.h"
#include "tests/support/paths.h"

namespace fs = std::filesystem;
using namespace xpu;
using namespace xpu::wl;

namespace {

std::string chakra_dir(const std::string& sub) {
  std::string d = test::data("chakra/" + sub);
  if (!fs::is_directory(d)) ADD_FAILURE() << "vendored Chakra traces missing: " << d << " (tests/data/chakra)";
  return d;
}

std::string tmpdir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("xpusim_test_chakra_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

std::string slurp(const std::string& f) {
  std::ifstream in(f, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& f, const std::string& data) {
  std::ofstream out(f, std::ios::binary | std::ios::trunc);
  out << data;
}

struct Counts {
  int comp = 0, allreduce = 0, alltoall = 0, other = 0;
  double ar_bytes = 0, a2a_bytes = 0, compute_us = 0;
};
Counts count(const Program& p) {
  Counts c;
  for (const auto& n : p.expand()) {
    if (n.kind == NodeKind::Delay) {
      ++c.comp;
      c.compute_us += n.duration.us();
    } else if (n.kind == NodeKind::Collective && n.coll.kind == CollKind::AllReduce) {
      ++c.allreduce;
      c.ar_bytes += n.coll.bytes.bytes();
    } else if (n.kind == NodeKind::Collective && n.coll.kind == CollKind::AllToAll) {
      ++c.alltoall;
      c.a2a_bytes += n.coll.bytes.bytes();
    } else {
      ++c.other;
    }
  }
  return c;
}

}  // namespace

TEST(WorkloadChakra, Resnet50MatchesPublishedCounts) {
  Workload w = load_workload(chakra_dir("resnet50_dataparallel_8npus") + "/Resnet50_DataParallel");
  EXPECT_EQ(w.num_ranks, 8);
  EXPECT_EQ(w.name, "Resnet50_DataParallel");
  for (RankId r = 0; r < 8; ++r) {
    const Program& p = w.programs[w.program_of_rank[r]];
    ASSERT_EQ(p.size(), 215u) << "rank " << r;
    Counts c = count(p);
    EXPECT_EQ(c.comp, 161);
    EXPECT_EQ(c.allreduce, 54);
    EXPECT_EQ(c.other, 0);
    // README: "97.3 MB" of all-reduce per iteration, which is 97.3 MiB: the comm sizes of the text
    // source (text_sources/Resnet50_DataParallel.txt, column 11) sum to 102,011,648 bytes.
    EXPECT_DOUBLE_EQ(c.ar_bytes, 102011648.0);
    EXPECT_NEAR(c.ar_bytes / (1024.0 * 1024.0), 97.3, 0.05);
    EXPECT_DOUBLE_EQ(c.compute_us, 1082450.0);  // README: 1,082,450 us per rank
  }
  // Collectives carry no communicator group: they span all ranks.
  for (const auto& p : w.programs)
    for (const auto& n : p.expand())
      if (n.kind == NodeKind::Collective) {
        EXPECT_EQ(w.group_sets[n.coll.group_set].name, "all");
      }
  // Identical rank programs are shared (rank 0 differs only in its metadata).
  EXPECT_EQ(w.programs.size(), 1u);
  bool noted = false;
  for (const auto& s : w.notes) noted |= s.find("duration_micros") != std::string::npos;
  EXPECT_TRUE(noted) << "the duration fallback must be stated in notes";
}

TEST(WorkloadChakra, DlrmAndMicrobenchmarks) {
  Workload d = load_workload(chakra_dir("dlrm_hybrid_8npus"));  // a directory with one trace
  EXPECT_EQ(d.num_ranks, 8);
  Counts c = count(d.programs[d.program_of_rank[0]]);
  EXPECT_EQ(d.programs[d.program_of_rank[0]].size(), 32u);
  EXPECT_EQ(c.comp, 23);
  EXPECT_EQ(c.allreduce, 7);
  EXPECT_EQ(c.alltoall, 2);
  EXPECT_DOUBLE_EQ(c.a2a_bytes, 2 * 98304.0);  // text source: Embedding ALLTOALL 98304 fwd and bwd

  Workload a = load_workload(chakra_dir("allreduce_8npus_1MB") + "/all_reduce");
  ASSERT_EQ(a.programs.size(), 1u);
  ASSERT_EQ(a.programs[0].size(), 1u);
  EXPECT_EQ(a.programs[0].expand()[0].kind, NodeKind::Collective);
  EXPECT_DOUBLE_EQ(a.programs[0].expand()[0].coll.bytes.bytes(), 1048576.0);
  Workload g = load_workload(chakra_dir("allreduce_8npus_1GB") + "/all_reduce.3.et");  // one file: one rank
  EXPECT_EQ(g.num_ranks, 1);
  EXPECT_DOUBLE_EQ(g.programs[0].expand()[0].coll.bytes.bytes(), 1073741824.0);
}

TEST(WorkloadChakra, RoundTripChakraYamlChakra) {
  Workload w = load_workload(chakra_dir("dlrm_hybrid_8npus") + "/DLRM_HybridParallel");
  const std::string y1 = write_yaml_trace(w);
  Workload from_yaml = read_yaml_trace_text(y1, "dlrm.yaml");
  EXPECT_EQ(write_yaml_trace(from_yaml), y1);
  std::string dir = tmpdir("rt");
  auto files = chakra::write_chakra(from_yaml, dir + "/dlrm");
  ASSERT_EQ(files.size(), 8u);
  Workload back = load_workload(dir + "/dlrm");
  EXPECT_EQ(back.programs.size(), w.programs.size());
  for (RankId r = 0; r < 8; ++r)
    EXPECT_TRUE(program_key(back.programs[back.program_of_rank[r]]) ==
                program_key(from_yaml.programs[from_yaml.program_of_rank[r]]))
        << "rank " << r;  // (names made unique by the YAML writer: compare with the YAML-read copy)
  back.name = w.name;
  EXPECT_EQ(write_yaml_trace(back), y1);
  fs::remove_all(dir);
}

TEST(WorkloadChakra, RoundTripKeepsEveryOpKind) {
  const char* text = R"(
workload:
  name: kinds
  ranks: 4
  groups:
    tp: [[0, 1], [2, 3]]
  programs:
    - ranks: all
      nodes:
        - {id: g, op: gemm, m: 128, n: 256, k: 64, batch: 3, dtype: fp16}
        - {id: v, op: vector, op_class: softmax, bytes: 1 MiB, flops: 2e6, deps: [g]}
        - {id: c, op: memcpy, bytes: 4 KiB, direction: d2h, deps: [v]}
        - {id: l, op: memcpy, bytes: 4 KiB, direction: d2d, deps: [v]}
        - {id: a, op: allgather, bytes: 3 MiB, group: tp, deps: [c]}
        - {id: b, op: broadcast, bytes: 1 KiB, root: 1, group: tp}
        - {id: s, op: send, peer_offset: 1, tag: 7, bytes: 1 MiB, deps: [a]}
        - {id: d, op: delay, duration: 1.25 us, flops: 1000, deps: [s, b], stream: comm}
)";
  // peer_offset 1 from rank 3 is out of range: use a 2-rank ring instead for P2P.
  std::string t = text;
  Workload w;
  EXPECT_THROW(read_yaml_trace_text(t, "bad.yaml"), UserError);
  t.replace(t.find("peer_offset: 1"), 14, "peer: 0");
  t.replace(t.find("ranks: all"), 10, "ranks: \"1-3\"");
  t.replace(t.find("  programs:\n"), 12,
            "  programs:\n    - ranks: [0]\n      nodes:\n        - {id: r, op: recv, peer: 1, tag: 7, bytes: 1 MiB}\n");
  w = read_yaml_trace_text(t, "kinds.yaml");
  std::string dir = tmpdir("kinds");
  chakra::write_chakra(w, dir + "/k");
  Workload back = chakra::read_chakra(dir + "/k");
  back.name = w.name;
  // Absolute peers come back as offsets (symmetry), so compare after one normalisation.
  Workload back2 = chakra::read_chakra_files(chakra::write_chakra(back, dir + "/k2"), "kinds");
  EXPECT_EQ(write_yaml_trace(back2), write_yaml_trace(back));
  const std::vector<Node> pn = back.programs[back.program_of_rank[1]].expand();
  ASSERT_EQ(pn.size(), 8u);
  EXPECT_EQ(pn[0].gemm.batch, 3);
  EXPECT_EQ(pn[0].gemm.dtype, DType::FP16);
  EXPECT_EQ(pn[1].vec.op_class, "softmax");
  EXPECT_DOUBLE_EQ(pn[1].vec.flops.value(), 2e6);
  EXPECT_EQ(pn[2].copy.direction, "d2h");
  EXPECT_EQ(pn[3].copy.direction, "d2d");
  EXPECT_EQ(back.group_sets[pn[4].coll.group_set].name, "tp");
  EXPECT_EQ(back.group_sets[pn[4].coll.group_set].groups.size(), 2u);
  EXPECT_EQ(pn[5].coll.root, 1);
  EXPECT_EQ(pn[6].p2p.resolve(1), 0);
  EXPECT_EQ(pn[6].p2p.tag, 7);
  EXPECT_DOUBLE_EQ(pn[7].duration.seconds(), 1.25e-6);
  EXPECT_EQ(pn[7].stream, StreamKind::Comm);
  EXPECT_EQ(pn[7].deps.size(), 2u);
  fs::remove_all(dir);
}

TEST(WorkloadChakra, TruncatedFileNamesFileAndOffset) {
  std::string src = chakra_dir("resnet50_dataparallel_8npus") + "/Resnet50_DataParallel.1.et";
  std::string data = slurp(src);
  ASSERT_GT(data.size(), 1000u);
  std::string dir = tmpdir("trunc");
  for (RankId r = 0; r < 2; ++r) spit(dir + "/t." + std::to_string(r) + ".et", data);
  spit(dir + "/t.1.et", data.substr(0, data.size() - 7));
  try {
    load_workload(dir + "/t");
    FAIL() << "a truncated file must be rejected";
  } catch (const UserError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("t.1.et"), std::string::npos) << m;
    EXPECT_NE(m.find("truncated"), std::string::npos) << m;
    EXPECT_NE(m.find("at byte "), std::string::npos) << m;
  }
  fs::remove_all(dir);
}

TEST(WorkloadChakra, CorruptVarintAndGarbageRejected) {
  std::string dir = tmpdir("corrupt");
  std::string good = slurp(chakra_dir("allreduce_8npus_1MB") + "/all_reduce.0.et");
  spit(dir + "/v.0.et", good + std::string(11, '\xff'));
  try {
    chakra::read_chakra(dir + "/v");
    FAIL();
  } catch (const UserError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("corrupt varint at byte " + std::to_string(good.size())), std::string::npos) << m;
  }
  // A well-formed length around bytes that are not a Node.
  spit(dir + "/g.0.et", good + std::string("\x03\xff\xff\xff", 4));
  try {
    chakra::read_chakra(dir + "/g");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt Node message"), std::string::npos) << e.what();
  }
  spit(dir + "/e.0.et", "");
  EXPECT_THROW(chakra::read_chakra(dir + "/e"), UserError);
  // A missing rank file is named.
  spit(dir + "/m.0.et", good);
  spit(dir + "/m.2.et", good);
  try {
    chakra::read_chakra(dir + "/m");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("m.1.et"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}
