// Network: flow-level model of a Topology with max-min fair bandwidth sharing.
//
// Equations
//   * A message is a FLOW of S bytes on the deterministic route src -> dst (topology.h). It occupies
//     bandwidth from the moment it is sent until its last byte has left; it is delivered (on_done)
//     `latency` later, latency = sum of link latencies + switch delays on the route. Alone on an idle
//     route a flow therefore takes  T = latency + S / min_link(capacity).
//   * Rates are max-min fair (progressive filling): repeatedly take the link whose remaining capacity
//     divided by its unfrozen flows is smallest, give each of those flows that fair share, freeze
//     them and subtract their rate from the other links they cross. Two flows on one link of
//     capacity C get C/2 each; a flow bottlenecked elsewhere leaves its unused share to the others.
//   * Rates change only at flow events. At each batch of events (all starts and ends at one
//     simulated instant) only the CONNECTED COMPONENT of flows that share links, transitively, with
//     the flows that started or ended is recomputed: the cost is per flow event and proportional to
//     the size of that component, never per byte. Finish times are kept in a heap; one wake-up is
//     armed for the earliest.
//   * Progressive filling uses one heap entry per link with lazy keys: a link's share never
//     decreases while flows are frozen, so a popped link whose share has grown is pushed back.
//   * Flows that end in one batch with the same latency are delivered by one scheduled event that
//     runs their callbacks in order (the same order and times as one event per flow).
//   * Time is integer picoseconds (the Kernel's resolution); finish times are rounded to the
//     nearest picosecond, and flows due within 1.2e-7 of their own age (at least 1 ps)
//     complete in the same batch (see wake()).
//   * Partial routes (in-network reduction, sim/collective/algorithms/in_switch.cpp): a flow may
//     occupy only the FIRST link of its route (the sender's uplink into a switch) or only the LAST
//     (the switch's downlink to the receiver), for traffic that a switch consumes (reduces) or
//     produces (multicasts) rather than forwards. It is still delivered the whole route's latency
//     after its last byte, and it may carry a rate cap (bytes/s): progressive filling treats the cap
//     as a private link of that capacity, so the flow gets min(cap, its max-min share).
// Assumptions and limits: fluid flows (no packets, no queueing delay beyond the fixed latency, no
// congestion control dynamics, no incast loss); links are full duplex (each direction is its own
// link); a flow's rate is bounded only by links (no per-chip DMA or NIC message-rate limit);
// `efficiency` on a level stands for protocol overhead (headers, flow control, LL128 and the like).
// Sources: D. Bertsekas, R. Gallager, "Data Networks", 2nd ed., sec. 6.5.2 (max-min fairness,
// progressive filling); the flow-level approach of SimGrid's LMM solver (Velho et al., ACM TOMACS
// 2013) and ASTRA-sim's analytical backend.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <unordered_map>
#include <vector>

#include "sim/core/units.h"
#include "sim/interconnect/topology.h"

namespace xpu {

// Where the network schedules its events: the project's Kernel (KernelScheduler) for the pod
// engine, or a private queue (LocalScheduler) for a self-contained, SystemC-free estimate that
// may run at any time, even inside another simulation.
class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual std::int64_t now_ps() const = 0;
  virtual void after_ps(std::int64_t delay_ps, std::function<void()> fn) = 0;
};

class KernelScheduler : public Scheduler {
 public:
  std::int64_t now_ps() const override;
  void after_ps(std::int64_t delay_ps, std::function<void()> fn) override;
};
// The process-wide KernelScheduler.
Scheduler& kernel_scheduler();

class LocalScheduler : public Scheduler {
 public:
  std::int64_t now_ps() const override { return now_; }
  void after_ps(std::int64_t delay_ps, std::function<void()> fn) override;
  // Runs until no event is pending; returns the time of the last event (ps).
  std::int64_t run();
  // Runs the events due before `t_ps`, then sets the time to t_ps (later events stay pending).
  void run_until(std::int64_t t_ps);
  std::uint64_t events() const { return events_; }

 private:
  struct Ev {
    std::int64_t at;
    std::uint64_t seq;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Ev& a, const Ev& b) const { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
  };
  std::priority_queue<Ev, std::vector<Ev>, Later> q_;
  std::int64_t now_ = 0;
  std::uint64_t seq_ = 0, events_ = 0;
};

struct NetworkStats {
  std::uint64_t flows = 0;          // flows sent
  std::uint64_t recomputes = 0;     // max-min batches
  std::uint64_t flow_updates = 0;   // flows re-rated in total (the cost measure)
  std::uint64_t max_active = 0;     // most flows in flight at once
  std::uint64_t deliveries = 0;     // delivery events (flows ending together with one latency share one)
  double bytes = 0;                 // bytes sent
};

// One Network per simulation: after Kernel::clear() (an aborted run) its pending events are gone,
// so discard it and build a new one.
class Network {
 public:
  // A network on an existing topology (which must outlive it) ...
  Network(const Topology& topo, Scheduler& sched = kernel_scheduler());
  // ... or one that builds and owns the topology of `pod`, with the chip's default link figures.
  Network(const PodSpec& pod, const LinkDefaults& defaults, Scheduler& sched = kernel_scheduler());
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // Send `bytes` from chip `src` to chip `dst`; `on_done` runs (as a scheduled event) when the last
  // byte has arrived. A send to oneself, or of zero bytes, completes after the route latency only.
  void send(int src, int dst, Bytes bytes, std::function<void()> on_done);
  // Which links of the route src -> dst a send occupies: all of them (a point-to-point message), the
  // first only (into the switch) or the last only (out of the switch); see "Partial routes" above.
  enum class Hops { Route, First, Last };
  // The same on part of the route, at most `rate_cap_bytes_per_s` (0 = no cap beyond the links).
  void send(int src, int dst, Bytes bytes, std::function<void()> on_done, Hops hops, double rate_cap_bytes_per_s);

