#include "sim/study/validation.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "sim/chip/op_text.h"
#include "sim/cluster/simulate.h"
#include "sim/collective/collective.h"
#include "sim/core/error.h"
#include "sim/report/report.h"
#include "sim/workload/generator/scenario.h"
#include "sim/workload/generator/transformer.h"
#include "sim/workload/reader.h"

namespace xpu::study {

namespace {

std::string signed_pct(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.1f %%", 100.0 * v);
  return buf;
}

[[noreturn]] void bad(const std::string& path, const std::string& id, const std::string& msg) {
  throw UserError(path + ": row '" + id + "': " + msg);
}

std::map<std::string, RowKind>& row_kinds() {
  static std::map<std::string, RowKind> kinds;
  return kinds;
}

std::string unit_of(const std::string& metric) {
  for (const auto& [name, k] : row_kinds())
    if (auto it = k.metric_units.find(metric); it != k.metric_units.end()) return it->second;
  if (metric == "tflops") return "TFLOP/s";
  if (metric == "ms") return "ms";
  if (metric == "hfu_tflops") return "TFLOP/s/GPU (hardware)";
  if (metric == "mfu_tflops") return "TFLOP/s/GPU (model)";
  if (metric == "busbw_gbs") return "GB/s busbw";
  if (metric == "tokens_per_s_chip") return "tokens/s/GPU";
  if (metric == "mfu_percent") return "% MFU";
  if (metric == "layer_ms") return "ms per layer (fwd + bwd)";
  return metric;
}

// gemm and attention rows: one op on one chip, as `xpusim op` costs it.
double op_row(const ValidationRow& row, const ArchSpec& arch) {
  const chip::OpDesc op = chip::parse_op(row.kind + " " + row.op);
  const cluster::OpAtCap at = cluster::simulate_op(arch, op);  // as `op` and `run` cost it (TDP cap included)
  const chip::OpResult& r = at.result;
  if (row.metric == "ms") return r.time.seconds() * 1e3;
  return r.flops.flops() / r.time.seconds() / 1e12;
}

double step_seconds(const ArchSpec& arch, const wl::Workload& w) {
  cluster::SimulateOptions so;
  so.engine.record_ops = false;
  return cluster::simulate(arch, w, so).makespan.seconds();
}

// layer_ms: the marginal time of one transformer layer's forward and backward over the step's
// micro-batches, (T(2L) - T(L)) / L with the scenario's L layers, so that the embedding, the loss,
// the optimizer and fixed costs cancel. The scenario must run one micro-batch on one pipeline stage
// (a per-layer measurement, as Korthikanti et al. Table 4).
double layer_row(const ValidationRow& row, const ArchSpec& arch, const std::string& path) {
  wl::gen::ScenarioSpec s = wl::gen::load_scenario(path);
  if (!s.training_mode || s.parallel.pp != 1 || wl::gen::micro_batches_per_step(s) != 1)
    throw UserError(path + ": row '" + row.id + "': metric layer_ms needs a training scenario with pp 1 and one micro-batch per step");
  const std::int64_t L = s.model.layers;
  const double t1 = step_seconds(arch, wl::gen::generate_transformer(s));
  s.model.layers = 2 * L;
  const double t2 = step_seconds(arch, wl::gen::generate_transformer(s));
  return (t2 - t1) / double(L) * 1e3;
}

double training_row(const ValidationRow& row, const ArchSpec& arch, const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / row.scenario).string();
  if (row.metric == "layer_ms") return layer_row(row, arch, path);
  const wl::Workload w = wl::load_workload(path);
  cluster::SimulateOptions so;
  so.engine.record_ops = false;
  const cluster::SimResult r = cluster::simulate(arch, w, so);
  const report::Summary s = report::summarize(w, arch, r);
  if (row.metric == "tokens_per_s_chip") {
    // Throughput per chip of the whole job: free of any FLOP-counting convention.
    if (!(s.tokens_per_s > 0)) throw UserError("row '" + row.id + "': the scenario reports no tokens per step");
    return s.tokens_per_s / static_cast<double>(w.num_ranks);
  }
  const double frac = row.metric == "hfu_tflops" ? s.hfu : s.mfu;
  if (!(frac > 0)) throw UserError("row '" + row.id + "': the scenario reports no step FLOPs");
  if (row.metric == "mfu_percent") return 100.0 * frac;
  return frac * s.peak_per_chip.flops_per_second() / 1e12;
}

double collective_row(const ValidationRow& row, const ArchSpec& arch) {
  std::istringstream is(row.op);
  std::string op_name, size;
  is >> op_name;
  std::getline(is, size);
  Topology t(arch.pod, cluster::link_defaults(arch));
  const CollectiveOptions opts = cluster::collective_options(arch);
  CollectiveRequest req;
  req.op = parse_coll_op(op_name);
  req.bytes = parse_bytes(size);
  for (int i = 0; i < t.chips(); ++i) req.chips.push_back(i);
  req.algorithm = "auto";
  // nccl-tests reports what the library chose; the model takes the best algorithm it has, or the
  // pod's models.collective_algorithm where the fixture names one (the library's, e.g. NCCL's ring).
  std::vector<std::string> algos = supported_algorithms(t, req, opts);
  if (opts.algorithm != "auto") algos = {opts.algorithm};
  double best = 0;
  for (const std::string& algo : algos) {
    CollectiveRequest r = req;
    r.algorithm = algo;
    best = std::max(best, run_isolated(t, r, opts).busbw.gb_per_s());
  }
  return best;
}

}  // namespace

