// Flow-level network with incremental max-min fair sharing. Equations: see network.h.
#include "sim/interconnect/network.h"

#include <algorithm>
#include <cmath>

#include "sim/core/error.h"
#include "sim/core/kernel.h"

namespace xpu {

std::int64_t KernelScheduler::now_ps() const { return Kernel::instance().now_ps(); }
void KernelScheduler::after_ps(std::int64_t delay_ps, std::function<void()> fn) {
  Kernel::instance().after_ps(delay_ps, std::move(fn));
}
Scheduler& kernel_scheduler() {
  static KernelScheduler k;
  return k;
}

void LocalScheduler::after_ps(std::int64_t delay_ps, std::function<void()> fn) {
  XPU_ASSERT(delay_ps >= 0, "negative delay");
  q_.push(Ev{now_ + delay_ps, seq_++, std::move(fn)});
}
std::int64_t LocalScheduler::run() {
  while (!q_.empty()) {
    Ev e = std::move(const_cast<Ev&>(q_.top()));
    q_.pop();
    now_ = e.at;
    ++events_;
    e.fn();
  }
  return now_;
}

void LocalScheduler::run_until(std::int64_t t_ps) {
  while (!q_.empty() && q_.top().at < t_ps) {
    Ev e = std::move(const_cast<Ev&>(q_.top()));
    q_.pop();
    now_ = e.at;
    ++events_;
    e.fn();
  }
  now_ = std::max(now_, t_ps);
}

namespace {
std::int64_t to_ps(double s) { return static_cast<std::int64_t>(std::llround(s * 1e12)); }
}  // namespace

Network::Network(const Topology& topo, Scheduler& sched) : topo_(&topo), sched_(&sched) {
  links_.resize(topo.links().size());
  link_bytes_.assign(topo.links().size(), 0.0);
}

Network::Network(const PodSpec& pod, const LinkDefaults& defaults, Scheduler& sched)
    : owned_(std::make_unique<Topology>(pod, defaults)), topo_(owned_.get()), sched_(&sched) {
  links_.resize(topo_->links().size());
  link_bytes_.assign(topo_->links().size(), 0.0);
}

Network::~Network() = default;

void Network::send(int src, int dst, Bytes bytes, std::function<void()> on_done) {
  send(src, dst, bytes, std::move(on_done), Hops::Route, 0);
}

void Network::send(int src, int dst, Bytes bytes, std::function<void()> on_done, Hops hops, double rate_cap_bytes_per_s) {
  if (src < 0 || dst < 0 || src >= topo_->chips() || dst >= topo_->chips())
    throw UserError("network send between chips " + std::to_string(src) + " and " + std::to_string(dst) +
                    ": the pod has chips 0.." + std::to_string(topo_->chips() - 1));
  XPU_ASSERT(bytes.bytes() >= 0 && std::isfinite(bytes.bytes()), "send size must be finite and >= 0");
  ++stats_.flows;
  stats_.bytes += bytes.bytes();
  if (src == dst) {
    call_after(0, std::move(on_done));
    return;
  }
  auto [it, fresh] = routes_.try_emplace((std::uint64_t(std::uint32_t(src)) << 32) | std::uint32_t(dst));
  if (fresh) topo_->route(src, dst, it->second);
  const Route& r = it->second;
  if (bytes.bytes() <= 0) {
    call_after(to_ps(r.latency_s), std::move(on_done));
    return;
  }
  XPU_ASSERT(rate_cap_bytes_per_s >= 0 && std::isfinite(rate_cap_bytes_per_s), "rate cap must be finite and >= 0");
  std::vector<int> part;  // a partial route: its one link (claim() may run other sends' code before add_flow)
  if (hops != Hops::Route) part.push_back(hops == Hops::First ? r.links.front() : r.links.back());
  const std::vector<int>& links = hops == Hops::Route ? r.links : part;
  claim(links);
  add_flow(links, bytes.bytes(), bytes.bytes(), to_ps(r.latency_s), 0, rate_cap_bytes_per_s, std::move(on_done));
}

void Network::add_flow(const std::vector<int>& links, double size, double remaining, std::int64_t latency_ps,
                       std::int64_t age_ps, double rate_cap, std::function<void()> on_done) {
  int id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<int>(flows_.size());
    flows_.emplace_back();
  }
  Flow& f = flows_[static_cast<size_t>(id)];
  f.links.assign(links.begin(), links.end());
  f.slot.resize(f.links.size());
  f.size = size;
  f.remaining = remaining;
  f.rate = 0;
  f.cap = rate_cap;
  f.last_ps = sched_->now_ps();
  f.start_ps = f.last_ps - age_ps;
  f.latency_ps = latency_ps;
  f.active = true;
  f.done = std::move(on_done);
  for (size_t h = 0; h < f.links.size(); ++h) {
    LinkState& l = links_[static_cast<size_t>(f.links[h])];
    f.slot[h] = static_cast<int>(l.flows.size());
    l.flows.push_back(id);
    if (!l.dirty) l.dirty = true, dirty_.push_back(f.links[h]);
  }
  ++active_;
  stats_.max_active = std::max<std::uint64_t>(stats_.max_active, active_);
  schedule_recompute();
}

