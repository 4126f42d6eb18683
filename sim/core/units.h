// Units as types.
//
// Every physical quantity that crosses a module boundary is one of the types below, never a bare
// double. Each is a thin wrapper over a scalar in SI base units (bytes, seconds, FLOP, cycles) with:
//   * addition/subtraction and comparison within one dimension,
//   * scaling by a dimensionless factor,
//   * a small, explicit set of cross-dimension operators that are physically meaningful:
//       Bytes / BytesPerSecond   -> Seconds        Flops / FlopsPerSecond -> Seconds
//       Bytes / Seconds          -> BytesPerSecond Flops / Seconds        -> FlopsPerSecond
//       BytesPerSecond * Seconds -> Bytes          FlopsPerSecond * Seconds -> Flops
//       Cycles / Hertz           -> Seconds        Seconds * Hertz        -> (fractional) cycles
// Conversion to a raw number is explicit and names the unit: `.bytes()`, `.seconds()`, `.count()`.
//
// Parsing: config strings carry their unit ("1.6 TB/s", "64 GiB", "1.85 GHz", "1.2 us",
// "989 TFLOP/s"). Decimal prefixes (k, M, G, T, P) are powers of 1000 and binary prefixes (Ki, Mi,
// Gi, Ti, Pi) powers of 1024, as in SI/IEC 80000-13. Bandwidths accept B/s and b/s (bits are divided
// by 8). A bare number is rejected where a unit is required, so that "1.6" never silently means
// bytes per second.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace xpu {

template <class Tag>
class Quantity {
 public:
  constexpr Quantity() = default;
  constexpr explicit Quantity(double v) : v_(v) {}
  constexpr double value() const { return v_; }

  constexpr Quantity operator+(Quantity o) const { return Quantity(v_ + o.v_); }
  constexpr Quantity operator-(Quantity o) const { return Quantity(v_ - o.v_); }
  constexpr Quantity& operator+=(Quantity o) { v_ += o.v_; return *this; }
  constexpr Quantity& operator-=(Quantity o) { v_ -= o.v_; return *this; }
  constexpr Quantity operator*(double k) const { return Quantity(v_ * k); }
  constexpr Quantity operator/(double k) const { return Quantity(v_ / k); }
  friend constexpr Quantity operator*(double k, Quantity q) { return Quantity(k * q.v_); }
  constexpr double operator/(Quantity o) const { return v_ / o.v_; }  // ratio is dimensionless
  constexpr bool operator<(Quantity o) const { return v_ < o.v_; }
  constexpr bool operator<=(Quantity o) const { return v_ <= o.v_; }
  constexpr bool operator>(Quantity o) const { return v_ > o.v_; }
  constexpr bool operator>=(Quantity o) const { return v_ >= o.v_; }
  constexpr bool operator==(Quantity o) const { return v_ == o.v_; }
  constexpr bool operator!=(Quantity o) const { return v_ != o.v_; }

 private:
  double v_ = 0.0;
};

struct BytesTag {};
struct SecondsTag {};
struct FlopsTag {};
struct BytesPerSecondTag {};
struct FlopsPerSecondTag {};
struct HertzTag {};

// Bytes: amount of data. Stored as double so that fractional chunking (S/n) stays exact enough;
// integral sizes up to 2^53 bytes (8 PiB) are represented exactly.
class Bytes : public Quantity<BytesTag> {
 public:
  using Quantity::Quantity;
  constexpr Bytes(Quantity<BytesTag> q) : Quantity(q) {}  // NOLINT: same dimension
  constexpr double bytes() const { return value(); }
  constexpr double gib() const { return value() / (1024.0 * 1024.0 * 1024.0); }
};
// Seconds: simulated time (not wall time).
class Seconds : public Quantity<SecondsTag> {
 public:
  using Quantity::Quantity;
  constexpr Seconds(Quantity<SecondsTag> q) : Quantity(q) {}  // NOLINT
  constexpr double seconds() const { return value(); }
  constexpr double ms() const { return value() * 1e3; }
  constexpr double us() const { return value() * 1e6; }
};
// Flops: floating-point (or integer) operations; one multiply-accumulate counts as 2.
class Flops : public Quantity<FlopsTag> {
 public:
  using Quantity::Quantity;
  constexpr Flops(Quantity<FlopsTag> q) : Quantity(q) {}  // NOLINT
  constexpr double flops() const { return value(); }
};
class BytesPerSecond : public Quantity<BytesPerSecondTag> {
 public:
  using Quantity::Quantity;
  constexpr BytesPerSecond(Quantity<BytesPerSecondTag> q) : Quantity(q) {}  // NOLINT
  constexpr double bytes_per_second() const { return value(); }
  constexpr double gb_per_s() const { return value() / 1e9; }
};
class FlopsPerSecond : public Quantity<FlopsPerSecondTag> {
 public:
  using Quantity::Quantity;
  constexpr FlopsPerSecond(Quantity<FlopsPerSecondTag> q) : Quantity(q) {}  // NOLINT
  constexpr double flops_per_second() const { return value(); }
  constexpr double tflops() const { return value() / 1e12; }
};
class Hertz : public Quantity<HertzTag> {
 public:
  using Quantity::Quantity;
  constexpr Hertz(Quantity<HertzTag> q) : Quantity(q) {}  // NOLINT
  constexpr double hertz() const { return value(); }
  constexpr Seconds period() const { return Seconds(1.0 / value()); }
};

