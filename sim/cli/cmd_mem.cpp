// `xpusim mem`: run the HBM model on a synthetic access pattern and print achieved bandwidth,
// row-hit rate, latency percentiles and per-channel utilisation; or (--calibrate) regenerate the
// fast-mode efficiency table of a preset. See docs/models/hbm.md.
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/cli/command.h"
#include "sim/cluster/arch.h"
#include "sim/cluster/simulate.h"
#include "sim/core/error.h"
#include "sim/memory/fast_hbm.h"
#include "sim/memory/hbm_spec.h"
#include "sim/memory/traffic.h"

namespace xpu::cli {
namespace {


std::string fmt(double v, int prec) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(prec) << v;
  return os.str();
}

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
          {"calibrate", "", "print the preset's fast-mode calibration table (YAML) to stdout", "", false}});
  if (!a.parse(argv)) return kExitOk;
  if (a.has("arch") == a.has("preset")) throw UserError("xpusim mem: give exactly one of --arch FILE or --preset FILE; see --help");

  std::string preset_path;
  if (a.has("arch")) {
    ArchSpec arch = load_arch(a.get("arch"));
    preset_path = arch.chip.hbm.preset;  // load_arch resolved it relative to the file that names it
  } else {
    preset_path = a.get("preset");
  }
  // With --arch: the chip's memory as the model factory builds it for `run` and `op`.
  mem::HbmSpec spec = a.has("arch") ? cluster::memory_spec(load_arch(a.get("arch"))) : mem::load_hbm_preset(preset_path);
  if (!a.get("mapping").empty()) {
    std::string why = mem::AddressMapper::check_order(a.get("mapping"));
    if (!why.empty()) throw UserError("--mapping: " + why);
    spec.controller.mapping.order = a.get("mapping");
  }
  if (!a.get("hash").empty()) {
    if (a.get("hash") != "none" && a.get("hash") != "xor") throw UserError("--hash: expected none or xor, got '" + a.get("hash") + "'");
    spec.controller.mapping.hash = a.get("hash");
  }
  if (!a.get("page").empty()) {
    if (a.get("page") != "open" && a.get("page") != "closed") throw UserError("--page: expected open or closed, got '" + a.get("page") + "'");
    spec.controller.page_policy = a.get("page");
  }

  if (a.has("calibrate")) {
    mem::CalibrationTable t = mem::calibrate(spec);
    std::cout << mem::calibration_yaml(t, "xpusim mem --calibrate --preset " + preset_path + " > " + spec.calibration_path());
    return kExitOk;
  }

  auto parse_size = [](const std::string& key, const std::string& v) {
    bool digits = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
    Bytes b = digits ? Bytes(std::stod(v)) : parse_bytes(v);
    if (b.bytes() <= 0) throw UserError("--" + key + ": must be > 0, got '" + v + "'");
    return b;
  };
  mem::TrafficSpec t;
  t.pattern = mem::parse_pattern(a.get("pattern"));
  t.bytes = parse_size("bytes", a.get("bytes"));
  t.read_fraction = mem::parse_rw_ratio(a.get("rw"));
  t.request_size = parse_size("size", a.get("size"));
  t.stride = parse_size("stride", a.get("stride"));
  try {
    t.seed = std::stoull(a.get("seed"));
  } catch (const std::exception&) {
    throw UserError("--seed: expected a non-negative integer, got '" + a.get("seed") + "'");
  }
  const std::string mode = a.get("mode");
  mem::TrafficResult r;
  if (mode == "detailed") {
    r = mem::run_detailed(spec, {t});
  } else if (mode == "fast") {
    const std::string calib = spec.calibration_path();
    mem::CalibrationTable table;
    try {
      table = mem::load_calibration(calib);
    } catch (const ConfigError&) {
      throw;
    } catch (const UserError&) {
      throw UserError("no calibration table '" + calib + "'; generate it with: xpusim mem --calibrate --preset " + preset_path + " > " + calib);
    }
    r = mem::run_fast(spec, table, {t});
  } else {
    throw UserError("--mode: expected detailed or fast, got '" + mode + "'");
  }

  std::cout << "memory        " << spec.name << " (" << preset_path << "), " << spec.organisation.stacks << " stack(s), "
            << spec.total_pcs() << " pseudo-channels, mapping " << spec.controller.mapping.order
            << (spec.controller.mapping.hash == "xor" ? " +xor" : "") << ", " << spec.controller.page_policy << " page\n";
  std::cout << "peak          " << format_bandwidth(r.peak) << "\n";
  std::cout << "traffic       " << a.get("pattern") << ", " << static_cast<long long>(t.request_size.bytes()) << " B requests, reads:writes "
            << a.get("rw") << ", " << format_bytes(r.bytes) << " (" << r.requests << " requests), mode " << mode << "\n";
  std::cout << "elapsed       " << format_seconds(r.elapsed) << "\n";
  std::cout << "achieved      " << format_bandwidth(r.achieved) << " (" << fmt(100.0 * r.efficiency, 1) << "% of peak)\n";
  if (mode == "detailed") std::cout << "row hits      " << fmt(100.0 * r.row_hit_rate, 1) << "%\n";
  std::cout << "read latency  p50 " << fmt(r.read_p50.seconds() * 1e9, 1) << " ns  p90 " << fmt(r.read_p90.seconds() * 1e9, 1)
            << " ns  p99 " << fmt(r.read_p99.seconds() * 1e9, 1) << " ns\n";
  if (mode == "detailed") std::cout << "refreshes     " << r.refreshes << ", activates " << r.activates << "\n";
  std::cout << "channel utilisation (data bus busy / elapsed):\n";
  for (size_t i = 0; i < r.channel_utilisation.size(); ++i) {
    std::cout << "  ch" << std::left << std::setw(4) << i << std::right << std::setw(6) << fmt(100.0 * r.channel_utilisation[i], 1) << "%"
              << ((i % 4 == 3 || i + 1 == r.channel_utilisation.size()) ? "\n" : "");
  }
  return kExitOk;
}

}  // namespace

XPU_REGISTER_COMMAND("mem", "run the HBM memory model on a synthetic pattern; --calibrate regenerates a fast-mode table", cmd_mem);

}  // namespace xpu::cli