void Network::schedule_recompute() {
  if (recompute_pending_) return;
  recompute_pending_ = true;
  sched_->after_ps(0, [this] { recompute(); });
}

void Network::recompute() {
  recompute_pending_ = false;
  if (dirty_.empty()) return;
  ++stats_.recomputes;
  const std::int64_t now = sched_->now_ps();
  const std::uint32_t ep = ++epoch_;
  // 1. The connected component of flows touching the dirty links.
  std::vector<int>& comp_links = comp_links_;
  std::vector<int>& comp_flows = comp_flows_;
  comp_links.clear();
  comp_flows.clear();
  for (int l : dirty_) {
    links_[static_cast<size_t>(l)].dirty = false;
    if (links_[static_cast<size_t>(l)].mark != ep) links_[static_cast<size_t>(l)].mark = ep, comp_links.push_back(l);
  }
  dirty_.clear();
  for (size_t i = 0; i < comp_links.size(); ++i) {
    for (int fid : links_[static_cast<size_t>(comp_links[i])].flows) {
      Flow& f = flows_[static_cast<size_t>(fid)];
      if (f.mark == ep) continue;
      f.mark = ep;
      comp_flows.push_back(fid);
      for (int l : f.links)
        if (links_[static_cast<size_t>(l)].mark != ep) links_[static_cast<size_t>(l)].mark = ep, comp_links.push_back(l);
    }
  }
  if (comp_flows.empty()) {
    arm();
    return;
  }
  // 2. Bring the bytes left up to date at the old rates (old rates kept to skip unchanged finish times).
  std::vector<double>& old_rate = old_rate_;
  old_rate.resize(comp_flows.size());
  for (size_t i = 0; i < comp_flows.size(); ++i) {
    Flow& f = flows_[static_cast<size_t>(comp_flows[i])];
    f.remaining = std::max(0.0, f.remaining - f.rate * static_cast<double>(now - f.last_ps) * 1e-12);
    f.last_ps = now;
    old_rate[i] = f.rate;
  }
  // 3. Progressive filling over the component. A link's fair share cap_left / unfrozen never
  // decreases while flows are frozen (a flow is frozen at the smallest share, so removing it and its
  // rate leaves the link's share the same or larger), so the heap holds one lower-bound key per link
  // and a popped link whose share has grown is pushed back with its current share (lazy keys): the
  // links are still processed in order of (share, link id), with one heap entry per link at a time.
  const auto& tl = topo_->links();
  auto& heap = heap_;
  heap.clear();
  auto later = [](const ShareKey& x, const ShareKey& y) { return x.share != y.share ? x.share > y.share : x.link > y.link; };
  for (int l : comp_links) {
    LinkState& st = links_[static_cast<size_t>(l)];
    st.cap_left = tl[static_cast<size_t>(l)].capacity;
    st.unfrozen = static_cast<int>(st.flows.size());
    if (st.unfrozen > 0) heap.push_back(ShareKey{st.cap_left / st.unfrozen, l});
  }
  // A flow's rate cap is a private link of that capacity crossed by that flow alone: key id
  // (number of links + flow id), so caps order after links at an equal share (the result is the same).
  const int n_links = static_cast<int>(tl.size());
  for (int fid : comp_flows) {
    const Flow& f = flows_[static_cast<size_t>(fid)];
    if (f.cap > 0) heap.push_back(ShareKey{f.cap, n_links + fid});
  }
  std::make_heap(heap.begin(), heap.end(), later);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const ShareKey k = heap.back();
    heap.pop_back();
    if (k.link >= n_links) {  // a capped flow not yet frozen: every link it crosses offers it >= its cap
      Flow& f = flows_[static_cast<size_t>(k.link - n_links)];
      if (f.frozen == ep) continue;
      f.frozen = ep;
      f.rate = k.share;
      for (int l2 : f.links) {
        LinkState& o = links_[static_cast<size_t>(l2)];
        o.cap_left -= k.share;
        --o.unfrozen;
      }
      continue;
    }
    LinkState& st = links_[static_cast<size_t>(k.link)];
    if (st.unfrozen <= 0) continue;
    const double share = std::max(st.cap_left, 0.0) / st.unfrozen;
    if (share > k.share) {
      heap.push_back(ShareKey{share, k.link});
      std::push_heap(heap.begin(), heap.end(), later);
      continue;
    }
    for (int fid : st.flows) {
      Flow& f = flows_[static_cast<size_t>(fid)];
      if (f.frozen == ep) continue;
      f.frozen = ep;
      f.rate = share;
      for (int l2 : f.links) {
        LinkState& o = links_[static_cast<size_t>(l2)];
        o.cap_left -= share;
        --o.unfrozen;
      }
    }
    st.unfrozen = 0;
  }
  // 4. New finish times.
  std::uint64_t changed = 0;
  for (size_t i = 0; i < comp_flows.size(); ++i) {
    const int fid = comp_flows[i];
    Flow& f = flows_[static_cast<size_t>(fid)];
    XPU_ASSERT(f.rate > 0, "a flow got no bandwidth (zero-capacity link?)");
    if (f.rate == old_rate[i]) continue;  // same rate: the scheduled finish time still holds
    ++changed;
    f.finish_ps = now + to_ps(f.remaining / f.rate);
    ++f.version;
    due_.push(Due{f.finish_ps, fid, f.version});
  }
  stats_.flow_updates += changed;
  arm();
}

