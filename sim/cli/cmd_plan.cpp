// `xpusim plan --arch POD --model M --gbs N --seq S`: search the parallel layout of a training job
// (sim/study/plan.h, docs/study.md). Prints the ranked table of simulated layouts with the why
// (compute, exposed communication, bubble/wait), counts of rejected layouts per failing memory term,
// and writes DIR/plan.csv (every candidate) and, with matplotlib, DIR/plan.png / plan.svg (step
// time against HBM footprint with the Pareto front).
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "sim/cli/command.h"
#include "sim/core/error.h"
#include "sim/report/report.h"
#include "sim/study/plan.h"
#include "sim/core/output.h"
#include "sim/study/html_study.h"
#include "sim/study/mpi.h"
#include "sim/study/runner.h"
#include "sim/study/scaling.h"

namespace xpu::cli {
namespace {

std::vector<std::int64_t> int_list(const std::string& opt, const std::string& text, const std::vector<std::int64_t>& allowed = {}) {
  std::vector<std::int64_t> out;
  std::string item;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != ',') {
      item += text[i];
      continue;
    }
    out.push_back(positive_int_option("plan", opt, item, 1 << 20));
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), out.back()) == allowed.end())
      throw UserError("xpusim plan: --" + opt + ": " + item + " is not allowed here");
    item.clear();
  }
  return out;
}

std::vector<std::string> word_list(const std::string& opt, const std::string& text, const std::vector<std::string>& allowed) {
  std::vector<std::string> out;
  std::string item;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != ',') {
      item += text[i];
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), item) == allowed.end())
      throw UserError("xpusim plan: --" + opt + ": unknown value '" + item + "'");
    out.push_back(item);
    item.clear();
  }
  return out;
}

