// HbmSpec: one HBM memory preset (arch-configs/memory/*.yaml), read through the cfg system.
//
// Organisation (per stack): channels x pseudo_channels independent pseudo-channels (PCs), each with
// bank_groups x banks_per_group banks of `rows` rows of `columns` columns. A column access moves one
// burst: burst_length beats on a pc_width-bit bus, i.e. G = pc_width * burst_length / 8 bytes (the
// access granularity; 32 B for HBM2E pseudo-channel mode and for HBM3/HBM3E). Columns are counted in
// bursts, so a row (page) holds columns * G bytes.
//
//   peak bandwidth per stack  B = channels * pseudo_channels * pc_width * pin_rate        (pin_rate in b/s)
//   burst duration            nBL = burst_length / (pin_rate * tCK)                      (cycles of `clock`)
//   capacity per stack        C = channels * pseudo_channels * banks * rows * columns * G
// `spec_bandwidth` is the spec-sheet figure per stack; check() rejects a preset whose derived peak is
// more than 1% away from it, so a typo in any of the factors is caught.
//
// Timings are in cycles of `clock` with JEDEC names (nRCD is tRCD / tCK). Cross-field rules in
// check(): nRC >= nRAS + nRP, nCCD_L >= nCCD_S >= nBL, nRRD_L >= nRRD_S, nFAW >= nRRD_S,
// nRTW covers the read burst (nRTW >= nCL + nBL - nCWL), nREFI > nRFC, watermarks ordered.
// Sources of each preset's numbers are listed in the preset itself (`sources:`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/config.h"
#include "sim/core/units.h"

namespace xpu::mem {

struct HbmOrganisation {
  std::int64_t stacks = 1;            // stacks the preset describes (a chip scales this; see make_memory_port)
  std::int64_t channels = 16;         // independent channels per stack
  std::int64_t pseudo_channels = 2;   // pseudo-channels per channel (1 = legacy mode)
  std::int64_t bank_groups = 4;       // per pseudo-channel
  std::int64_t banks_per_group = 4;
  std::int64_t rows = 32768;          // per bank
  std::int64_t columns = 32;          // per row, counted in bursts (access-granularity units)
  std::int64_t pc_width = 32;         // data bus width of one pseudo-channel, bits
  std::int64_t burst_length = 8;      // beats per column access
  BytesPerSecond pin_rate;            // data rate per pin ("6.4 Gb/s")
  Hertz clock;                        // command clock (1 / tCK)
  BytesPerSecond spec_bandwidth;      // spec-sheet peak per stack, checked against the derived peak

  template <class V>
  void visit(V& v) {
    v.field("stacks", stacks, cfg::Field("HBM stacks described by this preset").positive());
    v.field("channels", channels, cfg::Field("independent channels per stack").positive());
    v.field("pseudo_channels", pseudo_channels, cfg::Field("pseudo-channels per channel (1 = legacy mode)").positive());
    v.field("bank_groups", bank_groups, cfg::Field("bank groups per pseudo-channel").positive());
    v.field("banks_per_group", banks_per_group, cfg::Field("banks per bank group").positive());
    v.field("rows", rows, cfg::Field("rows per bank").positive());
    v.field("columns", columns, cfg::Field("columns per row, counted in bursts (one column access = one burst)").positive());
    v.field("pc_width", pc_width, cfg::Field("data bus width of one pseudo-channel, bits").positive());
    v.field("burst_length", burst_length, cfg::Field("beats per column access (BL)").positive());
    v.field("pin_rate", pin_rate, cfg::Field("data rate per pin, e.g. \"6.4 Gb/s\"").required().positive());
    v.field("clock", clock, cfg::Field("command clock 1/tCK").required().positive());
    v.field("spec_bandwidth", spec_bandwidth, cfg::Field("spec-sheet peak bandwidth of one stack (checked, within 1%)").required().positive());
  }
};

// JEDEC timing parameters, in cycles of the command clock.
struct HbmTiming {
  std::int64_t nCL = 20, nCWL = 8;
  std::int64_t nRCDRD = 31, nRCDWR = 15;
  std::int64_t nRP = 26, nRAS = 45, nRC = 72;
  std::int64_t nWR = 33, nRTP = 9;
  std::int64_t nCCD_S = 2, nCCD_L = 4;
  std::int64_t nRRD_S = 4, nRRD_L = 5, nFAW = 24;
  std::int64_t nWTR_S = 8, nWTR_L = 12, nRTW = 20;
  std::int64_t nRFC = 416, nREFI = 6240;

