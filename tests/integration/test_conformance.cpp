// Conformance suite: every entry of every registry (sim/core/registry.h) through the same checks,
// iterating the registries themselves -- no list of names here, so a new collective algorithm,
// level kind, trace format or model is checked the moment it registers.
//
//   collective algorithms  for every op and every group the algorithm supports on idle symmetric
//                          8-chip topologies built from every registered level kind (one level,
//                          and 4 x 2 over two levels of the kind, for multi-level algorithms):
//                          * bytes: its schedule delivers what the op needs per rank (lower bounds
//                            that hold for any correct algorithm: all-gather and all-to-all each
//                            rank receives >= (n-1)/n S, all-reduce each rank sends and receives
//                            >= (n-1)/n S, reduce-scatter >= (n-1)/n^2 S, broadcast every non-root
//                            receives >= S, reduce and send/recv the root / destination receives
//                            >= S), and the ring all-reduce class bound 2(n-1)/n S is met exactly by
//                            at least one bandwidth-optimal algorithm;
//                          * an algorithm that reduces IN THE NETWORK (it declares in_network_bytes:
//                            NVLS / SHARP) is held instead to its own closed-form bytes into and out
//                            of the network per rank (what its schedule sends on each rank's uplink
//                            and downlink, partial-route messages counted on the one link they use),
//                            which must meet the information bounds of any all-reduce (each rank's
//                            whole buffer leaves it and its whole result arrives: >= S each way) or
//                            reduce-scatter (>= (n-1)/n S up, >= S/n down); it is excluded from the
//                            ring-class bound, and point-to-point algorithms may not send on partial
//                            routes. Every level kind that has switches (LevelKind::has_switch, where
//                            reduction_efficiency is accepted) is also built as one reducing tier, so such
//                            algorithms are exercised;
//                          * sends and receives balance in every step (no message lost);
//                          * time: on every topology the closed-form model() never underestimates
//                            the simulated time and is at most 5 % above it (or the slack the
//                            algorithm declares for a bound); where each chip pair is one link
//                            apart (a full mesh: uncongested by construction) it equals the
//                            simulated time within 1e-6 unless the algorithm declares a bound (an
//                            in-network algorithm, one link per message, is held to that on every
//                            topology it supports); and
//                            the time is never below the link-bandwidth lower bound.
//   topology level kinds   every kind, alone and as both levels of a two-level pod, builds from its
//                          own example(), routes every chip pair over existing links joined head to
//                          tail from src to dst, and ring_order visits every chip exactly once.
//   trace readers/writers  every writer's output reads back with its reader and writes again to
//                          the same bytes; every reader refuses every other writer's output with a
//                          UserError (not a crash, not a silent success).
//   compute / network /    every combination simulates a GEMM followed by an all-reduce on 8 chips
//   memory models          in positive, finite time, no less than the GEMM at peak; every memory
//                          model gives a positive, finite, at-most-peak bandwidth.
//   report writers         every writer renders every one of those runs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

#include "sim/cluster/model_registry.h"
#include "sim/cluster/simulate.h"
#include "sim/collective/algorithm.h"
#include "sim/core/config.h"
#include "sim/core/error.h"
#include "sim/core/registry.h"
#include "sim/interconnect/topology.h"
#include "sim/report/report_writer.h"
#include "sim/workload/reader.h"
#include "tests/support/paths.h"

namespace xpu {
namespace {

namespace fs = std::filesystem;

constexpr double B = 100e9;   // bytes/s per link
constexpr double A = 1e-6;    // link latency
constexpr double S = 64.0 * units::MiB;
// How far an exact model() may be from the simulated time on an uncongested full mesh (rounding of
// picosecond event times); bounds are held to the slack their algorithm declares.
constexpr double kModelTolerance = 1e-6;
// How far above the simulated time model() may be on multi-hop topologies (rings, tori, switches,
// custom graphs), where it charges every step the latency of the step's longest route and the load
// of its busiest link: measured at most 4.5 % (ring broadcast on a 2 x 4 mesh).
constexpr double kMultiHopTolerance = 0.05;
const LinkDefaults kDefaults{BytesPerSecond(B), Seconds(A)};

const CollOp kOps[] = {CollOp::AllReduce, CollOp::AllGather, CollOp::ReduceScatter, CollOp::AllToAll,
                       CollOp::Broadcast, CollOp::Reduce, CollOp::SendRecv};

std::vector<int> iota(int n) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i) v.push_back(i);
  return v;
}

