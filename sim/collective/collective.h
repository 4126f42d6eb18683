// Collectives on the flow-level network: the public API the cluster engine calls.
//
// What it offers
//   * CollectiveService(net): `start(CollectiveRequest, on_done)` runs one collective as chunked
//     point-to-point flows on `net` (network.h) and calls on_done when every rank has finished.
//     Collectives on different groups may run concurrently: their flows share links through the
//     network's max-min model. The chosen algorithm's name is returned.
//   * run_isolated(topology, request): the same collective alone on a private network and a private
//     event queue (no SystemC): time, algbw, busbw, algorithm, flow count. Pure; used by `xpusim coll`,
//     tests and the benchmark. It may run while the Kernel is running.
//   * model_time(topology, request, algorithm): the tuner's closed-form estimate (below).
//
// Sizes follow nccl-tests (NVIDIA/nccl-tests doc/PERFORMANCE.md): `bytes` is the "size" column:
//   all-reduce, broadcast, reduce, send/recv: the buffer of one rank;
//   all-gather: the gathered output (each rank contributes bytes/n);
//   reduce-scatter: the input of one rank (each rank keeps bytes/n);
//   all-to-all: the send buffer of one rank (bytes/n to each peer).
// algbw = bytes / time; busbw = algbw x factor, factor = 2(n-1)/n (all-reduce), (n-1)/n (all-gather,
// reduce-scatter, all-to-all), 1 (broadcast, reduce, send/recv).
//
// Algorithms (one file each under sim/collective/algorithms/, registered by name; `auto` picks the
// lowest model_time among those that support the op and group, ties by name):
//   ring (one channel), multi_ring (one ring per member of a node, each crossing node boundaries on
//   its own rail, as NCCL's channels per NIC), tree (double binary tree, all-reduce), halving_doubling (Rabenseifner; power-of-two
//   groups), recursive_doubling (all-reduce, latency-bound sizes), direct (one step to every peer;
//   all-to-all, send/recv, and the direct forms of the others), hierarchical (multi-dimensional:
//   reduce-scatter along each topology level the group spans, innermost first, then all-gather
//   outermost first), in_switch (in-network reduction, NVLS / SHARP: all-reduce and reduce-scatter
//   reduced inside one switch whose level sets reduction_efficiency; each rank's link carries
//   S(1+1/n) each way for an all-reduce). Closed forms: docs/models/network.md.
//
// Not modelled: reduction arithmetic and memory traffic on the chips (a reduction is free),
// multi-node in-network reduction (NVLS-tree, SHARP across switch tiers), protocol selection
// (LL/LL128/Simple) beyond the level's `efficiency`, NCCL channel counts other than multi_ring's one
// per inner member.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/core/units.h"
#include "sim/interconnect/network.h"

namespace xpu {

enum class CollOp { AllReduce, AllGather, ReduceScatter, AllToAll, Broadcast, Reduce, SendRecv };

// "allreduce", "all_reduce", "all-reduce" ... -> CollOp; throws UserError listing the valid names.
CollOp parse_coll_op(const std::string& name);
std::string coll_op_name(CollOp op);  // "allreduce"
// nccl-tests busbw factor for a group of n ranks.
double busbw_factor(CollOp op, int n);

struct CollectiveRequest {
  CollOp op = CollOp::AllReduce;
  Bytes bytes;              // nccl-tests size (see above)
  std::vector<int> chips;   // the group, in rank order (send/recv: {source, destination})
  int root = 0;             // rank index of the root (broadcast, reduce)
  std::string algorithm = "auto";
};

struct CollectiveOptions {
  std::string algorithm = "auto";              // default when a request says "auto"
  Bytes chunk = Bytes(4.0 * units::MiB);       // pipelining chunk of tree/chain algorithms
  int max_chunks = 64;                         // cap on pipeline depth (simulation cost)
  // Fixed time from a collective's start to its first transfer on every rank (the communication
  // library's kernel launch and setup; chip.kernel.collective_launch). Added to the closed-form
  // models too, so it never changes which algorithm `auto` picks.
  Seconds launch_latency = Seconds(0);
  // Isolated fast path: a collective whose links carry no flow when it starts is simulated alone once
  // per distinct (algorithm, op, size, root, group) and stands on the network as a reservation of
  // its links until its end time; if any other flow needs one of those links first, the collective is
  // re-simulated up to that instant and continues as ordinary flows (CollectiveService::materialize).
  // Same times as the full flow simulation (tests/unit/test_collective_fast_path.cpp).
  bool isolated_fast_path = true;
};

struct CollectiveResult {
  std::string algorithm;
  Seconds time;
  BytesPerSecond algbw, busbw;
  Seconds model;            // the tuner's closed-form estimate for the algorithm used
  std::uint64_t flows = 0;
  std::uint64_t flow_updates = 0;
};

class CollectiveService {
 public:
  explicit CollectiveService(Network& net, CollectiveOptions opts = {});
  ~CollectiveService();
  // Validates the request (UserError: chips out of range or repeated, root out of range, unknown or
  // unsupported algorithm), starts it, returns the algorithm used.
  std::string start(const CollectiveRequest& req, std::function<void()> on_done);
  // The algorithm `start` would use.
  std::string choose(const CollectiveRequest& req) const;
  Network& network() const { return *net_; }

 private:
  Network* net_;
  CollectiveOptions opts_;
  struct Runs;                  // collectives in progress (owned here, freed as each completes)
  std::unique_ptr<Runs> runs_;
  void* launch(Network& net, const CollectiveRequest& req, std::function<void()> on_done);  // -> Run*
  bool start_isolated(const CollectiveRequest& req, std::function<void()>& on_done);
  void materialize(void* fast);
  // pick() memoised per distinct request (op, size, root, algorithm, group): a training step asks
  // the same question for every micro-batch and layer. Only successful picks are kept, so an invalid
  // request is refused every time.
  mutable std::unordered_map<std::string, std::string> picked_;
  mutable std::string pick_key_;
  const std::string& picked(const CollectiveRequest& req) const;
};

CollectiveResult run_isolated(const Topology& topo, const CollectiveRequest& req, const CollectiveOptions& opts = {});
Seconds model_time(const Topology& topo, const CollectiveRequest& req, const std::string& algorithm,
                   const CollectiveOptions& opts = {});
// Names of the algorithms that support `req` on `topo`, in registry (name) order.
std::vector<std::string> supported_algorithms(const Topology& topo, const CollectiveRequest& req,
                                              const CollectiveOptions& opts = {});
std::vector<std::string> algorithm_names();
// The algorithm a request resolves to (its own, the options' default, or auto's pick by model).
std::string choose_algorithm(const Topology& topo, const CollectiveRequest& req, const CollectiveOptions& opts = {});

}  // namespace xpu
