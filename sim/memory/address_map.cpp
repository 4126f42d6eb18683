// AddressMapper: mixed-radix decode with an optional permutation (XOR) hash; see address_map.h.
#include "sim/memory/address_map.h"

#include <sstream>

#include "sim/core/error.h"
#include "sim/memory/hbm_spec.h"

namespace xpu::mem {

namespace {
const char* kNames[] = {"st", "ch", "pc", "bg", "ba", "ro", "co"};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == '_') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

bool pow2(std::uint64_t n) { return n && !(n & (n - 1)); }

std::int32_t permute(std::int32_t v, std::uint64_t h, std::int32_t n) {
  if (n <= 1) return v;
  const auto k = static_cast<std::int32_t>(h % static_cast<std::uint64_t>(n));
  return pow2(static_cast<std::uint64_t>(n)) ? (v ^ k) : (v + k) % n;
}
}  // namespace

std::string AddressMapper::check_order(const std::string& order) {
  auto toks = split(order);
  int seen[7] = {0, 0, 0, 0, 0, 0, 0};
  for (const auto& t : toks) {
    int f = -1;
    for (int i = 0; i < 7; ++i)
      if (t == kNames[i]) f = i;
    if (f < 0) return "unknown field '" + t + "' in '" + order + "' (fields: ro ba bg co pc ch st, '_'-separated)";
    if (seen[f]++) return "field '" + t + "' appears twice in '" + order + "'";
  }
  // st may be omitted (it then sits just above ch).
  for (int i = 1; i < 7; ++i)
    if (!seen[i]) return std::string("field '") + kNames[i] + "' missing from '" + order + "'";
  return "";
}

AddressMapper::AddressMapper(const HbmSpec& s) {
  const std::string why = check_order(s.controller.mapping.order);
  XPU_ASSERT(why.empty(), why);
  const auto& o = s.organisation;
  burst_ = static_cast<std::uint64_t>(s.burst_bytes());
  channels_ = static_cast<std::int32_t>(o.channels);
  pcs_ = static_cast<std::int32_t>(o.pseudo_channels);
  bank_groups_ = static_cast<std::int32_t>(o.bank_groups);
  banks_per_group_ = static_cast<std::int32_t>(o.banks_per_group);
  columns_ = static_cast<std::int32_t>(o.columns);
  xor_hash_ = s.controller.mapping.hash == "xor";
  const std::uint64_t radix[7] = {static_cast<std::uint64_t>(o.stacks), static_cast<std::uint64_t>(o.channels),
                                  static_cast<std::uint64_t>(o.pseudo_channels), static_cast<std::uint64_t>(o.bank_groups),
                                  static_cast<std::uint64_t>(o.banks_per_group), static_cast<std::uint64_t>(o.rows),
                                  static_cast<std::uint64_t>(o.columns)};
  auto toks = split(s.controller.mapping.order);
  bool has_st = false;
  for (const auto& t : toks) has_st = has_st || t == "st";
  for (const auto& t : toks)
    for (int i = 0; i < 7; ++i)
      if (t == kNames[i]) {
        // Without an explicit 'st', stacks interleave like channels: st sits just above ch.
        if (!has_st && i == Ch) lsb_first_.push_back({St, radix[St]});
        lsb_first_.push_back({static_cast<Field>(i), radix[i]});
      }
  // lsb_first_ now lists most significant first; reverse.
  std::vector<Digit> r(lsb_first_.rbegin(), lsb_first_.rend());
  lsb_first_ = r;
  total_bursts_ = 1;
  for (const auto& d : lsb_first_) total_bursts_ *= d.radix;
}

DramAddress AddressMapper::decode(std::uint64_t byte_address) const {
  std::uint64_t x = (byte_address / burst_) % total_bursts_;
  DramAddress a;
  for (const auto& d : lsb_first_) {
    const std::uint64_t v = x % d.radix;
    x /= d.radix;
    switch (d.field) {
      case St: a.stack = static_cast<std::int32_t>(v); break;
      case Ch: a.channel = static_cast<std::int32_t>(v); break;
      case Pc: a.pc = static_cast<std::int32_t>(v); break;
      case Bg: a.bank_group = static_cast<std::int32_t>(v); break;
      case Ba: a.bank = static_cast<std::int32_t>(v); break;
      case Ro: a.row = static_cast<std::int64_t>(v); break;
      case Co: a.column = static_cast<std::int32_t>(v); break;
    }
  }
  if (xor_hash_) {
    // Channel-side fields are permuted by the bank and row digits; the bank by the row.
    auto h = static_cast<std::uint64_t>(a.bank) + static_cast<std::uint64_t>(banks_per_group_) * static_cast<std::uint64_t>(a.row);
    // The bank is rotated (not XORed) by the row: a stream leaving bank n-1 of row r enters bank 0
    // of row r+1, which XOR maps to the same physical bank for half the rows (3^1 = 0^2, 3^3 = 0^0
    // with 4 banks), a row conflict at every such boundary; (bank + row) mod n never does for n > 2.
    a.bank = static_cast<std::int32_t>((static_cast<std::uint64_t>(a.bank) + static_cast<std::uint64_t>(a.row)) %
                                       static_cast<std::uint64_t>(banks_per_group_));
    a.channel = permute(a.channel, h, channels_);
    h /= static_cast<std::uint64_t>(channels_);
    a.pc = permute(a.pc, h, pcs_);
    h /= static_cast<std::uint64_t>(pcs_);
    a.bank_group = permute(a.bank_group, h, bank_groups_);
  }
  a.pc_index = (a.stack * channels_ + a.channel) * pcs_ + a.pc;
  a.bank_index = a.bank_group * banks_per_group_ + a.bank;
  return a;
}

}  // namespace xpu::mem