PodSpec one_level_pod(const std::string& kind, int n) {
  PodSpec p;
  p.name = kind + "-" + std::to_string(n);
  p.chips = n;
  LevelSpec l = level_kind(kind).example(n);
  l.kind = kind;
  p.topology.levels = {l};
  return p;
}

// Two levels of 8 chips: `inner` of 4 members, 2 instances joined by `outer` of 2 members.
PodSpec two_level_pod(const std::string& inner, const std::string& outer) {
  PodSpec p;
  p.name = inner + "x" + outer;
  p.chips = 8;
  LevelSpec a = level_kind(inner).example(4), b = level_kind(outer).example(2);
  a.kind = inner;
  b.kind = outer;
  p.topology.levels = {a, b};
  return p;
}

// reduction_efficiency of the reducing levels below (a fraction of the link bandwidth).
constexpr double kReduction = 0.6;

// The kind's example as one tier of `size` members that reduces in the network, or nullopt when the
// kind has no switch to reduce in.
std::optional<LevelSpec> reducing_level(const std::string& kind, int size) {
  if (!level_kind(kind).has_switch()) return std::nullopt;
  LevelSpec l = level_kind(kind).example(size);
  l.kind = kind;
  l.leaf_size = 0;
  l.reduction_efficiency = kReduction;
  return l;
}

// Idle symmetric topologies of 8 chips built from registered kinds: every kind alone, every kind as
// the inner level under the same kind (so multi-level algorithms are exercised too), and every kind
// that may reduce in the network as one reducing tier (so in-network algorithms are exercised).
std::vector<std::pair<std::string, std::unique_ptr<Topology>>> topologies() {
  std::vector<std::pair<std::string, std::unique_ptr<Topology>>> out;
  for (const auto& name : level_kind_registry().names()) {
    out.emplace_back(name, std::make_unique<Topology>(one_level_pod(name, 8), kDefaults));
    out.emplace_back(name + " x " + name, std::make_unique<Topology>(two_level_pod(name, name), kDefaults));
    if (auto l = reducing_level(name, 8)) {
      PodSpec p;
      p.name = name + "-reducing";
      p.chips = 8;
      p.topology.levels = {*l};
      out.emplace_back(name + " (reducing)", std::make_unique<Topology>(p, kDefaults));
    }
  }
  return out;
}

struct Moved {
  std::vector<double> sent, recv;
  bool balanced = true;
  bool partial = false;  // some message uses only part of its route (in-network traffic)
};

// Walk the schedule: bytes each rank sends and receives; every step's receives match its sends. A
// message on the first hop only counts as sent (it ends in the switch), one on the last hop only as
// received (the switch produced it).
Moved walk(const Schedule& s, int n) {
  Moved m;
  m.sent.assign(static_cast<size_t>(n), 0);
  m.recv.assign(static_cast<size_t>(n), 0);
  StepPlan p;
  for (int step = 0; step < s.steps(); ++step) {
    std::vector<int> arriving(static_cast<size_t>(n), 0), expected(static_cast<size_t>(n), 0);
    for (int r = 0; r < n; ++r) {
      p.clear();
      s.step(r, step, p);
      expected[static_cast<size_t>(r)] = p.recvs;
      for (const auto& snd : p.sends) {
        if (snd.hops != Network::Hops::Route) m.partial = true;
        if (snd.hops != Network::Hops::Last) m.sent[static_cast<size_t>(r)] += snd.bytes;
        if (snd.hops != Network::Hops::First) m.recv[static_cast<size_t>(snd.peer)] += snd.bytes;
        ++arriving[static_cast<size_t>(snd.peer)];
      }
    }
    if (arriving != expected) m.balanced = false;
  }
  return m;
}

