// The request-level serving model: engines running continuous batching over a paged KV cache, on
// top of a step-cost oracle (step_cost.h). Discrete-event: arrivals, engine steps and KV transfers are
// events in time order (ties in the order they were scheduled), so a run is deterministic.
//
// One engine step (docs/serving.md has the rules with their sources):
//   chunked prefill on (vLLM's chunked-prefill policy, Agrawal et al., Sarathi-Serve, OSDI'24):
//     1. every running sequence that is decoding takes one token of the step's token budget and, when
//        its KV length crosses a block boundary, one new KV block; when no block is free the most
//        recently admitted running sequence is preempted (recompute: its blocks are freed and it goes
//        back to the head of the queue, to prefill its prompt and the tokens it had generated again);
//     2. running sequences still prefilling take chunks of what budget is left (in admission order);
//     3. waiting sequences are admitted first-come first-served while running < max_batch, budget is
//        left and their first chunk's KV blocks are free (a sequence that does not fit blocks the queue);
//        with kv_policy: reserve, only when the blocks of its whole request (prompt + output) are free,
//        all reserved at once, so that nothing is ever preempted (TensorRT-LLM's default
//        guaranteed-no-evict policy; on-demand is vLLM's).
//   chunked prefill off (vLLM's default before chunking): when a waiting prompt can be admitted, a
//     prefill-only step of whole prompts within the budget; else a decode step of every running sequence.
// At the end of a step each prefill chunk's tokens are in the KV cache; a sequence whose prefill is
// complete emits a token (its first: time to first token), each decoding sequence emits one; a sequence
// that has emitted `output` tokens finishes and frees its blocks.
// Disaggregated: prefill engines run steps of prefill chunks only; a finished prefill emits the first
// token, then its KV cache moves to a decode engine (the least loaded when the prefill ends) over the pod
// network, one transfer at a time per prefill engine; its prefill blocks are freed when the transfer
// ends and the decode engine admits it (it needs the blocks for its whole KV).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/serving/step_cost.h"

namespace xpu::serve {

struct Request {
  double arrival_s = 0;
  std::int64_t prompt_tokens = 1, output_tokens = 1;
};

struct RequestResult {
  double arrival_s = 0, first_token_s = -1, finish_s = -1;  // -1: not reached
  std::int64_t prompt_tokens = 0, output_tokens = 0;
  int engine = -1, decode_engine = -1;  // colocated: engine; disaggregated: prefill and decode engine
  int preemptions = 0;
  double kv_transfer_s = 0;             // disaggregated: time the KV transfer took (queueing included)
  double ttft_s() const { return first_token_s - arrival_s; }
  double e2e_s() const { return finish_s - arrival_s; }
  // Mean time per output token after the first (0 for one-token outputs).
  double tpot_s() const { return output_tokens > 1 ? (finish_s - first_token_s) / double(output_tokens - 1) : 0.0; }
};

// One engine kind as the scheduler sees it.
struct EngineKind {
  StepCost* cost = nullptr;
  std::int64_t kv_blocks = 0;       // KV-cache capacity of one engine, blocks
  int chips = 1;
  int count = 1;
};

struct SchedulerOptions {
  std::int64_t max_batch = 256, token_budget = 8192, block_tokens = 16;
  bool chunked_prefill = true;
  bool reserve_full = false;        // admit only with blocks for prompt + output (never preempts)
  bool round_robin = false;         // false: least loaded (fewest sequences), ties to the lowest index
};

struct KvSample {
  double time_s = 0;
  double kv_used = 0;               // largest fraction of the pod's KV blocks in use within the bucket
  std::int64_t running = 0, waiting = 0;  // at the bucket's last event, all engines
};

struct ServeRun {
  std::vector<RequestResult> requests;  // in request order
  std::vector<KvSample> timeline;       // at most ~2,000 buckets
  std::int64_t steps = 0, preemptions = 0;
  double decode_seqs_per_step = 0;      // mean sequences decoding in a step (steps with decodes)
  double busy_fraction = 0;             // engine time in steps / (engines x makespan)
  double kv_peak = 0;                   // largest fraction of KV blocks in use
  double makespan_s = 0;                // first arrival to last finish
  double step_energy_j = -1;            // sum of the steps' energies, all engines (-1: no power model)
  double busy_chip_s = 0;               // sum over engines of time in steps x chips
};

// Colocated: `engines` only. Disaggregated: `prefill` and `decode`, and `kv_transfer_s(prefill engine,
// decode engine, tokens)` the time a sequence's KV cache of `tokens` takes to move.
struct ServeSetup {
  bool disaggregated = false;
  EngineKind engines, prefill, decode;
  SchedulerOptions sched;
  std::function<double(int, int, std::int64_t)> kv_transfer_s;
};

// Throws UserError when a request can never be served (its KV cache exceeds an engine's capacity).
ServeRun run_serving(const std::vector<Request>& requests, const ServeSetup& setup);

}  // namespace xpu::serve
