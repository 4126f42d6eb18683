// A serving deployment: a model, the engines that serve it (colocated, or prefill and decode groups
// on separate chips), the scheduler of each engine, the request stream and the latency targets.
//
// YAML (docs/serving.md):
//   serving:
//     name: llama2-70b-offline
//     model: llama2-70b                  # preset name, path or inline map (as in scenarios)
//     dtype: fp8                         # weights and matmuls
//     kv_dtype: fp8
//     engines: {tp: 2, count: 4}         # colocated: each engine prefills and decodes
//     # or disaggregated (prefill and decode on separate engines; KV moves over the pod network):
//     # prefill: {tp: 4, count: 1}
//     # decode:  {tp: 4, ep: 1, count: 1}
//     scheduler: {max_batch: 896, token_budget: 8192, chunked_prefill: true, block_tokens: 16,
//                 memory_fraction: 0.9, route: least-loaded}
//     requests:
//       arrival: poisson                 # poisson | offline (all at t = 0) | trace (CSV file)
//       rate: 20                         # requests/s (poisson)
//       count: 2000                      # requests (or duration: 600 s)
//       prompt: {dist: fixed, mean: 1024}
//       output: {dist: uniform, min: 100, max: 500}
//       seed: 1
//     slo: {ttft: 2 s, tpot: 100 ms}     # goodput counts the requests that meet both
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/config.h"
#include "sim/workload/generator/model.h"

