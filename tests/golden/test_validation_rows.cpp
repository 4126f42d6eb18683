// Validation against published hardware figures, one test per row of tests/data/validation/rows.yaml
// (sources cited there and in docs/validation.md). Each row: error = ours / published - 1 must lie in
// the fixed band +-15 % around the PUBLISHED figure (study::kValidationBand). A row marked
// `expect: fail` (with its reason) is an expected failure: its test FAILS if the row unexpectedly
// comes inside the band, so the mark is removed as soon as the model reaches it.
// Every row test also checks that docs/validation.md carries the row's line as the generator prints it
// now (scripts/validation_table.sh), so the published error table cannot drift from the model.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <sstream>

#include "sim/chip/op_text.h"
#include "sim/cluster/simulate.h"
#include "sim/core/error.h"
#include "sim/study/validation.h"
#include "tests/support/paths.h"
#include "tests/support/run.h"

using namespace xpu;

namespace xpu::study {
// gtest prints a parameter on failure: the row's id, not its bytes.
void PrintTo(const ValidationRow& r, std::ostream* os) { *os << r.id; }
}  // namespace xpu::study

namespace {

const std::string kRows = test::src("tests/data/validation/rows.yaml");

std::vector<study::ValidationRow> rows() {
  static const std::vector<study::ValidationRow> r = study::load_validation_rows(kRows);
  return r;
}

std::string test_name(const testing::TestParamInfo<study::ValidationRow>& info) {
  std::string n = info.param.id;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

class ValidationRow : public testing::TestWithParam<study::ValidationRow> {};

TEST_P(ValidationRow, WithinBandOfPublished) {
  const study::ValidationRow& row = GetParam();
  const study::ValidationResult r = study::evaluate_row(row, test::src("tests/data/validation"));
  std::printf("[validation] %-34s %-11s ours %10.4g  published %10.4g  error %+6.1f %%  band +-%.0f %%%s\n",
              row.id.c_str(), row.role.c_str(), r.ours, row.published, 100 * r.error, 100 * study::kValidationBand,
              row.expect_fail ? "  (expected failure)" : "");
  if (row.expect_fail) {
    EXPECT_FALSE(r.in_band()) << row.id << " is marked `expect: fail` (" << row.reason << ") but is now inside the band ("
                              << 100 * r.error << " %): remove the mark in rows.yaml and regenerate the table";
  } else {
    EXPECT_TRUE(r.in_band()) << row.id << ": ours " << r.ours << " vs published " << row.published << " ("
                             << 100 * r.error << " %, band +-" << 100 * study::kValidationBand << " %)";
  }
  const std::string doc = test::slurp(test::src("docs/validation.md"));
  EXPECT_NE(doc.find(study::validation_table_line(r) + "\n"), std::string::npos)
      << "docs/validation.md is stale for row " << row.id << "; run scripts/validation_table.sh. Expected line:\n"
      << study::validation_table_line(r);
}

INSTANTIATE_TEST_SUITE_P(Published, ValidationRow, testing::ValuesIn(rows()), test_name);

// The file itself: every row has a source, a role and, when calibration, what it fits; expected
// failures carry a reason (load_validation_rows rejects the file otherwise). The rows cover the
// chips the issue names.
TEST(ValidationRows, FileIsWellFormedAndCoversTheChips) {
  const auto r = rows();
  ASSERT_GE(r.size(), 10u);
  for (const char* chip : {"A100", "H100", "B200", "Ascend"}) {
    EXPECT_TRUE(std::any_of(r.begin(), r.end(), [&](const auto& x) { return x.family.find(chip) != std::string::npos; }))
        << chip;
  }
  EXPECT_TRUE(std::any_of(r.begin(), r.end(), [](const auto& x) { return x.role == "validation"; }));
}

// The summary lines under the generated table are recomputed from the table's own error column (each
// line of which the row tests check against the model), so they cannot drift either.
TEST(ValidationRows, DocSummaryMatchesItsTable) {
  const std::string doc = test::slurp(test::src("docs/validation.md"));
  std::vector<double> cal, val;
  int expected = 0;
  for (const auto& row : rows()) {
    const std::string head = "| " + row.id + " | ";
    const auto at = doc.find(head);
    ASSERT_NE(at, std::string::npos) << "row " << row.id << " missing from docs/validation.md";
    const std::string line = doc.substr(at, doc.find('\n', at) - at);
    // error column: the 8th cell
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '|')) cells.push_back(cell);
    ASSERT_GE(cells.size(), 9u) << line;
    const double err = std::stod(cells[8]) / 100.0;
    (row.role == "calibration" ? cal : val).push_back(err);
    expected += row.expect_fail ? 1 : 0;
  }
  const auto v = study::error_stats(val), c = study::error_stats(cal);
  char want[256];
  std::snprintf(want, sizeof want, "Validation rows (not used for fitting): %d, median |error| %.1f %%, max |error| %.1f %%.",
                v.rows, 100 * v.median_abs, 100 * v.max_abs);
  EXPECT_NE(doc.find(want), std::string::npos) << "stale summary; expected: " << want;
  std::snprintf(want, sizeof want, "Calibration rows: %d, median |error| %.1f %%, max |error| %.1f %%.", c.rows,
                100 * c.median_abs, 100 * c.max_abs);
  EXPECT_NE(doc.find(want), std::string::npos) << "stale summary; expected: " << want;
  std::snprintf(want, sizeof want, "Expected failures: %d.", expected);
  EXPECT_NE(doc.find(want), std::string::npos) << "stale summary; expected: " << want;
}

}  // namespace

