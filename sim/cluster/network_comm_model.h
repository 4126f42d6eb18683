// NetworkCommModel: the engine's CommModel backed by the flow-level network (sim/interconnect) and
// the collective algorithms (sim/collective). Rank i runs on chip i of the pod. Collectives become
// chunked point-to-point flows on the pod's topology; concurrent collectives and sends share links
// through max-min fair bandwidth sharing.
#pragma once

#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "sim/cluster/arch.h"
#include "sim/cluster/models.h"
#include "sim/collective/collective.h"

namespace xpu::cluster {

class NetworkCommModel : public CommModel {
 public:
  // Built by cluster::make_comm_model (simulate.h) from the arch's link defaults and collective options.
  NetworkCommModel(const ArchSpec& arch, const LinkDefaults& links, const CollectiveOptions& opt);
  std::string name() const override { return "flow-level network"; }
  void start_collective(const CollectiveCall& call, std::function<void()> done) override;
  void start_send(wl::RankId src, wl::RankId dst, Bytes bytes, std::function<void()> done) override;
  std::string algorithm(const CollectiveCall& call) const override;
  std::vector<LinkUsage> link_usage() const override;
  const Network& network() const { return *net_; }

 private:
  CollectiveRequest request(const CollectiveCall& call) const;
  std::unique_ptr<Network> net_;
  std::unique_ptr<CollectiveService> svc_;
  std::string algorithm_;
  // The tuner's choice per distinct (op, bytes, root, group): computed once, reused for every call.
  using ChoiceKey = std::tuple<int, double, int, std::vector<int>>;
  mutable std::map<ChoiceKey, std::string> choice_;
};

}  // namespace xpu::cluster
