// `xpusim serve --arch POD --serving FILE`: a serving deployment under a request stream
// (sim/serving/serving.h, docs/serving.md). Prints TTFT / TPOT / end-to-end latency percentiles,
// throughput and goodput; --out DIR writes summary.json, requests.csv and kv_timeline.csv; --rates
// runs a load sweep (one run per Poisson rate, sharing the step costs) into latency_vs_load.csv and,
// with matplotlib, latency_vs_load.png / .svg.
#include <chrono>
#include <iostream>
#include <sstream>

#include "sim/cli/command.h"
#include "sim/core/error.h"
#include "sim/core/output.h"
#include "sim/serving/serving.h"

namespace xpu::cli {
namespace {

bool is_serving_key(const std::string& key) {
  for (const char* p : {"serving.", "requests.", "scheduler.", "engines.", "prefill.", "decode.", "slo."})
    if (key.rfind(p, 0) == 0) return true;
  return key == "model" || key == "dtype" || key == "kv_dtype" || key == "name";
}

std::vector<double> rate_list(const std::string& option, const std::string& text) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    std::size_t n = 0;
    double v = 0;
    try {
      v = std::stod(item, &n);
    } catch (const std::exception&) {
      n = 0;
    }
    if (n == 0 || n != item.size() || !(v > 0) || v > 1e7)
      throw UserError("xpusim serve: --" + option + ": '" + item + "' is not a rate in requests/s (0 < rate <= 1e7)");
    out.push_back(v);
  }
  if (out.empty() || out.size() > 64) throw UserError("xpusim serve: --" + option + ": give 1 to 64 rates");
  return out;
}