int plan_cmd(const std::vector<std::string>& argv) {
  Args a("plan",
         "Search the parallel layout of a training job: enumerate TP / PP / DP / CP / EP, micro-batch, virtual "
         "pipeline stages, recompute and ZeRO for the pod's topology, prune by the memory model (naming the "
         "term that does not fit: weights, gradients, optimizer, activations), simulate the survivors the "
         "analytic estimate ranks best (at most --max-sim), and print them ranked with the why (compute, "
         "exposed communication, bubble). Rules: docs/study.md.",
         {{"arch", "FILE", "pod preset (arch-configs/pods/...)", "", true},
          {"model", "NAME", "model preset name (workloads/models/NAME.yaml) or a model YAML path", "", true},
          {"gbs", "N", "training: global batch, sequences per step (required for training)", "", false},
          {"seq", "N", "training: sequence length, tokens (required for training)", "", false},
          {"inference", "PHASE", "plan serving instead: decode or prefill, over TP / EP / batch (one replica)", "", false},
          {"context", "N", "inference: KV-cache length (decode) or prompt length (prefill), tokens", "4096", false},
          {"batch", "LIST", "inference: batch sizes (sequences in flight) to consider", "1,8,32,64,128,256", false},
          {"latency-ms", "MS", "inference: step latency target (decode: per token; prefill: time to first token)", "", false},
          {"chips", "N", "derive a pod of N chips from --arch first (the rule of xpusim scale)", "", false},
          {"hbm", "BYTES", "HBM capacity per chip for the memory pruning, e.g. 80GiB (default: the chip's)", "", false},
          {"objective", "NAME", "step-time, memory, or tokens-per-joule (the chip's power model: energy per step of the whole job)", "step-time", false},
          {"micro-batch", "LIST", "micro-batch sizes to consider", "1,2,4", false},
          {"vpp", "LIST", "virtual pipeline stages per rank to consider", "1,2,4", false},
          {"recompute", "LIST", "activation recompute choices", "none,selective,full", false},
          {"zero", "LIST", "ZeRO stages (distributed optimizer) to consider", "0,1,2,3", false},
          {"max-tp", "N", "largest TP degree (default: the innermost topology level's size)", "", false},
          {"max-cp", "N", "largest context-parallel degree (default: 8 when --seq >= 8192, else 1)", "", false},
          {"max-sim", "N", "simulate at most N survivors, the best by the analytic estimate", "12", false},
          {"top", "N", "rows of the ranked table to print", "10", false},
          {"jobs", "N", "worker processes (-j N also works; default: the cores this process may use)", "", false},
          {"db", "FILE", "SQLite results database; simulated layouts are reused on a re-run", "", false},
          {"out", "DIR", "write plan.csv (and plan.png, plan.svg) here", "", false},
          {"no-plot", "", "write the CSV only", "", false},
          {"html", "FILE", "write a self-contained HTML report (ranked layouts, step time against footprint)", "", false},
          {"python", "FILE", "Python interpreter with matplotlib for the plot", "/usr/bin/python3", false}});
  if (!a.parse(argv)) return kExitOk;
  if (!std::filesystem::is_regular_file(a.get("arch"))) throw UserError("--arch: no such file '" + a.get("arch") + "'");
  ArchSpec arch = load_arch(a.get("arch"));
  if (a.has("chips")) arch = study::derive_arch(arch, positive_int_option("plan", "chips", a.get("chips"), 1 << 20));
  wl::gen::ModelSpec model;
  try {
    // Presets: $XPUSIM_MODELS_DIR, ./workloads/models, then the repository the binary was built in.
    std::vector<std::string> dirs;
    for (const auto& r : data_roots_text()) dirs.push_back(r + "/workloads/models");
    model = wl::gen::load_model(a.get("model"), dirs);
  } catch (const ConfigError&) {
    throw;
  } catch (const UserError& e) {
    throw UserError("--model: " + std::string(e.what()));
  }
  study::PlanOptions opt;
  opt.inference = a.has("inference");
  if (opt.inference) {
    for (const char* k : {"gbs", "seq", "micro-batch", "vpp", "recompute", "zero", "objective"})
      if (a.has(k)) throw UserError(std::string("xpusim plan: --") + k + " is a training option; drop it or drop --inference");
    opt.phase = a.get("inference");
    if (opt.phase != "decode" && opt.phase != "prefill")
      throw UserError("xpusim plan: --inference: unknown phase '" + opt.phase + "' (decode or prefill)");
    opt.context = positive_int_option("plan", "context", a.get("context"), 1L << 24);
    opt.batches = int_list("batch", a.get("batch"));
    if (a.has("latency-ms")) {
      const std::string text = a.get("latency-ms");  // strtod's end pointer must outlive the parse
      char* end = nullptr;
      const double ms = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || !(ms > 0))
        throw UserError("xpusim plan: --latency-ms needs a positive number of milliseconds, got '" + a.get("latency-ms") + "'");
      opt.latency_s = ms * 1e-3;
    }
  } else {
    for (const char* k : {"gbs", "seq"})
      if (!a.has(k))
        throw UserError(std::string("xpusim plan: missing required option '--") + k + " N' (or plan serving with --inference); see --help");
    for (const char* k : {"batch", "latency-ms", "context"})
      if (a.has(k)) throw UserError(std::string("xpusim plan: --") + k + " is an inference option (add --inference decode|prefill)");
    opt.global_batch = positive_int_option("plan", "gbs", a.get("gbs"), 1L << 30);
    opt.seq_len = positive_int_option("plan", "seq", a.get("seq"), 1L << 24);
  }
  if (a.has("hbm")) {
    try {
      opt.hbm = parse_bytes(a.get("hbm"));
    } catch (const UserError& e) {
      throw UserError("--hbm: " + std::string(e.what()));
    }
    if (opt.hbm.value() <= 0) throw UserError("--hbm: must be positive");
  }
  opt.objective = a.get("objective");
  opt.micro_batches = int_list("micro-batch", a.get("micro-batch"));
  opt.vpps.clear();
  for (auto v : int_list("vpp", a.get("vpp"))) opt.vpps.push_back(int(v));
  opt.recomputes = word_list("recompute", a.get("recompute"), {"none", "selective", "full"});
  opt.zeros.clear();
  for (const auto& z : word_list("zero", a.get("zero"), {"0", "1", "2", "3"})) opt.zeros.push_back(std::stoi(z));
  if (a.has("max-tp")) opt.max_tp = int(positive_int_option("plan", "max-tp", a.get("max-tp"), 1 << 20));
  if (a.has("max-cp")) opt.max_cp = int(positive_int_option("plan", "max-cp", a.get("max-cp"), 1 << 20));
  opt.max_simulated = int(positive_int_option("plan", "max-sim", a.get("max-sim"), 100000));
  opt.jobs = a.has("jobs") ? int(positive_int_option("plan", "jobs", a.get("jobs"), 1024)) : study::default_jobs();
  const std::size_t top = std::size_t(positive_int_option("plan", "top", a.get("top"), 100000));
  if (a.has("html")) prepare_output_file(a.get("html"), "--html");
  if (a.has("out")) prepare_output_dir(a.get("out"), "--out");
  std::unique_ptr<study::SqliteStore> db;
  if (a.has("db") && !study::mpi_worker()) {
    db = std::make_unique<study::SqliteStore>(a.get("db"));
    opt.store = db.get();
  }
  std::cout << "xpusim plan: " << model.name << " on " << arch.pod.name << " (" << arch.pod.chips << " chips), ";
  if (opt.inference)
    std::cout << opt.phase << " at context " << opt.context << ", latency target "
              << (opt.latency_s > 0 ? report::fixed(opt.latency_s * 1e3, 3) + " ms" : std::string("none"));
  else
    std::cout << "global batch " << opt.global_batch << " x " << opt.seq_len << " tokens";
  std::cout << ", HBM "
            << report::fixed((opt.hbm.value() > 0 ? opt.hbm.value() : arch.chip.hbm.capacity.value()) / double(units::GiB), 1)
            << " GiB, objective " << (opt.inference ? "tokens/s per chip" : opt.objective) << "\n" << std::flush;
  const study::Plan plan = study::run_plan(arch, model, opt);
  if (study::mpi_worker()) return kExitOk;  // rank 0 reports
  if (a.has("html")) write_file_atomic(a.get("html"), study::html_plan_report(plan, top));
  std::size_t rejected = 0, dominated = 0, survivors = 0;
  std::map<std::string, std::size_t> by_term;
  for (const auto& c : plan.candidates) {
    if (c.status == study::PlanStatus::Rejected) {
      ++rejected;
      ++by_term[c.reason.substr(0, c.reason.find(' '))];
    } else if (c.status == study::PlanStatus::Dominated) {
      ++dominated;
    } else {
      ++survivors;
    }
  }
  std::cout << "  " << plan.layouts << " layouts (" << plan.illegal << " refused by the divisibility / batch rules), "
            << plan.candidates.size() << (opt.inference ? " candidates: " : " layout x recompute x ZeRO choices: ")
            << rejected << " do not fit in HBM";
  if (!by_term.empty()) {
    std::cout << " (first term over the budget:";
    bool first = true;
    for (const auto& [t, n] : by_term) {
      std::cout << (first ? " " : ", ") << t << " " << n;
      first = false;
    }
    std::cout << ")";
  }
  std::size_t simulated = 0;
  for (const auto& c : plan.candidates)
    simulated += c.status == study::PlanStatus::Simulated || c.status == study::PlanStatus::TooSlow ? 1 : 0;
  std::cout << ", " << dominated << " dominated, " << survivors << " survivors; simulated " << simulated
            << " (the best by the analytic estimate, --max-sim " << opt.max_simulated << ") in "
            << report::fixed(plan.wall_s, 1) << " s\n\n";
  if (plan.ranking.empty()) {
    std::cout << "  no layout fits in HBM" << (opt.inference && opt.latency_s > 0 ? " and meets the latency target" : "")
              << " among those simulated; see plan.csv for each rejection\n";
  } else {
    std::cout << study::plan_table(plan, top);
  }
  for (const auto& c : plan.candidates)
    if (c.estimate_rank > 0 && c.estimate_rank <= opt.max_simulated && c.status != study::PlanStatus::Simulated)
      std::cout << "  " << c.label() << ": " << c.reason << "\n";
  if (!a.has("out")) return plan.ranking.empty() ? kExitCheckFailed : kExitOk;
  const std::string out = a.get("out");
  report::write_files(out, {{"plan.csv", study::plan_csv(plan)}});
  std::cout << "\n  wrote " << out << "/plan.csv (" << plan.candidates.size() << " rows)\n";
  int rc = plan.ranking.empty() ? kExitCheckFailed : kExitOk;
  if (a.has("no-plot") || plan.ranking.empty()) return rc;
  std::vector<std::string> plot_args = {out + "/plan.csv", "--out", out};
  if (opt.inference) {
    plot_args.push_back("--inference");
    if (opt.latency_s > 0) plot_args.insert(plot_args.end(), {"--latency-ms", report::fixed(opt.latency_s * 1e3, 6)});
  }
  plot_args.push_back("--title");
  plot_args.push_back(model.name + " on " + arch.pod.name +
                      (opt.inference ? ", " + opt.phase + " at context " + std::to_string(opt.context)
                                     : ", batch " + std::to_string(opt.global_batch) + " x " + std::to_string(opt.seq_len)));
  const int prc = run_plot_script(a.get("python"), "plot_plan.py",
                                  plot_args, "plan.csv");
  return prc != kExitOk ? prc : rc;
}

}  // namespace
XPU_REGISTER_COMMAND("plan", "search the parallel layout (TP/PP/DP/CP/EP, micro-batch, recompute, ZeRO) of a training job", plan_cmd);
}  // namespace xpu::cli
