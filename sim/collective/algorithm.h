// Collective algorithms as per-rank step programs, and their registry.
//
// A Schedule gives, for rank r and step s, the messages r sends (peer rank, bytes) and how many
// messages r must receive in step s. The executor (collective.cpp) runs rank r's step s when step
// s-1 is complete, i.e. all its sends were delivered and all its expected receives arrived; a
// message sent in the sender's step s counts toward the receiver's step s. Steps are generated on
// demand (no per-message storage), so a 4,096-rank ring costs O(ranks) memory.
//
// An Algorithm checks whether it applies (op, group shape), builds the Schedule (asking the
// topology for ring orders, coordinates and routes: algorithm and topology stay orthogonal), and
// gives its closed-form time for the tuner. Adding one: a new file in algorithms/ ending in
// XPU_REGISTER_ALGORITHM(name, class, one-line doc, parameters) (registry.h); the config choice
// models.collective_algorithm, `xpusim schema` and the conformance suite pick it up from there.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/collective/collective.h"
#include "sim/core/registry.h"

namespace xpu {

// One message of a step. A point-to-point message crosses the whole route to `peer`. An algorithm
// the network reduces for (in_switch) sends on part of it: `hops` First = only the sender's uplink
// into the switch (data the switch consumes: reduces), Last = only the switch's downlink into the
// peer (data the switch produces: reduced or multicast results), at most `rate_cap_bytes_per_s`
// (0 = the links' share only). Either is delivered to `peer` after the whole route's latency and
// counts toward its expected receives (network.h, "Partial routes").
struct Send {
  int peer;
  double bytes;
  Network::Hops hops = Network::Hops::Route;
  double rate_cap_bytes_per_s = 0;
};
struct StepPlan {
  std::vector<Send> sends;
  int recvs = 0;
  void clear() { sends.clear(); recvs = 0; }
};

class Schedule {
 public:
  virtual ~Schedule() = default;
  virtual int steps() const = 0;
  virtual void step(int rank, int s, StepPlan& out) const = 0;
  // Time every rank spends before its first step besides the launch latency: work the algorithm
  // does on the chips or in the switches that moves no link bytes (in_switch: the reduction's fixed
  // latency and the fill and drain of its staged pipeline). Added by the executor and by model().
  virtual Seconds setup() const { return Seconds(0); }
  std::vector<int> chips;  // rank -> chip (the algorithm's order)
};

struct AlgoContext {
  const Topology& topo;
  CollOp op;
  double bytes;
  std::vector<int> chips;  // the group as requested
  int root;
  const CollectiveOptions& opts;
  int n() const { return static_cast<int>(chips.size()); }
  // Pipeline depth for chunked algorithms: ceil(part / opts.chunk), in [1, opts.max_chunks].
  int chunks(double part) const;
  // Uncongested time of one round in which every rank i sends `bytes` to peer[i] (chips by rank).
  double round(const std::vector<int>& rank_chips, const std::vector<int>& peer, double bytes) const;
};

class Algorithm {
 public:
  virtual ~Algorithm() = default;
  virtual bool supports(const AlgoContext& c) const = 0;
  virtual std::unique_ptr<Schedule> plan(const AlgoContext& c) const = 0;
  virtual Seconds model(const AlgoContext& c) const = 0;
  // How model() relates to the simulated time on an idle topology where no two messages of a step
  // share a link (a full mesh): exact (the default), or an upper bound at most `slack` (a fraction)
  // above it. The conformance suite holds every algorithm to what it declares here.
  struct ModelAccuracy {
    bool upper_bound = false;
    double slack = 0;
  };
  virtual ModelAccuracy model_accuracy() const { return {}; }
  // Algorithms that reduce IN THE NETWORK (a switch adds up what the ranks send it: NVLS, SHARP) move
  // fewer bytes per rank than any point-to-point algorithm can, so the conformance suite holds them
  // to their own closed-form bytes instead of the point-to-point lower bounds: the bytes each rank
  // sends into the network (up) and receives from it (down). Point-to-point algorithms: nullopt.
  struct NetworkBytes {
    double up = 0, down = 0;
  };
  virtual std::optional<NetworkBytes> in_network_bytes(const AlgoContext&) const { return std::nullopt; }
};

using AlgorithmRegistry = Registry<Algorithm>;
AlgorithmRegistry& algorithm_registry();
// The shared instance of a registered algorithm (algorithms are stateless), or nullptr.
const Algorithm* find_algorithm(const std::string& name);

bool is_power_of_two(int n);

// The config key chunked (pipelined) algorithms read, for their registry entry's parameters; the
// key itself is declared in ModelsSpec (sim/cluster/arch.h) with the same default.
struct ChunkedAlgorithmParams {
  Bytes collective_chunk = CollectiveOptions{}.chunk;
  template <class V>
  void visit(V& v) {
    v.field("collective_chunk", collective_chunk, cfg::Field("pipelining chunk (pipeline depth = ceil(part / chunk), at most 64)").positive());
  }
};
inline ParamDocs chunked_algorithm_params() { return params_of<ChunkedAlgorithmParams>("models"); }

}  // namespace xpu

#define XPU_REGISTER_ALGORITHM(NAME, CLASS, DOC, PARAMS)       \
  XPU_REGISTER(::xpu::algorithm_registry(), NAME, DOC, PARAMS, \
               [] { return std::unique_ptr<::xpu::Algorithm>(new CLASS()); })
