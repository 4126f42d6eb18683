// The discrete-event kernel every model schedules on.
//
// A thin layer over SystemC: one SC_MODULE owns a single sc_event and an SC_METHOD sensitive to
// it; callbacks wait in a priority queue ordered by (time, insertion sequence), and the event is
// notified for the earliest one. So:
//   * models schedule work with `after(delay, fn)`: cost per event is one heap push/pop plus, when
//     the head changes, one timed sc_event notification; there are no per-cycle clocks;
//   * callbacks due at the same simulated time run in the order they were scheduled, which makes
//     every run deterministic;
//   * time is kept as integer picoseconds (SystemC's default resolution), and a `Seconds` delay is
//     rounded to the nearest picosecond.
// An exception thrown by a callback stops the run and propagates out of run() unchanged (SystemC
// would otherwise wrap it into an sc_report); pending callbacks are dropped.
// One SystemC kernel exists per process and cannot be re-elaborated (SystemC E529). `Kernel` is
// created once and re-used deliberately: each `run()` starts from the current SystemC time and
// reports time relative to that start, so one process can run many simulations one after the
// other (sweeps, scaling curves, the op-latency cache) without a child process.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "sim/core/units.h"

namespace xpu {

class Kernel {
 public:
  using Callback = std::function<void()>;

  // Time is int64 picoseconds; an event further ahead than this (about 53 days), or a kernel whose
  // accumulated time passes it, is refused with a UserError instead of overflowing.
  static constexpr std::int64_t kMaxDelayPs = std::int64_t{1} << 62;

  // The process-wide kernel (created on first use).
  static Kernel& instance();

  // Simulated time since the start of the current run.
  Seconds now() const;
  std::int64_t now_ps() const;
  // Schedule `fn` to run `delay` after now (delay >= 0).
  void after(Seconds delay, Callback fn);
  void after_ps(std::int64_t delay_ps, Callback fn);
  // Run until no callback is pending. Returns the simulated time of the last callback.
  Seconds run();
  // Drop pending callbacks (after an error) so the next run starts clean.
  void clear();
  std::uint64_t events_processed() const;

  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;
  ~Kernel();

 private:
  Kernel();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xpu
