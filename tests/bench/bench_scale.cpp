// Scaling-study benchmark (not a test): wall time and peak memory of one full `xpusim scale` study,
// strong and weak, 8 -> 512 chips, in one process (the event kernel is reused across points).
//   build/tests/bench_scale [ARCH] [SCENARIO] [CHIPS] [JOBS]
//   default: arch-configs/pods/ascend-910b-64node.yaml workloads/scenarios/gpt3-175b-512.yaml
//            8,16,32,64,128,256,512 (counts below one model replica are skipped, as the CLI does)
// Same as: /usr/bin/time -v build/xpusim scale --arch ARCH --scenario SCENARIO --out DIR --no-plot
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sim/core/error.h"
#include "sim/study/scaling.h"

using namespace xpu;

int main(int argc, char** argv) {
  const std::string root = XPUSIM_SOURCE_DIR;
  const std::string arch_path = argc > 1 ? argv[1] : root + "/arch-configs/pods/ascend-910b-64node.yaml";
  const std::string scen_path = argc > 2 ? argv[2] : root + "/workloads/scenarios/gpt3-175b-512.yaml";
  try {
    ArchSpec arch = load_arch(arch_path);
    auto sc = wl::gen::load_scenario(scen_path);
    study::ScalingOptions opt;
    opt.chips = study::parse_chip_list(argc > 3 ? argv[3] : "8,16,32,64,128,256,512");
    opt.skip_unreachable = true;
    opt.jobs = argc > 4 ? std::atoi(argv[4]) : 1;
    std::printf("%-7s %6s %6s %14s %12s %12s\n", "mode", "chips", "micro", "sim_step_s", "events", "note");
    const auto t0 = std::chrono::steady_clock::now();
    auto st = study::run_scaling(arch, sc, opt);
    for (const auto& p : st.points)
      std::printf("%-7s %6lld %6lld %14.4f %12llu %12s\n", study::scaling_mode_name(p.mode),
                  static_cast<long long>(p.chips), static_cast<long long>(p.micro_batches), p.step_time.value(),
                  static_cast<unsigned long long>(p.events), p.shared ? "(shared)" : "");
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("\n%s on %s: %zu points (%zu skipped) in %.1f s wall, peak RSS %.0f MiB\n", st.scenario.c_str(),
                st.arch.c_str(), st.points.size(), st.skipped.size(), wall, ru.ru_maxrss / 1024.0);
  } catch (const UserError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
