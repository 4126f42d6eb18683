// Fast mode: HBM as one bandwidth server per channel, with the efficiency of each access profile
// looked up in a calibration table that the detailed model produced (`xpusim mem --calibrate`).
//
//   efficiency(profile): the table holds, per pattern (stream/strided/random), a full grid over
//     read fraction and request size of  eff = achieved / peak  from saturated detailed runs.
//     Lookup interpolates linearly in read fraction and in log2(request size), clamping outside the
//     grid (sizes beyond the largest use the largest).
//   FastHbm (event-driven): a request's bytes are split over the channels its bursts map to; each
//     channel c serves them in order at  rate_c = peak_c * eff(profile):
//        start = max(now, free_c);  free_c = start + bytes_c / rate_c
//     and the request completes at max_c free_c + (idle latency - one burst time). One event per
//     request, however large.
//   FastHbmPort (MemoryPort): peak = the chip's HBM bandwidth, achievable = peak * eff(profile),
//     idle latency from the table, capacity as given.
// Assumptions: efficiency is a property of the access profile, independent of how many stacks a
// chip has (pseudo-channels are independent); concurrent streams with different profiles share a
// channel in proportion to their service demand (no interaction penalty). Not modelled in fast
// mode: row-buffer locality across streams, refresh phase, queue back-pressure.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <tuple>
#include <string>
#include <vector>

#include "sim/core/config.h"
#include "sim/memory/address_map.h"
#include "sim/memory/hbm_spec.h"
#include "sim/memory/mem_request.h"
#include "sim/memory/memory_port.h"

namespace xpu::mem {

struct CalibPoint {
  std::string pattern = "stream";
  double read_fraction = 1.0;
  Bytes request_size = Bytes(64);
  double efficiency = 1.0;
  template <class V>
  void visit(V& v) {
    v.field("pattern", pattern, cfg::Field("access pattern").one_of({"stream", "strided", "random"}));
    v.field("read_fraction", read_fraction, cfg::Field("reads / (reads + writes)").min(0).max(1));
    v.field("request_size", request_size, cfg::Field("bytes per request").positive());
    v.field("efficiency", efficiency, cfg::Field("achieved bandwidth / peak").positive().max(1));
  }
};

struct CalibrationTable {
  std::string preset;                  // preset name it was generated from
  Seconds idle_latency = units::nanoseconds(100);
  std::vector<CalibPoint> points;
  template <class V>
  void visit(V& v) {
    v.field("preset", preset, cfg::Field("name of the preset this table was generated from"));
    v.field("idle_latency", idle_latency, cfg::Field("latency of one read to an idle memory").positive());
    v.field("points", points, cfg::Field("efficiency per (pattern, read fraction, request size)").required());
  }
  void check(const cfg::Checker& c) const;
  double efficiency(const AccessProfile& p) const;
};

CalibrationTable load_calibration(const std::string& path);

struct CalibrationOptions {
  std::vector<Pattern> patterns = {Pattern::Stream, Pattern::Strided, Pattern::Random};
  std::vector<double> read_fractions = {1.0, 0.75, 2.0 / 3.0, 0.5, 0.25, 0.0};
  std::vector<double> request_sizes = {32, 64, 128, 256, 1024, 4096};
  double refresh_intervals = 3.0;  // simulated time per point, in tREFI (at full efficiency)
};
// Run the detailed model over the grid (deterministic).
CalibrationTable calibrate(const HbmSpec& spec, const CalibrationOptions& opt = {});
// YAML text of a table with a "generated, do not edit" banner naming `regenerate_command`.
std::string calibration_yaml(const CalibrationTable& t, const std::string& regenerate_command);
// Latency of one read to an idle memory, measured on the detailed model.
Seconds measure_idle_latency(const HbmSpec& spec);

class FastHbm {
 public:
  FastHbm(const HbmSpec& spec, const CalibrationTable& table);
  // Always accepted (no back-pressure); on_done fires at the computed completion time.
  void send(const MemRequest& r, const AccessProfile& profile);
  std::vector<double> channel_utilisation(std::int64_t elapsed_ps) const;

 private:
  HbmSpec spec_;
  AddressMapper mapper_;
  const CalibrationTable* table_;
  std::vector<double> free_ps_;   // per channel (all stacks)
  std::vector<double> busy_ps_;   // per channel, at full efficiency (data-bus time)
  std::vector<double> scratch_;
  std::vector<int> touched_;
  double ch_rate_;                // bytes per ps of one channel at peak
  double tail_ps_;
  AccessProfile last_profile_{};  // memo: DMA streams send many requests with one profile
  double last_eff_ = -1.0;
};

class FastHbmPort : public MemoryPort {
 public:
  FastHbmPort(HbmSpec spec, CalibrationTable table, BytesPerSecond chip_peak, Bytes capacity);
  std::string name() const override;
  BytesPerSecond peak_bandwidth() const override { return peak_; }
  BytesPerSecond achievable_bandwidth(const AccessProfile& profile) const override;
  Seconds idle_latency() const override { return table_.idle_latency; }
  Bytes capacity() const override { return capacity_; }
  double stacks() const { return stacks_; }
  const HbmSpec& spec() const { return spec_; }
  const CalibrationTable& table() const { return table_; }

 private:
  HbmSpec spec_;
  CalibrationTable table_;
  BytesPerSecond peak_;
  Bytes capacity_;
  double stacks_;
  mutable std::map<std::tuple<int, double, double>, double> memo_;  // profile -> efficiency
};

// The factory the chip/cluster model calls: loads the preset at `preset_path` and its calibration
// table (the preset's `calibration:` key, default <stem>.calib.yaml beside it) and returns the
// fast-mode port for a chip whose HBM peak is `chip_peak_bandwidth` (stacks = chip peak / per-stack
// peak) and capacity `capacity`. Throws ConfigError/UserError for a bad preset or a missing table
// (the message names the command that regenerates it).
std::unique_ptr<MemoryPort> make_memory_port(const std::string& preset_path, BytesPerSecond chip_peak_bandwidth,
                                             Bytes capacity);

}  // namespace xpu::mem
