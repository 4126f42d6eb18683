// The cluster engine: runs every rank's DAG on the discrete-event Kernel.
//
// Execution model (docs/engine.md):
//  * Each rank has a compute stream and communication streams (one per communicator, i.e. group
//    set, plus one for point-to-point, as NCCL/HCCL give each communicator its own stream; or a
//    single one, EngineOptions::comm_streams). All run concurrently. A stream runs one node at a
//    time; among its ready nodes it starts the one earliest in program order.
//    A node is ready when all its dependencies have completed.
//  * Compute-stream nodes (GEMM, vector, memcpy, delay) take the time the ComputeCostModel gives.
//  * A collective occupies its rank's comm stream from issue to completion. It starts moving data
//    when every member of its group has issued it (the k-th collective a rank issues on a group set
//    matches the k-th of every other member); kind and size must agree, else a SimulationError.
//  * Send is eager: it occupies the sender's comm stream while the data moves. Recv occupies no
//    stream: it completes when the matching send's data has arrived (matching by source,
//    destination, tag, in order).
//  * When the event queue drains with nodes left, the trace deadlocked: the engine throws a
//    SimulationError naming the stuck ranks and what each waits on.
//  * Symmetry: when the workload names representatives (wl::Workload::representative), only they
//    are simulated; a collective waits for its simulated members only, and every other rank's
//    statistics are its representative's.
//  * Compact programs (wl::Program): the engine walks the expanded program without materialising
//    it. Costs are computed once per distinct node; a rank's dependency counters exist only for the
//    block instances it has started and not finished (allocated on first use, freed on completion).
// Per rank, time is split into compute-only, comm-only, overlap and idle by accounting at every
// stream state change (O(1) per event): "exposed communication" is comm-only time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/cluster/models.h"
#include "sim/workload/ir.h"

namespace xpu::cluster {

// How a rank's communication is spread over streams (docs/engine.md).
enum class CommStreams {
  PerCommunicator,  // one stream per group set (communicator) plus one for point-to-point, as NCCL/HCCL
  Single,           // every communication op on one stream, in program order
};

struct EngineOptions {
  CommStreams comm_streams = CommStreams::PerCommunicator;
  // Ranks whose per-op timeline is recorded (ops.csv, Perfetto). Empty = all ranks when there are
  // at most 64, else one representative per program plus rank 0.
  std::vector<wl::RankId> trace_ranks;
  bool record_ops = true;
};

struct OpRecord {
  wl::RankId rank = 0;
  wl::NodeIndex node = 0;
  wl::StreamKind stream = wl::StreamKind::Compute;
  std::int64_t start_ps = 0;  // issue time
  std::int64_t end_ps = 0;
};

struct RankStats {
  Seconds finish;
  Seconds compute_only, comm_only, overlap, idle;
  Seconds compute_busy() const { return compute_only + overlap; }
  Seconds comm_busy() const { return comm_only + overlap; }
  Flops flops;
  Bytes hbm_bytes;
  Bytes comm_bytes;  // bytes this rank contributed to collectives (S per call) and sent
};

struct SimResult {
  Seconds makespan;
  std::vector<RankStats> ranks;
  std::vector<wl::RankId> traced_ranks;
  std::vector<OpRecord> ops;                   // traced ranks, sorted by (rank, start, node)
  // Per distinct node (a block's node stands for all its instances), [program][block][node in block]:
  std::vector<std::vector<std::vector<OpCost>>> costs;       // compute nodes' cost
  std::vector<std::vector<std::vector<std::string>>> algos;  // collective algorithm used (first call)
  // Expanded node g of program p (OpRecord::node) to its entries above.
  const OpCost& cost(const wl::Workload& w, int p, wl::NodeIndex g) const;
  const std::string& algo(const wl::Workload& w, int p, wl::NodeIndex g) const;
  std::uint64_t events = 0;
  int simulated_ranks = 0;  // < ranks.size() under symmetry reduction
  double clock_scale = 1.0;  // < 1: the chips ran below their sustained clock (TDP cap; power.h)
  std::vector<LinkUsage> links;  // per network link (flow-level model only)
  std::string compute_model, comm_model;
};

class ClusterEngine {
 public:
  ClusterEngine(const wl::Workload& w, ComputeCostModel& compute, CommModel& comm, EngineOptions opt = {});
  // Runs to completion on Kernel::instance(). Throws SimulationError on deadlock.
  SimResult run();

 private:
  struct Impl;
  const wl::Workload& w_;
  ComputeCostModel& compute_;
  CommModel& comm_;
  EngineOptions opt_;
};

}  // namespace xpu::cluster
