// PcController: the memory controller of one HBM pseudo-channel, event-driven on the Kernel.
//
// Queues: a read queue and a write queue of bursts (bounded; the front end applies back-pressure).
// Scheduling (FR-FCFS, Rixner et al., ISCA 2000): among the queue being served, issue the oldest
// request whose column command (a row hit) is legal now; otherwise the oldest legal row command
// (ACT for a closed bank, PRE for a bank open on another row that no queued request still hits).
// HBM has separate row and column command buses, so one row and one column command may issue in
// the same cycle. Writes are buffered and drained in batches: the controller switches to writes
// when the write queue reaches the high watermark (or there are no reads) and back when it falls to
// the low watermark. Page policy: open (rows stay open until a conflict or refresh) or closed
// (RDA/WRA when no other queued request hits the row).
// Refresh: all-bank REF every nREFI per pseudo-channel (at the same times on every pseudo-channel, as
// DRAMSim3; controller.refresh_stagger spreads them over nREFI); when due,
// the controller stops activating, precharges open banks and issues REF, which blocks the
// pseudo-channel for nRFC. When idle, refreshes due in the idle time are accounted as done then
// (no events are spent on an idle memory).
// Events: instead of a clock, the controller computes from the timing state the earliest cycle at
// which any queued request's next command becomes legal and schedules one Kernel event there; a new
// arrival re-arms it if earlier. So the cost is about one event per command, not per cycle.
// Not modelled: per-bank refresh, refresh postponement, read/write data-bus ECC, power-down,
// starvation caps beyond FR-FCFS age order.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "sim/memory/dram_timing.h"
#include "sim/memory/hbm_spec.h"

namespace xpu::mem {

struct BurstReq {
  std::int64_t row = 0;
  std::int32_t bank = 0;
  bool write = false;
  std::uint32_t parent = 0;  // front-end tag
};

class ControllerListener {
 public:
  virtual ~ControllerListener() = default;
  // The column command of a burst issued; its data transfer ends at absolute time `done_ps`.
  virtual void burst_issued(std::uint32_t parent, std::int64_t done_ps) = 0;
  // A queue entry of pseudo-channel `pc` freed (write = write queue).
  virtual void queue_freed(int pc, bool write) = 0;
};

struct PcStats {
  std::uint64_t reads = 0, writes = 0;   // column accesses (bursts)
  std::uint64_t activates = 0, precharges = 0, refreshes = 0;
  std::uint64_t busy_cycles = 0;         // data-bus cycles in use
};

class PcController {
 public:
  PcController(const HbmSpec& spec, int index, int total_pcs, ControllerListener* listener, std::int64_t epoch_ps);

  int queue_free(bool write) const;
  std::size_t queued(bool write) const { return write ? wq_.size() : rq_.size(); }
  // Enqueue one burst (the caller checked queue_free). Schedules work.
  void enqueue(const BurstReq& b);
  const PcStats& stats() const { return stats_; }
  const PcTiming& timing() const { return timing_; }
  std::int64_t cycle_to_ps(std::int64_t cycle) const;
  std::int64_t now_cycle() const;

 private:
  struct Pick {
    int index = -1;
    Cmd cmd = Cmd::ACT;
  };
  void schedule(std::int64_t cycle);
  void step();
  void catch_up_idle_refresh(std::int64_t c);
  void issue_column(std::vector<BurstReq>& q, int i, std::int64_t c);
  void recount_hits(int bank);

  const HbmSpec* spec_;
  int index_;
  ControllerListener* listener_;
  std::int64_t epoch_ps_;
  double tck_ps_;
  std::int64_t nBL_, nCL_, nCWL_, nREFI_, frontend_ps_;
  std::size_t rq_cap_, wq_cap_, hi_, lo_;
  bool closed_page_;
  PcTiming timing_;
  std::vector<BurstReq> rq_, wq_;
  std::vector<int> hits_[2];  // per bank: queued reads / writes that hit the open row
  bool writing_ = false;
  bool ref_pending_ = false;
  std::int64_t next_ref_;
  std::int64_t last_busy_ = 0;
  bool wake_pending_ = false;
  std::int64_t wake_cycle_ = 0;
  std::uint64_t gen_ = 0;
  PcStats stats_;
};

}  // namespace xpu::mem
