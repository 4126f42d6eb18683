// Per-core tile pipeline: load -> compute -> store with double buffering, in integer core cycles.
//
// A core runs a sequence of tiles; a tile is a run of k-steps (one step = one DMA load of operand
// chunks into L1 and one pass of the compute unit over them) followed by one store of the tile's
// result. Resources and rules (a max-plus recurrence, one line per rule):
//   load j   starts when load j-1 is done (one in-order load queue) and compute j-2 is done (two L1
//            slots: double buffering):           Lj = max(L(j-1), C(j-2)) + load_j
//   compute j starts when its data is in and the unit is free; the first step of tile t also needs
//            the accumulator buffer of tile t-2 stored (two accumulator buffers):
//                                                 Cj = max(Lj, C(j-1) [, S(t-2)]) + compute_j
//   store t  starts when the last result of tile t is out (its last compute + the unit's drain
//            tail) and store t-1 is done:         St = max(S(t-1), C(last) + tail_t) + store_t
//   the core is done at S(last).
// The first load also waits the memory's first-access latency.
//
// Steady-state extrapolation (exact): the map from the state (L, C(j-1), C(j-2), S(t-1), S(t-2)) over
// one identical step, or one identical tile, commutes with adding a constant to every component. So
// once the state after some step (tile) equals the state p steps (tiles) earlier plus one constant D
// in every component, every later group of p identical steps (tiles) adds D again: the remaining
// repetitions are applied in one jump, with the busy counters scaled the same way. Runs that never
// reach such a state are simulated step by step; the result is identical either way (tested).
#pragma once

#include <cstdint>
#include <vector>

namespace xpu::chip {

struct StepCost {
  std::int64_t load = 0;     // cycles of the load queue for this step
  std::int64_t compute = 0;  // cycles the compute unit is occupied
};

// A run of `count` identical steps.
struct StepRun {
  StepCost cost;
  std::int64_t count = 1;
};

struct TileCost {
  std::vector<StepRun> steps;  // in order; the first step of the first run is the tile's first step
  std::int64_t tail = 0;       // cycles from the last compute's end to the last result
  std::int64_t store = 0;      // cycles of the store queue for the tile's result
};

// A run of `count` consecutive tiles of one kind (index into the kinds table).
struct TileRun {
  int kind = 0;
  std::int64_t count = 0;
};

struct PipelineResult {
  std::int64_t cycles = 0;        // when the core's last store completes
  std::int64_t compute_busy = 0;  // sum of compute occupancy
  std::int64_t load_busy = 0;     // sum of load-queue time
  std::int64_t store_busy = 0;
  std::int64_t steps = 0;          // steps the core executes
  std::int64_t steps_simulated = 0;  // steps actually evaluated (== steps without extrapolation)
};

PipelineResult run_core(const std::vector<TileCost>& kinds, const std::vector<TileRun>& sequence,
                        std::int64_t first_latency, bool extrapolate);

}  // namespace xpu::chip
