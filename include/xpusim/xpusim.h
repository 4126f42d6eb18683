// xpusim: the library's public interface (libxpusim, CMake target xpusim::xpusim).
//
// Standard C++17 types only: a consumer needs none of the simulator's own dependencies (SystemC,
// yaml-cpp, protobuf, ...) to compile against it. Every function computes exactly what the matching
// `xpusim` subcommand prints (the CLI calls the same code), so a figure read here equals the CLI's.
//
//   #include <xpusim/xpusim.h>
//   xpusim::OpResult g = xpusim::op("arch-configs/chips/ascend-910b-like.yaml",
//                                   "gemm M=4096 N=4096 K=4096 dtype=bf16");
//   std::cout << g.time_s << " s, " << g.bound << "\n";
//
// Errors in the input (a config key out of range, a missing file, a malformed op) throw
// xpusim::Error carrying the file, line, column and dotted key when the input has them.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#if defined(__GNUC__) || defined(__clang__)
#define XPUSIM_API __attribute__((visibility("default")))
#else
#define XPUSIM_API
#endif

namespace xpusim {

// "0.1.0": the version of the library (and of the xpusim tool it ships with).
XPUSIM_API std::string version();

class XPUSIM_API Error : public std::runtime_error {
 public:
  enum class Kind {
    Config,      // a config or trace file is wrong: file() and line() say where, key() which key
    Input,       // another input (an option value, a unit, a missing file)
    Simulation,  // the input cannot be simulated (a deadlock in a trace)
    Internal     // a bug in xpusim
  };
  Error(Kind kind, const std::string& message, std::string file = {}, int line = 0, int column = 0, std::string key = {});
  Kind kind() const { return kind_; }
  const std::string& file() const { return file_; }  // "" when unknown
  int line() const { return line_; }                 // 1-based; 0 when unknown
  int column() const { return column_; }
  const std::string& key() const { return key_; }    // e.g. "chip.hbm.bandwidth"; "" when none

 private:
  Kind kind_;
  std::string file_;
  int line_ = 0, column_ = 0;
  std::string key_;
};

// Arch-key overrides, applied in order on top of the arch file: {"chip.hbm.bandwidth", "2.1TB/s"}
// is `--set chip.hbm.bandwidth=2.1TB/s`.
using Overrides = std::vector<std::pair<std::string, std::string>>;

// ---- xpusim run ---------------------------------------------------------------------------------
struct RunOptions {
  std::string arch;       // arch config file
  std::string workload;   // native YAML trace, Chakra ET prefix, or transformer scenario
  Overrides set;
  int ranks = 0;          // > 0: replay a data-parallel trace on this many ranks
  bool symmetry = true;   // false: simulate every rank (--no-symmetry)
  bool timeline = true;   // record every op (ops_csv, trace_json and the report's timeline need it)
};

struct RunResult {
  std::string workload, arch;
  int ranks = 0;
  double step_time_s = 0;
  double compute_s = 0, communication_s = 0, exposed_communication_s = 0, idle_s = 0;  // per-rank averages
  double achieved_flops_per_s_per_chip = 0, peak_flops_per_s_per_chip = 0;
  double mfu = -1, tokens_per_s = -1;   // -1: the workload does not say
  std::string summary_text;   // what `xpusim run` prints
  std::string summary_json;   // summary.json
  std::string ops_csv;        // ops.csv (empty without timeline)
  std::string links_csv;      // links.csv
  std::string trace_json;     // trace.json, Chrome/Perfetto events (empty without timeline)
  std::string html;           // the self-contained HTML report (`xpusim run --html`)
};
XPUSIM_API RunResult run(const RunOptions& options);
// Writes summary.json, ops.csv, trace.json and links.csv into `dir` (created if needed), all or none.
XPUSIM_API void write_run_files(const RunResult& result, const std::string& dir);

// ---- xpusim op ----------------------------------------------------------------------------------
struct OpResult {
  std::string op, chip, bound, mapping, dtype;
  long long cycles = 0, compute_cycles = 0, dma_cycles = 0;
  int cores_used = 0;
  double time_s = 0, flops = 0, utilization = 0, achieved_flops_per_s = 0, peak_flops_per_s = 0;
  double hbm_read_bytes = 0, hbm_write_bytes = 0;
  std::string json, text;  // `xpusim op --json` and `xpusim op`
};
// `op` is the CLI's OP string, e.g. "gemm M=4096 N=4096 K=4096 dtype=bf16".
XPUSIM_API OpResult op(const std::string& arch, const std::string& op, const Overrides& set = {}, bool extrapolate = true);

// ---- xpusim mem ---------------------------------------------------------------------------------
struct MemOptions {
  std::string arch, preset;  // exactly one
  Overrides set;             // with arch
  std::string pattern = "stream", bytes = "4 MiB", rw = "1:0", request_size = "64", stride = "4096";
  std::string mode = "detailed";
  unsigned long long seed = 1;
};
struct MemResult {
  std::string memory, mode;
  double elapsed_s = 0, bytes = 0, achieved_bytes_per_s = 0, peak_bytes_per_s = 0, efficiency = 0, row_hit_rate = 0;
  double read_p50_s = 0, read_p90_s = 0, read_p99_s = 0;
  std::vector<double> channel_utilization;
  std::string json, text;
};
XPUSIM_API MemResult mem(const MemOptions& options);

// ---- xpusim coll --------------------------------------------------------------------------------
struct CollOptions {
  std::string arch;
  Overrides set;
  std::string op = "allreduce", bytes = "1 GiB";
  int ranks = 0;          // 0: every chip of the pod
  std::string algorithm;  // "": the arch's default; "auto"
  bool all = false;       // compare every algorithm that supports the op
};
struct CollRun {
  std::string algorithm;
  double time_s = 0, algbw_bytes_per_s = 0, busbw_bytes_per_s = 0, model_s = 0;
};
struct CollResult {
  std::string pod, op;
  int ranks = 0;
  double bytes = 0;
  std::vector<CollRun> runs;
  std::string json, text;
};
XPUSIM_API CollResult coll(const CollOptions& options);

// ---- any subcommand -----------------------------------------------------------------------------
// Runs `xpusim ARGS...` in this process (plan, sweep, scale, gen, check, ...) and returns what it
// printed. With throw_errors, bad input throws Error (with its location) instead of exit code 2.
struct CliResult {
  int exit_code = 0;
  std::string out, err;
};
XPUSIM_API CliResult cli(const std::vector<std::string>& args, bool throw_errors = false);

}  // namespace xpusim