int serve_cmd(const std::vector<std::string>& argv) {
  Args a("serve",
         "Serve a model on a pod under a request stream: continuous batching with chunked prefill over a paged KV "
         "cache sized by the memory model, colocated or disaggregated prefill/decode engines, steps costed by the "
         "step model. Reports TTFT, TPOT and end-to-end latency (p50/p90/p99), throughput per chip and goodput at "
         "the SLO. Rules: docs/serving.md.",
         {{"arch", "FILE", "pod preset (arch-configs/pods/...)", "", true},
          {"serving", "FILE", "serving deployment (workloads/serving/...)", "", true},
          {"rate", "R", "Poisson arrival rate, requests/s (overrides requests.rate)", "", false},
          {"rates", "LIST", "load sweep: comma-separated Poisson rates; writes latency_vs_load.csv", "", false},
          {"max-rate", "FRACTION", "find the highest Poisson rate at which this share of requests meets the SLO (e.g. 0.9)", "", false},
          {"set", "KEY=VALUE", "override an arch key (chip..., pod...) or a serving key (requests.count, engines.tp, ...)", "", false},
          {"out", "DIR", "write summary.json, requests.csv, kv_timeline.csv (and latency_vs_load.csv with --rates)", "", false},
          {"json", "", "print summary.json instead of the text summary", "", false},
          {"no-plot", "", "skip the plots (kv_timeline.png; latency_vs_load.png with --rates)", "", false},
          {"python", "FILE", "Python interpreter with matplotlib for the plot", "/usr/bin/python3", false},
          {"quiet", "", "print nothing (files only)", "", false}});
  if (!a.parse(argv)) return kExitOk;
  std::vector<ArchOverride> arch_over;
  std::vector<serve::ServingOverride> serve_over;
  for (const auto& s : a.get_all("set")) {
    ArchOverride o = parse_override(s);
    if (is_serving_key(o.key)) {
      std::string key = o.key.rfind("serving.", 0) == 0 ? o.key.substr(8) : o.key;
      serve_over.push_back({key, o.value, "--set " + s});
    } else {
      arch_over.push_back(o);
    }
  }
  const ArchSpec arch = load_arch(a.get("arch"), arch_over);
  const serve::ServingSpec spec = serve::load_serving(a.get("serving"), serve_over);
  double rate = 0;
  if (a.has("rate")) {
    const auto one = rate_list("rate", a.get("rate"));
    if (one.size() != 1) throw UserError("xpusim serve: --rate takes one rate (a load sweep is --rates LIST)");
    rate = one[0];
  }
  std::vector<double> rates;
  if (a.has("rates")) rates = rate_list("rates", a.get("rates"));
  if ((rate > 0 || !rates.empty()) && spec.requests.arrival != "poisson")
    throw UserError("xpusim serve: --rate/--rates need requests.arrival: poisson (" + spec.source + " has " + spec.requests.arrival + ")");
  const std::string out = a.get("out");
  if (!out.empty()) prepare_output_dir(out, "--out");
  const bool quiet = a.has("quiet");
  serve::ServingStudy study(arch, spec);
  if (a.has("max-rate")) {
    if (!rates.empty() || rate > 0) throw UserError("xpusim serve: --max-rate searches the rate itself: drop --rate/--rates");
    double target = 0;
    try {
      std::size_t n = 0;
      target = std::stod(a.get("max-rate"), &n);
      if (n != a.get("max-rate").size()) target = -1;
    } catch (const std::exception&) {
      target = -1;
    }
    if (!(target > 0 && target <= 1)) throw UserError("xpusim serve: --max-rate: '" + a.get("max-rate") + "' is not a fraction in (0, 1]");
    const serve::RateSearch rs = serve::find_max_rate(study, target);
    const std::string csv = serve::load_csv(rs.probes);
    if (!out.empty()) write_files_atomic(out, {{"max_rate.csv", csv}, {"summary.json", serve::summary_json(rs.at)}});
    if (a.has("json")) {
      std::cout << serve::summary_json(rs.at);
    } else if (!quiet) {
      char buf[400];
      std::snprintf(buf, sizeof buf,
                    "highest rate with %.0f%% of requests within the SLO: %.3f requests/s (%zu runs)\n"
                    "  throughput %.1f output tokens/s (%.1f per chip); TTFT p90 %.2f ms, TPOT p90 %.2f ms; SLO met %.1f%%\n",
                    100 * target, rs.rate, rs.probes.size(), rs.at.output_tokens_per_s, rs.at.output_tokens_per_s_per_chip,
                    rs.at.ttft_s.p90 * 1e3, rs.at.tpot_s.p90 * 1e3, 100 * rs.at.slo_attainment);
      std::cout << buf;
      if (!out.empty()) std::cout << "  wrote " << out << "/{max_rate.csv, summary.json}\n";
    }
    return kExitOk;
  }
  if (rates.empty()) {
    const serve::ServingResult r = study.run(rate);
    const std::string js = serve::summary_json(r.summary);
    if (!out.empty())
      write_files_atomic(out, {{"summary.json", js}, {"requests.csv", serve::requests_csv(r.run)}, {"kv_timeline.csv", serve::timeline_csv(r.run)}});
    if (a.has("json")) std::cout << js;
    else if (!quiet) {
      std::cout << serve::summary_text(r.summary);
      if (!out.empty()) std::cout << "\n  wrote " << out << "/{summary.json, requests.csv, kv_timeline.csv}\n";
    }
    if (out.empty() || a.has("no-plot")) return kExitOk;
    return run_plot_script(a.get("python"), "plot_serving.py", {out + "/kv_timeline.csv", "--out", out, "--title", spec.name + " on " + arch.pod.name},
                           "kv_timeline.csv");
  }
  std::vector<serve::ServingSummary> rows;
  for (double r : rates) {
    rows.push_back(study.run(r).summary);
    const auto& s = rows.back();
    if (!quiet && !a.has("json")) {
      char buf[300];
      std::snprintf(buf, sizeof buf,
                    "  rate %9.3f req/s: %10.1f tok/s (%8.1f per chip)  TTFT p50 %9.2f p99 %9.2f ms  TPOT p50 %7.2f p99 %7.2f ms  SLO met %5.1f%%\n",
                    s.rate, s.output_tokens_per_s, s.output_tokens_per_s_per_chip, s.ttft_s.p50 * 1e3, s.ttft_s.p99 * 1e3,
                    s.tpot_s.p50 * 1e3, s.tpot_s.p99 * 1e3, 100 * s.slo_attainment);
      std::cout << buf;
    }
  }
  const std::string csv = serve::load_csv(rows);
  if (a.has("json")) std::cout << csv;
  if (out.empty()) return kExitOk;
  write_files_atomic(out, {{"latency_vs_load.csv", csv}});
  if (!quiet && !a.has("json")) std::cout << "\n  wrote " << out << "/latency_vs_load.csv\n";
  if (a.has("no-plot")) return kExitOk;
  return run_plot_script(a.get("python"), "plot_serving.py", {out + "/latency_vs_load.csv", "--out", out, "--title", spec.name + " on " + arch.pod.name},
                         "latency_vs_load.csv");
}

}  // namespace
XPU_REGISTER_COMMAND("serve", "simulate serving under a request stream (TTFT, TPOT, goodput)", serve_cmd);
}  // namespace xpu::cli
