// Benchmark (not a test): wall time of one GEMM simulation, shapes up to 16384^3.
//
// For each shape and chip fixture it prints the simulated cycles and the wall time per call of
// chip::simulate_gemm (mapper + multi-core pipeline, no op cache), with steady-state extrapolation
// and, where affordable, tile by tile; and the stall-free array schedule (SCALE-Sim v2 CALC-mode
// cycles) with its wall time. SCALE-Sim v2 takes 3-17 s per layer on this machine (issue 3), so
// the target is >= 1000x faster, i.e. < 3 ms per GEMM.
// Usage: bench_gemm [repetitions]   (default 5)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sim/chip/chip_model.h"
#include "sim/chip/systolic.h"
#include "sim/cluster/arch.h"

using namespace xpu;
using Clock = std::chrono::steady_clock;

namespace {
template <class F>
double best_of(int reps, F&& f) {
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}
}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const std::string dir = XPUSIM_SOURCE_DIR;
  for (const char* fixture : {"tests/data/chip_a100.yaml", "tests/data/chip_small.yaml"}) {
    const ArchSpec arch = load_arch(dir + "/" + fixture);
    const ChipSpec& chip = arch.chip;
    mem::ConstantEfficiencyPort port(chip.hbm.bandwidth, chip.hbm.efficiency, chip.hbm.capacity);
    std::printf("\nchip %s (%s): %lld cores, %lldx%lldx%lld %s\n", chip.name.c_str(), fixture,
                static_cast<long long>(chip.cores), static_cast<long long>(chip.matrix.rows),
                static_cast<long long>(chip.matrix.cols), static_cast<long long>(chip.matrix.depth),
                chip.matrix.dataflow.c_str());
    std::printf("%-22s %14s %8s %7s %12s %12s %14s\n", "shape (bf16)", "cycles", "util%", "bound", "wall extrap",
                "wall full", "steps (ex/full)");
    for (std::int64_t s : {1024, 2048, 4096, 8192, 16384}) {
      for (std::int64_t m : {s, std::int64_t(1)}) {
        chip::GemmShape g{m, s, s, 1, DType::BF16};
        chip::OpResult r;
        const double t_ex = best_of(reps, [&] { r = chip::simulate_gemm(chip, port, g); });
        chip::SimOptions full;
        full.extrapolate = false;
        chip::OpResult rf;
        const double t_full = s <= 4096 ? best_of(1, [&] { rf = chip::simulate_gemm(chip, port, g, full); }) : -1;
        char shape[64];
        std::snprintf(shape, sizeof shape, "%lldx%lldx%lld", static_cast<long long>(m), static_cast<long long>(s),
                      static_cast<long long>(s));
        std::printf("%-22s %14lld %8.2f %7s %10.3f ms %10s %7lld/%lld%s\n", shape,
                    static_cast<long long>(r.cycles.count()), 100 * r.utilization, r.bound.c_str(), t_ex * 1e3,
                    t_full < 0 ? "-" : (std::to_string(t_full * 1e3).substr(0, 7) + " ms").c_str(),
                    static_cast<long long>(r.steps_simulated), static_cast<long long>(t_full < 0 ? 0 : rf.steps_simulated),
                    (t_full >= 0 && rf.cycles != r.cycles) ? "  MISMATCH" : "");
      }
    }
  }
  // Stall-free array schedule (SCALE-Sim v2 CALC mode) on one 128x128 / 32x32 array.
  std::printf("\nstall-free array cycles (SCALE-Sim v2 CALC-mode schedule)\n");
  for (std::int64_t s : {1024, 4096, 16384}) {
    for (auto [rows, df] : {std::pair<std::int64_t, chip::Dataflow>{32, chip::Dataflow::WS},
                            std::pair<std::int64_t, chip::Dataflow>{128, chip::Dataflow::OS}}) {
      chip::ArrayCycles a;
      const double t = best_of(reps, [&] { a = chip::array_cycles(rows, rows, df, s, s, s, false); });
      std::printf("  %lldx%lld %s  %lld^3: %lld cycles, wall %.3f us\n", static_cast<long long>(rows),
                  static_cast<long long>(rows), chip::dataflow_name(df), static_cast<long long>(s),
                  static_cast<long long>(a.total), t * 1e6);
    }
  }
  return 0;
}
