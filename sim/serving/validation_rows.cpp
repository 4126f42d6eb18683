// The `serving` kind of validation rows (sim/study/validation.h): a serving file (`scenario`, relative
// to the rows file) with the row's `set` overrides, served on the row's arch. Metrics:
//   output_tokens_per_s            output tokens per second of the whole deployment
//   output_tokens_per_s_per_chip   the same per chip
//   ttft_ms / tpot_ms              mean time to first token / per output token, milliseconds
#include <filesystem>

#include "sim/core/error.h"
#include "sim/serving/serving.h"
#include "sim/study/validation.h"

namespace xpu::serve {
namespace {

double serving_row(const study::ValidationRow& row, const ArchSpec& arch, const std::string& rows_dir) {
  std::vector<ServingOverride> over;
  for (const auto& kv : row.set) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) throw UserError("row '" + row.id + "': set: '" + kv + "' is not KEY=VALUE");
    over.push_back({kv.substr(0, eq), kv.substr(eq + 1), "row " + row.id + " set " + kv});
  }
  const ServingSpec spec = load_serving((std::filesystem::path(rows_dir) / row.scenario).string(), over);
  ServingStudy study(arch, spec);
  const ServingSummary s = study.run().summary;
  if (row.metric == "output_tokens_per_s") return s.output_tokens_per_s;
  if (row.metric == "output_tokens_per_s_per_chip") return s.output_tokens_per_s_per_chip;
  if (row.metric == "ttft_ms") return s.ttft_s.mean * 1e3;
  return s.tpot_s.mean * 1e3;
}

const bool registered = study::register_row_kind(
    "serving", {{{"output_tokens_per_s", "output tokens/s"},
                 {"output_tokens_per_s_per_chip", "output tokens/s/chip"},
                 {"ttft_ms", "ms TTFT (mean)"},
                 {"tpot_ms", "ms TPOT (mean)"}},
                true,
                serving_row});

}  // namespace
}  // namespace xpu::serve
