// Traffic generators and the drivers that run them against the detailed or the fast model.
//
// A saturating generator: it sends requests as fast as the memory accepts them (a refused piece
// waits, in order, on its pseudo-channel's FIFO until the retry callback; a bounded window of such
// waiting bursts, like many DMA engines in flight), so the measured bandwidth is what the memory
// can sustain for that pattern. Patterns:
//   stream:  consecutive addresses (reads from the bottom half of the address space, writes to the top)
//   strided: addresses advance by `stride` per request (wrapping in each half)
//   random:  uniform over the capacity, aligned to the request size (deterministic mt19937_64)
// Reads and writes are interleaved deterministically: request k is a write iff
// floor((k+1) w) > floor(k w), w = 1 - read_fraction (so 2:1 gives R R W R R W ...).
// A run is a list of phases run back to back (mixed traffic); results cover the whole run.
// Requests larger than `packet` (64 B) reach the memory as consecutive packets, as a DMA transfer
// crosses the on-chip fabric in cache-line-sized packets, and a packet spanning several
// pseudo-channels is routed as one piece per pseudo-channel; latency percentiles are per piece.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/units.h"
#include "sim/memory/hbm_spec.h"
#include "sim/memory/memory_port.h"

namespace xpu::mem {

struct CalibrationTable;

struct TrafficSpec {
  Pattern pattern = Pattern::Stream;
  Bytes bytes = Bytes(1 << 20);
  double read_fraction = 1.0;
  Bytes request_size = Bytes(64);
  Bytes stride = Bytes(4096);
  std::uint64_t seed = 1;
  Bytes packet = Bytes(64);  // the on-chip fabric splits each request into packets of at most this size
  AccessProfile profile() const { return AccessProfile{pattern, read_fraction, request_size}; }
};

struct TrafficResult {
  Seconds elapsed;
  Bytes bytes;
  BytesPerSecond achieved;
  BytesPerSecond peak;
  double efficiency = 0.0;           // achieved / peak
  double row_hit_rate = 0.0;         // detailed mode only
  Seconds read_p50, read_p90, read_p99, write_p50;
  std::vector<double> channel_utilisation;
  std::uint64_t requests = 0, refreshes = 0, activates = 0;
  std::uint64_t events = 0;          // kernel events processed
};

// Parse "2:1" (reads:writes) into a read fraction; throws UserError.
double parse_rw_ratio(const std::string& text);
Pattern parse_pattern(const std::string& text);

TrafficResult run_detailed(const HbmSpec& spec, const std::vector<TrafficSpec>& phases);
TrafficResult run_fast(const HbmSpec& spec, const CalibrationTable& table, const std::vector<TrafficSpec>& phases);

}  // namespace xpu::mem
