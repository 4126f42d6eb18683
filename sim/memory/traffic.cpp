// Traffic generators and run drivers; see traffic.h.
#include "sim/memory/traffic.h"

#include <algorithm>
#include <deque>
#include <cmath>
#include <functional>
#include <random>

#include "sim/core/error.h"
#include "sim/core/kernel.h"
#include "sim/memory/fast_hbm.h"
#include "sim/memory/hbm_detailed.h"
#include "sim/memory/sim_time.h"

namespace xpu::mem {

double parse_rw_ratio(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos) throw UserError("--rw: expected READS:WRITES such as 2:1, got '" + text + "'");
  try {
    size_t p1 = 0, p2 = 0;
    const double r = std::stod(text.substr(0, colon), &p1);
    const double w = std::stod(text.substr(colon + 1), &p2);
    if (p1 != colon || p2 != text.size() - colon - 1 || r < 0 || w < 0 || r + w <= 0) throw std::invalid_argument("");
    return r / (r + w);
  } catch (const std::exception&) {
    throw UserError("--rw: expected READS:WRITES with non-negative numbers, not both zero, got '" + text + "'");
  }
}

Pattern parse_pattern(const std::string& text) {
  if (text == "stream") return Pattern::Stream;
  if (text == "strided") return Pattern::Strided;
  if (text == "random") return Pattern::Random;
  throw UserError("pattern: expected stream, strided or random, got '" + text + "'");
}

namespace {

// Produces the request sequence of a list of phases.
class Generator {
 public:
  Generator(const std::vector<TrafficSpec>& phases, std::uint64_t capacity) : phases_(phases), cap_(capacity) {
    start_phase();
  }
  bool done() const { return phase_ >= phases_.size(); }
  const TrafficSpec& spec() const { return phases_[phase_]; }
  // The next request (valid while !done()).
  MemRequest next() const { return cur_; }
  void advance() {
    off_ += cur_.size;
    if (off_ < req_size_) {  // next packet of the same request
      cur_.address += cur_.size;
      cur_.size = static_cast<std::uint32_t>(std::min<std::uint64_t>(packet_, req_size_ - off_));
      return;
    }
    sent_ += req_size_;
    ++k_;
    if (sent_ >= target_) {
      ++phase_;
      start_phase();
    } else {
      make();
    }
  }

 private:
  // A byte count as an integer, checked before the cast (a huge or non-finite value would not fit).
  static std::uint64_t checked_count(Bytes b, const char* what) {
    const double v = b.bytes();
    if (!std::isfinite(v) || v < 0 || v > units::TiB)
      throw UserError(std::string("traffic ") + what + ": must be between 0 and 1 TiB (the detailed model simulates "
                      "every request), got " + format_bytes(b));
    return static_cast<std::uint64_t>(v);
  }

  void start_phase() {
    if (done()) return;
    const auto& s = phases_[phase_];
    const auto size = checked_count(s.request_size, "request size");
    if (size == 0) throw UserError("request size must be > 0");
    size_ = size;
    packet_ = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(s.packet.bytes()));
    sent_ = 0;
    k_ = 0;
    target_ = checked_count(s.bytes, "bytes");
    if (target_ == 0) {
      ++phase_;
      start_phase();
      return;
    }
    rng_.seed(s.seed + 0x9E3779B97F4A7C15ull * phase_);
    half_ = (cap_ / 2) / size * size;
    if (half_ == 0) throw UserError("request size larger than half the memory");
    make();
  }
  void make() {
    const auto& s = phases_[phase_];
    const double wf = 1.0 - s.read_fraction;
    const bool write = std::floor(static_cast<double>(k_ + 1) * wf) > std::floor(static_cast<double>(k_) * wf);
    std::uint64_t& idx = write ? widx_ : ridx_;
    std::uint64_t addr = 0;
    switch (s.pattern) {
      case Pattern::Stream: addr = (idx * size_) % half_; break;
      case Pattern::Strided: {
        const auto stride = static_cast<std::uint64_t>(s.stride.bytes());
        addr = (idx * stride) % half_ / size_ * size_;
        // Successive passes over the half shift by one request so that a stride dividing the half
        // still covers new addresses.
        addr = (addr + (idx * stride / half_) * size_) % half_;
        break;
      }
      case Pattern::Random: addr = (rng_() % (half_ / size_)) * size_; break;
    }
    ++idx;
    cur_.address = addr + (write ? half_ : 0);
    req_size_ = std::min<std::uint64_t>(size_, target_ - sent_);
    off_ = 0;
    cur_.size = static_cast<std::uint32_t>(std::min<std::uint64_t>(packet_, req_size_));
    cur_.is_write = write;
  }

