// Scaling studies: strong and weak scaling of a transformer scenario over pods of growing size.
//
// For each chip count N the study derives a pod of N chips from the given pod (derive_pod), a
// scenario with the data-parallel degree N / (tp * pp * cp) (scale_scenario), generates the
// workload and simulates it as a study point (sim/study/runner.h: in this process or on forked
// workers, results kept in a ResultStore so that a re-run with a database skips finished points),
// and records the summary figures. Definitions (docs/scaling.md):
//
//   strong scaling  global batch B fixed (the scenario's); DP grows, so micro-batches per replica
//                   B / (micro_batch * dp) shrink.
//   weak scaling    batch per replica fixed (the scenario's B / dp0); global batch = that x dp.
//   throughput      T(N) = tokens per step / step time  (tokens/s, whole job)
//   ideal           T_ideal(N) = T(N0) * N / N0, N0 the smallest point of the same mode
//   efficiency      E(N) = T(N) / T_ideal(N) = (T(N) / N) / (T(N0) / N0)
//   breakdown       per-rank averages: compute (compute stream busy), exposed communication
//                   (communication while the compute stream is idle), idle (neither: pipeline
//                   bubble, waiting for peers, tail); compute + exposed + idle = step time.
//
// Pod derivation rule (derive_pod): levels are innermost first with sizes s_0 .. s_{L-1}. Let
// P_k = s_0 * ... * s_{k-1} (chips under level k). Going down from the outermost level, pick the
// outermost level k with P_k < N (levels above k are dropped: N chips fit under them); keep levels
// 0 .. k-1 unchanged and set s_k = N / P_k, which must be an integer. The resized level keeps its
// kind and link figures; a multi-dimensional torus/mesh level changes its last dimension; a
// two-tier switch level keeps its leaf size (N / P_k must be a multiple of it, or at most one leaf).
// Impossible derivations throw UserError naming the level and the rule.
//
// Not modelled here: changing TP/PP with the pod size (they stay the scenario's), re-tuning the
// micro-batch size, or any cost of a pod that is larger than what was built (a grown outermost level
// is assumed to be buildable with the same link figures).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/cluster/arch.h"
#include "sim/study/point.h"
#include "sim/study/store.h"
#include "sim/workload/generator/scenario.h"

namespace xpu::study {

enum class ScalingMode { Strong, Weak };
const char* scaling_mode_name(ScalingMode m);

// A pod of `chips` chips from `pod` by the rule above; the result passes PodSpec::check.
// Throws UserError when the count cannot be reached.
PodSpec derive_pod(const PodSpec& pod, std::int64_t chips);
// `arch` with its pod replaced by derive_pod(arch.pod, chips) (links checked against the chip).
ArchSpec derive_arch(const ArchSpec& arch, std::int64_t chips);

// The scenario for `chips` chips in `mode` (dp = chips / (tp*pp*cp)); checked with check_scenario.
// Throws UserError when the count or batch cannot be reached.
wl::gen::ScenarioSpec scale_scenario(const wl::gen::ScenarioSpec& base, ScalingMode mode, std::int64_t chips);

struct ScalingOptions {
  std::vector<std::int64_t> chips = {8, 16, 32, 64, 128, 256, 512};
  std::vector<ScalingMode> modes = {ScalingMode::Strong, ScalingMode::Weak};
  // false: a point that cannot be built is an error (UserError). true: it is skipped and named in
  // ScalingStudy::skipped (for default chip lists that start below one model replica).
  bool skip_unreachable = false;
  bool symmetry = true;  // simulate one representative per data-parallel replica class
  int jobs = 1;                    // worker processes (sim/study/runner.h)
  ResultStore* store = nullptr;    // where results go (nullptr: a MemoryStore of this call)
  bool progress_force = false;     // progress line even when stderr is not a terminal
};

struct ScalingPoint {
  ScalingMode mode = ScalingMode::Strong;
  std::int64_t chips = 0;
  int tp = 1, pp = 1, dp = 1, cp = 1, ep = 1;
  std::int64_t global_batch = 0;   // sequences per step (inference: batch)
  std::int64_t micro_batches = 0;  // per replica per step
  Seconds step_time;
  double tokens_per_s = 0, samples_per_s = 0, mfu = -1;
  double ideal_tokens_per_s = 0, efficiency = 0;  // filled after all points of the mode ran
  Seconds compute, exposed_comm, overlap, idle;   // per-rank averages
  Bytes footprint, capacity;                      // footprint 0 = unknown
  int simulated_ranks = 0;
  std::uint64_t events = 0;
  bool shared = false;  // the same simulation as another row's (the base point of both modes)
  double tokens_per_s_per_chip() const { return tokens_per_s / static_cast<double>(chips); }
  double exposed_share() const { return step_time.value() > 0 ? exposed_comm / step_time : 0.0; }
};

struct ScalingStudy {
  std::string arch, scenario;
  std::vector<ScalingPoint> points;   // grouped by mode (options' order), chips ascending
  std::vector<std::string> skipped;   // "<mode> <chips>: <reason>"
};

// Runs every point. Throws UserError (bad point, unless skipped; a point that fails to simulate
// names its chips and mode).
ScalingStudy run_scaling(const ArchSpec& arch, const wl::gen::ScenarioSpec& scenario, const ScalingOptions& opt);

// scaling.csv: one header line, one row per point, fixed decimals (same inputs, same bytes).
std::string scaling_csv(const ScalingStudy& s);
// The column names of scaling_csv, in order.
const std::vector<std::string>& scaling_csv_columns();

// Parse "8,16,32" (positive integers, strictly ascending after sorting, no duplicates).
std::vector<std::int64_t> parse_chip_list(const std::string& text);

}  // namespace xpu::study
