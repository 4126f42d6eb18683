// HbmSpec: derived figures and cross-field rules (see hbm_spec.h for the equations).
#include "sim/memory/hbm_spec.h"

#include <cmath>
#include <sstream>

#include "sim/memory/address_map.h"

namespace xpu::mem {

namespace {
std::string num(double v) {
  std::ostringstream os;
  os.precision(6);
  os << v;
  return os.str();
}
double cycles_per_burst(const HbmOrganisation& o) {
  const double beats_per_cycle = o.pin_rate.bytes_per_second() * 8.0 / o.clock.hertz();
  return static_cast<double>(o.burst_length) / beats_per_cycle;
}
}  // namespace

std::int64_t HbmSpec::nBL() const {
  return static_cast<std::int64_t>(std::llround(cycles_per_burst(organisation)));
}

BytesPerSecond HbmSpec::pc_peak() const {
  // pc_width pins, each pin_rate bits/s; pin_rate is stored in bytes/s (b/s divided by 8).
  return organisation.pin_rate * static_cast<double>(organisation.pc_width);
}

BytesPerSecond HbmSpec::stack_peak() const { return pc_peak() * static_cast<double>(pcs_per_stack()); }

Bytes HbmSpec::stack_capacity() const {
  return Bytes(static_cast<double>(pcs_per_stack()) * static_cast<double>(banks()) *
               static_cast<double>(organisation.rows) * static_cast<double>(organisation.columns) *
               static_cast<double>(burst_bytes()));
}

std::string HbmSpec::calibration_path() const {
  std::string dir, stem = source_file;
  auto slash = source_file.find_last_of('/');
  if (slash != std::string::npos) {
    dir = source_file.substr(0, slash + 1);
    stem = source_file.substr(slash + 1);
  }
  if (!calibration.empty()) return (!calibration.empty() && calibration[0] == '/') ? calibration : dir + calibration;
  auto dot = stem.rfind(".yaml");
  if (dot != std::string::npos) stem = stem.substr(0, dot);
  return dir + stem + ".calib.yaml";
}

void HbmSpec::check(const cfg::Checker& c) const {
  const auto& o = organisation;
  const auto& t = timing;
  // Organisation.
  if ((o.pc_width * o.burst_length) % 8 != 0)
    c.fail("organisation.burst_length", "pc_width * burst_length must be a whole number of bytes, got " +
                                            std::to_string(o.pc_width) + " * " + std::to_string(o.burst_length));
  const double cpb = cycles_per_burst(o);
  if (cpb < 1.0 - 1e-9 || std::fabs(cpb - std::round(cpb)) > 1e-6)
    c.fail("organisation.clock", "a burst of " + std::to_string(o.burst_length) + " beats at " +
                                     num(o.pin_rate.bytes_per_second() * 8e-9) + " Gb/s/pin must last a whole number (>= 1) of clock cycles, got " +
                                     num(cpb));
  const double derived = stack_peak().bytes_per_second();
  const double spec = o.spec_bandwidth.bytes_per_second();
  if (std::fabs(derived - spec) > 0.01 * spec)
    c.fail("organisation.spec_bandwidth",
           "derived peak channels*pseudo_channels*pc_width*pin_rate = " + num(derived / 1e9) +
               " GB/s differs from the spec-sheet figure " + num(spec / 1e9) + " GB/s by more than 1%");
  // Timing rules.
  if (t.nRC < t.nRAS + t.nRP)
    c.fail("timing.nRC", "must be >= nRAS + nRP = " + std::to_string(t.nRAS + t.nRP) + ", got " + std::to_string(t.nRC));
  if (t.nCCD_S < nBL())
    c.fail("timing.nCCD_S", "must be >= the burst duration nBL = " + std::to_string(nBL()) + ", got " + std::to_string(t.nCCD_S));
  if (t.nCCD_L < t.nCCD_S)
    c.fail("timing.nCCD_L", "must be >= nCCD_S = " + std::to_string(t.nCCD_S) + ", got " + std::to_string(t.nCCD_L));
  if (t.nRRD_L < t.nRRD_S)
    c.fail("timing.nRRD_L", "must be >= nRRD_S = " + std::to_string(t.nRRD_S) + ", got " + std::to_string(t.nRRD_L));
  if (t.nWTR_L < t.nWTR_S)
    c.fail("timing.nWTR_L", "must be >= nWTR_S = " + std::to_string(t.nWTR_S) + ", got " + std::to_string(t.nWTR_L));
  if (t.nFAW < t.nRRD_S)
    c.fail("timing.nFAW", "must be >= nRRD_S = " + std::to_string(t.nRRD_S) + ", got " + std::to_string(t.nFAW));
  if (t.nRTW + t.nCWL < t.nCL + nBL())
    c.fail("timing.nRTW", "must be >= nCL + nBL - nCWL = " + std::to_string(t.nCL + nBL() - t.nCWL) +
                              " (write data may not overlap read data), got " + std::to_string(t.nRTW));
  if (t.nREFI <= t.nRFC)
    c.fail("timing.nREFI", "must be > nRFC = " + std::to_string(t.nRFC) + ", got " + std::to_string(t.nREFI));
  // Controller.
  const auto& k = controller;
  if (k.write_low_watermark >= k.write_high_watermark)
    c.fail("controller.write_low_watermark", "must be < write_high_watermark = " + num(k.write_high_watermark) +
                                                 ", got " + num(k.write_low_watermark));
  std::string why = AddressMapper::check_order(k.mapping.order);
  if (!why.empty()) c.fail("controller.mapping.order", why);
}

namespace {
HbmSpec finish(const cfg::Node& root, const std::string& file) {
  HbmSpec s = cfg::read<HbmSpec>(root, "");
  s.source_file = file;
  return s;
}
}  // namespace

HbmSpec load_hbm_preset(const std::string& path) { return finish(cfg::load_file(path), path); }

HbmSpec parse_hbm_preset(const std::string& text, const std::string& name) {
  return finish(cfg::load_string(text, name), name);
}

}  // namespace xpu::mem