  std::vector<TrafficSpec> phases_;
  std::uint64_t cap_;
  std::size_t phase_ = 0;
  std::uint64_t size_ = 64, sent_ = 0, target_ = 0, k_ = 0, half_ = 0, ridx_ = 0, widx_ = 0;
  std::uint64_t packet_ = 64, req_size_ = 64, off_ = 0;
  std::mt19937_64 rng_;
  MemRequest cur_;
};

Seconds percentile(std::vector<std::int64_t> v, double q) {
  if (v.empty()) return Seconds(0);
  std::sort(v.begin(), v.end());
  auto i = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size()))) ;
  i = std::min(std::max<size_t>(i, 1), v.size()) - 1;
  return Seconds(static_cast<double>(v[i]) * 1e-12);
}

// Sends a generator's requests with up to `window` bursts parked on refused queues at once (many
// DMA engines in flight): a full queue delays only the requests that map to it. The fabric routes
// by address interleave: a packet whose bursts map to several pseudo-channels travels as one piece
// per pseudo-channel, and each pseudo-channel queue (read or write) receives its pieces in
// generation order. A later piece never overtakes an earlier one at a pseudo-channel (an overtaking
// straggler arrives after the controller has moved its bank to the next row: on a stream each costs
// a precharge and an activate, nRP + nRCD of dead data bus), and a piece waiting for one full queue
// never holds up another queue.
class WindowedInitiator {
 public:
  WindowedInitiator(HbmDetailed& mem, Generator& gen, std::size_t window)
      : mem_(mem), gen_(gen), window_(window), fifo_(static_cast<size_t>(2 * mem.spec().total_pcs())) {
    mem_.set_retry([this](int pc, bool w) { retry(pc, w); });
  }
  void fill() {
    const std::uint64_t g = mem_.mapper().burst_bytes();
    while (!gen_.done() && parked_ < window_) {
      const MemRequest r = gen_.next();
      gen_.advance();
      // Split into runs of consecutive bursts on one queue.
      const std::uint64_t end = r.address + r.size;
      std::uint64_t start = r.address;
      int key = -1;
      for (std::uint64_t b = r.address / g; b * g < end; ++b) {
        const std::uint64_t lo = std::max(b * g, r.address);
        const int k = 2 * mem_.mapper().decode(b * g).pc_index + (r.is_write ? 1 : 0);
        if (key >= 0 && k != key) {
          send(piece(r, start, lo), key);
          start = lo;
        }
        key = k;
      }
      send(piece(r, start, end), key);
    }
  }
  bool finished() const { return gen_.done() && parked_ == 0; }

 private:
  static MemRequest piece(const MemRequest& r, std::uint64_t lo, std::uint64_t hi) {
    MemRequest p;
    p.address = lo;
    p.size = static_cast<std::uint32_t>(hi - lo);
    p.is_write = r.is_write;
    return p;
  }
  std::size_t bursts(const MemRequest& p) const {
    const std::uint64_t g = mem_.mapper().burst_bytes();
    return static_cast<std::size_t>((p.address + p.size - 1) / g - p.address / g + 1);
  }
  void send(MemRequest p, int key) {
    auto& f = fifo_[static_cast<size_t>(key)];
    if (f.empty() && mem_.try_send(p)) return;
    parked_ += bursts(p);
    f.push_back(std::move(p));
  }
  void retry(int pc, bool w) {
    auto& f = fifo_[static_cast<size_t>(2 * pc + (w ? 1 : 0))];
    while (!f.empty() && mem_.try_send(f.front())) {
      parked_ -= bursts(f.front());
      f.pop_front();
    }
    fill();
  }
  HbmDetailed& mem_;
  Generator& gen_;
  std::size_t window_;
  std::vector<std::deque<MemRequest>> fifo_;
  std::size_t parked_ = 0;
};

}  // namespace

