#include "sim/cluster/network_comm_model.h"

namespace xpu::cluster {

namespace {
CollOp to_op(wl::CollKind k) {
  switch (k) {
    case wl::CollKind::AllReduce: return CollOp::AllReduce;
    case wl::CollKind::AllGather: return CollOp::AllGather;
    case wl::CollKind::ReduceScatter: return CollOp::ReduceScatter;
    case wl::CollKind::AllToAll: return CollOp::AllToAll;
    case wl::CollKind::Broadcast: return CollOp::Broadcast;
    case wl::CollKind::Reduce: return CollOp::Reduce;
  }
  return CollOp::AllReduce;
}
}  // namespace

NetworkCommModel::NetworkCommModel(const ArchSpec& arch, const LinkDefaults& links, const CollectiveOptions& opt)
    : algorithm_(opt.algorithm) {
  net_ = std::make_unique<Network>(arch.pod, links);
  svc_ = std::make_unique<CollectiveService>(*net_, opt);
}

CollectiveRequest NetworkCommModel::request(const CollectiveCall& call) const {
  CollectiveRequest r;
  r.op = to_op(call.kind);
  r.bytes = call.bytes;
  r.chips.assign(call.ranks.begin(), call.ranks.end());
  r.root = call.root;
  r.algorithm = algorithm_;
  if (algorithm_ == "auto") {
    ChoiceKey key{static_cast<int>(r.op), r.bytes.value(), r.root, r.chips};
    auto it = choice_.find(key);
    if (it == choice_.end()) it = choice_.emplace(std::move(key), svc_->choose(r)).first;
    r.algorithm = it->second;
  }
  return r;
}

void NetworkCommModel::start_collective(const CollectiveCall& call, std::function<void()> done) {
  svc_->start(request(call), std::move(done));
}

void NetworkCommModel::start_send(wl::RankId src, wl::RankId dst, Bytes bytes, std::function<void()> done) {
  net_->send(src, dst, bytes, std::move(done));
}

std::string NetworkCommModel::algorithm(const CollectiveCall& call) const { return request(call).algorithm; }

}  // namespace xpu::cluster

namespace xpu::cluster {

std::vector<LinkUsage> NetworkCommModel::link_usage() const {
  const Topology& t = net_->topology();
  const auto& bytes = net_->link_bytes();
  std::vector<LinkUsage> out;
  out.reserve(t.links().size());
  for (size_t i = 0; i < t.links().size(); ++i) {
    const TopoLink& l = t.links()[i];
    LinkUsage u;
    u.name = t.node_list()[l.from].name + "->" + t.node_list()[l.to].name;
    u.level = l.level >= 0 && l.level < static_cast<int>(t.levels().size()) ? t.levels()[l.level].name : "?";
    u.bytes = Bytes(i < bytes.size() ? bytes[i] : 0.0);
    u.bandwidth = BytesPerSecond(l.bandwidth);
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace xpu::cluster
