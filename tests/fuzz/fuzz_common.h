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

#include "sim/core/error.h"

namespace xpu::fuzz {

// A private scratch folder per fuzzing process (libFuzzer's -jobs runs several).
inline const std::filesystem::path& scratch() {
  static const std::filesystem::path p = [] {
    auto d = std::filesystem::temp_directory_path() / ("xpusim-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
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

}  // namespace xpu::fuzz