TrafficResult run_detailed(const HbmSpec& spec, const std::vector<TrafficSpec>& phases) {
  Kernel& k = Kernel::instance();
  const std::uint64_t events0 = k.events_processed();
  HbmDetailed mem(spec);
  Generator gen(phases, static_cast<std::uint64_t>(spec.capacity().bytes()));
  // Up to max(1024, 32 x pseudo-channels) 64 B packets' worth of bursts parked.
  const auto window_bursts = static_cast<std::size_t>(std::max<std::int64_t>(1024, 32 * spec.total_pcs()) *
                                                      std::max<std::int64_t>(1, 64 / static_cast<std::int64_t>(spec.burst_bytes())));
  WindowedInitiator init(mem, gen, window_bursts);
  k.after_ps(0, [&] { init.fill(); });
  k.run();
  XPU_ASSERT(init.finished() && mem.outstanding() == 0, "detailed memory run ended with work left (deadlock)");
  HbmStats st = mem.stats();
  TrafficResult r;
  const std::int64_t elapsed_ps = std::max<std::int64_t>(1, st.last_done_ps - st.first_accept_ps);
  r.elapsed = Seconds(static_cast<double>(elapsed_ps) * 1e-12);
  r.bytes = Bytes(static_cast<double>(st.bytes_read + st.bytes_written));
  r.achieved = r.bytes / r.elapsed;
  r.peak = spec.peak();
  r.efficiency = r.achieved / r.peak;
  r.row_hit_rate = st.row_hit_rate;
  r.read_p50 = percentile(st.read_latency_ps, 0.50);
  r.read_p90 = percentile(st.read_latency_ps, 0.90);
  r.read_p99 = percentile(st.read_latency_ps, 0.99);
  r.write_p50 = percentile(st.write_latency_ps, 0.50);
  r.channel_utilisation = st.channel_utilisation;
  r.requests = st.requests;
  r.refreshes = st.refreshes;
  r.activates = st.activates;
  r.events = k.events_processed() - events0;
  return r;
}

TrafficResult run_fast(const HbmSpec& spec, const CalibrationTable& table, const std::vector<TrafficSpec>& phases) {
  Kernel& k = Kernel::instance();
  const std::uint64_t events0 = k.events_processed();
  FastHbm mem(spec, table);
  std::vector<TrafficSpec> whole = phases;  // fast mode takes each request whole (one event each)
  for (auto& p : whole) p.packet = p.request_size;
  Generator gen(whole, static_cast<std::uint64_t>(spec.capacity().bytes()));
  std::vector<std::int64_t> rlat, wlat;
  std::int64_t first = -1, last = 0;
  std::uint64_t bytes = 0, requests = 0;
  k.after_ps(0, [&] {
    while (!gen.done()) {
      MemRequest r = gen.next();
      r.on_done = [&](const MemResponse& resp) {
        (resp.is_write ? wlat : rlat).push_back(resp.done_ps - resp.accepted_ps);
        if (first < 0 || resp.accepted_ps < first) first = resp.accepted_ps;
        last = std::max(last, resp.done_ps);
      };
      bytes += r.size;
      ++requests;
      mem.send(r, gen.spec().profile());
      gen.advance();
    }
  });
  k.run();
  TrafficResult res;
  const std::int64_t elapsed_ps = std::max<std::int64_t>(1, last - std::max<std::int64_t>(first, 0));
  res.elapsed = Seconds(static_cast<double>(elapsed_ps) * 1e-12);
  res.bytes = Bytes(static_cast<double>(bytes));
  res.achieved = res.bytes / res.elapsed;
  res.peak = spec.peak();
  res.efficiency = res.achieved / res.peak;
  res.read_p50 = percentile(rlat, 0.50);
  res.read_p90 = percentile(rlat, 0.90);
  res.read_p99 = percentile(rlat, 0.99);
  res.write_p50 = percentile(wlat, 0.50);
  res.channel_utilisation = mem.channel_utilisation(elapsed_ps);
  res.requests = requests;
  res.events = k.events_processed() - events0;
  return res;
}

}  // namespace xpu::mem