TEST(Conformance, RegistriesAreListed) {
  // Every extension point is in the catalog and has entries (what schema and check print).
  for (const char* what : {"collective algorithm", "topology level kind", "trace reader", "trace writer",
                           "compute model", "memory model", "network model", "report writer"}) {
    auto it = registry_catalog().find(what);
    ASSERT_NE(it, registry_catalog().end()) << what;
    EXPECT_FALSE(it->second->names().empty()) << what;
    for (const auto& e : it->second->info()) EXPECT_FALSE(e.doc.empty()) << what << " " << e.name;
  }
}

TEST(Conformance, EveryCollectiveAlgorithmMovesTheRightBytes) {
  const CollectiveOptions opts;
  int checked = 0;
  std::set<std::string> seen;
  for (const auto& [topo_name, topo] : topologies()) {
    const int n = topo->chips();
    for (CollOp op : kOps) {
      std::vector<int> chips = op == CollOp::SendRecv ? std::vector<int>{0, n - 1} : iota(n);
      const int g = static_cast<int>(chips.size());
      AlgoContext c{*topo, op, S, chips, 0, opts};
      double best_allreduce_max_sent = 1e300;
      for (const auto& [name, e] : algorithm_registry().entries()) {
        const Algorithm* a = find_algorithm(name);
        ASSERT_NE(a, nullptr) << name;
        if (!a->supports(c)) continue;
        ++checked;
        seen.insert(name);
        const std::string what = name + " " + coll_op_name(op) + " on " + topo_name;
        auto sched = a->plan(c);
        ASSERT_TRUE(sched) << what;
        ASSERT_EQ(static_cast<int>(sched->chips.size()), g) << what;
        EXPECT_EQ(std::set<int>(sched->chips.begin(), sched->chips.end()), std::set<int>(chips.begin(), chips.end()))
            << what;
        Moved m = walk(*sched, g);
        EXPECT_TRUE(m.balanced) << what << ": a step's receives do not match the messages sent to it";
        const double share = (g - 1.0) / g * S, eps = 1e-9 * S;
        if (const auto nb = a->in_network_bytes(c)) {
          // Reduced in the network: its own closed-form bytes, which must meet the information bounds.
          const double up_min = op == CollOp::ReduceScatter ? share : S;
          const double down_min = op == CollOp::ReduceScatter ? S / g : S;
          EXPECT_GE(nb->up, up_min - eps) << what;
          EXPECT_GE(nb->down, down_min - eps) << what;
          EXPECT_TRUE(op == CollOp::AllReduce || op == CollOp::ReduceScatter) << what << ": only reductions reduce";
          for (int r = 0; r < g; ++r) {
            EXPECT_NEAR(m.sent[static_cast<size_t>(r)], nb->up, eps) << what << " rank " << r;
            EXPECT_NEAR(m.recv[static_cast<size_t>(r)], nb->down, eps) << what << " rank " << r;
          }
          continue;
        }
        EXPECT_FALSE(m.partial) << what << ": a point-to-point algorithm sends on part of a route";
        double max_sent = 0;
        for (int r = 0; r < g; ++r) {
          const double sent = m.sent[static_cast<size_t>(r)], recv = m.recv[static_cast<size_t>(r)];
          max_sent = std::max(max_sent, sent);
          switch (op) {
            case CollOp::AllReduce:
              EXPECT_GE(sent, share - eps) << what << " rank " << r;
              EXPECT_GE(recv, share - eps) << what << " rank " << r;
              break;
            case CollOp::AllGather:
            case CollOp::AllToAll:
              EXPECT_GE(recv, share - eps) << what << " rank " << r;
              break;
            case CollOp::ReduceScatter:
              EXPECT_GE(recv, share / g - eps) << what << " rank " << r;
              break;
            case CollOp::Broadcast:
              if (r != 0) {
                EXPECT_GE(recv, S - eps) << what << " rank " << r;
              }
              break;
            case CollOp::Reduce:
            case CollOp::SendRecv:
              if (r == (op == CollOp::Reduce ? 0 : 1)) {
                EXPECT_GE(recv, S - eps) << what << " rank " << r;
              }
              break;
          }
          // No algorithm sends more than every rank's whole buffer to every peer.
          EXPECT_LE(sent, 2.0 * g * S) << what << " rank " << r;
        }
        if (op == CollOp::AllReduce) best_allreduce_max_sent = std::min(best_allreduce_max_sent, max_sent);
      }
      // Bandwidth-optimal all-reduce (ring class): some registered algorithm sends exactly 2(n-1)/n S per rank.
      if (op == CollOp::AllReduce) {
        EXPECT_NEAR(best_allreduce_max_sent, 2.0 * (g - 1) / g * S, 1e-9 * S) << topo_name;
      }
    }
  }
  EXPECT_GT(checked, 20);
  // No registered algorithm escapes: each supports some op on some of these topologies.
  EXPECT_EQ(seen.size(), algorithm_registry().names().size());
}

