// `xpusim plan`: which parallel layout trains a model fastest on a pod, and does it fit in HBM?
// (docs/study.md has the rules with their reasons.)
//
// 1. Enumerate (in this order, so ties break the same way every run) every layout
//      tp   powers of two up to the pod's innermost level (the fastest links; Megatron keeps TP
//           inside a node), cp powers of two up to 8 when seq >= 8192 (else 1), pp powers of two up
//           to 64, dp = chips / (tp cp pp), ep (MoE only) powers of two dividing dp and the experts,
//           micro-batch in {1, 2, 4}, vpp in {1, 2, 4} (vpp > 1: interleaved 1F1B, pp > 1 and
//           layers divisible by pp x vpp), sp = (tp > 1),
//    that check_scenario accepts (heads, KV heads, FFN divisible by tp; global batch a multiple of
//    micro-batch x dp; interleaving needs micro-batches divisible by pp; ...).
// 2. For each layout, the memory model (wl::gen::stage_footprints, the stage that needs most) is
//    evaluated for recompute x ZeRO in the preference order
//        (none,0) (none,1) (none,2) (selective,0..2) (full,0..2) (none,3) (selective,3) (full,3)
//    i.e. least extra compute first (full recompute re-runs the forward, ~1/3 more matmul work),
//    ZeRO 1/2 before 3 (stages 1 and 2 move the same bytes as a plain all-reduce, reduce-scatter +
//    all-gather; stage 3 all-gathers the parameters in every micro-batch's forward and backward).
//    The first choice that fits is the layout's survivor; later fitting choices are "dominated";
//    choices that do not fit are "rejected" with the term that breaks the budget: summing the
//    terms in the order weights, gradients, optimizer, activations, the first whose running sum
//    exceeds the HBM capacity.
// 3. Survivors are ordered by an analytic estimate of the step time (PlanEstimate: compute at the
//    matrix peak, pipeline bubble, TP/CP/EP/PP communication fully exposed, the DP reduction
//    exposed beyond the last micro-batch's backward), and the first `max_simulated` are simulated
//    (the full event simulation, as `xpusim run`). The estimate only chooses what to simulate.
// 4. Simulated candidates are ranked by the objective (step time; or memory: the smallest
//    footprint, then step time), and the Pareto front of (step time, HBM footprint) is marked.
//
// Inference (PlanOptions::inference): one serving replica of tp x ep chips (pp 1, dp = ep: experts
// are spread over data-parallel ranks), tp as above, ep (MoE only) powers of two dividing the experts
// with tp x ep <= chips, batch from `batches` (divisible by dp). Pruned by the memory model (weights,
// kv_cache, activations in that order); survivors ordered by a roofline estimate (weights and KV
// cache read from HBM once per step, matmul FLOPs at peak, two TP all-reduces per layer); the first
// `max_simulated` simulated. Ranked by tokens/s per chip among those whose simulated step meets the
// latency target; slower ones are listed as "too_slow" (unranked).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/cluster/arch.h"
#include "sim/study/point.h"
#include "sim/study/store.h"
#include "sim/workload/generator/model.h"

