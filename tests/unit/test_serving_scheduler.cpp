// The serving scheduler against closed forms: with a linear step cost (fixed + per token + per KV token
// + per attention pair) the times of simple request patterns are known exactly; a single-slot engine
// under Poisson arrivals is an M/D/1 queue (Pollaczek-Khinchine mean wait); KV capacity forces
// preemption (on-demand) or queueing (reserve); a disaggregated request pays prefill + transfer + decode.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/core/error.h"
#include "sim/serving/scheduler.h"
#include "sim/serving/serving.h"

using namespace xpu;
using namespace xpu::serve;

namespace {

ServeSetup colocated(StepCost* cost, std::int64_t blocks, std::int64_t max_batch, std::int64_t budget, bool chunked) {
  ServeSetup s;
  s.engines.cost = cost;
  s.engines.kv_blocks = blocks;
  s.engines.count = 1;
  s.sched.max_batch = max_batch;
  s.sched.token_budget = budget;
  s.sched.chunked_prefill = chunked;
  s.sched.block_tokens = 16;
  return s;
}

}  // namespace

TEST(ServingScheduler, OneRequestPrefillThenDecodeSteps) {
  const double f = 1e-3, a = 1e-5;
  LinearStepCost cost(f, a, 0, 0);
  const ServeSetup s = colocated(&cost, 1000, 8, 8192, true);
  const ServeRun r = run_serving({{0.5, 100, 10}}, s);
  ASSERT_EQ(r.requests.size(), 1u);
  const auto& q = r.requests[0];
  const double prefill = f + 100 * a;
  EXPECT_NEAR(q.first_token_s, 0.5 + prefill, 1e-12);
  EXPECT_NEAR(q.finish_s, 0.5 + prefill + 9 * (f + a), 1e-12);
  EXPECT_NEAR(q.tpot_s(), f + a, 1e-12);
  EXPECT_EQ(r.steps, 10);
  EXPECT_EQ(r.preemptions, 0);
}

TEST(ServingScheduler, ChunkedPrefillCountsCausalPairsPerChunk) {
  const double f = 1e-3, a = 1e-5, c = 1e-8;
  LinearStepCost cost(f, a, 0, c);
  const ServeSetup s = colocated(&cost, 1000, 8, 40, true);
  const ServeRun r = run_serving({{0, 100, 1}}, s);
  // Chunks 40, 40, 20 after 0, 40, 80 cached tokens: q p + q (q + 1) / 2 pairs each.
  const double pairs = (40.0 * 41 / 2) + (40.0 * 40 + 40.0 * 41 / 2) + (20.0 * 80 + 20.0 * 21 / 2);
  EXPECT_NEAR(r.requests[0].first_token_s, 3 * f + 100 * a + c * pairs, 1e-12);
  EXPECT_NEAR(r.requests[0].finish_s, r.requests[0].first_token_s, 1e-15);  // one output token
  EXPECT_EQ(r.steps, 3);
}

TEST(ServingScheduler, StaticBatchThroughputClosedForm) {
  const double f = 2e-3, a = 1e-5, kv = 1e-8;
  LinearStepCost cost(f, a, kv, 0);
  const int N = 64, P = 128, O = 32;
  ServeSetup s = colocated(&cost, 100000, N, N * P, false);
  s.sched.reserve_full = true;
  std::vector<Request> reqs(N, Request{0, P, O});
  const ServeRun r = run_serving(reqs, s);
  // One prefill step of all prompts, then O-1 decode steps of N sequences, step k attending P + k tokens.
  double t = f + N * P * a;
  for (int k = 1; k < O; ++k) t += f + N * a + kv * N * double(P + k);
  EXPECT_NEAR(r.makespan_s, t, 1e-12);
  for (const auto& q : r.requests) EXPECT_NEAR(q.finish_s, t, 1e-12);
  EXPECT_DOUBLE_EQ(r.decode_seqs_per_step, N);
}

TEST(ServingScheduler, SingleSlotUnderPoissonArrivalsIsAnMD1Queue) {
  // One sequence at a time, one step per request: service time D deterministic. Mean time in system
  // = D + rho D / (2 (1 - rho)) (Pollaczek-Khinchine).
  const double D = 10e-3, rate = 60;  // rho = 0.6
  LinearStepCost cost(D - 1e-6, 1e-6, 0, 0);
  const ServeSetup s = colocated(&cost, 1000, 1, 8192, true);
  ServingSpec spec;
  spec.requests.arrival = "poisson";
  spec.requests.rate = rate;
  spec.requests.count = 200000;
  spec.requests.prompt.mean = 1;
  spec.requests.output.mean = 1;
  const auto reqs = make_requests(spec);
  const ServeRun r = run_serving(reqs, s);
  double sum = 0;
  for (const auto& q : r.requests) sum += q.ttft_s();
  const double rho = rate * D;
  const double expected = D + rho * D / (2 * (1 - rho));
  EXPECT_NEAR(sum / double(reqs.size()) / expected, 1.0, 0.02);
}

