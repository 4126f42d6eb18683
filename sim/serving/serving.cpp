// `xpusim serve`: engines on the pod, requests, and the reports (serving.h).
#include "sim/serving/serving.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "sim/cluster/simulate.h"
#include "sim/collective/collective.h"
#include "sim/core/error.h"
#include "sim/interconnect/topology.h"

namespace xpu::serve {
namespace fs = std::filesystem;
namespace {

// Uniform in [0, 1) from the top 53 bits (the same on every platform, unlike std:: distributions).
double uniform01(std::mt19937_64& g) { return double(g() >> 11) * (1.0 / 9007199254740992.0); }

std::int64_t draw_length(const LengthDist& d, std::mt19937_64& g) {
  const double u = uniform01(g);
  std::int64_t v = 0;
  if (d.dist == "fixed") v = d.mean;
  else if (d.dist == "uniform") v = d.min + std::int64_t(std::floor(u * double(d.max - d.min + 1)));
  else v = std::int64_t(std::llround(-double(d.mean) * std::log1p(-u)));
  v = std::max(v, d.min);
  if (d.max > 0) v = std::min(v, d.max);
  return std::max<std::int64_t>(v, 1);
}

std::vector<Request> read_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UserError(path + ": cannot open the request trace");
  std::vector<Request> out;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (lineno == 1 && line.find_first_not_of("0123456789.,eE+- \t") != std::string::npos) continue;  // header
    std::stringstream ss(line);
    std::string a, p, o, extra;
    auto where = [&] { return path + ":" + std::to_string(lineno) + ": "; };
    if (!std::getline(ss, a, ',') || !std::getline(ss, p, ',') || !std::getline(ss, o, ',') || std::getline(ss, extra, ','))
      throw UserError(where() + "expected arrival_s,prompt_tokens,output_tokens, got '" + line + "'");
    Request r;
    try {
      std::size_t n1 = 0, n2 = 0, n3 = 0;
      r.arrival_s = std::stod(a, &n1);
      const long long pt = std::stoll(p, &n2), ot = std::stoll(o, &n3);
      if (n1 != a.size() || n2 != p.size() || n3 != o.size()) throw std::invalid_argument("trailing");
      r.prompt_tokens = pt;
      r.output_tokens = ot;
    } catch (const std::exception&) {
      throw UserError(where() + "not numbers: '" + line + "'");
    }
    if (!std::isfinite(r.arrival_s) || r.arrival_s < 0 || r.arrival_s > 1e9)
      throw UserError(where() + "arrival_s must be a time in seconds in [0, 1e9]");
    if (r.prompt_tokens <= 0 || r.output_tokens <= 0 || r.prompt_tokens > (1 << 24) || r.output_tokens > (1 << 24))
      throw UserError(where() + "prompt_tokens and output_tokens must be in 1..16777216");
    out.push_back(r);
    if (out.size() > 10'000'000) throw UserError(path + ": more than 10,000,000 requests");
  }
  if (out.empty()) throw UserError(path + ": the request trace has no requests");
  std::stable_sort(out.begin(), out.end(), [](const Request& x, const Request& y) { return x.arrival_s < y.arrival_s; });
  return out;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

std::vector<Request> make_requests(const ServingSpec& spec, double rate_override) {
  const RequestSpec& R = spec.requests;
  if (R.arrival == "trace") {
    const fs::path p = fs::path(R.trace).is_absolute() ? fs::path(R.trace) : fs::path(spec.dir) / R.trace;
    return read_trace(p.string());
  }
  const double rate = rate_override > 0 ? rate_override : R.rate;
  std::mt19937_64 arrivals(std::uint64_t(R.seed) * 2 + 1), lengths(std::uint64_t(R.seed) * 2 + 2);
  std::vector<Request> out;
  double t = 0;
  const std::int64_t limit = 10'000'000;
  for (std::int64_t i = 0;; ++i) {
    if (R.count > 0 && i >= R.count) break;
    if (i >= limit) throw UserError("serving: more than 10,000,000 requests (lower requests.rate or requests.duration)");
    if (R.arrival == "poisson") {
      t += -std::log1p(-uniform01(arrivals)) / rate;
      if (R.duration.value() > 0 && t > R.duration.value()) break;
    }
    Request r;
    r.arrival_s = R.arrival == "poisson" ? t : 0.0;
    r.prompt_tokens = draw_length(R.prompt, lengths);
    r.output_tokens = draw_length(R.output, lengths);
    out.push_back(r);
  }
  if (out.empty()) throw UserError("serving: no request arrives within requests.duration");
  return out;
}

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  p.mean = sum / double(v.size());
  auto at = [&](double q) {
    const auto k = std::size_t(std::ceil(q / 100.0 * double(v.size())));
    return v[std::min(v.size(), std::max<std::size_t>(k, 1)) - 1];
  };
  p.p50 = at(50);
  p.p90 = at(90);
  p.p99 = at(99);
  p.max = v.back();
  return p;
}

