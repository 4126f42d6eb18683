// libFuzzer target: the serving file reader and the scheduler. The input is a serving YAML read as if
// it were in workloads/serving/ (so `model: llama3-8b` resolves); an accepted file has its requests
// drawn (at most 20,000) and served by the scheduler on a closed-form step cost (no step simulation,
// so a fuzzing step stays fast): every request must finish or be refused with a UserError.
#include "sim/serving/scheduler.h"
#include "sim/serving/serving.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = std::string(XPUSIM_SOURCE_DIR) + "/workloads/serving";
  const std::string text(reinterpret_cast<const char*>(data), size);
  return xpu::fuzz::run_one([&] {
    using namespace xpu::serve;
    const ServingSpec s = read_serving_text(text, "fuzz.yaml", dir);
    const auto& R = s.requests;
    if (R.arrival == "trace") return;  // file names from fuzzed text: the trace reader has its own tests
    if (R.count > 20000 || (R.count == 0 && R.duration.value() * R.rate > 20000)) return;
    const std::vector<Request> reqs = make_requests(s);
    LinearStepCost cost(1e-3, 1e-6, 1e-9, 1e-12);
    ServeSetup setup;
    setup.sched.max_batch = s.scheduler.max_batch;
    setup.sched.token_budget = s.scheduler.token_budget;
    setup.sched.block_tokens = s.scheduler.block_tokens;
    setup.sched.chunked_prefill = s.scheduler.chunked_prefill;
    setup.sched.reserve_full = s.scheduler.kv_policy == "reserve";
    const std::int64_t blocks = std::max<std::int64_t>(1, 1'000'000 / s.scheduler.block_tokens);
    if (s.disaggregated) {
      setup.disaggregated = true;
      setup.prefill = {&cost, blocks, 1, std::max(1, std::min(s.prefill.count, 8))};
      setup.decode = {&cost, blocks, 1, std::max(1, std::min(s.decode.count, 8))};
      setup.kv_transfer_s = [](int, int, std::int64_t tokens) { return 1e-4 + 1e-8 * double(tokens); };
    } else {
      setup.engines = {&cost, blocks, 1, std::max(1, std::min(s.engines.count, 8))};
    }
    (void)run_serving(reqs, setup);
  });
}