TEST(Conformance, EveryCollectiveAlgorithmAgreesWithItsModel) {
  int checked = 0, exact = 0;
  for (const auto& [topo_name, topo] : topologies()) {
    // Where every chip pair is one link apart (a full mesh) no two messages of a step share a link.
    bool one_hop = true;
    for (int a = 0; a < topo->chips() && one_hop; ++a)
      for (int b = 0; b < topo->chips(); ++b)
        if (a != b && topo->route(a, b).links.size() != 1) one_hop = false;
    const int n = topo->chips();
    for (CollOp op : kOps) {
      std::vector<int> chips = op == CollOp::SendRecv ? std::vector<int>{0, n - 1} : iota(n);
      for (const auto& name : supported_algorithms(*topo, {op, Bytes(S), chips, 0, "auto"})) {
        const std::string what = name + " " + coll_op_name(op) + " on " + topo_name;
        CollectiveResult r = run_isolated(*topo, {op, Bytes(S), chips, 0, name});
        ++checked;
        ASSERT_EQ(r.algorithm, name) << what;
        const double t = r.time.seconds(), m = r.model.seconds();
        ASSERT_TRUE(std::isfinite(t) && t > 0) << what;
        // The closed form never underestimates an idle topology (the tuner is conservative) ...
        EXPECT_LE(t, m * (1 + kModelTolerance)) << what;
        // ... and is exact where messages cannot meet, unless the algorithm declares a bound.
        const Algorithm::ModelAccuracy acc = find_algorithm(name)->model_accuracy();
        const bool in_network = find_algorithm(name)->in_network_bytes(
                                    AlgoContext{*topo, op, S, chips, 0, CollectiveOptions{}}).has_value();
        if ((one_hop || in_network) && !acc.upper_bound) {
          ++exact;
          EXPECT_NEAR(t, m, kModelTolerance * m) << what;
        } else {
          EXPECT_GE(t * (1 + std::max(acc.slack, kMultiHopTolerance)), m) << what;
        }
        // Lower bound from the links: a rank that must receive V bytes needs V / (n-1 links x B).
        const double g = static_cast<double>(chips.size());
        double must = 0;
        if (op == CollOp::AllGather || op == CollOp::AllToAll || op == CollOp::AllReduce) must = (g - 1) / g * S;
        if (op == CollOp::Broadcast || op == CollOp::Reduce || op == CollOp::SendRecv) must = S;
        EXPECT_GE(t, must / ((g - 1) * B) * (1 - 1e-9)) << what;
      }
    }
  }
  EXPECT_GT(checked, 100);
  EXPECT_GT(exact, 10);
}

// Links of a route join head to tail from src to dst and exist.
void expect_connected(const Topology& t, int src, int dst, const std::string& what) {
  Route r = t.route(src, dst);
  ASSERT_FALSE(r.links.empty()) << what << " " << src << "->" << dst;
  int at = src;
  for (int id : r.links) {
    ASSERT_GE(id, 0) << what;
    ASSERT_LT(id, static_cast<int>(t.links().size())) << what;
    const TopoLink& l = t.links()[static_cast<size_t>(id)];
    ASSERT_EQ(l.from, at) << what << " " << src << "->" << dst;
    at = l.to;
  }
  EXPECT_EQ(at, dst) << what << " " << src << "->" << dst;
  EXPECT_GT(r.latency_s, 0) << what;
}