void Network::arm() {
  while (!due_.empty()) {
    const Due& d = due_.top();
    const Flow& f = flows_[static_cast<size_t>(d.flow)];
    if (f.active && f.version == d.version) break;
    due_.pop();
  }
  if (due_.empty()) return;
  const std::int64_t at = due_.top().at;
  if (std::find(armed_.begin(), armed_.end(), at) != armed_.end()) return;
  for (std::int64_t a : armed_)
    if (a < at) return;  // an earlier wake-up will re-arm
  armed_.push_back(at);
  sched_->after_ps(std::max<std::int64_t>(0, at - sched_->now_ps()), [this, at] { wake(at); });
}

void Network::wake(std::int64_t at) {
  armed_.erase(std::remove(armed_.begin(), armed_.end(), at), armed_.end());
  const std::int64_t now = sched_->now_ps();
  // A flow due within 2^-23 (1.2e-7) of its own age (at least 1 ps) completes now: flows that share
  // a bottleneck finish at the same instant up to floating-point noise, and handling them as one
  // batch keeps the number of max-min recomputations proportional to the number of rate classes,
  // not flows. The tolerance is relative to the flow's age, not to the absolute time, so a
  // simulation shifted in time gives the same results (the collectives' isolated fast path relies
  // on it).
  bool any = false;
  while (!due_.empty()) {
    Due d = due_.top();
    Flow& f = flows_[static_cast<size_t>(d.flow)];
    if (!f.active || f.version != d.version) {
      due_.pop();
      continue;
    }
    if (d.at > now + std::max<std::int64_t>(1, (d.at - f.start_ps) >> 23)) break;
    due_.pop();
    f.active = false;
    --active_;
    for (size_t h = 0; h < f.links.size(); ++h) {
      const int l = f.links[h];
      LinkState& s = links_[static_cast<size_t>(l)];
      const int pos = f.slot[h];
      const int last = s.flows.back();
      s.flows[static_cast<size_t>(pos)] = last;
      s.flows.pop_back();
      if (last != d.flow) {
        Flow& g = flows_[static_cast<size_t>(last)];
        for (size_t k = 0; k < g.links.size(); ++k)
          if (g.links[k] == l) g.slot[k] = pos;
      }
      link_bytes_[static_cast<size_t>(l)] += f.size;
      if (!s.dirty) s.dirty = true, dirty_.push_back(l);
    }
    finished_.emplace_back(f.latency_ps, std::move(f.done));
    f.done = nullptr;
    free_.push_back(d.flow);
    any = true;
  }
  if (any) {
    deliver(finished_);
    schedule_recompute();
  }
  arm();
}

