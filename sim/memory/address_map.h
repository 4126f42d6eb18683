// AddressMapper: physical byte address -> (stack, channel, pseudo-channel, bank group, bank, row, column).
//
// The address is first divided by the access granularity G (one burst); the quotient is split into
// mixed-radix digits in the order the preset names, least significant field last. So
// "ro_ba_co_bg_pc_ch" puts consecutive bursts on consecutive channels, then pseudo-channels, then
// bank groups (so that a stream alternates bank groups and runs at nCCD_S, not nCCD_L), then
// columns, banks, rows. Radices need not be powers of two (mixed radix, so a 24 GB HBM3E stack
// with 49152 rows per bank maps without holes). Addresses wrap at the total capacity.
//
// hash = "xor": after decoding, the channel, pseudo-channel and bank-group indices are permuted by
// successive digits of h = bank + banks_per_group * row (XOR for power-of-two sizes, addition
// modulo the size otherwise), in the manner of permutation-based interleaving (Zhang, Zhu, Zhang,
// MICRO 2000), and the bank index is rotated by the row, (bank + row) mod banks_per_group, so that
// consecutive bank/row blocks of a stream never share a bank (XOR would, at half the row
// boundaries: a row conflict each). The permuting digits are never
// themselves permuted by it, so the map stays a bijection; a power-of-two stride that would land
// every request on one pseudo-channel (e.g. 4 KiB with channel bits lowest) moves to another
// pseudo-channel whenever the bank or row digit changes, and row-conflicting strides are spread
// over banks. Within one bank/row block the layout equals the unhashed one, so streams keep
// their bank-group rotation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xpu::mem {

struct HbmSpec;

struct DramAddress {
  std::int32_t stack = 0, channel = 0, pc = 0, bank_group = 0, bank = 0, column = 0;
  std::int64_t row = 0;
  std::int32_t pc_index = 0;    // global pseudo-channel index: (stack * channels + channel) * pcs + pc
  std::int32_t bank_index = 0;  // bank index inside the pseudo-channel: bank_group * banks_per_group + bank
};

class AddressMapper {
 public:
  explicit AddressMapper(const HbmSpec& spec);
  DramAddress decode(std::uint64_t byte_address) const;
  std::uint64_t burst_bytes() const { return burst_; }
  // "" when `order` is valid, else why not.
  static std::string check_order(const std::string& order);

 private:
  enum Field { St, Ch, Pc, Bg, Ba, Ro, Co };
  struct Digit {
    Field field;
    std::uint64_t radix;
  };
  std::vector<Digit> lsb_first_;
  std::uint64_t burst_ = 32;
  std::uint64_t total_bursts_ = 1;
  bool xor_hash_ = false;
  std::int32_t channels_ = 1, pcs_ = 1, bank_groups_ = 1, banks_per_group_ = 1, columns_ = 1;
};

}  // namespace xpu::mem
