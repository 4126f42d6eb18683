// Benchmark: wall time and peak memory of simulating collectives on large pods.
//   bench_coll [--full]
// 1 GiB all-reduce on 512 chips (ascend-910b-64node) and 4,096 chips (ascend-910b-512node) with the
// tuner's choice and with the flat ring; a 1 MB all-reduce on 1,024 chips (ASTRA-sim's reference
// point: 8 s and 365 MB for 1 MB on 1,024 NPUs). --full adds the flat ring on 4,096 chips
// (33.5 M flows). Target: under 1 s for 512 chips. Peak RSS is the process's, cumulative over runs.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "sim/cluster/arch.h"
#include "sim/collective/collective.h"

using namespace xpu;

static double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

static void bench(const Topology& topo, int ranks, double bytes, const std::string& algo) {
  CollectiveRequest r;
  r.op = CollOp::AllReduce;
  r.bytes = Bytes(bytes);
  for (int i = 0; i < ranks; ++i) r.chips.push_back(i);
  r.algorithm = algo;
  auto t0 = std::chrono::steady_clock::now();
  CollectiveResult res = run_isolated(topo, r);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%-22s ranks %5d  size %-10s algo %-18s sim %-12s busbw %8.2f GB/s  flows %9llu  wall %7.3f s  peak RSS %6.0f MB\n",
              topo.name().c_str(), ranks, format_bytes(r.bytes).c_str(), res.algorithm.c_str(),
              format_seconds(res.time).c_str(), res.busbw.gb_per_s(), static_cast<unsigned long long>(res.flows), wall,
              peak_rss_mb());
}

int main(int argc, char** argv) {
  const bool full = argc > 1 && std::strcmp(argv[1], "--full") == 0;
  const std::string dir = std::string(XPUSIM_SOURCE_DIR) + "/arch-configs/pods/";
  auto load = [&](const char* f) {
    ArchSpec a = load_arch(dir + f);
    return std::make_unique<Topology>(a.pod, LinkDefaults{a.chip.links.bandwidth, a.chip.links.latency});
  };
  auto t0 = std::chrono::steady_clock::now();
  auto p512 = load("ascend-910b-64node.yaml");
  auto p4096 = load("ascend-910b-512node.yaml");
  std::printf("topologies built in %.3f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  bench(*p512, 512, units::GiB, "auto");
  bench(*p512, 512, units::GiB, "ring");
  bench(*p512, 512, units::GiB, "hierarchical");
  bench(*p512, 512, units::GiB, "tree");
  bench(*p4096, 1024, 1e6, "auto");
  bench(*p4096, 1024, 1e6, "ring");
  bench(*p4096, 4096, units::GiB, "auto");
  bench(*p4096, 4096, units::GiB, "hierarchical");
  if (full) bench(*p4096, 4096, units::GiB, "ring");
  return 0;
}
