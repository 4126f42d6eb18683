#include "sim/core/kernel.h"

#include <systemc>

#include <algorithm>
#include <cmath>
#include <exception>
#include <vector>

#include "sim/core/error.h"

namespace xpu {
namespace {

// The heap holds small trivially-copyable entries; callbacks live in a slab indexed by `slot`, so
// heap sifts move 24 bytes instead of a std::function.
struct Pending {
  std::int64_t at_ps;
  std::uint64_t seq;
  std::uint32_t slot;
};

// A 4-ary min-heap on (at_ps, seq): half the depth of a binary heap and its four children share a
// cache line or two, so a pop touches about half the memory. (at_ps, seq) is a total order, so the
// events come out in exactly the order of any other correct priority queue.
class EventHeap {
 public:
  bool empty() const { return v_.empty(); }
  const Pending& top() const { return v_.front(); }
  void push(const Pending& p) {
    std::size_t i = v_.size();
    v_.push_back(p);
    while (i > 0) {
      const std::size_t parent = (i - 1) / 4;
      if (!before(p, v_[parent])) break;
      v_[i] = v_[parent];
      i = parent;
    }
    v_[i] = p;
  }
  void pop() {
    const Pending last = v_.back();
    v_.pop_back();
    const std::size_t n = v_.size();
    if (n == 0) return;
    std::size_t i = 0;
    for (;;) {
      const std::size_t c = 4 * i + 1;
      if (c >= n) break;
      std::size_t best = c;
      const std::size_t end = std::min(c + 4, n);
      for (std::size_t k = c + 1; k < end; ++k)
        if (before(v_[k], v_[best])) best = k;
      if (!before(v_[best], last)) break;
      v_[i] = v_[best];
      i = best;
    }
    v_[i] = last;
  }
  void clear() { v_.clear(); }

 private:
  static bool before(const Pending& a, const Pending& b) {
    return a.at_ps != b.at_ps ? a.at_ps < b.at_ps : a.seq < b.seq;
  }
  std::vector<Pending> v_;
};

SC_MODULE(KernelHost) {
  sc_core::sc_event wake;
  EventHeap queue;
  std::vector<Kernel::Callback> slab;
  std::vector<std::uint32_t> free_slots;
  std::uint32_t store(Kernel::Callback fn) {
    if (!free_slots.empty()) {
      std::uint32_t i = free_slots.back();
      free_slots.pop_back();
      slab[i] = std::move(fn);
      return i;
    }
    slab.push_back(std::move(fn));
    return static_cast<std::uint32_t>(slab.size() - 1);
  }
  void clear_all() {
    queue.clear();
    slab.clear();
    free_slots.clear();
  }
  std::uint64_t seq = 0;
  std::uint64_t processed = 0;
  std::int64_t origin_ps = 0;
  std::int64_t armed_at = -1;  // absolute ps the wake event is armed for, -1 if none
  bool dispatching = false;
  std::exception_ptr error;  // first exception a callback threw; rethrown by Kernel::run

  SC_CTOR(KernelHost) {
    SC_METHOD(dispatch);
    sensitive << wake;
    dont_initialize();
  }

  std::int64_t abs_now_ps() const {
    return static_cast<std::int64_t>(sc_core::sc_time_stamp().value());
  }

  void arm() {
    if (queue.empty()) return;
    std::int64_t t = queue.top().at_ps;
    if (armed_at >= 0 && armed_at <= t) return;
    std::int64_t d = t - abs_now_ps();
    if (d < 0) d = 0;
    wake.cancel();
    wake.notify(sc_core::sc_time::from_value(static_cast<sc_dt::uint64>(d)));
    armed_at = t;
  }

  void dispatch() {
    armed_at = -1;
    dispatching = true;
    const std::int64_t now = abs_now_ps();
    while (!queue.empty() && queue.top().at_ps <= now) {
      const std::uint32_t slot = queue.top().slot;
      queue.pop();
      Kernel::Callback fn = std::move(slab[slot]);
      slab[slot] = nullptr;
      free_slots.push_back(slot);
      ++processed;
      try {
        fn();
      } catch (...) {
        // SystemC would wrap the exception into an sc_report; keep the original, stop this run,
        // and let Kernel::run rethrow it to the caller.
        error = std::current_exception();
        clear_all();
        break;
      }
    }
    dispatching = false;
    arm();
  }
};

}  // namespace

struct Kernel::Impl {
  KernelHost* host = nullptr;
};

Kernel::Kernel() : impl_(std::make_unique<Impl>()) {
  if (sc_core::sc_get_time_resolution() != sc_core::sc_time(1, sc_core::SC_PS))
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  impl_->host = new KernelHost("xpusim_kernel");  // owned by the SystemC hierarchy
}
Kernel::~Kernel() = default;

Kernel& Kernel::instance() {
  static Kernel k;
  return k;
}

std::int64_t Kernel::now_ps() const { return impl_->host->abs_now_ps() - impl_->host->origin_ps; }
Seconds Kernel::now() const { return Seconds(static_cast<double>(now_ps()) * 1e-12); }

void Kernel::after_ps(std::int64_t delay_ps, Callback fn) {
  XPU_ASSERT(delay_ps >= 0, "negative delay");
  auto* h = impl_->host;
  const std::int64_t now = h->abs_now_ps();
  if (delay_ps > kMaxDelayPs || now > kMaxDelayPs)
    throw UserError("an event " + std::to_string(static_cast<double>(delay_ps) * 1e-12) +
                    " s ahead leaves the simulator's time range (about " +
                    std::to_string(static_cast<long long>(static_cast<double>(kMaxDelayPs) * 1e-12 / 86400)) +
                    " days of simulated time); an op's dimensions or a rate in the config are implausible");
  const std::uint32_t slot = h->store(std::move(fn));
  h->queue.push(Pending{now + delay_ps, h->seq++, slot});
  if (sc_core::sc_is_running() && !h->dispatching) h->arm();
}

void Kernel::after(Seconds delay, Callback fn) {
  double ps = delay.seconds() * 1e12;
  XPU_ASSERT(!std::isnan(ps) && ps >= -0.5, "delay must be a non-negative number");
  if (!(ps < static_cast<double>(kMaxDelayPs))) ps = static_cast<double>(kMaxDelayPs) + 1;  // refused below
  after_ps(ps > static_cast<double>(kMaxDelayPs) ? kMaxDelayPs + 1 : static_cast<std::int64_t>(std::llround(std::max(0.0, ps))),
           std::move(fn));
}

Seconds Kernel::run() {
  auto* h = impl_->host;
  h->origin_ps = h->abs_now_ps();
  std::int64_t last = 0;
  // Callbacks scheduled before run() were stamped with the absolute time of scheduling, which is
  // this origin (no time passes between runs), so they need no rebasing; re-arm from scratch.
  h->armed_at = -1;
  if (!h->queue.empty()) {
    if (sc_core::sc_get_status() == sc_core::SC_ELABORATION) {
      sc_core::sc_start(sc_core::SC_ZERO_TIME);  // finish elaboration so notify() is legal
    }
    h->arm();
    sc_core::sc_start();
    last = h->abs_now_ps() - h->origin_ps;
  }
  if (h->error) {
    std::exception_ptr e = h->error;
    h->error = nullptr;
    std::rethrow_exception(e);
  }
  return Seconds(static_cast<double>(last) * 1e-12);
}

void Kernel::clear() {
  auto* h = impl_->host;
  h->clear_all();
  h->wake.cancel();
  h->armed_at = -1;
}

std::uint64_t Kernel::events_processed() const { return impl_->host->processed; }

}  // namespace xpu
