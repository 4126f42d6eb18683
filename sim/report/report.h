// Reports: what a run tells its user.
//
//  * Summary: step time; per-rank averages of compute, communication, exposed communication
//    (communication while the compute stream is idle), overlap and idle time; achieved FLOP/s per
//    chip and its fraction of the chip's matrix peak; MFU/HFU and tokens/s when the workload knows
//    its model FLOPs and tokens; HBM footprint against capacity when known; time by op class.
//  * Files (all written to a temporary name and renamed into place only after every file has
//    been produced, so a failed run leaves no half-written output):
//      summary.json  the summary, the resolved arch config and the run's provenance
//      ops.csv       one row per executed op on the traced ranks
//      trace.json    Chrome/Perfetto trace events: one process per rank, one thread per stream
// All numbers are printed with fixed precision and in a fixed order: same inputs, same bytes.
#pragma once

#include <string>
#include <vector>

#include "sim/cluster/arch.h"
#include "sim/cluster/engine.h"
#include "sim/cluster/power.h"
#include "sim/workload/ir.h"

namespace xpu::report {

struct CategoryTime {
  std::string name;
  Seconds time;  // summed over the program's nodes, averaged over ranks
  double count = 0;
};

// Network link utilisation over the step, per topology level.
struct LevelUsage {
  std::string level;
  int links = 0;
  Bytes bytes;
  double mean_utilization = 0;  // mean over the level's links of bytes / (bandwidth x step time)
  double max_utilization = 0;
  std::string busiest;          // the link with max_utilization
};

struct Summary {
  std::string workload, arch, compute_model, comm_model;
  int ranks = 0;
  int simulated_ranks = 0;
  Seconds step_time;
  Seconds compute_busy, comm_busy, exposed_comm, overlap, idle;  // averages over ranks
  Seconds slowest_rank_compute;
  Flops total_flops;
  FlopsPerSecond achieved_per_chip;
  FlopsPerSecond peak_per_chip;
  std::string peak_dtype;
  double utilization = 0;       // achieved / peak
  double mfu = -1, hfu = -1;    // -1 = unknown
  double tokens_per_s = -1, samples_per_s = -1;
  Bytes footprint, capacity;    // footprint 0 = unknown
  std::vector<wl::FootprintItem> footprint_items;
  std::vector<CategoryTime> by_class;
  std::vector<LevelUsage> link_levels;
  Bytes hbm_bytes_per_chip;          // average over ranks
  double hbm_utilization = 0;        // average HBM traffic / (peak bandwidth x step time)
  double hbm_utilization_max = 0;    // the busiest rank
  std::vector<std::string> notes;
  std::uint64_t events = 0;
  cluster::StepEnergy energy;        // energy.known = false when the chip has no power model
  double tokens_per_joule = -1;      // whole job: tokens / (energy per chip x chips); -1 = unknown
};

Summary summarize(const wl::Workload& w, const ArchSpec& arch, const cluster::SimResult& r);
std::string summary_text(const Summary& s);
std::string summary_json(const Summary& s, const ArchSpec& arch);
std::string ops_csv(const wl::Workload& w, const cluster::SimResult& r);
std::string perfetto_json(const wl::Workload& w, const cluster::SimResult& r);
// One row per network link: level, name, bytes, bandwidth, utilisation over the step.
std::string links_csv(const cluster::SimResult& r);

// Write files into `dir` atomically as a set: each goes to "<dir>/.<name>.tmp" first, and all are
// renamed into place only when every write succeeded. Throws UserError on I/O failure.
void write_files(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& files);

// The op class a node is reported under ("gemm", "vector:softmax", "comm:allreduce", ...).
std::string class_of(const wl::Node& n);

// Deterministic number formatting helpers.
std::string fixed(double v, int decimals);

}  // namespace xpu::report
