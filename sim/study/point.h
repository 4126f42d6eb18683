// Study points: what one simulation of a study is, its identity, and what it yields.
//
// A Point is fully resolved (an ArchSpec and a generated scenario or a trace workload), so that it
// can be simulated anywhere (this process, a forked worker) with the same result. Its key is a
// 64-bit FNV-1a hash, in hex, of the canonical text of everything that decides the result (the
// resolved arch echoed as JSON, the scenario's model / parallel / training / inference maps as
// JSON, or the trace file's bytes and rank count, and the symmetry option), prefixed by a format
// version; two points with the same key are the same simulation, whatever axis labels they carry.
//
// Metrics are exchanged and stored as text (encode/decode, "name=value;..." with %.17g numbers, which
// round-trip exactly), so a result read back from the database or a worker's pipe is bit-identical
// to the one computed.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/cluster/arch.h"
#include "sim/workload/generator/scenario.h"

namespace xpu::study {

struct Point {
  // Axis name -> value, in axis order: the point's row labels in tables (not part of its identity).
  std::vector<std::pair<std::string, std::string>> labels;
  ArchSpec arch;
  bool generated = true;          // true: `scenario` is generated; false: `workload_path` is read
  wl::gen::ScenarioSpec scenario;
  std::string workload_path;      // a trace (Chakra, JSON, ...) when !generated
  int replicate_ranks = 0;        // > 0: replay the trace data-parallel on this many ranks
  bool symmetry = true;           // simulate one representative per data-parallel replica class
  std::string key;                // point_key(*this); filled by finalize()
  void finalize();
};

// The canonical identity text of a point (what `key` hashes).
std::string point_identity(const Point& p);
std::string fnv1a_hex(const std::string& text);

struct Metrics {
  std::string error;  // non-empty: the point could not be simulated (bad combination, deadlock)
  double step_time_s = 0, tokens_per_s = -1, samples_per_s = -1, mfu = -1;
  double achieved_flops_per_s_per_chip = 0;
  double compute_s = 0, exposed_comm_s = 0, overlap_s = 0, idle_s = 0;  // per-rank averages
  double footprint_bytes = 0, capacity_bytes = 0;                       // footprint 0 = unknown
  std::int64_t ranks = 0, simulated_ranks = 0;
  std::uint64_t events = 0;
  double energy_j_per_chip = -1, average_w_per_chip = -1, tokens_per_joule = -1;  // -1: no power model
  bool fits() const { return footprint_bytes <= 0 || footprint_bytes <= capacity_bytes; }
};

std::string encode(const Metrics& m);
// Throws UserError when the text is not an encoded Metrics (e.g. a database from another version).
Metrics decode(const std::string& text);

// Generate (or read) the point's workload and simulate it in this process. A UserError or
// SimulationError of this point is returned in Metrics::error, not thrown.
Metrics simulate_point(const Point& p);

}  // namespace xpu::study
