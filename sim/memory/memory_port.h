// MemoryPort: the narrow seam between whoever moves data (DMA engines of the chip model, the
// roofline model) and a memory model (the detailed HBM model or its calibrated fast mode).
//
// Contract: `achievable_bandwidth(profile)` is the sustained bandwidth a saturating stream of
// requests with that profile gets from the whole memory (all channels); `idle_latency()` is the
// latency of one request to an idle memory. Both are pure queries (no simulated time passes), so
// a chip model can use them inside analytical tile schedules. Implementations must be
// deterministic.
#pragma once

#include <memory>
#include <string>

#include "sim/core/units.h"

namespace xpu::mem {

enum class Pattern { Stream, Strided, Random };
const char* pattern_name(Pattern p);

struct AccessProfile {
  Pattern pattern = Pattern::Stream;
  double read_fraction = 1.0;        // reads / (reads + writes)
  Bytes request_size = Bytes(64);    // bytes per request
};

class MemoryPort {
 public:
  virtual ~MemoryPort() = default;
  virtual std::string name() const = 0;
  virtual BytesPerSecond peak_bandwidth() const = 0;
  virtual BytesPerSecond achievable_bandwidth(const AccessProfile& profile) const = 0;
  virtual Seconds idle_latency() const = 0;
  virtual Bytes capacity() const = 0;
};

// Constant efficiency: a fixed fraction of peak whatever the pattern (the memory model when a chip names no HBM
// preset; see docs/models/hbm.md for the real model).
class ConstantEfficiencyPort : public MemoryPort {
 public:
  ConstantEfficiencyPort(BytesPerSecond peak, double efficiency, Bytes capacity,
                         Seconds latency = units::nanoseconds(100))
      : peak_(peak), eff_(efficiency), capacity_(capacity), latency_(latency) {}
  std::string name() const override { return "constant-efficiency"; }
  BytesPerSecond peak_bandwidth() const override { return peak_; }
  BytesPerSecond achievable_bandwidth(const AccessProfile&) const override { return peak_ * eff_; }
  Seconds idle_latency() const override { return latency_; }
  Bytes capacity() const override { return capacity_; }

 private:
  BytesPerSecond peak_;
  double eff_;
  Bytes capacity_;
  Seconds latency_;
};

// The calibrated HBM fast mode for a chip: loads an HBM preset (arch-configs/memory/*.yaml) and
// its calibration table (<stem>.calib.yaml) and scales it to the chip's peak bandwidth (stacks =
// chip peak / per-stack peak). Defined in fast_hbm.cpp; see docs/models/hbm.md. Throws
// ConfigError/UserError for a bad preset or a missing table.
std::unique_ptr<MemoryPort> make_memory_port(const std::string& preset_path, BytesPerSecond chip_peak_bandwidth,
                                             Bytes capacity);

}  // namespace xpu::mem