// Cycles: an integral count of clock cycles of some clock domain (the domain is the caller's to
// track; convert to time only with that domain's Hertz).
class Cycles {
 public:
  constexpr Cycles() = default;
  constexpr explicit Cycles(std::int64_t n) : n_(n) {}
  constexpr std::int64_t count() const { return n_; }
  constexpr Cycles operator+(Cycles o) const { return Cycles(n_ + o.n_); }
  constexpr Cycles operator-(Cycles o) const { return Cycles(n_ - o.n_); }
  constexpr Cycles& operator+=(Cycles o) { n_ += o.n_; return *this; }
  constexpr Cycles operator*(std::int64_t k) const { return Cycles(n_ * k); }
  constexpr bool operator<(Cycles o) const { return n_ < o.n_; }
  constexpr bool operator<=(Cycles o) const { return n_ <= o.n_; }
  constexpr bool operator>(Cycles o) const { return n_ > o.n_; }
  constexpr bool operator>=(Cycles o) const { return n_ >= o.n_; }
  constexpr bool operator==(Cycles o) const { return n_ == o.n_; }
  constexpr bool operator!=(Cycles o) const { return n_ != o.n_; }

 private:
  std::int64_t n_ = 0;
};

// ---- cross-dimension operators (the only ones that exist) ----------------------------------------
constexpr Seconds operator/(Bytes b, BytesPerSecond bw) { return Seconds(b.value() / bw.value()); }
constexpr Seconds operator/(Flops f, FlopsPerSecond r) { return Seconds(f.value() / r.value()); }
constexpr BytesPerSecond operator/(Bytes b, Seconds t) { return BytesPerSecond(b.value() / t.value()); }
constexpr FlopsPerSecond operator/(Flops f, Seconds t) { return FlopsPerSecond(f.value() / t.value()); }
constexpr Bytes operator*(BytesPerSecond bw, Seconds t) { return Bytes(bw.value() * t.value()); }
constexpr Bytes operator*(Seconds t, BytesPerSecond bw) { return Bytes(bw.value() * t.value()); }
constexpr Flops operator*(FlopsPerSecond r, Seconds t) { return Flops(r.value() * t.value()); }
constexpr Seconds operator/(Cycles c, Hertz f) { return Seconds(static_cast<double>(c.count()) / f.value()); }
// Seconds * Hertz gives a fractional cycle count; round explicitly with to_cycles_ceil if needed.
constexpr double cycles_in(Seconds t, Hertz f) { return t.value() * f.value(); }
inline Cycles to_cycles_ceil(Seconds t, Hertz f) {
  return Cycles(static_cast<std::int64_t>(std::ceil(t.value() * f.value() - 1e-9)));
}

// ---- literals-like helpers ------------------------------------------------------------------------
namespace units {
constexpr double KiB = 1024.0, MiB = KiB * 1024.0, GiB = MiB * 1024.0, TiB = GiB * 1024.0;
constexpr double kB = 1e3, MB = 1e6, GB = 1e9, TB = 1e12;
inline Bytes bytes(double n) { return Bytes(n); }
inline Seconds seconds(double s) { return Seconds(s); }
inline Seconds microseconds(double us) { return Seconds(us * 1e-6); }
inline Seconds nanoseconds(double ns) { return Seconds(ns * 1e-9); }
inline BytesPerSecond gbps(double gb_per_s) { return BytesPerSecond(gb_per_s * 1e9); }  // GB/s
inline FlopsPerSecond tflops(double t) { return FlopsPerSecond(t * 1e12); }
inline Hertz ghz(double g) { return Hertz(g * 1e9); }
}  // namespace units

// ---- parsing ("64 GiB", "1.6 TB/s") ---------------------------------------------------------------
// Each parser throws xpu::UnitError (see error.h) naming the expected dimension on failure.
Bytes parse_bytes(std::string_view text);
Seconds parse_seconds(std::string_view text);
BytesPerSecond parse_bandwidth(std::string_view text);
FlopsPerSecond parse_flops_rate(std::string_view text);
Hertz parse_frequency(std::string_view text);
Flops parse_flops(std::string_view text);

// ---- formatting for reports (deterministic, fixed precision) -------------------------------------
std::string format_bytes(Bytes b);           // "1.50 GiB"
std::string format_seconds(Seconds t);       // "12.345 ms"
std::string format_bandwidth(BytesPerSecond bw);  // "1.60 TB/s"
std::string format_flops_rate(FlopsPerSecond r);  // "353.9 TFLOP/s"

}  // namespace xpu
