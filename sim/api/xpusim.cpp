// The public facade (include/xpusim/xpusim.h) over the functions the subcommands use (eval.h).
#include "xpusim/xpusim.h"

#include "sim/api/eval.h"
#include "sim/api/translate.h"
#include "sim/core/output.h"
#include "sim/report/html.h"

namespace xpu::api {
std::recursive_mutex& facade_mutex() {
  static std::recursive_mutex m;
  return m;
}
}  // namespace xpu::api

namespace xpusim {
namespace {

std::vector<std::string> set_strings(const Overrides& set) {
  std::vector<std::string> out;
  for (const auto& [k, v] : set) out.push_back(k + "=" + v);
  return out;
}

}  // namespace

std::string version() { return XPUSIM_VERSION; }

Error::Error(Kind kind, const std::string& message, std::string file, int line, int column, std::string key)
    : std::runtime_error(message), kind_(kind), file_(std::move(file)), line_(line), column_(column), key_(std::move(key)) {}

RunResult run(const RunOptions& o) {
  return xpu::api::translate_errors([&] {
    xpu::api::RunRequest q;
    q.arch = o.arch;
    q.workload = o.workload;
    q.set = set_strings(o.set);
    q.ranks = o.ranks;
    q.symmetry = o.symmetry;
    q.record_ops = o.timeline;
    const xpu::api::RunOutcome out = xpu::api::run(q);
    const auto& s = out.summary;
    RunResult r;
    r.workload = s.workload;
    r.arch = s.arch;
    r.ranks = s.ranks;
    r.step_time_s = s.step_time.value();
    r.compute_s = s.compute_busy.value();
    r.communication_s = s.comm_busy.value();
    r.exposed_communication_s = s.exposed_comm.value();
    r.idle_s = s.idle.value();
    r.achieved_flops_per_s_per_chip = s.achieved_per_chip.value();
    r.peak_flops_per_s_per_chip = s.peak_per_chip.value();
    r.mfu = s.mfu;
    r.tokens_per_s = s.tokens_per_s;
    r.summary_text = xpu::report::summary_text(s);
    r.summary_json = out.summary_json;
    for (const auto& [name, content] : xpu::api::run_files(out)) {
      if (name == "ops.csv") r.ops_csv = o.timeline ? content : std::string();
      if (name == "trace.json") r.trace_json = o.timeline ? content : std::string();
      if (name == "links.csv") r.links_csv = content;
    }
    r.html = xpu::report::html_run_report(out.workload, out.arch, out.result, s);
    return r;
  });
}

void write_run_files(const RunResult& r, const std::string& dir) {
  xpu::api::translate_errors([&] {
    xpu::prepare_output_dir(dir, "dir");
    xpu::write_files_atomic(dir, {{"summary.json", r.summary_json},
                                  {"ops.csv", r.ops_csv},
                                  {"trace.json", r.trace_json},
                                  {"links.csv", r.links_csv}});
    return 0;
  });
}

OpResult op(const std::string& arch, const std::string& op_text, const Overrides& set, bool extrapolate) {
  return xpu::api::translate_errors([&] {
    xpu::api::OpRequest q;
    q.arch = arch;
    q.op = op_text;
    q.set = set_strings(set);
    q.extrapolate = extrapolate;
    const xpu::api::OpOutcome o = xpu::api::op(q);
    OpResult r;
    r.op = o.op;
    r.chip = o.chip;
    r.bound = o.bound;
    r.mapping = o.mapping;
    r.dtype = o.dtype;
    r.cycles = o.cycles;
    r.compute_cycles = o.compute_cycles;
    r.dma_cycles = o.dma_cycles;
    r.cores_used = o.cores_used;
    r.time_s = o.time_s;
    r.flops = o.flops;
    r.utilization = o.utilization;
    r.achieved_flops_per_s = o.achieved_flops_per_s;
    r.peak_flops_per_s = o.peak_flops_per_s;
    r.hbm_read_bytes = o.hbm_read_bytes;
    r.hbm_write_bytes = o.hbm_write_bytes;
    r.json = o.json;
    r.text = o.text;
    return r;
  });
}

MemResult mem(const MemOptions& m) {
  return xpu::api::translate_errors([&] {
    xpu::api::MemRequest q;
    q.arch = m.arch;
    q.preset = m.preset;
    q.set = set_strings(m.set);
    q.pattern = m.pattern;
    q.bytes = m.bytes;
    q.rw = m.rw;
    q.size = m.request_size;
    q.stride = m.stride;
    q.mode = m.mode;
    q.seed = std::to_string(m.seed);
    const xpu::api::MemOutcome o = xpu::api::mem(q);
    MemResult r;
    r.memory = o.memory;
    r.mode = o.mode;
    r.elapsed_s = o.elapsed_s;
    r.bytes = o.bytes;
    r.achieved_bytes_per_s = o.achieved_bytes_per_s;
    r.peak_bytes_per_s = o.peak_bytes_per_s;
    r.efficiency = o.efficiency;
    r.row_hit_rate = o.row_hit_rate;
    r.read_p50_s = o.read_p50_s;
    r.read_p90_s = o.read_p90_s;
    r.read_p99_s = o.read_p99_s;
    r.channel_utilization = o.channel_utilization;
    r.json = o.json;
    r.text = o.text;
    return r;
  });
}

CollResult coll(const CollOptions& c) {
  return xpu::api::translate_errors([&] {
    xpu::api::CollRequest q;
    q.arch = c.arch;
    q.set = set_strings(c.set);
    q.op = c.op;
    q.bytes = c.bytes;
    if (c.ranks != 0) q.ranks = c.ranks;
    q.algo = c.algorithm;
    q.all = c.all;
    const xpu::api::CollOutcome o = xpu::api::coll(q);
    CollResult r;
    r.pod = o.pod;
    r.op = o.op;
    r.ranks = o.ranks;
    r.bytes = o.bytes;
    for (const auto& x : o.runs) r.runs.push_back({x.algorithm, x.time_s, x.algbw_bytes_per_s, x.busbw_bytes_per_s, x.model_s});
    r.json = o.json;
    r.text = o.text;
    return r;
  });
}

}  // namespace xpusim
