// Engine throughput benchmark (not a test): wall time and events for data-parallel DAGs at scale.
//   build/tests/bench_engine [ranks...]      default: 8 64 512 4096
// Workload per rank: a ResNet-50-like data-parallel step, 161 compute nodes and 54 gradient
// all-reduces (the shape of tests/data/chakra/resnet50_dataparallel_8npus), all ranks sharing
// one program. Models: the closed-form roofline and alpha-beta ring, so this measures the engine.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sys/resource.h>

#include "sim/cluster/engine.h"
#include "sim/cluster/analytic_models.h"

using namespace xpu;

static wl::Workload resnet_like(int ranks) {
  wl::Workload w;
  w.name = "resnet-like-dp";
  w.num_ranks = ranks;
  int all = w.group_all();
  std::vector<wl::Node> nodes;
  wl::NodeIndex prev = 0;
  for (int i = 0; i < 161; ++i) {
    wl::Node n;
    n.name = "comp" + std::to_string(i);
    n.kind = wl::NodeKind::Delay;
    n.duration = units::microseconds(1082450.0 / 161);
    if (i) n.deps.push_back(prev);
    prev = static_cast<wl::NodeIndex>(nodes.size());
    nodes.push_back(n);
    if (i >= 107) {  // backward: an all-reduce after each of the last 54 compute nodes
      wl::Node c;
      c.name = "ar" + std::to_string(i);
      c.kind = wl::NodeKind::Collective;
      c.stream = wl::StreamKind::Comm;
      c.coll.kind = wl::CollKind::AllReduce;
      c.coll.bytes = Bytes(97.3e6 / 54);
      c.coll.group_set = all;
      c.deps.push_back(prev);
      nodes.push_back(c);
    }
  }
  w.programs.push_back(wl::Program::from_nodes("dp", std::move(nodes)));
  w.program_of_rank.assign(ranks, 0);
  wl::validate(w);
  return w;
}

int main(int argc, char** argv) {
  std::vector<int> sizes = {8, 64, 512, 4096};
  if (argc > 1) {
    sizes.clear();
    for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
  }
  ChipSpec chip;
  chip.clock = units::ghz(1.8);
  chip.hbm.bandwidth = units::gbps(1600);
  chip.hbm.capacity = Bytes(64 * units::GiB);
  std::printf("%8s %12s %12s %14s %12s\n", "ranks", "wall_s", "events", "sim_step_s", "maxrss_MiB");
  for (int n : sizes) {
    auto w = resnet_like(n);
    cluster::RooflineComputeModel compute(chip);
    cluster::AlphaBetaRingNetwork comm(units::gbps(56), units::microseconds(1.5));
    auto t0 = std::chrono::steady_clock::now();
    cluster::ClusterEngine e(w, compute, comm);
    auto r = e.run();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("%8d %12.4f %12llu %14.6f %12.1f\n", n, wall, static_cast<unsigned long long>(r.events),
                r.makespan.seconds(), ru.ru_maxrss / 1024.0);
  }
  return 0;
}
