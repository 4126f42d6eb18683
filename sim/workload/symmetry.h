// Symmetry: ranks whose programs are identical share one Program (see ir.h).
#pragma once

#include <string>

#include "sim/workload/ir.h"

namespace xpu::wl {

// A byte string that is equal for two programs exactly when they describe the same work (names,
// kinds, op parameters, dependencies; not source locations or the program's name).
std::string program_key(const Program& p);

// Merge identical programs: afterwards no two programs have the same key, program_of_rank points at
// the survivors (the first program with each key keeps its place and name). Returns how many
// programs were removed. Does not validate.
int share_identical_programs(Workload& w);

}  // namespace xpu::wl