ServingStudy::ServingStudy(const ArchSpec& arch, const ServingSpec& spec) : arch_(arch), spec_(spec) {
  const auto& S = spec.scheduler;
  setup_.sched.max_batch = S.max_batch;
  setup_.sched.token_budget = S.token_budget;
  setup_.sched.block_tokens = S.block_tokens;
  setup_.sched.chunked_prefill = S.chunked_prefill;
  setup_.sched.round_robin = S.route == "round-robin";
  setup_.sched.reserve_full = S.kv_policy == "reserve";
  const std::int64_t chips = arch.pod.chips;
  auto build = [&](const EngineGroupSpec& g, int count, std::unique_ptr<SimulatedStepCost>& cost, EngineMemory& mem,
                   EngineKind& kind) {
    cost = std::make_unique<SimulatedStepCost>(arch_, spec_.model, g.tp, g.ep, g.replicas(), spec_.dtype, spec_.kv_dtype);
    mem = engine_memory(arch_, spec_.model, g.tp, g.ep, g.replicas(), spec_.dtype, spec_.kv_dtype, S.memory_fraction, S.token_budget);
    kind.cost = cost.get();
    kind.kv_blocks = mem.kv_tokens / S.block_tokens;
    kind.chips = g.chips();
    kind.count = count;
  };
  const std::string where = "serving '" + spec.source + "' on pod '" + arch.pod.name + "' (" + std::to_string(chips) + " chips)";
  if (!spec.disaggregated) {
    const int count = spec.engines.count > 0 ? spec.engines.count : int(chips / spec.engines.chips());
    if (count <= 0 || std::int64_t(count) * spec.engines.chips() > chips)
      throw UserError(where + ": " + std::to_string(std::max(count, 1)) + " engine(s) of " + std::to_string(spec.engines.chips()) +
                      " chips do not fit");
    build(spec.engines, count, cost_a_, mem_a_, setup_.engines);
    return;
  }
  setup_.disaggregated = true;
  if (spec.prefill.count <= 0) throw UserError(where + ": serving.prefill.count must be given (> 0) when disaggregated");
  const std::int64_t used = std::int64_t(spec.prefill.count) * spec.prefill.chips();
  const int dcount = spec.decode.count > 0 ? spec.decode.count : int((chips - used) / spec.decode.chips());
  if (dcount <= 0 || used + std::int64_t(dcount) * spec.decode.chips() > chips)
    throw UserError(where + ": " + std::to_string(spec.prefill.count) + " prefill engine(s) of " + std::to_string(spec.prefill.chips()) +
                    " chips and " + std::to_string(std::max(dcount, 1)) + " decode engine(s) of " + std::to_string(spec.decode.chips()) +
                    " chips do not fit");
  build(spec.prefill, spec.prefill.count, cost_a_, mem_a_, setup_.prefill);
  build(spec.decode, dcount, cost_b_, mem_b_, setup_.decode);
  // KV transfer: alpha + bytes x beta of a point-to-point transfer between the engines' first chips.
  link_.assign(std::size_t(spec.prefill.count) * std::size_t(dcount), {-1.0, 0.0});
  const int pchips = spec.prefill.chips(), dchips = spec.decode.chips();
  const double per_token_chip = mem_a_.kv_bytes_per_token_per_chip;
  auto topo = std::make_shared<Topology>(arch_.pod, cluster::link_defaults(arch_));
  const CollectiveOptions copt = cluster::collective_options(arch_);
  setup_.kv_transfer_s = [this, topo, copt, pchips, dchips, used, dcount, per_token_chip](int p, int d, std::int64_t tokens) {
    auto& l = link_[std::size_t(p) * std::size_t(dcount) + std::size_t(d)];
    if (l.first < 0) {
      CollectiveRequest r;
      r.op = CollOp::SendRecv;
      r.chips = {p * pchips, int(used) + d * dchips};
      const double small = 4096, large = 64.0 * double(units::MiB);
      r.bytes = Bytes(small);
      const double t1 = run_isolated(*topo, r, copt).time.value();
      r.bytes = Bytes(large);
      const double t2 = run_isolated(*topo, r, copt).time.value();
      l.second = (t2 - t1) / (large - small);
      l.first = std::max(0.0, t1 - small * l.second);
    }
    return l.first + double(tokens) * per_token_chip * l.second;
  };
}

