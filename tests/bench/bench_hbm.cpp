// bench_hbm: simulation speed of the HBM model.
//   detailed: simulated bytes and simulated time per wall-second on one HBM3 channel (2 pseudo-channels)
//             and on a full stack, stream and random; compared with Ramulator 2.1 measured on this
//             machine: about 137 us of simulated time of one HBM3 channel per 2.35 s of wall time.
//   fast:     the same traffic through the calibrated bandwidth servers (64 B and 1 MiB requests).
// Usage: bench_hbm [scale]   (scale multiplies the simulated bytes; default 1)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sim/memory/fast_hbm.h"
#include "sim/memory/traffic.h"

using namespace xpu;
using namespace xpu::mem;

namespace {
constexpr double kRamulatorSimPerWall = 137e-6 / 2.35;  // simulated s per wall s, one HBM3 channel

template <class F>
double wall(F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void report(const char* label, const TrafficResult& r, double w, bool one_channel) {
  const double sim_per_wall = r.elapsed.seconds() / w;
  std::printf("%-34s %8.1f MB/s simulated  %9.1f us sim/wall-s  eff %5.1f%%  events %9llu  wall %.3f s", label,
              r.bytes.bytes() / w / 1e6, sim_per_wall * 1e6, 100 * r.efficiency,
              static_cast<unsigned long long>(r.events), w);
  if (one_channel) std::printf("  = %.1fx Ramulator", sim_per_wall / kRamulatorSimPerWall);
  std::printf("\n");
  std::fflush(stdout);
}
}  // namespace

int main(int argc, char** argv) {
  const double scale = argc > 1 ? std::atof(argv[1]) : 1.0;
  const std::string dir = std::string(XPUSIM_SOURCE_DIR) + "/arch-configs/memory/";
  HbmSpec stack = load_hbm_preset(dir + "hbm3.yaml");
  HbmSpec channel = stack;
  channel.organisation.channels = 1;
  CalibrationTable table = load_calibration(stack.calibration_path());

  struct Case {
    const char* label;
    const HbmSpec* spec;
    Pattern p;
    double size, bytes;
    bool one_channel;
  };
  const double MiB = 1024.0 * 1024.0;
  const Case cases[] = {
      {"detailed 1 channel stream 64B", &channel, Pattern::Stream, 64, 8 * MiB, true},
      {"detailed 1 channel random 64B", &channel, Pattern::Random, 64, 2 * MiB, true},
      {"detailed 1 stack stream 64B", &stack, Pattern::Stream, 64, 32 * MiB, false},
      {"detailed 1 stack random 32B", &stack, Pattern::Random, 32, 8 * MiB, false},
  };
  for (const auto& c : cases) {
    TrafficSpec t;
    t.pattern = c.p;
    t.request_size = Bytes(c.size);
    t.bytes = Bytes(c.bytes * scale);
    TrafficResult r;
    const double w = wall([&] { r = run_detailed(*c.spec, {t}); });
    report(c.label, r, w, c.one_channel);
  }
  for (double size : {64.0, 1024.0 * 1024.0}) {
    TrafficSpec t;
    t.request_size = Bytes(size);
    t.bytes = Bytes((size > 64 ? 4096 : 32) * MiB * scale);
    TrafficResult r;
    const double w = wall([&] { r = run_fast(stack, table, {t}); });
    report(size > 64 ? "fast 1 stack stream 1MiB requests" : "fast 1 stack stream 64B requests", r, w, false);
  }
  return 0;
}