void check_topology(const Topology& t, const std::string& what) {
  for (int a = 0; a < t.chips(); ++a)
    for (int b = 0; b < t.chips(); ++b)
      if (a != b) expect_connected(t, a, b, what);
  std::vector<int> order = t.ring_order(iota(t.chips()));
  ASSERT_EQ(static_cast<int>(order.size()), t.chips()) << what;
  EXPECT_EQ(std::set<int>(order.begin(), order.end()).size(), static_cast<size_t>(t.chips())) << what;
}

TEST(Conformance, EveryLevelKindBuildsAndRoutesEveryPair) {
  for (const auto& name : level_kind_registry().names()) {
    for (int n : {2, 3, 8}) {
      PodSpec p = one_level_pod(name, n);
      Topology t(p, kDefaults);
      check_topology(t, name + " of " + std::to_string(n));
    }
    // Two levels of the kind: 4 members x 2 instances.
    Topology t(two_level_pod(name, name), kDefaults);
    EXPECT_EQ(t.levels().size(), 2u);
    check_topology(t, name + " x " + name);
  }
}

TEST(Conformance, EveryLevelKindExampleIsAValidConfig) {
  // The example a kind gives passes the config checks (PodSpec::check via the reader).
  for (const auto& name : level_kind_registry().names()) {
    PodSpec p = one_level_pod(name, 8);
    std::ostringstream y;
    y << "pod: {chips: 8, topology: {levels: [" << cfg::to_json(p.topology.levels[0]) << "]}}";
    cfg::Node root = cfg::load_string(y.str(), "example.yaml");
    EXPECT_NO_THROW(cfg::read<PodSpec>(*root.find("pod"), "pod")) << name << ": " << y.str();
  }
}

const char* const kTrace =
    "workload:\n"
    "  name: conformance\n"
    "  ranks: 4\n"
    "  programs:\n"
    "    - ranks: all\n"
    "      nodes:\n"
    "        - {id: mm, op: gemm, m: 256, n: 512, k: 1024, dtype: bf16}\n"
    "        - {id: ar, op: allreduce, bytes: 8 MiB, deps: [mm]}\n";

