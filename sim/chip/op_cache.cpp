// Op-latency cache; contract in chip_model.h.
#include <cstdio>
#include <sstream>

#include "sim/chip/chip_model.h"
#include "sim/core/config.h"

namespace xpu::chip {

namespace {
std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}
}  // namespace

std::string OpCache::key_of(const ChipSpec& chip, const mem::MemoryPort& port) {
  std::ostringstream os;
  os.precision(17);
  mem::AccessProfile stream;
  os << cfg::to_json(chip) << "|" << port.name() << "|" << port.peak_bandwidth().value() << "|"
     << port.achievable_bandwidth(stream).value() << "|" << port.idle_latency().value();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a(os.str())));
  return buf;
}

OpCache::OpCache(const ChipSpec& chip, const mem::MemoryPort& port, SimOptions opt)
    : chip_(chip), port_(port), opt_(opt), chip_key_(key_of(chip, port)) {}

template <class F>
const OpResult& OpCache::lookup(const std::string& op, F&& compute) {
  const std::string key = op + "@" + chip_key_;
  auto it = map_.find(key);
  if (it != map_.end()) {
    ++hits_;
    return it->second;
  }
  ++misses_;
  return map_.emplace(key, compute()).first->second;
}

const OpResult& OpCache::gemm(const GemmShape& g) {
  g.validate();
  return lookup(g.canonical(), [&] { return simulate_gemm(chip_, port_, g, opt_); });
}
const OpResult& OpCache::vector(const VectorOpDesc& v) {
  v.validate();
  return lookup(v.canonical(), [&] { return simulate_vector(chip_, port_, v, opt_); });
}
const OpResult& OpCache::attention(const AttentionShape& a) {
  a.validate();
  return lookup(a.canonical(), [&] { return simulate_attention(chip_, port_, a, opt_); });
}

}  // namespace xpu::chip
