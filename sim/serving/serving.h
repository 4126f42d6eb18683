// `xpusim serve`: a serving deployment under a request stream, on a pod (docs/serving.md).
//
// From a ServingSpec and an ArchSpec: place the engines on consecutive chips of the pod (colocated
// engines, or the prefill group then the decode group), size each engine's paged KV cache with the
// memory model (HBM x memory_fraction - weights - activations of a full token budget), cost steps with
// SimulatedStepCost, time KV transfers between a prefill and a decode engine on the pod network
// (one shard per chip moving in parallel: alpha + bytes / bandwidth of a point-to-point transfer between
// the engines' first chips, from the collective model), draw the requests, and run the scheduler.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/cluster/arch.h"
#include "sim/serving/scheduler.h"
#include "sim/serving/serving_spec.h"
#include "sim/serving/step_cost.h"

namespace xpu::serve {

// The requests of a spec: drawn (poisson, offline) with a 64-bit Mersenne twister from the seed, or
// read from the trace CSV (errors name the file and line). `rate_override` > 0 replaces requests.rate.
std::vector<Request> make_requests(const ServingSpec& spec, double rate_override = 0);

struct Percentiles {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
};
// Nearest-rank percentiles (p-th: the ceil(p n / 100)-th smallest).
Percentiles percentiles(std::vector<double> v);

struct ServingSummary {
  std::string name, arch, model;
  bool disaggregated = false;
  double rate = 0;                  // requests/s asked (poisson); 0 = offline or trace
  std::int64_t requests = 0, chips = 0, engines = 0, prefill_engines = 0, decode_engines = 0;
  std::int64_t input_tokens = 0, output_tokens = 0;
  double makespan_s = 0;
  double output_tokens_per_s = 0, input_tokens_per_s = 0, requests_per_s = 0;
  double output_tokens_per_s_per_chip = 0;
  Percentiles ttft_s, tpot_s, e2e_s;
  double slo_ttft_s = 0, slo_tpot_s = 0;
  double goodput_requests_per_s = 0, slo_attainment = 0;  // requests meeting both targets
  std::int64_t steps = 0, preemptions = 0, step_simulations = 0;
  double decode_seqs_per_step = 0, busy_fraction = 0, kv_peak = 0;
  std::int64_t kv_tokens_per_engine = 0, kv_tokens_per_decode_engine = 0;
  double weights_bytes_per_chip = 0, kv_bytes_per_chip = 0;
  double kv_transfer_mean_s = 0;
  // Energy (the chip's power model; -1 when it has none): the steps' energies plus static power of
  // every chip while its engine is idle.
  double energy_j = -1, average_w_per_chip = -1, output_tokens_per_joule = -1;
  double wall_s = 0;
};

struct ServingResult {
  ServingSummary summary;
  ServeRun run;
};

// Builds the engines once; `run(rate)` then serves the spec's requests (at `rate` requests/s when
// > 0), reusing the memoised step costs across runs (a load sweep costs the grid once).
class ServingStudy {
 public:
  ServingStudy(const ArchSpec& arch, const ServingSpec& spec);
  ~ServingStudy();
  ServingResult run(double rate = 0);
  const ServingSpec& spec() const { return spec_; }

 private:
  ArchSpec arch_;
  ServingSpec spec_;
  std::unique_ptr<SimulatedStepCost> cost_a_, cost_b_;  // engines (or prefill), decode
  EngineMemory mem_a_, mem_b_;
  ServeSetup setup_;
  std::vector<std::pair<double, double>> link_;  // (alpha s, s per byte) per (prefill, decode) pair
};

// The highest Poisson rate at which at least `attainment` of the requests meet the SLO (both targets):
// from the spec's rate, double (or halve) until the attainment crosses the target, then bisect the
// bracket in log-rate `iterations` times (8: within 0.3 %). UserError when the spec has no SLO or the
// target is not reached even at 1/1024 of the spec's rate. Probes share the step costs.
struct RateSearch {
  double rate = 0;                       // requests/s (the best probe that met the target)
  ServingSummary at;                     // the run at that rate
  std::vector<ServingSummary> probes;    // every run, in the order made
};
RateSearch find_max_rate(ServingStudy& study, double attainment, int iterations = 8);

// Writers (atomic; DIR is created): summary.json, requests.csv, kv_timeline.csv; and the load sweep's
// latency_vs_load.csv.
std::string summary_text(const ServingSummary& s);
std::string summary_json(const ServingSummary& s);
std::string requests_csv(const ServeRun& r);
std::string timeline_csv(const ServeRun& r);
std::string load_csv(const std::vector<ServingSummary>& rows);

}  // namespace xpu::serve
