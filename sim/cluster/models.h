// The engine's two seams to the models: what a compute op costs, and how communication happens.
//
//  * ComputeCostModel::cost(node) is pure: the engine asks once per distinct program node and
//    replays the answer on every rank that runs the program.
//  * CommModel is asynchronous: the engine calls start_*() when a collective's participants have
//    all arrived (or a send is issued) and the model calls `done` from a Kernel callback when the
//    data has moved. A flow-level network with congestion implements the same interface as the
//    closed-form alpha-beta ring (analytic_models.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sim/core/units.h"
#include "sim/workload/ir.h"

namespace xpu::cluster {

struct OpCost {
  Seconds time;
  Flops flops;
  Bytes hbm_bytes;
  std::string bound;   // "compute", "memory", "fixed", ...
  std::string detail;  // model-specific (mapping, ...)
};

class ComputeCostModel {
 public:
  virtual ~ComputeCostModel() = default;
  virtual std::string name() const = 0;
  virtual OpCost cost(const wl::Node& node) = 0;
  // Fractional slow-down of a compute op that starts while a collective runs on its chip (the
  // engine stretches its time by 1 + this; chip.kernel.comm_slowdown). 0 = no contention.
  virtual double comm_slowdown() const { return 0.0; }
  // Spread of sustained speed between chips (chip.kernel.chip_spread): the engine runs every compute op
  // of an R-rank workload (1 + spread/2 x (R-1)/(R+1)) slower, the expected lag of the slowest of R
  // chips behind the median one for speeds uniform over the spread. 0 = identical chips.
  virtual double chip_spread() const { return 0.0; }
};

struct CollectiveCall {
  wl::CollKind kind = wl::CollKind::AllReduce;
  Bytes bytes;
  std::vector<wl::RankId> ranks;  // the group, in order (rank i sits at chip i)
  wl::RankId root = 0;            // index within `ranks`
};

// Traffic carried by one network link over a run (for utilisation reports).
struct LinkUsage {
  std::string name;    // "from->to"
  std::string level;   // topology level that owns the link
  Bytes bytes;
  BytesPerSecond bandwidth;  // nominal, one direction
};

class CommModel {
 public:
  virtual ~CommModel() = default;
  virtual std::string name() const = 0;
  virtual void start_collective(const CollectiveCall& call, std::function<void()> done) = 0;
  virtual void start_send(wl::RankId src, wl::RankId dst, Bytes bytes, std::function<void()> done) = 0;
  // Human-readable algorithm choice for a call (for reports); "" when not applicable.
  virtual std::string algorithm(const CollectiveCall&) const { return ""; }
  // Bytes carried per link so far; empty for models without links (the alpha-beta ring).
  virtual std::vector<LinkUsage> link_usage() const { return {}; }
};

}  // namespace xpu::cluster
