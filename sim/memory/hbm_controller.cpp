// PcController: FR-FCFS pseudo-channel controller; see hbm_controller.h for the policy.
#include "sim/memory/hbm_controller.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/core/kernel.h"
#include "sim/memory/sim_time.h"

namespace xpu::mem {

namespace {
constexpr std::int64_t kInf = std::numeric_limits<std::int64_t>::max() / 4;
}

PcController::PcController(const HbmSpec& s, int index, int total_pcs, ControllerListener* l, std::int64_t epoch_ps)
    : spec_(&s),
      index_(index),
      listener_(l),
      epoch_ps_(epoch_ps),
      tck_ps_(s.tck_ps()),
      nBL_(s.nBL()),
      nCL_(s.timing.nCL),
      nCWL_(s.timing.nCWL),
      nREFI_(s.timing.nREFI),
      frontend_ps_(std::llround(s.controller.frontend_latency.seconds() * 1e12)),
      rq_cap_(static_cast<std::size_t>(s.controller.read_queue)),
      wq_cap_(static_cast<std::size_t>(s.controller.write_queue)),
      hi_(static_cast<std::size_t>(std::ceil(s.controller.write_high_watermark * static_cast<double>(s.controller.write_queue)))),
      lo_(static_cast<std::size_t>(std::floor(s.controller.write_low_watermark * static_cast<double>(s.controller.write_queue)))),
      closed_page_(s.controller.page_policy == "closed"),
      timing_(s) {
  hits_[0].assign(static_cast<size_t>(s.banks()), 0);
  hits_[1].assign(static_cast<size_t>(s.banks()), 0);
  rq_.reserve(rq_cap_ + 8);
  wq_.reserve(wq_cap_ + 8);
  // Stagger the refresh phase across pseudo-channels so they do not all refresh at once.
  next_ref_ = s.controller.refresh_stagger ? nREFI_ * (1 + index % total_pcs) / total_pcs : nREFI_;
  if (hi_ < 1) hi_ = 1;
}

std::int64_t PcController::cycle_to_ps(std::int64_t cycle) const {
  return epoch_ps_ + static_cast<std::int64_t>(std::llround(static_cast<double>(cycle) * tck_ps_));
}

std::int64_t PcController::now_cycle() const {
  // The first cycle whose (rounded) start time is not before now.
  const std::int64_t now = abs_now_ps();
  auto c = static_cast<std::int64_t>(std::floor(static_cast<double>(now - epoch_ps_) / tck_ps_));
  c = std::max<std::int64_t>(c, 0);
  while (cycle_to_ps(c) < now) ++c;
  while (c > 0 && cycle_to_ps(c - 1) >= now) --c;
  return c;
}

int PcController::queue_free(bool write) const {
  const auto cap = write ? wq_cap_ : rq_cap_;
  const auto n = write ? wq_.size() : rq_.size();
  return n >= cap ? 0 : static_cast<int>(cap - n);
}

void PcController::catch_up_idle_refresh(std::int64_t c) {
  if (c < next_ref_) return;
  // Latest refresh due at or before now.
  const std::int64_t d = next_ref_ + ((c - next_ref_) / nREFI_) * nREFI_;
  const auto& t = spec_->timing;
  const std::int64_t slack = t.nRAS + t.nRP + t.nCWL + nBL_ + t.nWR + t.nRTP;
  if (d >= last_busy_ + slack) {
    // The memory sat idle long enough at d to precharge and refresh: that refresh happened then.
    timing_.force_refresh_at(d);
    std::fill(hits_[0].begin(), hits_[0].end(), 0);
    std::fill(hits_[1].begin(), hits_[1].end(), 0);
    ++stats_.refreshes;
    next_ref_ = d + nREFI_;
    last_busy_ = d;
  } else {
    next_ref_ = d;  // due now: the scheduler will precharge and refresh
  }
}

void PcController::enqueue(const BurstReq& b) {
  const std::int64_t c = now_cycle();
  if (rq_.empty() && wq_.empty() && !ref_pending_ && !wake_pending_) catch_up_idle_refresh(c);
  (b.write ? wq_ : rq_).push_back(b);
  if (timing_.open_row(b.bank) == b.row) ++hits_[b.write ? 1 : 0][static_cast<size_t>(b.bank)];
  schedule(c);
}

void PcController::schedule(std::int64_t cycle) {
  if (wake_pending_ && wake_cycle_ <= cycle) return;
  wake_pending_ = true;
  wake_cycle_ = cycle;
  const std::uint64_t g = ++gen_;
  const std::int64_t delay = std::max<std::int64_t>(0, cycle_to_ps(cycle) - abs_now_ps());
  Kernel::instance().after_ps(delay, [this, g] {
    if (g != gen_) return;
    wake_pending_ = false;
    step();
  });
}

void PcController::recount_hits(int bank) {
  const std::int64_t row = timing_.open_row(bank);
  for (int w = 0; w < 2; ++w) {
    int n = 0;
    for (const auto& e : (w ? wq_ : rq_))
      if (e.bank == bank && e.row == row) ++n;
    hits_[w][static_cast<size_t>(bank)] = n;
  }
}

void PcController::issue_column(std::vector<BurstReq>& q, int i, std::int64_t c) {
  const BurstReq b = q[static_cast<size_t>(i)];
  const auto bank = static_cast<size_t>(b.bank);
  const int w = b.write ? 1 : 0;
  bool auto_pre = closed_page_ && hits_[0][bank] + hits_[1][bank] <= 1;
  Cmd cmd = b.write ? (auto_pre ? Cmd::WRA : Cmd::WR) : (auto_pre ? Cmd::RDA : Cmd::RD);
  timing_.issue(cmd, b.bank, b.row, c);
  --hits_[w][bank];
  if (auto_pre) {
    hits_[0][bank] = hits_[1][bank] = 0;
    ++stats_.precharges;
  }
  q.erase(q.begin() + i);
  const std::int64_t done = c + (b.write ? nCWL_ : nCL_) + nBL_;
  last_busy_ = std::max(last_busy_, done);
  stats_.busy_cycles += static_cast<std::uint64_t>(nBL_);
  if (b.write) ++stats_.writes; else ++stats_.reads;
  listener_->burst_issued(b.parent, cycle_to_ps(done) + frontend_ps_);
  listener_->queue_freed(index_, b.write);
}

void PcController::step() {
  const std::int64_t c = now_cycle();
  if (!ref_pending_ && c >= next_ref_) ref_pending_ = true;
  std::int64_t next = kInf;
  for (int guard = 0; guard < 8; ++guard) {
    next = kInf;
    if (ref_pending_) {
      // Precharge every open bank, then refresh.
      if (timing_.all_closed()) {
        const std::int64_t t = timing_.earliest(Cmd::REF, 0);
        if (t <= c) {
          timing_.issue(Cmd::REF, 0, 0, c);
          ++stats_.refreshes;
          ref_pending_ = false;
          next_ref_ += nREFI_;
          std::fill(hits_[0].begin(), hits_[0].end(), 0);
          std::fill(hits_[1].begin(), hits_[1].end(), 0);
          last_busy_ = std::max(last_busy_, c + spec_->timing.nRFC);
          continue;
        }
        next = t;
      } else {
        bool issued = false;
        for (int b = 0; b < timing_.banks(); ++b) {
          if (timing_.open_row(b) < 0) continue;
          const std::int64_t t = timing_.earliest(Cmd::PRE, b);
          if (t <= c) {
            timing_.issue(Cmd::PRE, b, 0, c);
            ++stats_.precharges;
            issued = true;
            break;
          }
          next = std::min(next, t);
        }
        if (issued) continue;
      }
      break;
    }
    // Choose the queue to serve.
    if (!writing_ && (wq_.size() >= hi_ || (rq_.empty() && !wq_.empty()))) writing_ = true;
    else if (writing_ && (wq_.empty() || (wq_.size() <= lo_ && !rq_.empty()))) writing_ = false;
    auto& q = writing_ ? wq_ : rq_;
    const int w = writing_ ? 1 : 0;
    int col = -1, row = -1;
    Cmd row_cmd = Cmd::ACT;
    for (int i = 0; i < static_cast<int>(q.size()); ++i) {
      const auto& e = q[static_cast<size_t>(i)];
      const std::int64_t open = timing_.open_row(e.bank);
      Cmd cmd;
      if (open == e.row) {
        cmd = e.write ? Cmd::WR : Cmd::RD;
      } else if (open >= 0) {
        if (hits_[w][static_cast<size_t>(e.bank)] > 0) continue;  // let the hits drain first
        cmd = Cmd::PRE;
      } else {
        cmd = Cmd::ACT;
      }
      const std::int64_t t = timing_.earliest(cmd, e.bank);
      if (t <= c) {
        if (is_column(cmd)) {
          col = i;
          break;
        }
        if (row < 0) {
          row = i;
          row_cmd = cmd;
        }
      } else {
        next = std::min(next, t);
      }
    }
    if (col >= 0) {
      issue_column(q, col, c);
      continue;
    }
    if (row >= 0) {
      const auto& e = q[static_cast<size_t>(row)];
      timing_.issue(row_cmd, e.bank, e.row, c);
      if (row_cmd == Cmd::ACT) {
        ++stats_.activates;
        recount_hits(e.bank);
      } else {
        ++stats_.precharges;
        hits_[0][static_cast<size_t>(e.bank)] = hits_[1][static_cast<size_t>(e.bank)] = 0;
      }
      continue;
    }
    break;
  }
  const bool busy = ref_pending_ || !rq_.empty() || !wq_.empty();
  if (!busy) return;  // idle: nothing to wake for (refresh catches up on the next arrival)
  if (!ref_pending_) next = std::min(next, std::max(next_ref_, c + 1));
  if (next == kInf || next <= c) next = c + 1;
  schedule(next);
}

}  // namespace xpu::mem