ServingStudy::~ServingStudy() = default;

ServingResult ServingStudy::run(double rate) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<Request> reqs = make_requests(spec_, rate);
  ServingResult res;
  res.run = run_serving(reqs, setup_);
  ServingSummary& s = res.summary;
  s.name = spec_.name;
  s.arch = arch_.pod.name;
  s.model = spec_.model.name;
  s.disaggregated = spec_.disaggregated;
  s.rate = spec_.requests.arrival == "poisson" ? (rate > 0 ? rate : spec_.requests.rate) : 0.0;
  s.requests = std::int64_t(reqs.size());
  if (setup_.disaggregated) {
    s.prefill_engines = setup_.prefill.count;
    s.decode_engines = setup_.decode.count;
    s.engines = s.prefill_engines + s.decode_engines;
    s.chips = std::int64_t(setup_.prefill.count) * setup_.prefill.chips + std::int64_t(setup_.decode.count) * setup_.decode.chips;
    s.kv_tokens_per_engine = mem_a_.kv_tokens;
    s.kv_tokens_per_decode_engine = mem_b_.kv_tokens;
  } else {
    s.engines = setup_.engines.count;
    s.chips = std::int64_t(setup_.engines.count) * setup_.engines.chips;
    s.kv_tokens_per_engine = mem_a_.kv_tokens;
  }
  s.weights_bytes_per_chip = mem_a_.weights_bytes_per_chip;
  s.kv_bytes_per_chip = mem_a_.kv_bytes_per_chip;
  std::vector<double> ttft, tpot, e2e;
  std::int64_t good = 0;
  double xfer = 0;
  std::int64_t xfers = 0;
  for (const auto& r : res.run.requests) {
    s.input_tokens += r.prompt_tokens;
    s.output_tokens += r.output_tokens;
    ttft.push_back(r.ttft_s());
    e2e.push_back(r.e2e_s());
    if (r.output_tokens > 1) tpot.push_back(r.tpot_s());
    const bool ok = (spec_.slo.ttft.value() <= 0 || r.ttft_s() <= spec_.slo.ttft.value()) &&
                    (spec_.slo.tpot.value() <= 0 || r.tpot_s() <= spec_.slo.tpot.value());
    good += ok ? 1 : 0;
    if (r.decode_engine >= 0) {
      xfer += r.kv_transfer_s;
      ++xfers;
    }
  }
  s.ttft_s = percentiles(ttft);
  s.tpot_s = percentiles(tpot);
  s.e2e_s = percentiles(e2e);
  s.makespan_s = res.run.makespan_s;
  const double T = s.makespan_s > 0 ? s.makespan_s : 1.0;
  s.output_tokens_per_s = double(s.output_tokens) / T;
  s.input_tokens_per_s = double(s.input_tokens) / T;
  s.requests_per_s = double(s.requests) / T;
  s.output_tokens_per_s_per_chip = s.output_tokens_per_s / double(std::max<std::int64_t>(s.chips, 1));
  s.slo_ttft_s = spec_.slo.ttft.value();
  s.slo_tpot_s = spec_.slo.tpot.value();
  s.goodput_requests_per_s = double(good) / T;
  s.slo_attainment = s.requests > 0 ? double(good) / double(s.requests) : 0.0;
  s.steps = res.run.steps;
  s.preemptions = res.run.preemptions;
  s.step_simulations = (cost_a_ ? cost_a_->simulations() : 0) + (cost_b_ ? cost_b_->simulations() : 0);
  s.decode_seqs_per_step = res.run.decode_seqs_per_step;
  s.busy_fraction = res.run.busy_fraction;
  s.kv_peak = res.run.kv_peak;
  s.kv_transfer_mean_s = xfers > 0 ? xfer / double(xfers) : 0.0;
  if (res.run.step_energy_j >= 0 && s.makespan_s > 0) {
    const double idle_chip_s = std::max(0.0, double(s.chips) * s.makespan_s - res.run.busy_chip_s);
    s.energy_j = res.run.step_energy_j + idle_chip_s * arch_.chip.power.static_watts;
    s.average_w_per_chip = s.energy_j / (double(s.chips) * s.makespan_s);
    s.output_tokens_per_joule = double(s.output_tokens) / s.energy_j;
  }
  s.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

