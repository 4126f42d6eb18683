// Shared scaffolding of the libFuzzer targets (tests/fuzz/README.md).
//
// A target feeds one input to a reader. Two outcomes are correct: the input is accepted, or the
// reader throws xpu::UserError (a located, user-facing error; the CLI exits 2). Anything else is a
// finding: an InternalError (an XPU_ASSERT reachable from input), another exception, a sanitizer
// report, a crash, a hang (libFuzzer's -timeout) or an out-of-memory (-rss_limit_mb).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "sim/cluster/engine.h"
#include "sim/cluster/simulate.h"
#include "sim/core/error.h"

namespace xpu::fuzz {

// A private scratch folder per fuzzing process (libFuzzer's -jobs runs several).
inline const std::filesystem::path& scratch() {
  static const std::filesystem::path p = [] {
    // tmpfs when there is one: the targets that need a file write one per input.
    std::error_code ec;
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    auto d = base / ("xpusim-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code e;
      std::filesystem::remove_all(scratch(), e);
    });
    return d;
  }();
  return p;
}

inline void write(const std::filesystem::path& p, const std::uint8_t* data, std::size_t size) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

// Runs one input; returns 0 for accepted or cleanly rejected input, aborts on anything else.
template <class F>
int run_one(F&& f) {
  try {
    f();
  } catch (const xpu::UserError&) {
    // a clean, located rejection
  } catch (const xpu::InternalError& e) {
    std::fprintf(stderr, "FINDING: internal error reachable from input: %s\n", e.what());
    std::abort();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FINDING: unexpected exception: %s\n", e.what());
    std::abort();
  }
  return 0;
}

// Simulates a small accepted workload as cluster::simulate() does, but with one compute model kept
// across inputs (building it re-reads the HBM preset; the engine and network are fresh per input).
inline void simulate_small(const xpu::ArchSpec& arch, const xpu::wl::Workload& w) {
  static const auto compute = xpu::cluster::make_compute_model(arch);
  if (w.num_ranks > arch.pod.chips) return;
  auto comm = xpu::cluster::make_comm_model(arch);
  xpu::cluster::EngineOptions eo;
  xpu::cluster::ClusterEngine engine(w, *compute, *comm, eo);
  (void)engine.run();
}

}  // namespace xpu::fuzz