namespace xpu::serve {

// A token-length distribution (prompt or output lengths).
struct LengthDist {
  std::string dist = "fixed";  // fixed (mean), uniform (min..max), exponential (mean, clipped to min..max)
  std::int64_t mean = 0, min = 1, max = 0;  // tokens; max 0 = no upper clip
  template <class V>
  void visit(V& v) {
    v.field("dist", dist, cfg::Field("distribution: fixed (mean), uniform (min..max), exponential (mean, clipped to min..max)")
                              .one_of({"fixed", "uniform", "exponential"}));
    v.field("mean", mean, cfg::Field("mean length, tokens").min(0));
    v.field("min", min, cfg::Field("smallest length, tokens").positive());
    v.field("max", max, cfg::Field("largest length, tokens (0 = no clip)").min(0));
  }
  void check(const cfg::Checker& c) const;
  double expected() const;  // mean of the distribution as drawn (tokens)
};

// One group of identical engines (model replicas): tp x dp chips each; dp attention replicas (each
// with its own sequences and KV cache), the routed experts spread over ep of them (ep divides dp).
struct EngineGroupSpec {
  int tp = 1, ep = 1, dp = 0;  // dp 0 = ep
  int count = 0;  // engines in the group (0 = as many as the pod's chips hold)
  template <class V>
  void visit(V& v) {
    v.field("tp", tp, cfg::Field("tensor-parallel degree of one engine").positive());
    v.field("ep", ep, cfg::Field("expert-parallel degree of one engine (MoE)").positive());
    v.field("dp", dp, cfg::Field("attention data-parallel replicas in one engine (0 = ep); ep divides it").min(0));
    v.field("count", count, cfg::Field("engines in the group (0 = fill the pod)").min(0));
  }
  void check(const cfg::Checker& c) const {
    if (dp > 0 && dp % ep != 0) c.fail("dp", "must be a multiple of ep (" + std::to_string(ep) + "), got " + std::to_string(dp));
  }
  int replicas() const { return dp > 0 ? dp : ep; }
  int chips() const { return tp * replicas(); }
};

struct SchedulerSpec {
  std::int64_t max_batch = 256;       // sequences running per engine
  std::int64_t token_budget = 8192;   // tokens per step (decode tokens + prefill chunk)
  bool chunked_prefill = true;        // mix prefill chunks into decode steps (false: prefill-only steps)
  std::int64_t block_tokens = 16;     // paged KV cache block
  double memory_fraction = 0.9;       // share of HBM the engine may use (weights + activations + KV cache)
  std::string route = "least-loaded"; // how arrivals pick an engine: least-loaded | round-robin
  std::string kv_policy = "on-demand";  // on-demand (grow, preempt when full) | reserve (whole request up front)
  template <class V>
  void visit(V& v) {
    v.field("kv_policy", kv_policy, cfg::Field("KV blocks: on-demand (allocated as tokens arrive; preempt and recompute when full, vLLM) or reserve (prompt + output reserved at admission, never preempts; TensorRT-LLM guaranteed-no-evict)").one_of({"on-demand", "reserve"}));
    v.field("max_batch", max_batch, cfg::Field("most sequences running on one engine").positive());
    v.field("token_budget", token_budget, cfg::Field("most tokens one engine step processes (decode tokens + prefill chunk)").positive());
    v.field("chunked_prefill", chunked_prefill, cfg::Field("split prompts into chunks that share steps with decodes (false: prefill-only steps first)"));
    v.field("block_tokens", block_tokens, cfg::Field("tokens per paged KV-cache block").positive());
    v.field("memory_fraction", memory_fraction, cfg::Field("share of each chip's HBM the engine may use for weights, activations and KV cache").min(0.01).max(1));
    v.field("route", route, cfg::Field("engine choice for a new request").one_of({"least-loaded", "round-robin"}));
  }
};

struct RequestSpec {
  std::string arrival = "poisson";  // poisson | offline | trace
  double rate = 1;                  // requests/s (poisson)
  std::int64_t count = 0;           // requests (0: until `duration`)
  Seconds duration;                 // poisson: arrivals stop after this time (0: by count)
  std::string trace;                // CSV: arrival_s,prompt_tokens,output_tokens (relative to the file)
  LengthDist prompt, output;
  std::int64_t seed = 1;
  template <class V>
  void visit(V& v) {
    v.field("arrival", arrival, cfg::Field("arrival process: poisson, offline (every request at t = 0), trace (CSV)").one_of({"poisson", "offline", "trace"}));
    v.field("rate", rate, cfg::Field("mean arrival rate, requests/s (poisson)").positive().max(1e7));
    v.field("count", count, cfg::Field("number of requests (poisson, offline; 0 = until duration)").min(0).max(10000000));
    v.field("duration", duration, cfg::Field("poisson: last arrival time (0 = stop by count)").min(0));
    v.field("trace", trace, cfg::Field("arrival: trace: CSV file of arrival_s,prompt_tokens,output_tokens"));
    v.field("prompt", prompt, cfg::Field("prompt lengths"));
    v.field("output", output, cfg::Field("output lengths (generated tokens, the first included)"));
    v.field("seed", seed, cfg::Field("random seed (arrivals and lengths)").min(0));
  }
  void check(const cfg::Checker& c) const;
};

struct SloSpec {
  Seconds ttft, tpot;  // 0 = no target
  template <class V>
  void visit(V& v) {
    v.field("ttft", ttft, cfg::Field("time-to-first-token target (0 = none)").min(0));
    v.field("tpot", tpot, cfg::Field("time-per-output-token target (0 = none)").min(0));
  }
};

struct ServingSpec {
  std::string name;
  wl::gen::ModelSpec model;
  std::string dtype = "bf16", kv_dtype = "bf16";
  bool disaggregated = false;
  EngineGroupSpec engines;          // colocated
  EngineGroupSpec prefill, decode;  // disaggregated
  SchedulerSpec scheduler;
  RequestSpec requests;
  SloSpec slo;
  std::string source, dir;          // the file, and its folder (for the trace path)
};

// One override of a serving key, dotted below `serving:` ("requests.rate", "engines.tp"); the value
// is YAML text; errors name `origin`.
struct ServingOverride {
  std::string key, value, origin;
};
ServingSpec load_serving(const std::string& path, const std::vector<ServingOverride>& overrides = {});
// The same from text (`name` for messages; relative paths resolve against `dir`).
ServingSpec read_serving_text(const std::string& text, const std::string& name, const std::string& dir = ".");
bool looks_like_serving(const std::string& path);

}  // namespace xpu::serve
