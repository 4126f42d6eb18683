#include <gtest/gtest.h>

#include "sim/core/error.h"
#include "sim/core/units.h"

using namespace xpu;

TEST(Units, ParseBytesBinaryAndDecimalPrefixes) {
  EXPECT_DOUBLE_EQ(parse_bytes("64 GiB").bytes(), 64.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_bytes("64GB").bytes(), 64e9);
  EXPECT_DOUBLE_EQ(parse_bytes("512 KiB").bytes(), 512.0 * 1024);
  EXPECT_DOUBLE_EQ(parse_bytes("4096 B").bytes(), 4096.0);
  EXPECT_DOUBLE_EQ(parse_bytes("8 Gb").bytes(), 1e9);  // bits
}

TEST(Units, ParseBandwidthBytesAndBits) {
  EXPECT_DOUBLE_EQ(parse_bandwidth("1.6 TB/s").bytes_per_second(), 1.6e12);
  EXPECT_DOUBLE_EQ(parse_bandwidth("200 Gb/s").bytes_per_second(), 25e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("56 GB/s").bytes_per_second(), 56e9);
}

TEST(Units, ParseFrequencyTimeAndRate) {
  EXPECT_DOUBLE_EQ(parse_frequency("1.85 GHz").hertz(), 1.85e9);
  EXPECT_DOUBLE_EQ(parse_seconds("1.2 us").seconds(), 1.2e-6);
  EXPECT_DOUBLE_EQ(parse_seconds("625 ps").seconds(), 625e-12);
  EXPECT_DOUBLE_EQ(parse_seconds("3 ms").seconds(), 3e-3);
  EXPECT_DOUBLE_EQ(parse_flops_rate("989 TFLOP/s").flops_per_second(), 989e12);
}

TEST(Units, RejectsWrongDimensionAndGarbage) {
  EXPECT_THROW(parse_bandwidth("64 GiB"), UnitError);
  EXPECT_THROW(parse_bandwidth("1.6"), UnitError);  // a unit is required
  EXPECT_THROW(parse_frequency("fast"), UnitError);
  EXPECT_THROW(parse_bytes("12 parsecs"), UnitError);
  EXPECT_THROW(parse_seconds(""), UnitError);
}

TEST(Units, CrossDimensionArithmetic) {
  Seconds t = Bytes(1.6e12) / BytesPerSecond(1.6e12);
  EXPECT_DOUBLE_EQ(t.seconds(), 1.0);
  Seconds c = Cycles(1850) / Hertz(1.85e9);
  EXPECT_DOUBLE_EQ(c.seconds(), 1e-6);
  EXPECT_EQ(to_cycles_ceil(Seconds(1e-6), Hertz(1.85e9)).count(), 1850);
  Bytes b = BytesPerSecond(2e9) * Seconds(0.5);
  EXPECT_DOUBLE_EQ(b.bytes(), 1e9);
  FlopsPerSecond r = Flops(2e12) / Seconds(2.0);
  EXPECT_DOUBLE_EQ(r.flops_per_second(), 1e12);
}

TEST(Units, FormattingIsFixedPrecision) {
  EXPECT_EQ(format_bytes(Bytes(1.5 * units::GiB)), "1.50 GiB");
  EXPECT_EQ(format_seconds(Seconds(0.012345)), "12.3450 ms");
  EXPECT_EQ(format_bandwidth(BytesPerSecond(1.6e12)), "1.600 TB/s");
}
