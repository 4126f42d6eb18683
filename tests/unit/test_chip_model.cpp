// The chip model end to end: roofline behaviour, multi-core scaling, datatypes, vector ops,
// attention, the op cache and the errors for bad op specs.
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/chip/chip_model.h"
#include "sim/chip/op_text.h"
#include "sim/core/config.h"
#include "sim/core/error.h"
#include "tests/support/paths.h"

using namespace xpu;
using namespace xpu::chip;

namespace {
ChipSpec load_chip(const std::string& rel) {
  cfg::Node root = cfg::load_file(test::src(rel));
  return cfg::read<ChipSpec>(*root.find("chip"), "chip");
}
struct Fixture {
  ChipSpec chip = load_chip("tests/data/chip_small.yaml");
  mem::ConstantEfficiencyPort port{chip.hbm.bandwidth, chip.hbm.efficiency, chip.hbm.capacity};
};
std::string error_of(const std::string& op) {
  try {
    parse_op(op);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

// Never faster than either roofline bound; memory-bound below the ridge point, compute-bound above.
TEST(ChipModel, RooflineCrossoverOfGemmOverM) {
  Fixture f;
  const double peak = f.chip.matrix_peak(DType::BF16).flops_per_second();
  const double bw = f.port.achievable_bandwidth({}).bytes_per_second();
  const std::int64_t N = 2048, K = 2048;
  // Ridge: 2MNK / ((MK + KN + MN) * 2 bytes) = peak / bw  ->  M ~ 23 for this chip.
  const double ridge_intensity = peak / bw;
  std::int64_t first_compute = -1;
  double prev_time = 0;
  for (std::int64_t M = 1; M <= 4096; M *= 2) {
    OpResult r = simulate_gemm(f.chip, f.port, GemmShape{M, N, K, 1, DType::BF16});
    const double min_bytes = double(M * K + K * N + M * N) * 2.0;
    EXPECT_GE(r.time.seconds() * (1 + 1e-9), r.flops.flops() / peak) << M;
    EXPECT_GE(r.time.seconds() * (1 + 1e-9), min_bytes / bw) << M;
    EXPECT_GE(r.hbm_bytes.bytes(), min_bytes) << M;
    // More work never takes noticeably less time (the mapper simulates only its six best-ranked plans,
    // so two shapes on the same memory-bound plateau may differ by a fraction of a percent).
    EXPECT_GE(r.time.seconds(), 0.98 * prev_time) << M;
    prev_time = r.time.seconds();
    const double intensity = r.flops.flops() / min_bytes;
    if (intensity < ridge_intensity / 2) {
      EXPECT_EQ(r.bound, "memory") << M;
    }
    if (r.bound == "compute" && first_compute < 0) first_compute = M;
  }
  // Crossover within a small factor of the ideal ridge (re-reads of A/B and tile shapes move it up).
  ASSERT_GT(first_compute, 0);
  EXPECT_GE(first_compute, 16);
  EXPECT_LE(first_compute, 256);
  OpResult big = simulate_gemm(f.chip, f.port, GemmShape{4096, 4096, 4096, 1, DType::BF16});
  EXPECT_EQ(big.bound, "compute");
  EXPECT_GT(big.utilization, 0.9);
  EXPECT_LE(big.utilization, 1.0);
}

TEST(ChipModel, DecodeGemvIsMemoryBoundAtNearlyFullBandwidth) {
  Fixture f;
  OpResult r = simulate_gemm(f.chip, f.port, GemmShape{1, 8192, 8192, 1, DType::BF16});
  EXPECT_EQ(r.bound, "memory");
  const double weights = 8192.0 * 8192.0 * 2.0;
  const double t_ideal = weights / f.port.achievable_bandwidth({}).bytes_per_second();
  EXPECT_GE(r.time.seconds(), t_ideal);
  EXPECT_LT(r.time.seconds(), 1.10 * t_ideal);  // streams the weights once, at the port's rate
  EXPECT_LT(r.utilization, 0.05);
}

TEST(ChipModel, MultiCoreSpeedupNeverExceedsCoreCount) {
  Fixture f;
  ChipSpec one = f.chip;
  one.cores = 1;
  for (const GemmShape& g : {GemmShape{2048, 2048, 2048, 1, DType::BF16}, GemmShape{100, 3000, 500, 1, DType::BF16},
                             GemmShape{16, 4096, 4096, 1, DType::BF16}, GemmShape{512, 512, 512, 8, DType::BF16}}) {
    const double t1 = simulate_gemm(one, f.port, g).time.seconds();
    const double t4 = simulate_gemm(f.chip, f.port, g).time.seconds();
    EXPECT_LE(t1 / t4, 4.0 + 1e-9) << g.canonical();
    EXPECT_GE(t1 / t4, 1.0) << g.canonical();
  }
  // A large compute-bound GEMM scales almost linearly.
  const GemmShape g{2048, 2048, 2048, 1, DType::BF16};
  EXPECT_GT(simulate_gemm(one, f.port, g).time.seconds() / simulate_gemm(f.chip, f.port, g).time.seconds(), 3.5);
}

TEST(ChipModel, EdgeTilesLowerUtilisation) {
  Fixture f;
  // 2048+1: one extra row and column of tiles mostly padding on the 32x32 arrays.
  const double u_even = simulate_gemm(f.chip, f.port, GemmShape{2048, 2048, 2048, 1, DType::BF16}).utilization;
  const double u_odd = simulate_gemm(f.chip, f.port, GemmShape{2049, 2049, 2048, 1, DType::BF16}).utilization;
  EXPECT_LT(u_odd, u_even);
}

TEST(ChipModel, DtypeThroughputFollowsDtypeRate) {
  Fixture f;
  const GemmShape bf{4096, 4096, 4096, 1, DType::BF16};
  GemmShape f8 = bf, f32 = bf;
  f8.dtype = DType::FP8;
  f32.dtype = DType::FP32;
  const double t_bf = simulate_gemm(f.chip, f.port, bf).time.seconds();
  const double t_f8 = simulate_gemm(f.chip, f.port, f8).time.seconds();
  const double t_f32 = simulate_gemm(f.chip, f.port, f32).time.seconds();
  EXPECT_NEAR(t_bf / t_f8, 2.0, 0.15);   // fp8 at rate 2
  EXPECT_NEAR(t_f32 / t_bf, 4.0, 0.3);   // fp32 at rate 0.25
  ChipSpec no_fp8 = f.chip;
  no_fp8.matrix.dtype_rate["fp8"] = 0;
  EXPECT_THROW(simulate_gemm(no_fp8, f.port, f8), UserError);
}

// Vector ops against their two closed-form bounds: issue time E * cpe / cores and traffic / bandwidth.
TEST(ChipModel, VectorOpsFollowIssueAndTrafficBounds) {
  Fixture f;
  const double bw = f.port.achievable_bandwidth({}).bytes_per_second();
  const double clock = f.chip.clock.hertz();
  struct Case { const char* cls; std::int64_t rows, cols; DType d; double cpe_lane; double io; };
  // cpe per lane: max(flops/2 + special/0.25, passes); io = inputs + outputs.
  for (const Case& c : {Case{"softmax", 4096, 4096, DType::BF16, 6.0, 2.0}, Case{"copy", 4096, 4096, DType::BF16, 1.0, 2.0},
                        Case{"rmsnorm", 2048, 8192, DType::BF16, 2.0, 2.0}, Case{"gelu", 1024, 4096, DType::FP32, 8.0, 2.0},
                        Case{"elementwise", 4096, 1024, DType::BF16, 1.0, 3.0}}) {
    const std::int64_t E = c.rows * c.cols;
    OpResult r = simulate_vector(f.chip, f.port, VectorOpDesc{c.cls, E, c.cols, c.d});
    const double b = dtype_bytes(c.d);
    const double rate = c.d == DType::FP32 ? 1.0 : 2.0;  // default vector dtype_rate
    const double t_issue = double(E) * c.cpe_lane / (64.0 * rate) / 4.0 / clock;
    const double t_mem = double(E) * b * c.io / bw;
    EXPECT_DOUBLE_EQ(r.hbm_bytes.bytes(), double(E) * b * c.io) << c.cls;
    EXPECT_GE(r.time.seconds() * (1 + 1e-9), std::max(t_issue, t_mem)) << c.cls;
    EXPECT_LT(r.time.seconds(), 1.15 * std::max(t_issue, t_mem) + 2e-6) << c.cls;
    EXPECT_EQ(r.bound, t_issue > t_mem ? "compute" : "memory") << c.cls;
  }
  // A row too long for L1 is streamed once per pass.
  OpResult lng = simulate_vector(f.chip, f.port, VectorOpDesc{"softmax", 4 << 20, 1 << 20, DType::BF16});
  EXPECT_DOUBLE_EQ(lng.bytes.hbm_read.bytes(), 3.0 * double(4 << 20) * 2.0);
}

TEST(ChipModel, AttentionPrefillComputeBoundDecodeMemoryBound) {
  Fixture f;
  OpResult pre = simulate_attention(f.chip, f.port, AttentionShape{1, 8, 2, 2048, 2048, 128, true, DType::BF16});
  EXPECT_EQ(pre.bound, "compute");
  EXPECT_DOUBLE_EQ(pre.flops.flops(), 4.0 * 128 * 8 * (2048.0 * 2049.0 / 2.0));
  OpResult dec = simulate_attention(f.chip, f.port, AttentionShape{8, 8, 2, 1, 8192, 128, false, DType::BF16});
  EXPECT_EQ(dec.bound, "memory");
  const double kv = 8.0 * 2 * 8192 * 128 * 2 * 2;  // batch * kv heads * KV * D * (K,V) * bytes
  EXPECT_GE(dec.hbm_bytes.bytes(), kv);
  EXPECT_LT(dec.hbm_bytes.bytes(), 1.05 * kv);  // GQA: K/V read once per kv head, not per query head
  EXPECT_GE(dec.time.seconds(), kv / f.port.achievable_bandwidth({}).bytes_per_second());
}

TEST(ChipModel, OpCacheSimulatesEachDistinctOpOnce) {
  Fixture f;
  OpCache cache(f.chip, f.port);
  const GemmShape g{512, 512, 512, 1, DType::BF16};
  const OpResult& a = cache.gemm(g);
  const OpResult& b = cache.gemm(g);
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.hits(), 1u);
  GemmShape g8 = g;
  g8.dtype = DType::FP8;
  cache.gemm(g8);
  cache.vector(VectorOpDesc{"rmsnorm", 4096, 1024, DType::BF16});
  cache.attention(AttentionShape{1, 4, 4, 128, 128, 64, false, DType::BF16});
  EXPECT_EQ(cache.misses(), 4u);
  EXPECT_EQ(cache.size(), 4u);
  EXPECT_EQ(a.cycles, simulate_gemm(f.chip, f.port, g).cycles);
  // The chip part of the key changes with any chip parameter, and is stable.
  ChipSpec faster = f.chip;
  faster.clock = Hertz(2e9);
  EXPECT_NE(OpCache::key_of(faster, f.port), cache.chip_key());
  EXPECT_EQ(OpCache::key_of(f.chip, f.port), cache.chip_key());
}

TEST(ChipModel, BadOpSpecsGiveClearErrors) {
  EXPECT_NE(error_of("gemm M=0 N=16 K=16").find("M must be a positive integer, got 0"), std::string::npos);
  EXPECT_NE(error_of("gemm M=16 N=16").find("missing K"), std::string::npos);
  EXPECT_NE(error_of("gemm M=16 N=16 K=16 dtype=fp9").find("unknown dtype 'fp9'"), std::string::npos);
  EXPECT_NE(error_of("gemm M=16 N=16 K=16 Q=3").find("unknown key 'q'"), std::string::npos);
  EXPECT_NE(error_of("gemm M=-4 N=16 K=16").find("M must be a positive integer"), std::string::npos);
  EXPECT_NE(error_of("attention H=32 KVH=5 S=16 D=64").find("not a multiple"), std::string::npos);
  EXPECT_NE(error_of("").find("empty op"), std::string::npos);
  Fixture f;
  EXPECT_THROW(simulate_gemm(f.chip, f.port, GemmShape{16, 0, 16, 1, DType::BF16}), UserError);
  try {
    simulate_op(f.chip, f.port, parse_op("softmx rows=4 cols=4"));
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'softmax'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(simulate_vector(f.chip, f.port, VectorOpDesc{"softmax", 10, 3, DType::BF16}), UserError);
}

TEST(ChipModel, MappingFitsTheBuffersAndIsReported) {
  Fixture f;
  OpResult r = simulate_gemm(f.chip, f.port, GemmShape{4096, 4096, 4096, 1, DType::BF16});
  EXPECT_NE(r.mapping.find("tile "), std::string::npos);
  EXPECT_NE(r.mapping.find("/4 cores"), std::string::npos);
  EXPECT_EQ(r.cores_used, 4);
  // Parse back the tile and check the double-buffered footprints.
  std::int64_t tm = 0, tn = 0, tk = 0;
  ASSERT_EQ(std::sscanf(r.mapping.c_str(), "tile %ldx%ldx%ld", &tm, &tn, &tk), 3);
  EXPECT_LE(2.0 * double(tm * tk + tk * tn) * 2, f.chip.buffers.l1.bytes());
  EXPECT_LE(2.0 * double(tm * tn) * 4, f.chip.buffers.l0c.bytes());
}

// ---- Kernel effects (chip.kernel; docs/models/compute.md "Kernel effects") ----------------------

// t = max(t_array, dispatch_time) + launch_overhead, exactly (in whole core cycles at 1 GHz).
TEST(ChipKernel, LaunchOverheadAndDispatchFloorAreExact) {
  Fixture f;
  const GemmShape big{1024, 1024, 1024, 1, DType::BF16}, tiny{16, 16, 16, 1, DType::BF16};
  VectorOpDesc v;
  v.op_class = "gelu";
  v.elements = 1 << 20;
  const double t_big = simulate_gemm(f.chip, f.port, big).time.seconds();
  const double t_tiny = simulate_gemm(f.chip, f.port, tiny).time.seconds();
  const double t_vec = simulate_vector(f.chip, f.port, v).time.seconds();
  ChipSpec k = f.chip;
  k.kernel.launch_overhead = units::microseconds(3);
  k.kernel.dispatch_time = units::microseconds(20);
  ASSERT_LT(t_tiny, 20e-6);
  ASSERT_GT(t_big, 20e-6);
  EXPECT_NEAR(simulate_gemm(k, f.port, big).time.seconds(), t_big + 3e-6, 1e-12);
  EXPECT_NEAR(simulate_gemm(k, f.port, tiny).time.seconds(), 20e-6 + 3e-6, 1e-12);
  EXPECT_NEAR(simulate_vector(k, f.port, v).time.seconds(), std::max(t_vec, 20e-6) + 3e-6, 1e-12);
}

// A memory-bound op at its HBM floor moves its bytes at memory_efficiency x the port's rate:
// halving the efficiency doubles the streaming time (less the fixed first-access latency).
TEST(ChipKernel, MemoryEfficiencyScalesStreamingTime) {
  Fixture f;
  const GemmShape gemv{1, 8192, 8192, 1, DType::BF16};
  const OpResult full = simulate_gemm(f.chip, f.port, gemv);
  ASSERT_EQ(full.bound, "memory");
  ChipSpec k = f.chip;
  k.kernel.memory_efficiency = 0.5;
  const OpResult half = simulate_gemm(k, f.port, gemv);
  const double lat = 100e-9;  // chip_small dma.latency
  EXPECT_NEAR((half.time.seconds() - lat) / (full.time.seconds() - lat), 2.0, 0.01);
}

// Each output tile pays tile_overhead_cycles serially with the matrix unit: every plan gets slower, so
// the best does; and no more than w x the overhead, w = the tiles per core of the plan chosen without
// it (that plan, with the overhead, is still available to the mapper).
TEST(ChipKernel, TileOverheadIsPaidOncePerTilePerCore) {
  Fixture f;
  ChipSpec k = f.chip;
  k.kernel.tile_overhead_cycles = 500;
  for (const GemmShape g : {GemmShape{256, 256, 4096, 1, DType::BF16}, GemmShape{2048, 2048, 2048, 1, DType::BF16}}) {
    const OpResult a = simulate_gemm(f.chip, f.port, g), b = simulate_gemm(k, f.port, g);
    const auto tiles_per_core = [&](const OpResult& r) {  // "... N tiles on P/4 cores (W waves)"
      const auto at = r.mapping.find(" waves)");
      const auto open = r.mapping.rfind('(', at);
      return std::stoll(r.mapping.substr(open + 1, at - open - 1));
    };
    const std::int64_t w = tiles_per_core(a);
    const std::int64_t d = b.cycles.count() - a.cycles.count();
    EXPECT_LE(d, 500 * w) << g.canonical() << " " << a.mapping;
    EXPECT_GT(d, 0) << g.canonical();
  }
}

// min_tile removes tile edges below it unless the dimension itself is smaller (tile quantization).
TEST(ChipKernel, MinTileLimitsTheMapperTileMenu) {
  Fixture f;
  ChipSpec k = f.chip;
  k.kernel.min_tile = 128;
  const OpResult r = simulate_gemm(k, f.port, GemmShape{200, 300, 512, 1, DType::BF16});
  const auto at = r.mapping.find("tile ") + 5;
  const std::int64_t tm = std::stoll(r.mapping.substr(at));
  const std::int64_t tn = std::stoll(r.mapping.substr(r.mapping.find('x', at) + 1));
  EXPECT_GE(tm, 128) << r.mapping;
  EXPECT_GE(tn, 128) << r.mapping;
  const OpResult skinny = simulate_gemm(k, f.port, GemmShape{64, 300, 512, 1, DType::BF16});
  EXPECT_EQ(skinny.mapping.rfind("tile 64x", 0), 0u) << skinny.mapping;  // M = 64 < min_tile: its own size
}

// attention_efficiency caps the fused attention's matmul rate: a compute-bound forward then reaches at
// most that share of the matrix peak, and gets no faster than without the cap.
TEST(ChipKernel, AttentionEfficiencyCapsTheMatmulRate) {
  Fixture f;
  const AttentionShape a{4, 8, 8, 2048, 2048, 128, false, DType::BF16};
  const OpResult free = simulate_attention(f.chip, f.port, a);
  ASSERT_EQ(free.bound, "compute") << free.mapping;
  ChipSpec k = f.chip;
  k.kernel.attention_efficiency = 0.5 * free.utilization;
  const OpResult capped = simulate_attention(k, f.port, a);
  EXPECT_LE(capped.utilization, k.kernel.attention_efficiency * 1.001);
  EXPECT_GT(capped.utilization, k.kernel.attention_efficiency * 0.9);  // the cap, not something else, binds
  EXPECT_NEAR(capped.time.seconds() / free.time.seconds(), free.utilization / capped.utilization, 1e-9);
}

// The backward kernel: 2.5 x the forward's array time at attention_backward_efficiency x its rate, plus
// the preprocess (read O, dO) and dQ-conversion (read the FP32 accumulator, write dQ) passes over
// 5 Q-sized tensors at the kernel's streaming rate, each pass with its first-access latency.
TEST(ChipKernel, AttentionBackwardIsTwoAndAHalfForwardsPlusTwoStreamingPasses) {
  Fixture f;
  const AttentionShape fwd{2, 8, 8, 1024, 1024, 64, false, DType::BF16};
  AttentionShape bwd = fwd;
  bwd.backward = true;
  const double t_f = simulate_attention(f.chip, f.port, fwd).time.seconds();
  const OpResult b1 = simulate_attention(f.chip, f.port, bwd);
  ChipSpec k = f.chip;
  k.kernel.attention_backward_efficiency = 0.5;
  const OpResult b2 = simulate_attention(k, f.port, bwd);
  EXPECT_NEAR(b2.time.seconds() - b1.time.seconds(), 2.5 * t_f, 1e-3 * t_f);  // 2.5 t_f / 0.5 - 2.5 t_f
  const double q_bytes = 2.0 * 8 * 1024 * 64 * 2;
  mem::AccessProfile prof;
  prof.read_fraction = 0.95;  // the attention kernel's profile
  const double bw = f.port.achievable_bandwidth(prof).bytes_per_second() * f.chip.kernel.memory_efficiency;
  const double lat = 100e-9;  // chip_small dma.latency
  EXPECT_NEAR(b1.time.seconds() - 2.5 * t_f, 5.0 * q_bytes / bw + 2.0 * lat, 0.02 * (5.0 * q_bytes / bw));
  EXPECT_DOUBLE_EQ(b1.flops.flops(), 2.5 * simulate_attention(f.chip, f.port, fwd).flops.flops());
  EXPECT_NE(b1.op.find("backward=1"), std::string::npos);
}
