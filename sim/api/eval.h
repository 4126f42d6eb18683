// What the `run`, `op`, `mem` and `coll` subcommands compute, as library functions: the CLI
// (sim/cli/cmd_*.cpp), the public facade (include/xpusim/xpusim.h) and the Python module all call
// these, so every front end prints and returns the same figures from one implementation.
//
// Requests carry option values as the command line spells them (units in the strings: "4 MiB",
// "1GiB"), and are validated here with the same messages whichever front end asked.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/cluster/arch.h"
#include "sim/cluster/engine.h"
#include "sim/memory/hbm_spec.h"
#include "sim/report/report.h"
#include "sim/workload/ir.h"

namespace xpu::api {

// ---- run ---------------------------------------------------------------------------------------
struct RunRequest {
  std::string arch, workload;
  std::vector<std::string> set;   // KEY=VALUE overrides, in order (--set)
  long ranks = 0;                 // > 0: replay a data-parallel trace on this many ranks (--ranks)
  bool symmetry = true;           // false: --no-symmetry
  bool record_ops = true;         // per-op timeline (ops.csv, trace.json, the HTML timeline)
};

struct RunOutcome {
  ArchSpec arch;
  wl::Workload workload;
  cluster::SimResult result;
  report::Summary summary;
  std::string summary_json;  // summary.json, byte for byte
};

// Loads and checks everything first (UserError/ConfigError), then simulates: run() is
// load_run() then simulate_run(), which a caller splits to check its outputs in between.
RunOutcome run(const RunRequest& q);
RunOutcome load_run(const RunRequest& q);
void simulate_run(const RunRequest& q, RunOutcome& o);
// The files `run --out` writes (summary.json, ops.csv, trace.json, links.csv), in that order;
// ops.csv and trace.json need record_ops.
std::vector<std::pair<std::string, std::string>> run_files(const RunOutcome& o);

// ---- op ----------------------------------------------------------------------------------------
struct OpRequest {
  std::string arch, op;
  std::vector<std::string> set;
  bool extrapolate = true;
};
struct OpOutcome {
  std::string op, chip, bound, mapping, dtype;
  long long cycles = 0, compute_cycles = 0, dma_cycles = 0;
  int cores_used = 0;
  double time_s = 0, flops = 0, utilization = 0, achieved_flops_per_s = 0, peak_flops_per_s = 0;
  double hbm_read_bytes = 0, hbm_write_bytes = 0, global_to_l1_bytes = 0, l1_to_global_bytes = 0;
  double l0_operand_bytes = 0, l0_accumulator_bytes = 0;
  double clock_scale = 1;  // < 1: the op alone exceeds the chip's TDP and runs at a lower clock
  std::string json;  // `xpusim op --json`
  std::string text;  // `xpusim op`
};
OpOutcome op(const OpRequest& q);

// ---- mem ---------------------------------------------------------------------------------------
struct MemRequest {
  std::string arch, preset;  // exactly one
  std::vector<std::string> set;
  std::string pattern = "stream", bytes = "4 MiB", rw = "1:0", size = "64", stride = "4096";
  std::string mode = "detailed", mapping, hash, page, seed = "1";
};
struct MemOutcome {
  std::string memory, mode;
  double elapsed_s = 0, bytes = 0, achieved_bytes_per_s = 0, peak_bytes_per_s = 0, efficiency = 0;
  double row_hit_rate = 0, read_p50_s = 0, read_p90_s = 0, read_p99_s = 0;
  unsigned long long requests = 0, refreshes = 0, activates = 0;
  std::vector<double> channel_utilization;
  std::string json, text;
};
MemOutcome mem(const MemRequest& q);
// The memory preset file a request resolves to, and its spec with the request's overrides
// (mapping, hash, page): what `mem --calibrate` calibrates.
std::string mem_preset_path(const MemRequest& q);
mem::HbmSpec mem_spec(const MemRequest& q);

// ---- coll --------------------------------------------------------------------------------------
struct CollRequest {
  std::string arch;
  std::vector<std::string> set;
  std::string op = "allreduce", bytes = "1 GiB";
  std::optional<int> ranks;  // none: every chip of the pod
  std::string algo;     // "" = the arch's models.collective_algorithm; "auto"
  int root = 0;
  std::string chunk;    // "" = the arch's models.collective_chunk
  bool all = false;     // every algorithm that supports the op
};
struct CollRun {
  std::string algorithm;
  bool auto_choice = false;  // the algorithm auto picks (with all)
  double time_s = 0, algbw_bytes_per_s = 0, busbw_bytes_per_s = 0, model_s = 0;
  unsigned long long flows = 0, flow_updates = 0;
  double wall_s = 0;         // host time (text only; not in the JSON, which stays deterministic)
};
struct CollOutcome {
  std::string pod, op;
  int chips = 0, ranks = 0;
  double bytes = 0;
  std::vector<CollRun> runs;
  std::string json, text;
};
CollOutcome coll(const CollRequest& q);

// Overrides as `--set KEY=VALUE` strings parsed (UserError on a malformed one).
std::vector<ArchOverride> parse_overrides(const std::vector<std::string>& set);

}  // namespace xpu::api