std::string slurp(const std::string& f) {
  std::ifstream in(f, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

TEST(Conformance, EveryTraceWriterRoundTripsThroughItsReader) {
  const wl::Workload w = wl::read_yaml_trace_text(kTrace, "conformance.yaml");
  const fs::path root = fs::temp_directory_path() / ("xpusim_conformance_" + std::to_string(::getpid()));
  fs::remove_all(root);
  std::map<std::string, std::string> written;  // writer -> a path its reader reads
  for (const auto& [name, e] : wl::trace_writer_registry().entries()) {
    auto writer = e.make();
    const std::string reader_name = writer->reader();
    ASSERT_NE(wl::trace_reader_registry().find(reader_name), nullptr) << name << " names reader " << reader_name;
    fs::create_directories(root / name / "a");
    fs::create_directories(root / name / "b");
    // Pick an output path the writer claims (it would be chosen for it by `convert`).
    std::string out;
    for (const char* cand : {"trace.yaml", "trace.et", "trace"})
      if (out.empty() && writer->claims((root / name / "a" / cand).string()) > 0) out = cand;
    ASSERT_FALSE(out.empty()) << name;
    std::vector<std::string> files = writer->write(w, (root / name / "a" / out).string());
    ASSERT_FALSE(files.empty()) << name;
    auto reader = wl::trace_reader_registry().make(reader_name);
    const std::string in = files.size() == 1 ? files[0] : (root / name / "a").string();
    ASSERT_TRUE(reader->recognises(in)) << name << ": " << in;
    wl::Workload back = reader->read(in);
    EXPECT_EQ(back.num_ranks, w.num_ranks) << name;
    std::size_t nodes = 0, nodes_back = 0;
    for (const auto& p : w.programs) nodes += p.expand().size();
    for (const auto& p : back.programs) nodes_back += p.expand().size();
    EXPECT_EQ(nodes_back, nodes) << name;
    double f = 0, f_back = 0;
    for (const auto& p : w.programs) f += wl::program_flops(p).value();
    for (const auto& p : back.programs) f_back += wl::program_flops(p).value();
    EXPECT_DOUBLE_EQ(f_back, f) << name;
    // write(read(write(w))) == write(w), byte for byte.
    std::vector<std::string> again = writer->write(back, (root / name / "b" / out).string());
    ASSERT_EQ(again.size(), files.size()) << name;
    for (size_t i = 0; i < files.size(); ++i) EXPECT_EQ(slurp(again[i]), slurp(files[i])) << name << " " << i;
    written[name] = in;
  }
  // Every reader refuses what the writers of other formats wrote: a UserError, never a crash or a
  // silently wrong workload.
  for (const auto& [rname, re] : wl::trace_reader_registry().entries()) {
    for (const auto& [wname, path] : written) {
      if (wl::trace_writer_registry().make(wname)->reader() == rname) continue;
      auto reader = re.make();
      EXPECT_THROW(reader->read(path), UserError) << rname << " reading " << wname << " output " << path;
    }
  }
  fs::remove_all(root);
}

TEST(Conformance, EveryModelCombinationGivesPositiveFiniteTime) {
  ArchSpec base = load_arch(test::data("pod_h100_nvswitch.yaml"));
  base.chip.hbm.preset = test::src("arch-configs/memory/hbm3.yaml");
  const wl::Workload w = wl::read_yaml_trace_text(
      "workload:\n  name: gemm-then-allreduce\n  ranks: 8\n  programs:\n    - ranks: all\n      nodes:\n"
      "        - {id: mm, op: gemm, m: 4096, n: 4096, k: 4096, dtype: bf16}\n"
      "        - {id: ar, op: allreduce, bytes: 64 MiB, deps: [mm]}\n",
      "inline.yaml");
  int runs = 0;
  for (const auto& compute : cluster::compute_model_registry().names())
    for (const auto& network : cluster::network_model_registry().names())
      for (bool preset : {false, true}) {  // both memory models behind the compute model
        ArchSpec a = base;
        a.models.compute = compute;
        a.models.network = network;
        if (!preset) a.chip.hbm.preset.clear();
        const std::string what = compute + " + " + network + " + " + cluster::memory_model_name(a);
        cluster::SimResult r = cluster::simulate(a, w);
        ++runs;
        EXPECT_TRUE(std::isfinite(r.makespan.seconds())) << what;
        EXPECT_GT(r.makespan.seconds(), 0) << what;
        // The step is at least the GEMM at peak plus nothing negative.
        const double gemm_at_peak = 2.0 * 4096.0 * 4096 * 4096 / a.chip.matrix_peak(DType::BF16).value();
        EXPECT_GE(r.makespan.seconds(), gemm_at_peak) << what;
        EXPECT_EQ(r.compute_model.empty(), false) << what;
        // Every report writer renders this run.
        const report::Summary sum = report::summarize(w, a, r);
        const std::string sj = report::summary_json(sum, a);
        const report::RunReport in{w, a, r, sum, sj};
        for (const auto& [file, e] : report::report_writer_registry().entries())
          EXPECT_FALSE(e.make()->render(in).empty()) << what << ": " << file;
      }
  EXPECT_EQ(runs, 2 * static_cast<int>(cluster::compute_model_registry().names().size() *
                                        cluster::network_model_registry().names().size()));
  std::set<std::string> used;
  for (const auto& name : cluster::memory_model_registry().names()) {
    ArchSpec a = base;
    if (cluster::memory_model_name(a) != name) a.chip.hbm.preset.clear();
    ASSERT_EQ(cluster::memory_model_name(a), name) << "memory model " << name << " is never selected";
    auto port = cluster::memory_model_registry().make(name, a);
    mem::AccessProfile stream;
    const double bw = port->achievable_bandwidth(stream).value();
    EXPECT_TRUE(std::isfinite(bw) && bw > 0) << name;
    EXPECT_LE(bw, port->peak_bandwidth().value() * (1 + 1e-9)) << name;
    used.insert(name);
  }
  EXPECT_EQ(used.size(), cluster::memory_model_registry().names().size());
}

}  // namespace
}  // namespace xpu
