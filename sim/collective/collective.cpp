// Collective service: algorithm registry and selection, the step executor that turns a Schedule
// into network flows, and the isolated runner. Semantics: see collective.h and algorithm.h.
#include "sim/collective/collective.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "sim/collective/algorithm.h"
#include "sim/core/error.h"

namespace xpu {
namespace {

// One shared instance per registered algorithm, made on first use.
const std::map<std::string, std::unique_ptr<Algorithm>>& registry() {
  static const std::map<std::string, std::unique_ptr<Algorithm>> r = [] {
    std::map<std::string, std::unique_ptr<Algorithm>> m;
    for (const auto& [name, e] : algorithm_registry().entries()) m[name] = e.make();
    return m;
  }();
  return r;
}

const char* const kOpNames[] = {"allreduce", "allgather", "reducescatter", "alltoall", "broadcast", "reduce", "sendrecv"};

}  // namespace

AlgorithmRegistry& algorithm_registry() {
  static AlgorithmRegistry r("collective algorithm", "models.collective_algorithm (or auto: fastest by model)");
  return r;
}
const Algorithm* find_algorithm(const std::string& name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second.get();
}
std::vector<std::string> algorithm_names() {
  std::vector<std::string> v;
  for (const auto& [n, a] : registry()) v.push_back(n);
  return v;
}
bool is_power_of_two(int n) { return n > 0 && (n & (n - 1)) == 0; }

CollOp parse_coll_op(const std::string& name) {
  std::string k;
  for (char ch : name)
    if (ch != '_' && ch != '-') k += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (k == "p2p" || k == "send" || k == "recv") k = "sendrecv";
  for (int i = 0; i < 7; ++i)
    if (k == kOpNames[i]) return static_cast<CollOp>(i);
  std::string all;
  for (const char* n : kOpNames) all += (all.empty() ? "" : ", ") + std::string(n);
  throw UserError("unknown collective '" + name + "'; valid: " + all);
}
std::string coll_op_name(CollOp op) { return kOpNames[static_cast<int>(op)]; }

double busbw_factor(CollOp op, int n) {
  if (n <= 1) return op == CollOp::SendRecv || op == CollOp::Broadcast || op == CollOp::Reduce ? 1.0 : 0.0;
  switch (op) {
    case CollOp::AllReduce: return 2.0 * (n - 1) / n;
    case CollOp::AllGather:
    case CollOp::ReduceScatter:
    case CollOp::AllToAll: return static_cast<double>(n - 1) / n;
    default: return 1.0;
  }
}

int AlgoContext::chunks(double part) const {
  int k = static_cast<int>(std::ceil(part / std::max(1.0, opts.chunk.bytes())));
  return std::clamp(k, 1, std::max(1, opts.max_chunks));
}

double AlgoContext::round(const std::vector<int>& rank_chips, const std::vector<int>& peer, double b) const {
  std::vector<std::pair<int, int>> pairs;
  pairs.reserve(peer.size());
  for (size_t i = 0; i < peer.size(); ++i)
    if (peer[i] >= 0) pairs.emplace_back(rank_chips[i], rank_chips[static_cast<size_t>(peer[i])]);
  return topo.round_time(pairs, Bytes(b)).seconds();
}

// ---- validation and selection ----------------------------------------------------------------------
namespace {

void validate(const Topology& topo, const CollectiveRequest& req) {
  const std::string what = coll_op_name(req.op);
  if (req.chips.empty()) throw UserError(what + ": the group has no chips");
  std::set<int> seen;
  for (int c : req.chips) {
    if (c < 0 || c >= topo.chips())
      throw UserError(what + ": chip " + std::to_string(c) + " is not in the pod (chips 0.." +
                      std::to_string(topo.chips() - 1) + ")");
    if (!seen.insert(c).second) throw UserError(what + ": chip " + std::to_string(c) + " appears twice in the group");
  }
  if (req.op == CollOp::SendRecv && req.chips.size() != 2)
    throw UserError("sendrecv needs a group of exactly 2 chips {source, destination}, got " +
                    std::to_string(req.chips.size()));
  if (req.root < 0 || req.root >= static_cast<int>(req.chips.size()))
    throw UserError(what + ": root rank " + std::to_string(req.root) + " is outside the group of " +
                    std::to_string(req.chips.size()));
  if (!(req.bytes.bytes() >= 0) || !std::isfinite(req.bytes.bytes()))
    throw UserError(what + ": size must be finite and >= 0");
}

AlgoContext context(const Topology& topo, const CollectiveRequest& req, const CollectiveOptions& opts) {
  return AlgoContext{topo, req.op, req.bytes.bytes(), req.chips, req.root, opts};
}

std::string pick(const Topology& topo, const CollectiveRequest& req, const CollectiveOptions& opts) {
  validate(topo, req);
  AlgoContext c = context(topo, req, opts);
  std::string want = req.algorithm.empty() || req.algorithm == "auto" ? opts.algorithm : req.algorithm;
  if (want != "auto") {
    const Algorithm* a = find_algorithm(want);
    if (a == nullptr) {
      std::string all;
      for (const auto& n : algorithm_names()) all += (all.empty() ? "" : ", ") + n;
      throw UserError("unknown collective algorithm '" + want + "'; known: auto, " + all);
    }
    if (!a->supports(c)) {
      std::string ok;
      for (const auto& n : supported_algorithms(topo, req, opts)) ok += (ok.empty() ? "" : ", ") + n;
      throw UserError("algorithm '" + want + "' does not support " + coll_op_name(req.op) + " on this group of " +
                      std::to_string(req.chips.size()) + " chips; supported: " + ok);
    }
    return want;
  }
  std::string best;
  double best_t = 0;
  for (const auto& [name, a] : registry()) {
    if (!a->supports(c)) continue;
    double t = a->model(c).seconds();
    if (best.empty() || t < best_t * (1 - 1e-9)) best = name, best_t = t;
  }
  if (best.empty()) throw UserError("no algorithm supports " + coll_op_name(req.op) + " on this group");
  return best;
}

// ---- the executor ----------------------------------------------------------------------------------
// One Run per started collective, owned by its CollectiveService's run table until every rank has
// finished. Delivery callbacks capture the Run's address and the index of a message record (small
// enough for std::function's local storage: no allocation per message).
struct Run {
  struct Rank {
    int step = -1;
    int sends_out = 0;
    int recvs_needed = 0;
    std::vector<std::pair<int, int>> got;  // (step, messages arrived) for steps not yet completed
    int arrived(int s) const {
      for (const auto& [st, n] : got)
        if (st == s) return n;
      return 0;
    }
  };
  struct Msg {
    int from, to, step;
  };
  Network* net = nullptr;
  std::unique_ptr<Schedule> sched;
  int steps = 0;
  std::vector<Rank> ranks;
  int ranks_left = 0;
  std::int64_t in_flight = 0;
  std::function<void()> done;
  std::function<void(Run*)> release;  // called once the last message has been delivered
  StepPlan plan;
  std::vector<Msg> msgs;
  std::vector<std::uint32_t> free_msgs;

