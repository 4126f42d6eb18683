// HbmDetailed: the detailed HBM model: an address mapper in front of one PcController per
// pseudo-channel (all stacks), behind the request interface of mem_request.h.
//
// A request is split into bursts of G bytes (the access granularity); each burst goes to the
// pseudo-channel its address maps to. The request is accepted only if every pseudo-channel it
// touches has room for its bursts (a request larger than a whole queue is accepted into an empty
// queue and the overflow waits in a per-pseudo-channel inbox); otherwise try_send returns false and
// the retry callback fires when the queue that refused it frees an entry. The request completes
// when its last burst's data has been transferred (reads: nCL + nBL after RD; writes: nCWL + nBL
// after WR) plus the preset's front-end latency.
// Statistics: bytes, row-hit rate (1 - ACT / column accesses), per-channel data-bus utilisation,
// and the latency of every request (accept to done) for percentiles.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "sim/memory/address_map.h"
#include "sim/memory/hbm_controller.h"
#include "sim/memory/hbm_spec.h"
#include "sim/memory/mem_request.h"

namespace xpu::mem {

struct HbmStats {
  std::uint64_t requests = 0, bytes_read = 0, bytes_written = 0;
  std::uint64_t column_accesses = 0, activates = 0, refreshes = 0;
  double row_hit_rate = 0.0;                  // 1 - activates / column accesses
  std::vector<double> channel_utilisation;    // data-bus busy / elapsed, per channel (all stacks)
  std::vector<std::int64_t> read_latency_ps;  // per read request, accept to done
  std::vector<std::int64_t> write_latency_ps;
  std::int64_t first_accept_ps = 0, last_done_ps = 0;
};

class HbmDetailed : public ControllerListener {
 public:
  explicit HbmDetailed(const HbmSpec& spec);
  ~HbmDetailed() override;
  HbmDetailed(const HbmDetailed&) = delete;
  HbmDetailed& operator=(const HbmDetailed&) = delete;

  bool try_send(const MemRequest& r);
  // After a refusal: the pseudo-channel queue (index, write queue?) that refused the request. The
  // retry callback fires with that pair once that queue frees an entry.
  std::pair<int, bool> last_refusal() const { return {blocked_pc_, blocked_write_}; }
  void set_retry(std::function<void(int pc, bool write)> fn) { retry_ = std::move(fn); }
  // Statistics; utilisation is over [first accept, last done] unless `elapsed_ps` > 0 is given.
  HbmStats stats(std::int64_t elapsed_ps = 0) const;
  const HbmSpec& spec() const { return spec_; }
  const AddressMapper& mapper() const { return mapper_; }
  PcController& controller(int pc) { return *pcs_[static_cast<size_t>(pc)]; }
  int outstanding() const { return outstanding_; }
  // ControllerListener (called by the pseudo-channel controllers).
  void burst_issued(std::uint32_t parent, std::int64_t done_ps) override;
  void queue_freed(int pc, bool write) override;

 private:
  struct Parent {
    MemRequest req;
    int remaining = 0;
    std::int64_t accepted_ps = 0;
    std::int64_t done_ps = 0;
  };
  void complete(std::uint32_t parent);

  HbmSpec spec_;
  AddressMapper mapper_;
  std::vector<std::unique_ptr<PcController>> pcs_;
  std::vector<std::deque<BurstReq>> inbox_;
  std::vector<Parent> parents_;
  std::vector<std::uint32_t> free_parents_;
  std::vector<int> need_;          // scratch: bursts per pseudo-channel of the request being sent
  std::vector<int> touched_;
  std::vector<std::pair<int, BurstReq>> scratch_;
  std::function<void(int, bool)> retry_;
  std::vector<char> refused_;      // per (pseudo-channel, write): someone waits for an entry
  int blocked_pc_ = -1;
  bool blocked_write_ = false;
  int outstanding_ = 0;
  std::uint64_t requests_ = 0, bytes_read_ = 0, bytes_written_ = 0;
  std::vector<std::int64_t> read_lat_, write_lat_;
  std::int64_t first_accept_ps_ = -1, last_done_ps_ = 0;
};

}  // namespace xpu::mem