// MAMF figures are the MAXIMUM achievable GEMM throughput over a sweep of shapes (stas00/
// ml-engineering), so no shape of such a sweep may beat them in the model: the sustained clocks of
// a100-like, h100-like and b200-like are fitted so that the model's maximum over the sweep equals the
// published figure (rows a100-mamf-bf16, h100-mamf-bf16, b200-mamf-bf16 are their calibration rows). This checks that reading
// over a coarse sweep (M, N, K in 1024 ... 16384) and the best shapes themselves: max within 1 % of
// the published maximum, never above it by more.
TEST(ValidationRows, MamfIsTheMaximumOverTheShapeSweep) {
  struct Chip {
    const char* fixture;
    double published_tflops;
    DType dtype = DType::BF16;
  };
  // H100 FP8 (row h100-mamf-fp8) fits chip.power.mac_pj.fp8 by the same reading: FP8 GEMMs at twice
  // the MACs per cycle meet the TDP cap below the sustained clock (cluster::simulate_op).
  for (const Chip c : {Chip{"tests/data/validation/chip_a100_80gb.yaml", 271.2},
                       Chip{"tests/data/validation/chip_h100_80gb.yaml", 794.5},
                       Chip{"arch-configs/chips/b200-like.yaml", 1745.0},
                       Chip{"tests/data/validation/chip_h100_80gb.yaml", 1402.6, DType::FP8}}) {
    const ArchSpec arch = load_arch(test::src(c.fixture));
    double best = 0;
    const std::int64_t sizes[] = {1024, 4096, 16384};
    for (auto m : sizes)
      for (auto n : sizes)
        for (auto k : sizes) {
          chip::OpDesc op;
          op.gemm = chip::GemmShape{m, n, k, 1, c.dtype};
          const chip::OpResult r = cluster::simulate_op(arch, op).result;
          best = std::max(best, r.flops.flops() / r.time.seconds() / 1e12);
        }
    std::printf("[validation] %s %s: model maximum over the sweep %.1f TFLOP/s, published MAMF %.1f\n", c.fixture,
                dtype_name(c.dtype), best, c.published_tflops);
    EXPECT_LE(best, c.published_tflops * 1.01) << c.fixture;
    EXPECT_GE(best, c.published_tflops * 0.99) << c.fixture;
  }
}

// layer_ms is a difference of two simulations, (T(2L) - T(L)) / L: it measures one layer only when the
// step is one micro-batch on one stage. Anything else is refused, naming the file and the row.
TEST(ValidationRows, LayerMetricRefusesPipelinedOrAccumulatedSteps) {
  const std::string dir = testing::TempDir() + "xpusim_layer_ms";
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir + "/two-micro-batches.yaml");
    f << "scenario:\n"
         "  name: two\n"
         "  model: {name: t, hidden: 512, layers: 2, heads: 8, ffn: 2048, vocab: 1024, max_seq_len: 256}\n"
         "  parallel: {tp: 1, pp: 1, dp: 1}\n"
         "  training: {micro_batch: 1, global_batch: 2, seq_len: 256}\n";
  }
  study::ValidationRow row;
  row.id = "two";
  row.kind = "training";
  row.arch = test::src("tests/data/validation/pod_dgx_a100.yaml");
  row.scenario = "two-micro-batches.yaml";
  row.metric = "layer_ms";
  row.published = 1;
  row.role = "validation";
  try {
    study::evaluate_row(row, dir);
    FAIL() << "layer_ms accepted a step of two micro-batches";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("two-micro-batches.yaml"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("one micro-batch"), std::string::npos) << e.what();
  }
}
