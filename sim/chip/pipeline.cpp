// Per-core tile pipeline; the recurrence and the extrapolation argument are in pipeline.h.
#include "sim/chip/pipeline.h"

#include <algorithm>
#include <array>
#include <deque>

#include "sim/core/error.h"

namespace xpu::chip {

namespace {

constexpr int kMaxPeriod = 4;     // longest cycle of the steady state looked for
constexpr int kHistory = kMaxPeriod + 1;

struct State {
  std::int64_t l = 0, c1 = 0, c2 = 0, s1 = 0, s2 = 0;
};
struct Busy {
  std::int64_t compute = 0, load = 0, store = 0, steps = 0, simulated = 0;
};

inline void step(State& x, const StepCost& c, bool first_of_tile, Busy& b) {
  const std::int64_t l = std::max(x.l, x.c2) + c.load;
  std::int64_t cs = std::max(l, x.c1);
  if (first_of_tile) cs = std::max(cs, x.s2);
  x.l = l;
  x.c2 = x.c1;
  x.c1 = cs + c.compute;
  b.compute += c.compute;
  b.load += c.load;
  ++b.steps;
  ++b.simulated;
}

// Is `now` == `then` + D in the listed components for one D? Returns D through `d`.
template <std::size_t N>
bool uniform_shift(const std::array<std::int64_t, N>& now, const std::array<std::int64_t, N>& then, std::int64_t& d) {
  d = now[0] - then[0];
  for (std::size_t i = 1; i < N; ++i)
    if (now[i] - then[i] != d) return false;
  return true;
}

// Runs `count` repetitions of `advance()`. With `extrapolate`, once the snapshot of the last
// repetition equals the one p repetitions earlier shifted by a constant D in every component, the
// recurrence is shift-invariant, so it jumps over whole periods at once: `shift(jumps * D)` moves the
// state and each busy counter grows by `jumps` times its change over one period. Exact.
template <std::size_t N, class Advance, class Snap, class Shift>
void repeat(std::int64_t count, bool extrapolate, Busy& b, Advance advance, Snap snap, Shift shift) {
  std::deque<std::array<std::int64_t, N>> hist;
  std::deque<Busy> bhist;
  std::int64_t done = 0;
  while (done < count) {
    advance();
    ++done;
    if (!extrapolate) continue;
    hist.push_back(snap());
    bhist.push_back(b);
    if (hist.size() > static_cast<std::size_t>(kHistory)) {
      hist.pop_front();
      bhist.pop_front();
    }
    const int n = static_cast<int>(hist.size());
    for (int p = 1; p < n; ++p) {
      std::int64_t d = 0;
      if (!uniform_shift(hist[n - 1], hist[n - 1 - p], d)) continue;
      const std::int64_t jumps = (count - done) / p;
      if (jumps <= 0) break;
      const Busy& then = bhist[n - 1 - p];
      shift(jumps * d);
      b.compute += jumps * (b.compute - then.compute);
      b.load += jumps * (b.load - then.load);
      b.store += jumps * (b.store - then.store);
      b.steps += jumps * (b.steps - then.steps);
      done += jumps * p;
      hist.clear();
      bhist.clear();
      break;
    }
  }
}

// Runs `count` identical non-first steps (within one tile: S does not move).
void run_steps(State& x, const StepCost& c, std::int64_t count, bool extrapolate, Busy& b) {
  repeat<3>(
      count, extrapolate, b, [&] { step(x, c, false, b); },
      [&] { return std::array<std::int64_t, 3>{x.l, x.c1, x.c2}; },
      [&](std::int64_t by) {
        x.l += by;
        x.c1 += by;
        x.c2 += by;
      });
}

void run_tile(State& x, const TileCost& t, bool extrapolate, Busy& b) {
  XPU_ASSERT(!t.steps.empty() && t.steps.front().count > 0, "a tile needs at least one step");
  bool first = true;
  for (const auto& r : t.steps) {
    std::int64_t n = r.count;
    if (n <= 0) continue;
    if (first) {
      step(x, r.cost, true, b);
      first = false;
      --n;
    }
    if (n > 0) run_steps(x, r.cost, n, extrapolate, b);
  }
  const std::int64_t ready = x.c1 + t.tail;
  const std::int64_t s = std::max(x.s1, ready) + t.store;
  x.s2 = x.s1;
  x.s1 = s;
  b.store += t.store;
}

}  // namespace

PipelineResult run_core(const std::vector<TileCost>& kinds, const std::vector<TileRun>& sequence,
                        std::int64_t first_latency, bool extrapolate) {
  State x;
  x.l = first_latency;
  Busy b;
  for (const auto& run : sequence) {
    XPU_ASSERT(run.kind >= 0 && run.kind < static_cast<int>(kinds.size()), "tile kind out of range");
    const TileCost& t = kinds[static_cast<std::size_t>(run.kind)];
    repeat<5>(
        run.count, extrapolate, b, [&] { run_tile(x, t, extrapolate, b); },
        [&] { return std::array<std::int64_t, 5>{x.l, x.c1, x.c2, x.s1, x.s2}; },
        [&](std::int64_t by) {
          x.l += by;
          x.c1 += by;
          x.c2 += by;
          x.s1 += by;
          x.s2 += by;
        });
  }
  PipelineResult r;
  r.cycles = std::max(x.s1, x.c1);
  r.compute_busy = b.compute;
  r.load_busy = b.load;
  r.store_busy = b.store;
  r.steps = b.steps;
  r.steps_simulated = b.simulated;
  return r;
}

}  // namespace xpu::chip
