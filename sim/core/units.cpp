#include "sim/core/units.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/error.h"

namespace xpu {
namespace {

struct Split {
  double number = 0.0;
  std::string unit;  // trimmed, may be empty
};

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

Split split_number(std::string_view text, const char* what) {
  std::string t = trim(text);
  if (t.empty()) throw UnitError(std::string("expected ") + what + ", got an empty string");
  // Accept digits, one dot, exponent, underscores as digit separators ("1_000").
  std::string num;
  size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) num += t[i++];
  bool seen_digit = false;
  while (i < t.size()) {
    char c = t[i];
    if (std::isdigit(static_cast<unsigned char>(c))) { num += c; seen_digit = true; ++i; continue; }
    if (c == '.') { num += c; ++i; continue; }
    if (c == '_' && seen_digit) { ++i; continue; }
    if ((c == 'e' || c == 'E') && seen_digit && i + 1 < t.size() &&
        (std::isdigit(static_cast<unsigned char>(t[i + 1])) || t[i + 1] == '-' || t[i + 1] == '+')) {
      num += c; ++i;
      if (t[i] == '-' || t[i] == '+') num += t[i++];
      continue;
    }
    break;
  }
  if (!seen_digit) throw UnitError(std::string("expected ") + what + " such as the examples in the docs, got '" + t + "'");
  char* end = nullptr;
  double v = std::strtod(num.c_str(), &end);
  if (end == nullptr || *end != '\0' || !std::isfinite(v))
    throw UnitError(std::string("expected ") + what + ", got '" + t + "' (bad number)");
  return {v, trim(std::string_view(t).substr(i))};
}

// Multiplier for a metric/binary prefix at the start of `unit`; returns the rest in `rest`.
bool take_prefix(const std::string& unit, double& mult, std::string& rest) {
  static const std::vector<std::pair<std::string, double>> prefixes = {
      {"Ki", 1024.0}, {"Mi", 1024.0 * 1024}, {"Gi", 1024.0 * 1024 * 1024},
      {"Ti", 1024.0 * 1024 * 1024 * 1024}, {"Pi", 1024.0 * 1024 * 1024 * 1024 * 1024},
      {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15}, {"E", 1e18},
      {"m", 1e-3}, {"u", 1e-6}, {"\xC2\xB5", 1e-6}, {"n", 1e-9}, {"p", 1e-12}, {"", 1.0}};
  for (const auto& [p, m] : prefixes) {
    if (unit.compare(0, p.size(), p) == 0) {
      mult = m;
      rest = unit.substr(p.size());
      return true;
    }
  }
  return false;
}

[[noreturn]] void bad_unit(const std::string& text, const char* what, const char* examples) {
  throw UnitError(std::string("expected ") + what + " with a unit (e.g. " + examples + "), got '" +
                  trim(text) + "'");
}

// Parse `text` as number + [prefix]base where base is one of `bases` (each with a factor).
double parse_with(std::string_view text, const char* what, const char* examples,
                  const std::vector<std::pair<std::string, double>>& bases, bool allow_small_prefix) {
  Split s = split_number(text, what);
  if (s.unit.empty()) bad_unit(std::string(text), what, examples);
  for (const auto& [base, factor] : bases) {
    if (s.unit.size() < base.size()) continue;
    if (s.unit.compare(s.unit.size() - base.size(), base.size(), base) != 0) continue;
    std::string pre = trim(s.unit.substr(0, s.unit.size() - base.size()));
    double mult = 1.0;
    std::string rest;
    if (pre.empty()) return s.number * factor;
    if (take_prefix(pre, mult, rest) && rest.empty()) {
      if (!allow_small_prefix && mult < 1.0) continue;
      return s.number * mult * factor;
    }
  }
  bad_unit(std::string(text), what, examples);
}

std::string fmt(const char* f, double v, const char* unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return std::string(buf) + " " + unit;
}

}  // namespace

Bytes parse_bytes(std::string_view text) {
  double v = parse_with(text, "a size", "\"64 GiB\", \"512 KiB\", \"4096 B\"",
                        {{"B", 1.0}, {"bytes", 1.0}, {"byte", 1.0}, {"bit", 0.125}, {"b", 0.125}}, false);
  return Bytes(v);
}

Seconds parse_seconds(std::string_view text) {
  double v = parse_with(text, "a time", "\"1.2 us\", \"5 ns\", \"3 ms\"",
                        {{"s", 1.0}, {"sec", 1.0}}, true);
  return Seconds(v);
}

BytesPerSecond parse_bandwidth(std::string_view text) {
  double v = parse_with(text, "a bandwidth", "\"1.6 TB/s\", \"56 GB/s\", \"200 Gb/s\"",
                        {{"B/s", 1.0}, {"Bps", 1.0}, {"b/s", 0.125}, {"bps", 0.125}}, false);
  return BytesPerSecond(v);
}

FlopsPerSecond parse_flops_rate(std::string_view text) {
  double v = parse_with(text, "a compute rate", "\"989 TFLOP/s\", \"2.25 PFLOPS\"",
                        {{"FLOP/s", 1.0}, {"FLOPS", 1.0}, {"OP/s", 1.0}, {"OPS", 1.0}}, false);
  return FlopsPerSecond(v);
}

Hertz parse_frequency(std::string_view text) {
  double v = parse_with(text, "a frequency", "\"1.85 GHz\", \"800 MHz\"", {{"Hz", 1.0}}, false);
  return Hertz(v);
}

Flops parse_flops(std::string_view text) {
  Split s = split_number(text, "an operation count");
  if (s.unit.empty()) return Flops(s.number);  // a plain count is unambiguous here
  double v = parse_with(text, "an operation count", "\"1.5 TFLOP\", \"3e9\"",
                        {{"FLOP", 1.0}, {"FLOPs", 1.0}, {"OP", 1.0}}, false);
  return Flops(v);
}

std::string format_bytes(Bytes b) {
  double v = b.bytes();
  double a = std::fabs(v);
  if (a >= units::TiB) return fmt("%.2f", v / units::TiB, "TiB");
  if (a >= units::GiB) return fmt("%.2f", v / units::GiB, "GiB");
  if (a >= units::MiB) return fmt("%.2f", v / units::MiB, "MiB");
  if (a >= units::KiB) return fmt("%.2f", v / units::KiB, "KiB");
  return fmt("%.0f", v, "B");
}

std::string format_seconds(Seconds t) {
  double v = t.seconds();
  double a = std::fabs(v);
  if (a >= 1.0) return fmt("%.4f", v, "s");
  if (a >= 1e-3) return fmt("%.4f", v * 1e3, "ms");
  if (a >= 1e-6) return fmt("%.4f", v * 1e6, "us");
  return fmt("%.3f", v * 1e9, "ns");
}

std::string format_bandwidth(BytesPerSecond bw) {
  double v = bw.bytes_per_second();
  if (std::fabs(v) >= 1e12) return fmt("%.3f", v / 1e12, "TB/s");
  if (std::fabs(v) >= 1e9) return fmt("%.2f", v / 1e9, "GB/s");
  return fmt("%.2f", v / 1e6, "MB/s");
}

std::string format_flops_rate(FlopsPerSecond r) {
  double v = r.flops_per_second();
  if (std::fabs(v) >= 1e15) return fmt("%.3f", v / 1e15, "PFLOP/s");
  if (std::fabs(v) >= 1e12) return fmt("%.1f", v / 1e12, "TFLOP/s");
  return fmt("%.2f", v / 1e9, "GFLOP/s");
}

}  // namespace xpu
