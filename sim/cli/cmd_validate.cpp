// `xpusim validate ROWS.yaml`: simulate every row of a validation data file (published figure, the
// config that reproduces it) and print the error table as markdown: the table docs/validation.md
// carries (scripts/validation_table.sh regenerates it). Exit code 1 when a row is outside its band
// (or an expected failure comes inside it), so a script can tell.
#include <filesystem>
#include <iostream>

#include "sim/cli/command.h"
#include "sim/core/error.h"
#include "sim/study/validation.h"

namespace xpu::cli {
namespace {

int validate_cmd(const std::vector<std::string>& argv) {
  Args a("validate",
         "Simulate every row of a validation file (tests/data/validation/rows.yaml) and print the "
         "markdown error table (error = ours / published - 1, band +-15 % around the published figure).",
         {{"only", "ID", "evaluate only the row with this id", "", false}}, {"ROWS"});
  if (!a.parse(argv)) return kExitOk;
  if (a.positional().empty()) throw UserError("xpusim validate: name the rows file; see --help");
  const std::string path = a.positional()[0];
  const auto rows = study::load_validation_rows(path);
  const std::string dir = std::filesystem::path(path).parent_path().string();
  std::vector<study::ValidationResult> results;
  bool ok = true;
  for (const auto& row : rows) {
    if (!a.get("only").empty() && row.id != a.get("only")) continue;
    results.push_back(study::evaluate_row(row, dir.empty() ? "." : dir));
    ok &= results.back().in_band() != row.expect_fail;
  }
  std::cout << study::validation_table(results);
  return ok ? kExitOk : kExitCheckFailed;
}

}  // namespace
XPU_REGISTER_COMMAND("validate", "simulate the rows of a validation file and print the error table", validate_cmd);
}  // namespace xpu::cli