namespace xpu::study {

struct PlanOptions {
  // Inference (see "Inference" above): the search is over TP / EP / batch under a latency target.
  bool inference = false;
  std::string phase = "decode";   // decode (latency = one token's step) or prefill (time to first token)
  std::int64_t context = 4096;    // KV-cache length (decode) or prompt length (prefill)
  std::vector<std::int64_t> batches = {1, 8, 32, 64, 128, 256};
  double latency_s = 0;           // step latency target (0 = none)
  std::int64_t global_batch = 0;  // sequences per step
  std::int64_t seq_len = 2048;
  Bytes hbm;                      // 0 = the chip's HBM capacity
  std::string objective = "step-time";  // step-time | memory
  std::vector<std::int64_t> micro_batches = {1, 2, 4};
  std::vector<int> vpps = {1, 2, 4};
  std::vector<std::string> recomputes = {"none", "selective", "full"};
  std::vector<int> zeros = {0, 1, 2, 3};
  int max_tp = 0;                 // 0 = the innermost topology level's size
  int max_pp = 64;
  int max_cp = 0;                 // 0 = the rule (8 when seq >= 8192, else 1)
  int max_simulated = 12;         // 0: enumerate and prune only (nothing is simulated)
  int jobs = 1;
  ResultStore* store = nullptr;
  bool progress_force = false;
};

struct PlanEstimate {
  double compute_s = 0, bubble_s = 0, tp_comm_s = 0, cp_comm_s = 0, ep_comm_s = 0, pp_comm_s = 0, dp_exposed_s = 0;
  double total_s() const { return compute_s + bubble_s + tp_comm_s + cp_comm_s + ep_comm_s + pp_comm_s + dp_exposed_s; }
};

enum class PlanStatus { Simulated, NotSimulated, Dominated, Rejected, TooSlow };
const char* plan_status_name(PlanStatus s);

struct Candidate {
  int tp = 1, pp = 1, dp = 1, cp = 1, ep = 1, vpp = 1;
  bool sp = false;
  std::int64_t micro_batch = 1, micro_batches = 1;  // per replica per step
  std::string recompute = "none";
  int zero = 0;
  // Memory model, the stage that needs most (bytes per rank).
  double weights_bytes = 0, gradients_bytes = 0, optimizer_bytes = 0, activations_bytes = 0, kv_bytes = 0, capacity_bytes = 0;
  double footprint_bytes() const { return weights_bytes + gradients_bytes + optimizer_bytes + activations_bytes + kv_bytes; }
  std::int64_t batch = 0;             // inference: sequences in flight; training: the global batch
  bool meets_latency = true;          // inference: simulated step <= the target
  double tokens_per_s_per_chip = 0;   // simulated
  PlanStatus status = PlanStatus::Rejected;
  std::string reason;       // rejected: the failing term; dominated: by which choice; not simulated: why
  PlanEstimate estimate;
  int estimate_rank = 0;    // 1-based among survivors
  Metrics sim;              // when simulated
  int rank = 0;             // 1-based among simulated (0 = not ranked)
  bool pareto = false;
  std::string label() const;  // "tp8 pp8 dp8 cp1 ep1 vpp1 mb1 recompute=none zero=1"
  wl::gen::ScenarioSpec scenario;
};

struct Plan {
  std::string model, arch;
  bool inference = false;
  std::string phase;
  double latency_s = 0;
  std::int64_t chips = 0, global_batch = 0, seq_len = 0;
  double capacity_bytes = 0;
  std::string objective;
  std::size_t layouts = 0, illegal = 0;  // layouts enumerated / refused by the scenario checks
  std::vector<Candidate> candidates;     // every (layout, recompute, zero) choice, enumeration order
  std::vector<std::size_t> ranking;      // indexes of simulated candidates, best first
  double wall_s = 0;
};

// Throws UserError on bad options (naming the option).
Plan run_plan(const ArchSpec& arch, const wl::gen::ModelSpec& model, const PlanOptions& opt);
// Analytic estimate (exposed for tests).
PlanEstimate estimate_step(const ArchSpec& arch, const wl::gen::ScenarioSpec& s);
// Bandwidth per chip (one direction, bytes/s, with the level's efficiency) of the outermost level a
// group of `size` ranks at stride `stride` spans (rank layout of scenario.h).
double group_bandwidth(const ArchSpec& arch, std::int64_t stride, std::int64_t size);
// The term that breaks the budget (see above), or "" when the total fits.
std::string failing_term(double weights, double gradients, double optimizer, double activations, double capacity);
// Inference: the same over weights, kv_cache, activations.
std::string failing_term_inference(double weights, double kv, double activations, double capacity);
// Inference roofline estimate of one step (seconds).
double estimate_inference_step(const ArchSpec& arch, const wl::gen::ScenarioSpec& s);

// plan.csv: one row per candidate (enumeration order) with status, reason, memory, estimate and,
// when simulated, the simulated figures and rank.
std::string plan_csv(const Plan& p);
// The ranked table for the terminal (top `rows`), with the why.
std::string plan_table(const Plan& p, std::size_t rows);

}  // namespace xpu::study