// One event per distinct latency delivers, in order, every flow of this batch with that latency.
// Equivalent to one event per flow: the events one wake() schedules are consecutive in the
// scheduler's FIFO order at their time, and anything a callback schedules runs after all of them
// either way.
void Network::deliver(std::vector<std::pair<std::int64_t, std::function<void()>>>& done) {
  std::stable_sort(done.begin(), done.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  for (size_t i = 0; i < done.size();) {
    size_t j = i;
    const int g = new_group(done[i].first);
    auto& fns = groups_[static_cast<size_t>(g)].fns;
    for (; j < done.size() && done[j].first == done[i].first; ++j) fns.push_back(std::move(done[j].second));
    ++stats_.deliveries;
    i = j;
  }
  done.clear();
}

int Network::new_group(std::int64_t delay_ps) {
  int g;
  if (!free_groups_.empty()) {
    g = free_groups_.back();
    free_groups_.pop_back();
  } else {
    g = static_cast<int>(groups_.size());
    groups_.emplace_back();
  }
  Group& gr = groups_[static_cast<size_t>(g)];
  gr.at_ps = sched_->now_ps() + delay_ps;
  gr.seq = group_seq_++;
  gr.pending = true;
  sched_->after_ps(delay_ps, [this, g] {
    std::vector<std::function<void()>> run;
    run.swap(groups_[static_cast<size_t>(g)].fns);
    groups_[static_cast<size_t>(g)].pending = false;
    for (auto& fn : run) fn();
    run.clear();
    groups_[static_cast<size_t>(g)].fns.swap(run);
    free_groups_.push_back(g);
  });
  return g;
}

void Network::call_after(std::int64_t delay_ps, std::function<void()> fn) {
  groups_[static_cast<size_t>(new_group(delay_ps))].fns.push_back(std::move(fn));
}

// ---- reservations, export and adoption (the collective layer's isolated fast path) -----------------

int Network::reserve(const std::vector<int>& links, std::function<void()> on_conflict) {
  int id;
  if (!free_res_.empty()) {
    id = free_res_.back();
    free_res_.pop_back();
  } else {
    id = static_cast<int>(res_.size());
    res_.emplace_back();
  }
  Reservation& r = res_[static_cast<size_t>(id)];
  r.links = links;
  r.on_conflict = std::move(on_conflict);
  for (int l : links) {
    XPU_ASSERT(links_[static_cast<size_t>(l)].reserved < 0, "link reserved twice");
    links_[static_cast<size_t>(l)].reserved = id;
  }
  ++reserved_;
  return id;
}

void Network::unreserve(int id) {
  Reservation& r = res_[static_cast<size_t>(id)];
  for (int l : r.links) links_[static_cast<size_t>(l)].reserved = -1;
  r.links.clear();
  r.on_conflict = nullptr;
  free_res_.push_back(id);
  --reserved_;
}

bool Network::idle(const std::vector<int>& links) const {
  for (int l : links) {
    const LinkState& s = links_[static_cast<size_t>(l)];
    if (!s.flows.empty() || s.reserved >= 0) return false;
  }
  return true;
}

void Network::claim(const std::vector<int>& links) {
  if (reserved_ == 0) return;
  for (size_t i = 0; i < links.size(); ++i) {
    const int id = links_[static_cast<size_t>(links[i])].reserved;
    if (id < 0) continue;
    std::function<void()> fn = std::move(res_[static_cast<size_t>(id)].on_conflict);
    unreserve(id);
    fn();  // materialises the reserved traffic as flows (which may claim further reservations)
  }
}

void Network::export_state(std::vector<InFlight>& flows, std::vector<PendingCall>& calls) {
  const std::int64_t now = sched_->now_ps();
  for (Flow& f : flows_) {
    if (!f.active) continue;
    InFlight x;
    x.links = f.links;
    x.size = f.size;
    x.remaining = std::max(0.0, f.remaining - f.rate * static_cast<double>(now - f.last_ps) * 1e-12);
    x.latency_ps = f.latency_ps;
    x.age_ps = now - f.start_ps;
    x.rate_cap = f.cap;
    x.done = std::move(f.done);
    flows.push_back(std::move(x));
    f.active = false;
  }
  std::vector<const Group*> pend;
  for (const Group& g : groups_)
    if (g.pending) pend.push_back(&g);
  std::sort(pend.begin(), pend.end(),
            [](const Group* a, const Group* b) { return a->at_ps != b->at_ps ? a->at_ps < b->at_ps : a->seq < b->seq; });
  for (const Group* g : pend)
    for (const auto& fn : g->fns) calls.push_back(PendingCall{g->at_ps - now, fn});
  for (Group& g : groups_) g.fns.clear(), g.pending = false;
}

void Network::adopt(InFlight f) {
  claim(f.links);
  add_flow(f.links, f.size, f.remaining, f.latency_ps, f.age_ps, f.rate_cap, std::move(f.done));
}

void Network::account(const std::vector<std::pair<int, double>>& link_bytes, std::uint64_t flows, double bytes) {
  for (const auto& [l, b] : link_bytes) link_bytes_[static_cast<size_t>(l)] += b;
  stats_.flows += flows;
  stats_.bytes += bytes;
}

std::vector<double> Network::link_flow_rates(int id) const {
  std::vector<double> r;
  for (int fid : links_[static_cast<size_t>(id)].flows) r.push_back(flows_[static_cast<size_t>(fid)].rate);
  return r;
}

}  // namespace xpu
