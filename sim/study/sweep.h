// Sweeps: a study whose points vary arch keys, scenario keys and the model, as a grid (cartesian
// product, last axis fastest) or a list (the axes' values paired element-wise, or explicit points).
//
// Keys are dotted paths. A key whose first part is a scenario section (parallel, training,
// inference, model, hbm) is applied below `scenario:` of the workload, which must then be a
// transformer scenario ("parallel.tp", "training.micro_batch", "model" with a preset name or path);
// every other key is an arch key ("chip.hbm.bandwidth", "pod.topology.levels[1].link_bandwidth").
// Values are YAML text with units as in the configs.
//
// Study file (`xpusim sweep --study FILE`; paths relative to the file):
//   study:
//     name: tp-pp-grid
//     arch: ../../arch-configs/pods/dgx-h100-superpod-like.yaml
//     workload: ../scenarios/llama3-70b-train-256.yaml
//     grid: {parallel.tp: [4, 8], parallel.pp: [2, 4]}     # or
//     list: [{parallel.tp: 8, parallel.pp: 4}, {parallel.tp: 4, parallel.pp: 8}]
//     set: {training.recompute: full}                     # applied to every point first
//     ranks: 0                                            # trace workloads: replay DP on N ranks
//     symmetry: true
// Every point is loaded and checked (the config machinery's file/line/key errors, the scenario's
// cross-checks, ranks <= chips) before anything is simulated.
#pragma once

#include <string>
#include <vector>

#include "sim/study/point.h"

namespace xpu::study {

struct Axis {
  std::string key;
  std::vector<std::string> values;
};

struct SweepSpec {
  std::string name = "sweep";
  std::string arch_path, workload_path;
  int ranks = 0;
  bool symmetry = true;
  std::vector<Axis> axes;
  bool list = false;  // pair the axes' values element-wise instead of the cartesian product
  std::vector<std::vector<std::string>> rows;  // explicit list points (values in axis order); overrides `list`
  std::vector<std::pair<std::string, std::string>> fixed;  // applied to every point before the axes
  std::string origin = "--vary";  // how errors name where a key came from
};

bool is_scenario_key(const std::string& key);
// "KEY=V1,V2,..." (commas inside [..] or {..} belong to the value). Throws UserError.
Axis parse_axis(const std::string& text);
// Reads a study file. Throws ConfigError (file:line:col: key: message).
SweepSpec load_study(const std::string& path);
// Every point, resolved and checked. Throws UserError / ConfigError naming the point and key.
std::vector<Point> expand(const SweepSpec& spec);
std::size_t point_count(const SweepSpec& spec);

// sweep.csv: point, the axis values, then the metrics (fixed decimals), and an `error` column.
std::string sweep_csv(const SweepSpec& spec, const std::vector<Point>& points, const std::vector<Metrics>& results);

}  // namespace xpu::study