TEST(ServingScheduler, PoissonArrivalsHaveTheAskedRate) {
  ServingSpec spec;
  spec.requests.arrival = "poisson";
  spec.requests.rate = 250;
  spec.requests.count = 100000;
  spec.requests.prompt = {"uniform", 0, 10, 20};
  spec.requests.output.mean = 5;
  const auto reqs = make_requests(spec);
  EXPECT_NEAR(reqs.back().arrival_s / double(reqs.size()), 1.0 / 250, 0.01 / 250);
  std::int64_t lo = 1 << 30, hi = 0;
  for (const auto& q : reqs) {
    lo = std::min(lo, q.prompt_tokens);
    hi = std::max(hi, q.prompt_tokens);
  }
  EXPECT_EQ(lo, 10);
  EXPECT_EQ(hi, 20);
  // Same seed, same draws; another rate keeps the lengths.
  const auto again = make_requests(spec, 500);
  for (std::size_t i = 0; i < reqs.size(); ++i) ASSERT_EQ(reqs[i].prompt_tokens, again[i].prompt_tokens);
  EXPECT_NEAR(again.back().arrival_s, reqs.back().arrival_s / 2, 1e-9 * reqs.back().arrival_s + 1e-12);
}

TEST(ServingScheduler, FullKvCachePreemptsOnDemandAndQueuesWithReserve) {
  const double f = 1e-3, a = 1e-5;
  LinearStepCost cost(f, a, 0, 0);
  // 10 blocks of 16 tokens = 160 tokens; two requests of 64 + 64 tokens each need 8 blocks apiece.
  const std::vector<Request> reqs = {{0, 64, 64}, {0, 64, 64}};
  ServeSetup s = colocated(&cost, 10, 8, 8192, true);
  const ServeRun od = run_serving(reqs, s);
  EXPECT_GT(od.preemptions, 0);
  for (const auto& q : od.requests) EXPECT_GT(q.finish_s, 0);
  s.sched.reserve_full = true;
  const ServeRun rs = run_serving(reqs, s);
  EXPECT_EQ(rs.preemptions, 0);
  // The second starts when the first has finished and freed its blocks: its prefill runs alone then.
  const auto& first = rs.requests[0];
  const auto& second = rs.requests[1];
  EXPECT_NEAR(first.finish_s, (f + 64 * a) + 63 * (f + a), 1e-12);
  EXPECT_NEAR(second.first_token_s, first.finish_s + f + 64 * a, 1e-12);
}

TEST(ServingScheduler, RequestLargerThanTheCacheIsRefused) {
  LinearStepCost cost(1e-3, 0, 0, 0);
  const ServeSetup s = colocated(&cost, 4, 8, 8192, true);
  EXPECT_THROW(run_serving({{0, 100, 10}}, s), UserError);
}

TEST(ServingScheduler, DisaggregatedPaysPrefillTransferAndDecode) {
  const double f = 1e-3, a = 1e-5, xfer_per_token = 1e-6;
  LinearStepCost pre(f, a, 0, 0), dec(2 * f, a, 0, 0);
  ServeSetup s;
  s.disaggregated = true;
  s.prefill = {&pre, 1000, 1, 1};
  s.decode = {&dec, 1000, 1, 1};
  s.sched.block_tokens = 16;
  s.kv_transfer_s = [&](int, int, std::int64_t tokens) { return 5e-3 + xfer_per_token * double(tokens); };
  const ServeRun r = run_serving({{0, 200, 5}}, s);
  const auto& q = r.requests[0];
  const double prefill = f + 200 * a;
  EXPECT_NEAR(q.first_token_s, prefill, 1e-12);
  const double xfer = 5e-3 + 200 * xfer_per_token;
  EXPECT_NEAR(q.kv_transfer_s, xfer, 1e-12);
  EXPECT_NEAR(q.finish_s, prefill + xfer + 4 * (2 * f + a), 1e-12);
  EXPECT_EQ(q.decode_engine, 1);
}

TEST(ServingScheduler, LeastLoadedRoutingSpreadsOfflineRequests) {
  LinearStepCost cost(1e-3, 1e-5, 0, 0);
  ServeSetup s = colocated(&cost, 1000, 8, 8192, true);
  s.engines.count = 4;
  std::vector<Request> reqs(8, Request{0, 16, 4});
  const ServeRun r = run_serving(reqs, s);
  std::vector<int> per(4, 0);
  for (const auto& q : r.requests) ++per[q.engine];
  for (int n : per) EXPECT_EQ(n, 2);
  // All four engines run the same two requests: same finish time everywhere.
  for (const auto& q : r.requests) EXPECT_NEAR(q.finish_s, r.requests[0].finish_s, 1e-15);
}

TEST(ServingScheduler, PercentilesAreNearestRank) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  const Percentiles p = percentiles(v);
  EXPECT_DOUBLE_EQ(p.p50, 50);
  EXPECT_DOUBLE_EQ(p.p90, 90);
  EXPECT_DOUBLE_EQ(p.p99, 99);
  EXPECT_DOUBLE_EQ(p.max, 100);
  EXPECT_DOUBLE_EQ(p.mean, 50.5);
}