  template <class V>
  void visit(V& v) {
    v.field("nCL", nCL, cfg::Field("read latency: RD to first data (tCL/tCK)").positive());
    v.field("nCWL", nCWL, cfg::Field("write latency: WR to first data").positive());
    v.field("nRCDRD", nRCDRD, cfg::Field("ACT to RD, same bank").positive());
    v.field("nRCDWR", nRCDWR, cfg::Field("ACT to WR, same bank").positive());
    v.field("nRP", nRP, cfg::Field("PRE to ACT, same bank").positive());
    v.field("nRAS", nRAS, cfg::Field("ACT to PRE, same bank").positive());
    v.field("nRC", nRC, cfg::Field("ACT to ACT, same bank").positive());
    v.field("nWR", nWR, cfg::Field("write recovery: end of write data to PRE").positive());
    v.field("nRTP", nRTP, cfg::Field("RD to PRE, same bank").positive());
    v.field("nCCD_S", nCCD_S, cfg::Field("column to column, different bank group").positive());
    v.field("nCCD_L", nCCD_L, cfg::Field("column to column, same bank group").positive());
    v.field("nRRD_S", nRRD_S, cfg::Field("ACT to ACT, different bank group").positive());
    v.field("nRRD_L", nRRD_L, cfg::Field("ACT to ACT, same bank group").positive());
    v.field("nFAW", nFAW, cfg::Field("window holding at most four ACTs per pseudo-channel").positive());
    v.field("nWTR_S", nWTR_S, cfg::Field("end of write data to RD, different bank group").positive());
    v.field("nWTR_L", nWTR_L, cfg::Field("end of write data to RD, same bank group").positive());
    v.field("nRTW", nRTW, cfg::Field("RD to WR turnaround, any bank").positive());
    v.field("nRFC", nRFC, cfg::Field("all-bank refresh cycle time (REF to ACT)").positive());
    v.field("nREFI", nREFI, cfg::Field("average refresh interval").positive());
  }
};

struct AddressMappingSpec {
  // Fields from most to least significant, separated by '_': ro (row), ba (bank in group),
  // bg (bank group), co (column), pc (pseudo-channel), ch (channel), st (stack). Each exactly once,
  // except st, which may be left out: it then sits just above ch (stacks interleave like channels).
  // The burst offset (log2 G bits) is always below all of them.
  std::string order = "ro_ba_co_bg_pc_ch";
  std::string hash = "none";  // "xor": bank, bank group, pseudo-channel and channel XOR-ed with row bits
  template <class V>
  void visit(V& v) {
    v.field("order", order, cfg::Field("address fields from most to least significant: ro ba bg co pc ch st, '_'-separated"));
    v.field("hash", hash, cfg::Field("permutation of bank/channel indices by row bits").one_of({"none", "xor"}));
  }
};

struct HbmControllerSpec {
  std::int64_t read_queue = 32;      // entries (bursts) per pseudo-channel
  std::int64_t write_queue = 32;
  double write_high_watermark = 0.75;  // start draining writes at this fill of the write queue
  double write_low_watermark = 0.25;   // stop draining at this fill
  std::string page_policy = "open";    // open | closed
  AddressMappingSpec mapping;
  Seconds frontend_latency = units::nanoseconds(0);  // controller/PHY pipeline added to every access
  bool refresh_stagger = false;  // false: every pseudo-channel refreshes at the same times (as DRAMSim3)

  template <class V>
  void visit(V& v) {
    v.field("read_queue", read_queue, cfg::Field("read queue entries (bursts) per pseudo-channel").min(1));
    v.field("write_queue", write_queue, cfg::Field("write queue entries (bursts) per pseudo-channel").min(1));
    v.field("write_high_watermark", write_high_watermark, cfg::Field("write-queue fill that starts a write drain").positive().max(1));
    v.field("write_low_watermark", write_low_watermark, cfg::Field("write-queue fill that ends a write drain").min(0).max(1));
    v.field("page_policy", page_policy, cfg::Field("row-buffer policy").one_of({"open", "closed"}));
    v.field("mapping", mapping, cfg::Field("physical address to channel/bank/row/column mapping"));
    v.field("frontend_latency", frontend_latency, cfg::Field("fixed controller and PHY latency added to each access").min(0));
    v.field("refresh_stagger", refresh_stagger, cfg::Field("spread pseudo-channel refreshes evenly over nREFI instead of aligning them"));
  }
};

struct HbmSpec {
  std::string name = "hbm";
  std::string description;
  std::vector<std::string> sources;
  HbmOrganisation organisation;
  HbmTiming timing;
  HbmControllerSpec controller;
  std::string calibration;  // fast-mode table, relative to the preset; "" = <preset stem>.calib.yaml
  std::string source_file;  // not a key: where the preset was loaded from

  template <class V>
  void visit(V& v) {
    v.field("name", name, cfg::Field("preset name shown in reports"));
    v.field("description", description, cfg::Field("what the preset models"));
    v.field("sources", sources, cfg::Field("citations for the organisation and timing values"));
    v.field("organisation", organisation, cfg::Field("stack organisation and interface").required());
    v.field("timing", timing, cfg::Field("JEDEC timings in command-clock cycles").required());
    v.field("controller", controller, cfg::Field("memory controller (per pseudo-channel)"));
    v.field("calibration", calibration, cfg::Field("fast-mode efficiency table, relative to this file (default: <stem>.calib.yaml)"));
  }
  void check(const cfg::Checker& c) const;

  // ---- derived figures ----
  std::int64_t banks() const { return organisation.bank_groups * organisation.banks_per_group; }
  std::int64_t pcs_per_stack() const { return organisation.channels * organisation.pseudo_channels; }
  std::int64_t total_pcs() const { return pcs_per_stack() * organisation.stacks; }
  std::int64_t burst_bytes() const { return organisation.pc_width * organisation.burst_length / 8; }
  std::int64_t row_bytes() const { return organisation.columns * burst_bytes(); }
  std::int64_t nBL() const;                 // burst duration in cycles
  double tck_ps() const { return 1e12 / organisation.clock.hertz(); }
  BytesPerSecond stack_peak() const;        // derived peak of one stack
  BytesPerSecond peak() const { return stack_peak() * static_cast<double>(organisation.stacks); }
  BytesPerSecond pc_peak() const;
  Bytes stack_capacity() const;
  Bytes capacity() const { return stack_capacity() * static_cast<double>(organisation.stacks); }
  std::string calibration_path() const;     // resolved path of the fast-mode table
};

// Load and validate a preset; throws ConfigError naming file:line:col and the key.
HbmSpec load_hbm_preset(const std::string& path);
// Same, from text (tests); `name` appears in error messages.
HbmSpec parse_hbm_preset(const std::string& text, const std::string& name);

}  // namespace xpu::mem
