// `xpusim mem`: run the HBM model on a synthetic access pattern and print achieved bandwidth,
// row-hit rate, latency percentiles and per-channel utilisation; or (--calibrate) regenerate the
// fast-mode efficiency table of a preset. See docs/models/hbm.md.
#include <iostream>
#include <string>
#include <vector>

#include "sim/api/eval.h"
#include "sim/cli/command.h"
#include "sim/core/error.h"
#include "sim/memory/fast_hbm.h"
#include "sim/memory/hbm_spec.h"

namespace xpu::cli {
namespace {

int cmd_mem(const std::vector<std::string>& argv) {
  Args a("mem", "Run the HBM memory model on a synthetic access pattern (or regenerate a preset's calibration table).",
         {{"arch", "FILE", "arch config; the memory preset is chip.hbm.preset (relative to FILE), scaled to chip.hbm.bandwidth", "", false},
          {"preset", "FILE", "memory preset (arch-configs/memory/*.yaml), one preset's worth of stacks", "", false},
          {"pattern", "P", "stream | strided | random", "stream", false},
          {"bytes", "N", "bytes to move (e.g. \"4 MiB\", 1048576)", "4 MiB", false},
          {"rw", "R:W", "reads:writes ratio", "1:0", false},
          {"size", "N", "bytes per request", "64", false},
          {"stride", "N", "address step of the strided pattern", "4096", false},
          {"mode", "M", "detailed | fast (fast needs the preset's calibration table)", "detailed", false},
          {"mapping", "ORDER", "override the address mapping order, e.g. ro_ba_bg_co_pc_ch", "", false},
          {"hash", "H", "override the address hash: none | xor", "", false},
          {"page", "POLICY", "override the page policy: open | closed", "", false},
          {"seed", "N", "random-pattern seed", "1", false},
          {"set", "KEY=VALUE", "override one arch key (repeatable; with --arch), e.g. --set chip.hbm.bandwidth=2TB/s", "", false},
          {"json", "", "print the result as JSON", "", false},
          {"calibrate", "", "print the preset's fast-mode calibration table (YAML) to stdout", "", false}});
  if (!a.parse(argv)) return kExitOk;
  api::MemRequest q;
  q.arch = a.get("arch");
  q.preset = a.get("preset");
  q.set = a.get_all("set");
  q.pattern = a.get("pattern");
  q.bytes = a.get("bytes");
  q.rw = a.get("rw");
  q.size = a.get("size");
  q.stride = a.get("stride");
  q.mode = a.get("mode");
  q.mapping = a.get("mapping");
  q.hash = a.get("hash");
  q.page = a.get("page");
  q.seed = a.get("seed");
  if (a.has("calibrate")) {
    const std::string preset_path = api::mem_preset_path(q);
    mem::HbmSpec spec = api::mem_spec(q);
    mem::CalibrationTable t = mem::calibrate(spec);
    std::cout << mem::calibration_yaml(t, "xpusim mem --calibrate --preset " + preset_path + " > " + spec.calibration_path());
    return kExitOk;
  }
  const api::MemOutcome o = api::mem(q);  // the figures the facade and the Python module return
  std::cout << (a.has("json") ? o.json : o.text);
  return kExitOk;
}

}  // namespace

XPU_REGISTER_COMMAND("mem", "run the HBM memory model on a synthetic pattern; --calibrate regenerates a fast-mode table", cmd_mem);

}  // namespace xpu::cli