RateSearch find_max_rate(ServingStudy& study, double attainment, int iterations) {
  const ServingSpec& spec = study.spec();
  if (spec.slo.ttft.value() <= 0 && spec.slo.tpot.value() <= 0)
    throw UserError("serving: the search for the highest rate needs an SLO (serving.slo.ttft and/or slo.tpot in " + spec.source + ")");
  if (spec.requests.arrival != "poisson") throw UserError("serving: the rate search needs requests.arrival: poisson");
  if (!(attainment > 0 && attainment <= 1)) throw UserError("serving: the SLO attainment target must be in (0, 1]");
  RateSearch rs;
  auto probe = [&](double rate) {
    rs.probes.push_back(study.run(rate).summary);
    const bool ok = rs.probes.back().slo_attainment >= attainment;
    if (ok && rate > rs.rate) {
      rs.rate = rate;
      rs.at = rs.probes.back();
    }
    return ok;
  };
  double good = 0, bad = 0;
  const double start = spec.requests.rate;
  if (probe(start)) {
    good = start;
    for (int i = 0; i < 20 && bad == 0; ++i) {
      const double r = good * 2;
      if (probe(r)) good = r;
      else bad = r;
    }
    if (bad == 0) return rs;  // met even at 2^20 x: the deployment is never the limit at these rates
  } else {
    bad = start;
    for (int i = 0; i < 10 && good == 0; ++i) {
      const double r = bad / 2;
      if (probe(r)) good = r;
      else bad = r;
    }
    if (good == 0)
      throw UserError("serving: fewer than " + std::to_string(int(100 * attainment)) + " % of the requests meet the SLO even at " +
                      std::to_string(bad) + " requests/s");
  }
  for (int i = 0; i < iterations; ++i) {
    const double mid = std::sqrt(good * bad);
    if (probe(mid)) good = mid;
    else bad = mid;
  }
  return rs;
}

namespace {
std::string ms(double s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f ms", s * 1e3);
  return buf;
}
std::string pct_line(const char* label, const Percentiles& p) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "  %-26s mean %s  p50 %s  p90 %s  p99 %s\n", label, ms(p.mean).c_str(), ms(p.p50).c_str(),
                ms(p.p90).c_str(), ms(p.p99).c_str());
  return buf;
}
}  // namespace

