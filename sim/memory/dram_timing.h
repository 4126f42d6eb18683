// DRAM command timing of one pseudo-channel, as data: a table of rules (level, preceding command,
// following command, minimum distance in cycles) built from a preset, and the state that applies it.
//
// Rules (distances in command-clock cycles; nBL = burst duration; "col" = RD/RDA/WR/WRA):
//   Bank:           ACT->ACT nRC, ACT->RD nRCDRD, ACT->WR nRCDWR, ACT->PRE nRAS, PRE->ACT nRP,
//                   RD->PRE nRTP, WR->PRE nCWL+nBL+nWR, RDA->ACT nRTP+nRP, WRA->ACT nCWL+nBL+nWR+nRP
//   BankGroup:      ACT->ACT nRRD_L, RD->RD nCCD_L, WR->WR nCCD_L, WR->RD nCWL+nBL+nWTR_L
//   PseudoChannel:  ACT->ACT nRRD_S, RD->RD nCCD_S, WR->WR nCCD_S, WR->RD nCWL+nBL+nWTR_S, RD->WR nRTW,
//                   PRE->REF nRP, RDA->REF nRTP+nRP, WRA->REF nCWL+nBL+nWR+nRP, ACT->REF nRC,
//                   REF->ACT nRFC, REF->REF nRFC, REF->PRE nRFC,
//                   row bus: one of ACT/PRE/REF per cycle; column bus: one col per cycle
//                   (HBM has separate row and column command buses);
//   window:         at most 4 ACTs in any nFAW cycles (the fifth waits for the first + nFAW).
// A command may issue at cycle t iff t >= every "next allowed" time set by earlier commands at its
// bank, its bank group and its pseudo-channel, and the bank state allows it (ACT: bank closed; col:
// row open; PRE: bank open; REF: all banks closed). This mirrors JEDEC JESD235/JESD238 and the
// rule tables of Ramulator 2 (python/ramulator/dram/hbm3.py); per-bank refresh (REFpb), RFM and
// tPPD are not modelled.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace xpu::mem {

struct HbmSpec;

enum class Cmd : std::uint8_t { ACT, PRE, RD, WR, RDA, WRA, REF };
constexpr int kNumCmds = 7;
const char* cmd_name(Cmd c);
inline bool is_column(Cmd c) { return c == Cmd::RD || c == Cmd::WR || c == Cmd::RDA || c == Cmd::WRA; }
inline bool is_read(Cmd c) { return c == Cmd::RD || c == Cmd::RDA; }

enum class Level : std::uint8_t { Bank, BankGroup, PseudoChannel };

struct TimingRule {
  Level level;
  Cmd prev;
  Cmd next;
  std::int64_t latency;
  std::string name;  // e.g. "nRC" or "nCWL+nBL+nWTR_L"
};

// The rule table for a preset (one row per (level, prev, next)).
std::vector<TimingRule> timing_rules(const HbmSpec& spec);

class PcTiming {
 public:
  explicit PcTiming(const HbmSpec& spec);

  // Earliest cycle at which `c` to `bank` satisfies every distance rule (ignores bank state).
  std::int64_t earliest(Cmd c, int bank) const {
    const int bg = bank / banks_per_group_;
    std::int64_t t = pc_next_[static_cast<int>(c)];
    t = std::max(t, bg_next_[bg * kNumCmds + static_cast<int>(c)]);
    t = std::max(t, bank_next_[bank * kNumCmds + static_cast<int>(c)]);
    if (c == Cmd::ACT) t = std::max(t, act_window_[act_head_] + nFAW_);
    return t;
  }
  // "" if `c` may issue to (bank, row) at `cycle`, else the rule or state that forbids it.
  std::string why_not(Cmd c, int bank, std::int64_t row, std::int64_t cycle) const;
  bool can_issue(Cmd c, int bank, std::int64_t row, std::int64_t cycle) const { return why_not(c, bank, row, cycle).empty(); }
  // Record `c` at `cycle` (must be legal: asserted). Updates bank state.
  void issue(Cmd c, int bank, std::int64_t row, std::int64_t cycle);

  std::int64_t open_row(int bank) const { return open_row_[bank]; }
  bool all_closed() const { return open_banks_ == 0; }
  int banks() const { return static_cast<int>(open_row_.size()); }
  // Close every bank without commands (an idle-time refresh already done; see hbm_controller.cpp).
  void force_refresh_at(std::int64_t cycle);

 private:
  void apply(Cmd c, int bank, std::int64_t cycle);
  int banks_per_group_;
  std::int64_t nFAW_;
  std::vector<std::int64_t> bank_next_, bg_next_;
  std::array<std::int64_t, kNumCmds> pc_next_{};
  std::array<std::int64_t, 4> act_window_{};  // ring of the last four ACT cycles
  int act_head_ = 0;                            // oldest entry
  std::vector<std::int64_t> open_row_;          // -1 = closed
  int open_banks_ = 0;
  std::array<std::vector<TimingRule>, kNumCmds> by_prev_;
};

}  // namespace xpu::mem