  const Topology& topology() const { return *topo_; }
  Scheduler& scheduler() const { return *sched_; }
  Seconds now() const { return Seconds(static_cast<double>(sched_->now_ps()) * 1e-12); }
  const NetworkStats& stats() const { return stats_; }
  // Bytes that have crossed each link so far (index = link id), for utilisation reports.
  const std::vector<double>& link_bytes() const { return link_bytes_; }
  std::size_t active_flows() const { return active_; }
  // Current rate of every active flow on link `id` (bytes/s), for tests and traces.
  std::vector<double> link_flow_rates(int id) const;

  // ---- isolated fast path support (used by the collective layer, collective.cpp) ----
  // A reservation stands for traffic that is known, by an isolated simulation, to use `links` and
  // nothing else. The first flow that needs a reserved link calls `on_conflict` first (after the
  // reservation is dropped); it must add the reserved traffic's in-flight flows (adopt) so that the
  // new flow shares with them exactly as in the full simulation.
  int reserve(const std::vector<int>& links, std::function<void()> on_conflict);
  void unreserve(int id);
  // No active flow and no reservation on any of `links`.
  bool idle(const std::vector<int>& links) const;
  // A flow in progress and a pending callback, as taken out of a private network.
  struct InFlight {
    std::vector<int> links;
    double size = 0, remaining = 0;
    std::int64_t latency_ps = 0;
    std::int64_t age_ps = 0;  // time since it was sent
    double rate_cap = 0;      // bytes/s, 0 = none
    std::function<void()> done;
  };
  struct PendingCall {
    std::int64_t delay_ps;  // from this network's now
    std::function<void()> fn;
  };
  // Moves every active flow (bytes left as of now) and every pending delivery callback out of this
  // network; it must not be used afterwards.
  void export_state(std::vector<InFlight>& flows, std::vector<PendingCall>& calls);
  // Adds a flow in progress (from export_state of a private network over the same topology).
  void adopt(InFlight f);
  // Runs `fn` after `delay_ps` as a delivery (exported by export_state while pending).
  void call_after(std::int64_t delay_ps, std::function<void()> fn);
  // Adds traffic simulated elsewhere to the per-link byte counts and the flow statistics.
  void account(const std::vector<std::pair<int, double>>& link_bytes, std::uint64_t flows, double bytes);

 private:
  struct Flow {
    std::vector<int> links;
    std::vector<int> slot;  // index of this flow in each link's list
    double size = 0, remaining = 0, rate = 0;
    double cap = 0;         // rate cap, bytes/s (0 = none)
    std::int64_t start_ps = 0, last_ps = 0, finish_ps = 0, latency_ps = 0;
    std::uint32_t version = 0;
    std::uint32_t mark = 0, frozen = 0;
    bool active = false;
    std::function<void()> done;
  };
  struct LinkState {
    std::vector<int> flows;
    double cap_left = 0;
    int unfrozen = 0;
    std::uint32_t mark = 0;
    int reserved = -1;  // reservation holding this link, -1 none
    bool dirty = false;
  };
  struct Due {
    std::int64_t at;
    int flow;
    std::uint32_t version;
    bool operator>(const Due& o) const { return at != o.at ? at > o.at : flow > o.flow; }
  };

  struct ShareKey {
    double share;
    int link;
  };
  void schedule_recompute();
  void recompute();
  void deliver(std::vector<std::pair<std::int64_t, std::function<void()>>>& done);
  int new_group(std::int64_t delay_ps);
  void add_flow(const std::vector<int>& links, double size, double remaining, std::int64_t latency_ps,
                std::int64_t age_ps, double rate_cap, std::function<void()> on_done);
  void claim(const std::vector<int>& links);
  struct Group {
    std::vector<std::function<void()>> fns;
    std::int64_t at_ps = 0;
    std::uint64_t seq = 0;
    bool pending = false;
  };
  struct Reservation {
    std::vector<int> links;
    std::function<void()> on_conflict;
  };
  void wake(std::int64_t at);
  void arm();

  std::unique_ptr<Topology> owned_;
  const Topology* topo_;
  Scheduler* sched_;
  std::vector<Flow> flows_;
  std::vector<int> free_;
  std::vector<LinkState> links_;
  std::vector<double> link_bytes_;
  std::vector<int> dirty_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  std::vector<std::int64_t> armed_;  // wake-up times pending (small)
  bool recompute_pending_ = false;
  std::uint32_t epoch_ = 0;
  std::size_t active_ = 0;
  NetworkStats stats_;
  // Routes are deterministic: each (src, dst) pair is routed once (collectives send between the same
  // pairs at every step and call).
  std::unordered_map<std::uint64_t, Route> routes_;
  // scratch reused by recompute() and wake()
  std::vector<int> comp_links_, comp_flows_;
  std::vector<double> old_rate_;
  std::vector<ShareKey> heap_;
  std::vector<std::pair<std::int64_t, std::function<void()>>> finished_;
  // delivery groups: callbacks of flows that end at one instant with one latency
  std::vector<Group> groups_;
  std::vector<int> free_groups_;
  std::uint64_t group_seq_ = 0;
  std::vector<Reservation> res_;
  std::vector<int> free_res_;
  int reserved_ = 0;
};

}  // namespace xpu