std::string summary_text(const ServingSummary& s) {
  std::ostringstream o;
  char buf[300];
  o << "xpusim serve: " << s.name << " (" << s.model << ") on " << s.arch << "\n";
  if (s.disaggregated)
    o << "  engines                    " << s.prefill_engines << " prefill + " << s.decode_engines << " decode, " << s.chips << " chips\n";
  else
    o << "  engines                    " << s.engines << " colocated, " << s.chips << " chips\n";
  if (s.disaggregated)
    std::snprintf(buf, sizeof buf, "  KV cache per engine        prefill %lld, decode %lld tokens\n", (long long)s.kv_tokens_per_engine,
                  (long long)s.kv_tokens_per_decode_engine);
  else
    std::snprintf(buf, sizeof buf, "  KV cache per engine        %lld tokens (weights %.2f GiB, KV %.2f GiB per chip)\n",
                  (long long)s.kv_tokens_per_engine, s.weights_bytes_per_chip / double(units::GiB), s.kv_bytes_per_chip / double(units::GiB));
  o << buf;
  if (s.rate > 0) {
    std::snprintf(buf, sizeof buf, "  arrivals                   Poisson, %.3f requests/s\n", s.rate);
    o << buf;
  }
  std::snprintf(buf, sizeof buf, "  requests                   %lld in %.3f s (%lld input, %lld output tokens)\n", (long long)s.requests,
                s.makespan_s, (long long)s.input_tokens, (long long)s.output_tokens);
  o << buf;
  std::snprintf(buf, sizeof buf, "  throughput                 %.1f output tokens/s (%.1f per chip), %.1f input tokens/s, %.3f requests/s\n",
                s.output_tokens_per_s, s.output_tokens_per_s_per_chip, s.input_tokens_per_s, s.requests_per_s);
  o << buf;
  o << pct_line("time to first token", s.ttft_s) << pct_line("time per output token", s.tpot_s) << pct_line("end-to-end latency", s.e2e_s);
  if (s.slo_ttft_s > 0 || s.slo_tpot_s > 0) {
    std::snprintf(buf, sizeof buf, "  goodput                    %.3f requests/s meet TTFT <= %s and TPOT <= %s (%.1f%%)\n",
                  s.goodput_requests_per_s, s.slo_ttft_s > 0 ? ms(s.slo_ttft_s).c_str() : "any",
                  s.slo_tpot_s > 0 ? ms(s.slo_tpot_s).c_str() : "any", 100 * s.slo_attainment);
    o << buf;
  }
  std::snprintf(buf, sizeof buf, "  steps                      %lld (%.1f sequences decoding per step, engines busy %.1f%%), %lld preemptions\n",
                (long long)s.steps, s.decode_seqs_per_step, 100 * s.busy_fraction, (long long)s.preemptions);
  o << buf;
  std::snprintf(buf, sizeof buf, "  KV cache peak              %.1f%% of the blocks\n", 100 * s.kv_peak);
  o << buf;
  if (s.disaggregated) o << "  KV transfer (mean)         " << ms(s.kv_transfer_mean_s) << "\n";
  if (s.energy_j >= 0) {
    std::snprintf(buf, sizeof buf, "  energy                     %.1f kJ, %.1f W per chip on average, %.3f output tokens per joule\n",
                  s.energy_j / 1e3, s.average_w_per_chip, s.output_tokens_per_joule);
    o << buf;
  }
  std::snprintf(buf, sizeof buf, "  step model                 %lld simulated step shapes\n", (long long)s.step_simulations);
  o << buf;
  return o.str();
}

std::string summary_json(const ServingSummary& s) {
  std::ostringstream o;
  auto pj = [&](const Percentiles& p) {
    return "{\"mean\": " + num(p.mean) + ", \"p50\": " + num(p.p50) + ", \"p90\": " + num(p.p90) + ", \"p99\": " + num(p.p99) +
           ", \"max\": " + num(p.max) + "}";
  };
  auto str = [](const std::string& x) {
    std::string out = "\"";
    for (char c : x) {
      if (c == '"' || c == '\\') out += '\\';
      if (static_cast<unsigned char>(c) < 0x20) continue;
      out += c;
    }
    return out + "\"";
  };
  o << "{\n"
    << "  \"name\": " << str(s.name) << ",\n  \"arch\": " << str(s.arch) << ",\n  \"model\": " << str(s.model) << ",\n"
    << "  \"disaggregated\": " << (s.disaggregated ? "true" : "false") << ",\n"
    << "  \"rate_requests_per_s\": " << num(s.rate) << ",\n"
    << "  \"requests\": " << s.requests << ",\n  \"chips\": " << s.chips << ",\n  \"engines\": " << s.engines << ",\n"
    << "  \"prefill_engines\": " << s.prefill_engines << ",\n  \"decode_engines\": " << s.decode_engines << ",\n"
    << "  \"input_tokens\": " << s.input_tokens << ",\n  \"output_tokens\": " << s.output_tokens << ",\n"
    << "  \"makespan_s\": " << num(s.makespan_s) << ",\n"
    << "  \"output_tokens_per_s\": " << num(s.output_tokens_per_s) << ",\n"
    << "  \"output_tokens_per_s_per_chip\": " << num(s.output_tokens_per_s_per_chip) << ",\n"
    << "  \"input_tokens_per_s\": " << num(s.input_tokens_per_s) << ",\n"
    << "  \"requests_per_s\": " << num(s.requests_per_s) << ",\n"
    << "  \"ttft_s\": " << pj(s.ttft_s) << ",\n  \"tpot_s\": " << pj(s.tpot_s) << ",\n  \"e2e_s\": " << pj(s.e2e_s) << ",\n"
    << "  \"slo_ttft_s\": " << num(s.slo_ttft_s) << ",\n  \"slo_tpot_s\": " << num(s.slo_tpot_s) << ",\n"
    << "  \"goodput_requests_per_s\": " << num(s.goodput_requests_per_s) << ",\n"
    << "  \"slo_attainment\": " << num(s.slo_attainment) << ",\n"
    << "  \"steps\": " << s.steps << ",\n  \"preemptions\": " << s.preemptions << ",\n"
    << "  \"decode_seqs_per_step\": " << num(s.decode_seqs_per_step) << ",\n"
    << "  \"busy_fraction\": " << num(s.busy_fraction) << ",\n  \"kv_peak_fraction\": " << num(s.kv_peak) << ",\n"
    << "  \"kv_tokens_per_engine\": " << s.kv_tokens_per_engine << ",\n"
    << "  \"kv_tokens_per_decode_engine\": " << s.kv_tokens_per_decode_engine << ",\n"
    << "  \"weights_bytes_per_chip\": " << num(s.weights_bytes_per_chip) << ",\n"
    << "  \"kv_bytes_per_chip\": " << num(s.kv_bytes_per_chip) << ",\n"
    << "  \"kv_transfer_mean_s\": " << num(s.kv_transfer_mean_s) << ",\n"
    << "  \"energy_j\": " << (s.energy_j >= 0 ? num(s.energy_j) : "null") << ",\n"
    << "  \"average_watts_per_chip\": " << (s.energy_j >= 0 ? num(s.average_w_per_chip) : "null") << ",\n"
    << "  \"output_tokens_per_joule\": " << (s.energy_j >= 0 ? num(s.output_tokens_per_joule) : "null") << ",\n"
    << "  \"step_simulations\": " << s.step_simulations << "\n}\n";
  return o.str();
}