bool ValidationResult::in_band() const { return std::abs(error) <= kValidationBand; }

std::vector<ValidationRow> load_validation_rows(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw UserError(path + ": " + e.what());
  }
  if (!root["rows"] || !root["rows"].IsSequence()) throw UserError(path + ": expected a top-level 'rows:' list");
  std::vector<ValidationRow> rows;
  std::set<std::string> ids;
  for (const auto& n : root["rows"]) {
    ValidationRow r;
    auto str = [&](const char* key, bool required) {
      if (!n[key]) {
        if (required) bad(path, r.id, std::string("missing '") + key + "'");
        return std::string();
      }
      return n[key].as<std::string>();
    };
    r.id = str("id", true);
    if (!ids.insert(r.id).second) bad(path, r.id, "duplicate id");
    r.family = str("family", true);
    r.source = str("source", true);
    r.kind = str("kind", true);
    r.arch = str("arch", true);
    r.scenario = str("scenario", false);
    r.op = str("op", false);
    r.metric = str("metric", true);
    r.role = str("role", true);
    r.fits = str("fits", false);
    r.reason = str("reason", false);
    if (!n["published"]) bad(path, r.id, "missing 'published'");
    r.published = n["published"].as<double>();
    const std::string expect = n["expect"] ? n["expect"].as<std::string>() : "pass";
    if (expect != "pass" && expect != "fail") bad(path, r.id, "expect must be pass or fail, got '" + expect + "'");
    r.expect_fail = expect == "fail";
    if (n["set"]) {
      if (!n["set"].IsSequence()) bad(path, r.id, "'set' must be a list of KEY=VALUE overrides");
      for (const auto& e : n["set"]) r.set.push_back(e.as<std::string>());
    }
    const auto ext = row_kinds().find(r.kind);
    if (r.kind != "gemm" && r.kind != "attention" && r.kind != "training" && r.kind != "collective" && ext == row_kinds().end()) {
      std::string known = "gemm, attention, training, collective";
      for (const auto& [name, k] : row_kinds()) known += ", " + name;
      bad(path, r.id, "kind must be one of " + known);
    }
    const std::set<std::string> metrics{"tflops", "ms", "hfu_tflops", "mfu_tflops", "mfu_percent", "busbw_gbs", "tokens_per_s_chip", "layer_ms"};
    if (ext != row_kinds().end() ? !ext->second.metric_units.count(r.metric) : !metrics.count(r.metric))
      bad(path, r.id, "unknown metric '" + r.metric + "' for kind " + r.kind);
    if (ext == row_kinds().end() && !r.set.empty()) bad(path, r.id, "'set' applies to " + std::string("registered kinds (serving) only"));
    if (r.role != "calibration" && r.role != "validation") bad(path, r.id, "role must be calibration or validation");
    if (r.role == "calibration" && r.fits.empty()) bad(path, r.id, "a calibration row names what it fits ('fits')");
    if (r.expect_fail && r.reason.empty()) bad(path, r.id, "an expected failure needs its 'reason'");
    if (ext != row_kinds().end()) {
      if (ext->second.needs_scenario && r.scenario.empty()) bad(path, r.id, "a " + r.kind + " row needs 'scenario'");
    } else {
      if (r.kind == "training" && r.scenario.empty()) bad(path, r.id, "a training row needs 'scenario'");
      if (r.kind != "training" && r.op.empty()) bad(path, r.id, "a " + r.kind + " row needs 'op'");
    }
    if (!(r.published > 0)) bad(path, r.id, "published must be > 0");
    rows.push_back(std::move(r));
  }
  return rows;
}

