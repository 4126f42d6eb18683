// Absolute simulated time in picoseconds, for models that keep their own epoch across Kernel runs
// (Kernel::now_ps() restarts at each run; SystemC's time stamp does not).
#pragma once

#include <cstdint>

namespace xpu::mem {
// Creates the Kernel first (so SystemC's time resolution is set before any sc_time exists).
std::int64_t abs_now_ps();
}  // namespace xpu::mem