  bool complete(int r) {
    Rank& k = ranks[static_cast<size_t>(r)];
    if (k.step < 0) return true;
    if (k.sends_out > 0) return false;
    return k.arrived(k.step) >= k.recvs_needed;
  }

  void delivered(std::uint32_t m) {
    const Msg msg = msgs[m];
    free_msgs.push_back(m);
    --in_flight;
    Rank& to = ranks[static_cast<size_t>(msg.to)];
    bool found = false;
    for (auto& [st, n] : to.got)
      if (st == msg.step) ++n, found = true;
    if (!found) to.got.emplace_back(msg.step, 1);
    ranks[static_cast<size_t>(msg.from)].sends_out--;
    advance(msg.to);
    advance(msg.from);
    if (ranks_left == 0 && in_flight == 0 && release) {
      auto r = std::move(release);
      release = nullptr;
      r(this);  // destroys this Run: nothing may touch it afterwards
    }
  }

  void advance(int r) {
    Rank& k = ranks[static_cast<size_t>(r)];
    while (k.step < steps && complete(r)) {
      for (size_t i = 0; i < k.got.size(); ++i)
        if (k.got[i].first == k.step) {
          k.got[i] = k.got.back();
          k.got.pop_back();
          break;
        }
      ++k.step;
      if (k.step == steps) {
        if (--ranks_left == 0 && done) {
          auto fn = std::move(done);
          done = nullptr;
          fn();
        }
        return;
      }
      plan.clear();
      sched->step(r, k.step, plan);
      k.recvs_needed = plan.recvs;
      const int s = k.step;
      for (const Send& m : plan.sends) {
        ++k.sends_out;
        ++in_flight;
        std::uint32_t id;
        if (!free_msgs.empty()) {
          id = free_msgs.back();
          free_msgs.pop_back();
          msgs[id] = Msg{r, m.peer, s};
        } else {
          id = static_cast<std::uint32_t>(msgs.size());
          msgs.push_back(Msg{r, m.peer, s});
        }
        Run* self = this;
        net->send(sched->chips[static_cast<size_t>(r)], sched->chips[static_cast<size_t>(m.peer)], Bytes(m.bytes),
                  [self, id] { self->delivered(id); }, m.hops, m.rate_cap_bytes_per_s);
      }
    }
  }
};

}  // namespace

struct CollectiveService::Runs {
  std::vector<std::unique_ptr<Run>> slots;
  std::vector<int> free;
  // Isolated fast path: the outcome of each distinct collective simulated alone ...
  struct Outcome {
    std::int64_t time_ps = 0;                      // from start to on_done
    std::vector<int> links;                        // every link it uses
    std::vector<std::pair<int, double>> link_bytes;
    std::uint64_t flows = 0;
    double bytes = 0;
  };
  using Key = std::tuple<std::string, int, double, int, std::vector<int>>;
  std::map<Key, Outcome> outcomes;
  // ... and the collectives now standing in for their flows by a reservation.
  struct Fast {
    CollectiveRequest req;                         // algorithm resolved
    std::function<void()> on_done;
    std::int64_t t0 = 0;
    int reservation = -1;
    bool live = true;
  };
};

namespace {

Run* execute(Network& net, std::unique_ptr<Schedule> sched, std::function<void()> on_done,
             std::unique_ptr<Run>& slot, std::function<void(Run*)> release, std::int64_t launch_ps) {
  slot = std::make_unique<Run>();
  Run* run = slot.get();
  run->net = &net;
  run->steps = sched->steps();
  run->ranks.resize(sched->chips.size());
  run->ranks_left = static_cast<int>(sched->chips.size());
  launch_ps += static_cast<std::int64_t>(std::llround(sched->setup().seconds() * 1e12));
  run->sched = std::move(sched);
  run->done = std::move(on_done);
  if (run->steps == 0) {
    net.call_after(launch_ps, std::move(run->done));
    release(run);
    return nullptr;
  }
  run->release = std::move(release);
  auto start = [run] {
    for (int r = 0; r < static_cast<int>(run->ranks.size()); ++r) run->advance(r);
  };
  if (launch_ps > 0) net.call_after(launch_ps, start);
  else start();
  return run;
}

}  // namespace

std::vector<std::string> supported_algorithms(const Topology& topo, const CollectiveRequest& req,
                                              const CollectiveOptions& opts) {
  validate(topo, req);
  AlgoContext c = context(topo, req, opts);
  std::vector<std::string> out;
  for (const auto& [name, a] : registry())
    if (a->supports(c)) out.push_back(name);
  return out;
}

namespace {
// The closed-form time of `algorithm` on `req`, launch latency included (as the executor runs it).
Seconds modelled(const std::string& algorithm, const Topology& topo, const CollectiveRequest& req, const CollectiveOptions& opts) {
  return find_algorithm(algorithm)->model(context(topo, req, opts)) + opts.launch_latency;
}
}  // namespace

Seconds model_time(const Topology& topo, const CollectiveRequest& req, const std::string& algorithm,
                   const CollectiveOptions& opts) {
  CollectiveRequest r = req;
  r.algorithm = algorithm;
  std::string name = pick(topo, r, opts);
  return modelled(name, topo, req, opts);
}

std::string choose_algorithm(const Topology& topo, const CollectiveRequest& req, const CollectiveOptions& opts) {
  return pick(topo, req, opts);
}

CollectiveService::CollectiveService(Network& net, CollectiveOptions opts)
    : net_(&net), opts_(std::move(opts)), runs_(std::make_unique<Runs>()) {}
CollectiveService::~CollectiveService() = default;

const std::string& CollectiveService::picked(const CollectiveRequest& req) const {
  std::string& k = pick_key_;
  k.clear();
  auto put = [&k](const void* p, std::size_t n) { k.append(static_cast<const char*>(p), n); };
  const int op = static_cast<int>(req.op);
  const double bytes = req.bytes.bytes();
  put(&op, sizeof op);
  put(&bytes, sizeof bytes);
  put(&req.root, sizeof req.root);
  k += req.algorithm;
  k.push_back('\0');
  put(req.chips.data(), req.chips.size() * sizeof(int));
  auto it = picked_.find(k);
  if (it == picked_.end()) it = picked_.emplace(k, pick(net_->topology(), req, opts_)).first;
  return it->second;
}

std::string CollectiveService::choose(const CollectiveRequest& req) const { return picked(req); }

std::string CollectiveService::start(const CollectiveRequest& req, std::function<void()> on_done) {
  CollectiveRequest r = req;
  r.algorithm = picked(req);
  if (opts_.isolated_fast_path && req.chips.size() >= 2 && start_isolated(r, on_done)) return r.algorithm;
  launch(*net_, r, std::move(on_done));
  return r.algorithm;
}

void* CollectiveService::launch(Network& net, const CollectiveRequest& req, std::function<void()> on_done) {
  int slot;
  if (!runs_->free.empty()) {
    slot = runs_->free.back();
    runs_->free.pop_back();
  } else {
    slot = static_cast<int>(runs_->slots.size());
    runs_->slots.emplace_back();
  }
  Runs* runs = runs_.get();
  AlgoContext c = context(net.topology(), req, opts_);
  return execute(net, find_algorithm(req.algorithm)->plan(c), std::move(on_done), runs->slots[static_cast<size_t>(slot)],
                 [runs, slot](Run*) {
                   runs->slots[static_cast<size_t>(slot)].reset();
                   runs->free.push_back(slot);
                 },
                 static_cast<std::int64_t>(std::llround(opts_.launch_latency.seconds() * 1e12)));
}

bool CollectiveService::start_isolated(const CollectiveRequest& req, std::function<void()>& on_done) {
  Runs::Key key{req.algorithm, static_cast<int>(req.op), req.bytes.bytes(), req.root, req.chips};
  auto it = runs_->outcomes.find(key);
  if (it == runs_->outcomes.end()) {
    // The collective alone on an idle copy of the network: the same code as the full simulation.
    LocalScheduler ls;
    Network pn(net_->topology(), ls);
    CollectiveOptions o = opts_;
    o.isolated_fast_path = false;
    CollectiveService svc(pn, o);
    bool finished = false;
    Runs::Outcome out;
    svc.start(req, [&] {
      finished = true;
      out.time_ps = ls.now_ps();
    });
    ls.run();
    if (!finished) throw SimulationError(coll_op_name(req.op) + " with " + req.algorithm + " did not complete");
    for (size_t l = 0; l < pn.link_bytes().size(); ++l)
      if (pn.link_bytes()[l] > 0) {
        out.links.push_back(static_cast<int>(l));
        out.link_bytes.emplace_back(static_cast<int>(l), pn.link_bytes()[l]);
      }
    out.flows = pn.stats().flows;
    out.bytes = pn.stats().bytes;
    it = runs_->outcomes.emplace(std::move(key), std::move(out)).first;
  }
  const Runs::Outcome& out = it->second;
  if (!net_->idle(out.links)) return false;
  auto fast = std::make_shared<Runs::Fast>();
  fast->req = req;
  fast->on_done = std::move(on_done);
  fast->t0 = net_->scheduler().now_ps();
  fast->reservation = net_->reserve(out.links, [this, fast] { materialize(fast.get()); });
  net_->scheduler().after_ps(out.time_ps, [this, fast, &out] {
    if (!fast->live) return;
    fast->live = false;
    net_->unreserve(fast->reservation);
    net_->account(out.link_bytes, out.flows, out.bytes);
    auto fn = std::move(fast->on_done);
    fn();
  });
  return true;
}

// Another flow needs a link of a reserved collective at time t1: simulate the collective alone from
// its start t0 up to t1 (exactly what the full simulation did, as nothing else touched its links),
// then move its flows in progress (bytes left), its pending deliveries and its executor onto the
// real network, where it continues as ordinary flows.
void CollectiveService::materialize(void* p) {
  auto* fast = static_cast<Runs::Fast*>(p);
  fast->live = false;
  const std::int64_t dt = net_->scheduler().now_ps() - fast->t0;
  LocalScheduler ls;
  Network pn(net_->topology(), ls);
  Run* run = static_cast<Run*>(launch(pn, fast->req, std::move(fast->on_done)));
  ls.run_until(dt);
  std::vector<Network::InFlight> flows;
  std::vector<Network::PendingCall> calls;
  pn.export_state(flows, calls);
  if (run != nullptr) run->net = net_;
  std::vector<std::pair<int, double>> done_bytes;
  for (size_t l = 0; l < pn.link_bytes().size(); ++l)
    if (pn.link_bytes()[l] > 0) done_bytes.emplace_back(static_cast<int>(l), pn.link_bytes()[l]);
  net_->account(done_bytes, pn.stats().flows, pn.stats().bytes);
  for (auto& f : flows) net_->adopt(std::move(f));
  for (auto& c : calls) net_->call_after(c.delay_ps, std::move(c.fn));
}

CollectiveResult run_isolated(const Topology& topo, const CollectiveRequest& req, const CollectiveOptions& opts) {
  LocalScheduler sched;
  Network net(topo, sched);
  CollectiveOptions o = opts;
  o.isolated_fast_path = false;  // alone anyway
  CollectiveService svc(net, o);
  CollectiveResult res;
  bool finished = false;
  std::int64_t end_ps = 0;
  res.algorithm = svc.start(req, [&] {
    finished = true;
    end_ps = sched.now_ps();
  });
  sched.run();
  if (!finished) throw SimulationError(coll_op_name(req.op) + " with " + res.algorithm + " did not complete");
  res.time = Seconds(static_cast<double>(end_ps) * 1e-12);
  const int n = static_cast<int>(req.chips.size());
  res.algbw = res.time.seconds() > 0 ? req.bytes / res.time : BytesPerSecond(0);
  res.busbw = res.algbw * busbw_factor(req.op, n);
  res.model = modelled(res.algorithm, topo, req, opts);
  res.flows = net.stats().flows;
  res.flow_updates = net.stats().flow_updates;
  return res;
}

}  // namespace xpu