bool register_row_kind(const std::string& kind, RowKind k) {
  row_kinds()[kind] = std::move(k);
  return true;
}

ValidationResult evaluate_row(const ValidationRow& row, const std::string& rows_dir) {
  const ArchSpec arch = load_arch((std::filesystem::path(rows_dir) / row.arch).string());
  ValidationResult r;
  r.row = row;
  if (row.kind == "gemm" || row.kind == "attention") r.ours = op_row(row, arch);
  else if (row.kind == "training") r.ours = training_row(row, arch, rows_dir);
  else if (row.kind == "collective") r.ours = collective_row(row, arch);
  else if (auto it = row_kinds().find(row.kind); it != row_kinds().end()) r.ours = it->second.evaluate(row, arch, rows_dir);
  else throw UserError("row '" + row.id + "': no evaluator for kind '" + row.kind + "' in this build");
  r.error = r.ours / row.published - 1.0;
  return r;
}

std::string validation_table_line(const ValidationResult& r) {
  const ValidationRow& w = r.row;
  const int prec = w.metric.size() >= 2 && w.metric.compare(w.metric.size() - 2, 2, "ms") == 0 ? 3 : 1;
  std::string status;
  if (w.expect_fail) status = r.in_band() ? "**unexpected pass**" : "expected fail: " + w.reason;
  else status = r.in_band() ? "pass" : "**FAIL**";
  return "| " + w.id + " | " + w.family + " | " + w.source + " | " + (w.role == "calibration" ? "calibration (" + w.fits + ")" : "validation") +
         " | " + report::fixed(w.published, prec) + " | " + report::fixed(r.ours, prec) + " | " + unit_of(w.metric) + " | " +
         signed_pct(r.error) + " | " + status + " |";
}

ErrorStats error_stats(const std::vector<double>& errors) {
  ErrorStats s;
  s.rows = static_cast<int>(errors.size());
  if (errors.empty()) return s;
  std::vector<double> a;
  for (double e : errors) a.push_back(std::abs(e));
  std::sort(a.begin(), a.end());
  const std::size_t n = a.size();
  s.median_abs = n % 2 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
  s.max_abs = a.back();
  return s;
}

std::string validation_table(const std::vector<ValidationResult>& results) {
  std::ostringstream os;
  os << "| row | family | source | role | published | ours | unit | error | status (band ±"
     << report::fixed(100 * kValidationBand, 0) << " %) |\n|---|---|---|---|---|---|---|---|---|\n";
  std::vector<double> cal, val;
  int expected_fail = 0;
  for (const auto& r : results) {
    os << validation_table_line(r) << "\n";
    // The error as the table prints it (0.1 %), so the summary can be recomputed from the table.
    (r.row.role == "calibration" ? cal : val).push_back(std::stod(report::fixed(100.0 * r.error, 1)) / 100.0);
    expected_fail += r.row.expect_fail ? 1 : 0;
  }
  const ErrorStats c = error_stats(cal), v = error_stats(val);
  os << "\nValidation rows (not used for fitting): " << v.rows << ", median |error| " << report::fixed(100 * v.median_abs, 1)
     << " %, max |error| " << report::fixed(100 * v.max_abs, 1) << " %.\n";
  os << "Calibration rows: " << c.rows << ", median |error| " << report::fixed(100 * c.median_abs, 1) << " %, max |error| "
     << report::fixed(100 * c.max_abs, 1) << " %.\n";
  os << "Expected failures: " << expected_fail << ".\n";
  return os.str();
}

}  // namespace xpu::study