std::string requests_csv(const ServeRun& r) {
  std::ostringstream o;
  o << "request,arrival_s,prompt_tokens,output_tokens,first_token_s,finish_s,ttft_s,tpot_s,e2e_s,engine,decode_engine,preemptions,kv_transfer_s\n";
  for (std::size_t i = 0; i < r.requests.size(); ++i) {
    const auto& q = r.requests[i];
    o << i << ',' << num(q.arrival_s) << ',' << q.prompt_tokens << ',' << q.output_tokens << ',' << num(q.first_token_s) << ','
      << num(q.finish_s) << ',' << num(q.ttft_s()) << ',' << num(q.tpot_s()) << ',' << num(q.e2e_s()) << ',' << q.engine << ','
      << q.decode_engine << ',' << q.preemptions << ',' << num(q.kv_transfer_s) << '\n';
  }
  return o.str();
}

std::string timeline_csv(const ServeRun& r) {
  std::ostringstream o;
  o << "time_s,kv_used_fraction,running,waiting\n";
  for (const auto& k : r.timeline) o << num(k.time_s) << ',' << num(k.kv_used) << ',' << k.running << ',' << k.waiting << '\n';
  return o.str();
}

std::string load_csv(const std::vector<ServingSummary>& rows) {
  std::ostringstream o;
  o << "rate_requests_per_s,requests,output_tokens_per_s,output_tokens_per_s_per_chip,ttft_p50_s,ttft_p90_s,ttft_p99_s,"
       "tpot_p50_s,tpot_p90_s,tpot_p99_s,e2e_p50_s,e2e_p99_s,goodput_requests_per_s,slo_attainment,kv_peak_fraction,preemptions,"
       "average_watts_per_chip,output_tokens_per_joule\n";
  for (const auto& s : rows)
    o << num(s.rate) << ',' << s.requests << ',' << num(s.output_tokens_per_s) << ',' << num(s.output_tokens_per_s_per_chip) << ','
      << num(s.ttft_s.p50) << ',' << num(s.ttft_s.p90) << ',' << num(s.ttft_s.p99) << ',' << num(s.tpot_s.p50) << ','
      << num(s.tpot_s.p90) << ',' << num(s.tpot_s.p99) << ',' << num(s.e2e_s.p50) << ',' << num(s.e2e_s.p99) << ','
      << num(s.goodput_requests_per_s) << ',' << num(s.slo_attainment) << ',' << num(s.kv_peak) << ',' << s.preemptions << ','
      << (s.energy_j >= 0 ? num(s.average_w_per_chip) : "") << ',' << (s.energy_j >= 0 ? num(s.output_tokens_per_joule) : "") << '\n';
  return o.str();
}

}  // namespace xpu::serve
