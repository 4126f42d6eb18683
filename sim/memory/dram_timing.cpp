// DRAM timing rule table and its per-pseudo-channel state; see dram_timing.h for the rules.
#include "sim/memory/dram_timing.h"

#include <algorithm>
#include <limits>

#include "sim/core/error.h"
#include "sim/memory/hbm_spec.h"

namespace xpu::mem {

namespace {
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min() / 4;
}

const char* cmd_name(Cmd c) {
  switch (c) {
    case Cmd::ACT: return "ACT";
    case Cmd::PRE: return "PRE";
    case Cmd::RD: return "RD";
    case Cmd::WR: return "WR";
    case Cmd::RDA: return "RDA";
    case Cmd::WRA: return "WRA";
    case Cmd::REF: return "REF";
  }
  return "?";
}

std::vector<TimingRule> timing_rules(const HbmSpec& s) {
  const auto& t = s.timing;
  const std::int64_t nBL = s.nBL();
  std::vector<TimingRule> r;
  auto add = [&](Level l, std::vector<Cmd> prev, std::vector<Cmd> next, std::int64_t lat, const char* name) {
    for (Cmd p : prev)
      for (Cmd n : next) r.push_back({l, p, n, lat, name});
  };
  const std::vector<Cmd> RDs = {Cmd::RD, Cmd::RDA}, WRs = {Cmd::WR, Cmd::WRA};
  const std::vector<Cmd> COLs = {Cmd::RD, Cmd::RDA, Cmd::WR, Cmd::WRA};
  const std::vector<Cmd> ROWs = {Cmd::ACT, Cmd::PRE, Cmd::REF};
  using L = Level;
  // Bank.
  add(L::Bank, {Cmd::ACT}, {Cmd::ACT}, t.nRC, "nRC");
  add(L::Bank, {Cmd::ACT}, RDs, t.nRCDRD, "nRCDRD");
  add(L::Bank, {Cmd::ACT}, WRs, t.nRCDWR, "nRCDWR");
  add(L::Bank, {Cmd::ACT}, {Cmd::PRE}, t.nRAS, "nRAS");
  add(L::Bank, {Cmd::PRE}, {Cmd::ACT}, t.nRP, "nRP");
  add(L::Bank, {Cmd::RD}, {Cmd::PRE}, t.nRTP, "nRTP");
  add(L::Bank, {Cmd::WR}, {Cmd::PRE}, t.nCWL + nBL + t.nWR, "nCWL+nBL+nWR");
  add(L::Bank, {Cmd::RDA}, {Cmd::ACT}, t.nRTP + t.nRP, "nRTP+nRP");
  add(L::Bank, {Cmd::WRA}, {Cmd::ACT}, t.nCWL + nBL + t.nWR + t.nRP, "nCWL+nBL+nWR+nRP");
  // Bank group.
  add(L::BankGroup, {Cmd::ACT}, {Cmd::ACT}, t.nRRD_L, "nRRD_L");
  add(L::BankGroup, RDs, RDs, t.nCCD_L, "nCCD_L");
  add(L::BankGroup, WRs, WRs, t.nCCD_L, "nCCD_L");
  add(L::BankGroup, WRs, RDs, t.nCWL + nBL + t.nWTR_L, "nCWL+nBL+nWTR_L");
  // Pseudo-channel.
  add(L::PseudoChannel, {Cmd::ACT}, {Cmd::ACT}, t.nRRD_S, "nRRD_S");
  add(L::PseudoChannel, RDs, RDs, t.nCCD_S, "nCCD_S");
  add(L::PseudoChannel, WRs, WRs, t.nCCD_S, "nCCD_S");
  add(L::PseudoChannel, WRs, RDs, t.nCWL + nBL + t.nWTR_S, "nCWL+nBL+nWTR_S");
  add(L::PseudoChannel, RDs, WRs, t.nRTW, "nRTW");
  add(L::PseudoChannel, {Cmd::PRE}, {Cmd::REF}, t.nRP, "nRP");
  add(L::PseudoChannel, {Cmd::RDA}, {Cmd::REF}, t.nRTP + t.nRP, "nRTP+nRP");
  add(L::PseudoChannel, {Cmd::WRA}, {Cmd::REF}, t.nCWL + nBL + t.nWR + t.nRP, "nCWL+nBL+nWR+nRP");
  add(L::PseudoChannel, {Cmd::ACT}, {Cmd::REF}, t.nRC, "nRC");
  add(L::PseudoChannel, {Cmd::REF}, {Cmd::ACT, Cmd::REF, Cmd::PRE}, t.nRFC, "nRFC");
  add(L::PseudoChannel, ROWs, ROWs, 1, "row command bus");
  add(L::PseudoChannel, COLs, COLs, 1, "column command bus");
  return r;
}

PcTiming::PcTiming(const HbmSpec& s)
    : banks_per_group_(static_cast<int>(s.organisation.banks_per_group)),
      nFAW_(s.timing.nFAW),
      bank_next_(static_cast<size_t>(s.banks() * kNumCmds), kNever),
      bg_next_(static_cast<size_t>(s.organisation.bank_groups * kNumCmds), kNever),
      open_row_(static_cast<size_t>(s.banks()), -1) {
  pc_next_.fill(kNever);
  act_window_.fill(kNever);
  for (auto& rule : timing_rules(s)) {
    // Keep only the largest latency per (level, prev, next).
    auto& v = by_prev_[static_cast<int>(rule.prev)];
    bool merged = false;
    for (auto& e : v)
      if (e.level == rule.level && e.next == rule.next) {
        if (rule.latency > e.latency) e = rule;
        merged = true;
      }
    if (!merged) v.push_back(rule);
  }
}

std::string PcTiming::why_not(Cmd c, int bank, std::int64_t row, std::int64_t cycle) const {
  switch (c) {
    case Cmd::ACT:
      if (open_row_[bank] >= 0) return "bank is open (ACT needs a precharged bank)";
      break;
    case Cmd::PRE:
      if (open_row_[bank] < 0) return "bank is already closed";
      break;
    case Cmd::REF:
      if (open_banks_ > 0) return "REF needs every bank precharged";
      break;
    default:
      if (open_row_[bank] != row) return "row is not open";
  }
  const int bg = bank / banks_per_group_;
  const int ci = static_cast<int>(c);
  if (cycle < pc_next_[ci]) return std::string("pseudo-channel rule blocks ") + cmd_name(c) + " until " + std::to_string(pc_next_[ci]);
  if (cycle < bg_next_[bg * kNumCmds + ci]) return std::string("bank-group rule blocks ") + cmd_name(c) + " until " + std::to_string(bg_next_[bg * kNumCmds + ci]);
  if (cycle < bank_next_[bank * kNumCmds + ci]) return std::string("bank rule blocks ") + cmd_name(c) + " until " + std::to_string(bank_next_[bank * kNumCmds + ci]);
  if (c == Cmd::ACT && cycle < act_window_[act_head_] + nFAW_) return "nFAW: four ACTs already in the window";
  return "";
}

void PcTiming::apply(Cmd c, int bank, std::int64_t cycle) {
  const int bg = bank / banks_per_group_;
  const int nb = static_cast<int>(open_row_.size());
  const int bgs = nb / banks_per_group_;
  for (const auto& r : by_prev_[static_cast<int>(c)]) {
    const int ni = static_cast<int>(r.next);
    const std::int64_t t = cycle + r.latency;
    switch (r.level) {
      case Level::Bank: {
        if (c == Cmd::REF) {  // an all-bank command: applies to every bank
          for (int b = 0; b < nb; ++b) bank_next_[b * kNumCmds + ni] = std::max(bank_next_[b * kNumCmds + ni], t);
        } else {
          auto& x = bank_next_[bank * kNumCmds + ni];
          x = std::max(x, t);
        }
        break;
      }
      case Level::BankGroup: {
        if (c == Cmd::REF) {
          for (int g = 0; g < bgs; ++g) bg_next_[g * kNumCmds + ni] = std::max(bg_next_[g * kNumCmds + ni], t);
        } else {
          auto& x = bg_next_[bg * kNumCmds + ni];
          x = std::max(x, t);
        }
        break;
      }
      case Level::PseudoChannel: pc_next_[ni] = std::max(pc_next_[ni], t); break;
    }
  }
  if (c == Cmd::ACT) {
    act_window_[act_head_] = cycle;
    act_head_ = (act_head_ + 1) & 3;
  }
}

void PcTiming::issue(Cmd c, int bank, std::int64_t row, std::int64_t cycle) {
  XPU_ASSERT(why_not(c, bank, row, cycle).empty(), std::string(cmd_name(c)) + " issued illegally: " + why_not(c, bank, row, cycle));
  apply(c, bank, cycle);
  switch (c) {
    case Cmd::ACT:
      open_row_[bank] = row;
      ++open_banks_;
      break;
    case Cmd::PRE:
    case Cmd::RDA:
    case Cmd::WRA:
      open_row_[bank] = -1;
      --open_banks_;
      break;
    default: break;
  }
}

void PcTiming::force_refresh_at(std::int64_t cycle) {
  std::fill(open_row_.begin(), open_row_.end(), -1);
  open_banks_ = 0;
  apply(Cmd::REF, 0, cycle);
}

}  // namespace xpu::mem
