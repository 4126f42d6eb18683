// HbmDetailed: request splitting, back-pressure and statistics; see hbm_detailed.h.
#include "sim/memory/hbm_detailed.h"

#include <algorithm>

#include "sim/core/error.h"
#include "sim/core/kernel.h"
#include "sim/memory/sim_time.h"

namespace xpu::mem {

HbmDetailed::HbmDetailed(const HbmSpec& spec) : spec_(spec), mapper_(spec_) {
  const std::int64_t epoch = abs_now_ps();
  const int n = static_cast<int>(spec_.total_pcs());
  pcs_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) pcs_.push_back(std::make_unique<PcController>(spec_, i, n, this, epoch));
  inbox_.resize(static_cast<size_t>(n));
  need_.assign(static_cast<size_t>(n), 0);
  refused_.assign(static_cast<size_t>(2 * n), 0);
}

HbmDetailed::~HbmDetailed() = default;

bool HbmDetailed::try_send(const MemRequest& r) {
  XPU_ASSERT(r.size > 0, "empty memory request");
  const std::uint64_t g = mapper_.burst_bytes();
  const std::uint64_t first = r.address / g, last = (r.address + r.size - 1) / g;
  scratch_.clear();
  touched_.clear();
  for (std::uint64_t b = first; b <= last; ++b) {
    DramAddress a = mapper_.decode(b * g);
    BurstReq br;
    br.row = a.row;
    br.bank = a.bank_index;
    br.write = r.is_write;
    scratch_.push_back({a.pc_index, br});
    if (need_[static_cast<size_t>(a.pc_index)]++ == 0) touched_.push_back(a.pc_index);
  }
  bool ok = true;
  for (int pc : touched_) {
    const auto& ctl = *pcs_[static_cast<size_t>(pc)];
    const int free = ctl.queue_free(r.is_write);
    const bool fits = need_[static_cast<size_t>(pc)] <= free;
    const bool empty_oversize = ctl.queued(r.is_write) == 0;
    if (!inbox_[static_cast<size_t>(pc)].empty() || !(fits || empty_oversize)) {
      if (ok) {
        blocked_pc_ = pc;
        blocked_write_ = r.is_write;
      }
      ok = false;
    }
  }
  for (int pc : touched_) need_[static_cast<size_t>(pc)] = 0;
  if (!ok) {
    refused_[static_cast<size_t>(2 * blocked_pc_ + (blocked_write_ ? 1 : 0))] = 1;
    return false;
  }
  std::uint32_t id;
  if (!free_parents_.empty()) {
    id = free_parents_.back();
    free_parents_.pop_back();
  } else {
    id = static_cast<std::uint32_t>(parents_.size());
    parents_.emplace_back();
  }
  Parent& p = parents_[id];
  p.req = r;
  p.remaining = static_cast<int>(scratch_.size());
  p.accepted_ps = abs_now_ps();
  p.done_ps = p.accepted_ps;
  if (first_accept_ps_ < 0) first_accept_ps_ = p.accepted_ps;
  ++outstanding_;
  ++requests_;
  (r.is_write ? bytes_written_ : bytes_read_) += r.size;
  for (auto& [pc, br] : scratch_) {
    br.parent = id;
    auto& ctl = *pcs_[static_cast<size_t>(pc)];
    if (ctl.queue_free(r.is_write) > 0 && inbox_[static_cast<size_t>(pc)].empty()) ctl.enqueue(br);
    else inbox_[static_cast<size_t>(pc)].push_back(br);
  }
  return true;
}

void HbmDetailed::burst_issued(std::uint32_t parent, std::int64_t done_ps) {
  Parent& p = parents_[parent];
  p.done_ps = std::max(p.done_ps, done_ps);
  if (--p.remaining == 0) {
    const std::int64_t delay = std::max<std::int64_t>(0, p.done_ps - abs_now_ps());
    Kernel::instance().after_ps(delay, [this, parent] { complete(parent); });
  }
}

void HbmDetailed::complete(std::uint32_t parent) {
  Parent& p = parents_[parent];
  const std::int64_t lat = p.done_ps - p.accepted_ps;
  (p.req.is_write ? write_lat_ : read_lat_).push_back(lat);
  last_done_ps_ = std::max(last_done_ps_, p.done_ps);
  --outstanding_;
  MemResponse resp{p.req.address, p.req.size, p.req.is_write, p.accepted_ps, p.done_ps};
  auto cb = std::move(p.req.on_done);
  p.req.on_done = nullptr;
  free_parents_.push_back(parent);
  if (cb) cb(resp);
}

void HbmDetailed::queue_freed(int pc, bool write) {
  auto& box = inbox_[static_cast<size_t>(pc)];
  if (!box.empty()) {
    if (box.front().write != write) return;
    // Called from inside the controller's step: defer the enqueue to keep the step re-entrancy free.
    Kernel::instance().after_ps(0, [this, pc] {
      auto& b = inbox_[static_cast<size_t>(pc)];
      auto& c = *pcs_[static_cast<size_t>(pc)];
      while (!b.empty() && c.queue_free(b.front().write) > 0) {
        c.enqueue(b.front());
        b.pop_front();
      }
      if (b.empty()) {
        for (int w = 0; w < 2; ++w) {
          auto& f = refused_[static_cast<size_t>(2 * pc + w)];
          if (f && pcs_[static_cast<size_t>(pc)]->queue_free(w == 1) > 0) {
            f = 0;
            if (retry_) retry_(pc, w == 1);
          }
        }
      }
    });
    return;
  }
  auto& f = refused_[static_cast<size_t>(2 * pc + (write ? 1 : 0))];
  if (f) {
    f = 0;
    if (retry_) Kernel::instance().after_ps(0, [this, pc, write] { retry_(pc, write); });
  }
}

HbmStats HbmDetailed::stats(std::int64_t elapsed_ps) const {
  HbmStats s;
  s.requests = requests_;
  s.bytes_read = bytes_read_;
  s.bytes_written = bytes_written_;
  s.first_accept_ps = std::max<std::int64_t>(first_accept_ps_, 0);
  s.last_done_ps = last_done_ps_;
  if (elapsed_ps <= 0) elapsed_ps = std::max<std::int64_t>(1, last_done_ps_ - s.first_accept_ps);
  const int pcs_per_ch = static_cast<int>(spec_.organisation.pseudo_channels);
  const int channels = static_cast<int>(spec_.total_pcs()) / pcs_per_ch;
  s.channel_utilisation.assign(static_cast<size_t>(channels), 0.0);
  const double elapsed_cycles = static_cast<double>(elapsed_ps) / spec_.tck_ps();
  for (size_t i = 0; i < pcs_.size(); ++i) {
    const auto& st = pcs_[i]->stats();
    s.column_accesses += st.reads + st.writes;
    s.activates += st.activates;
    s.refreshes += st.refreshes;
    s.channel_utilisation[i / static_cast<size_t>(pcs_per_ch)] +=
        static_cast<double>(st.busy_cycles) / elapsed_cycles / pcs_per_ch;
  }
  s.row_hit_rate = s.column_accesses ? 1.0 - static_cast<double>(s.activates) / static_cast<double>(s.column_accesses) : 0.0;
  if (s.row_hit_rate < 0) s.row_hit_rate = 0;
  s.read_latency_ps = read_lat_;
  s.write_latency_ps = write_lat_;
  return s;
}

}  // namespace xpu::mem
