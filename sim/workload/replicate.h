// Replicate a data-parallel trace to more ranks.
//
// A trace recorded (or converted) at n ranks whose ranks all run one program, whose collectives all
// span every rank and which has no point-to-point ops is the same job at any rank count: only the
// collectives' group grows. `replicate_data_parallel(w, N)` rewrites it for N ranks, marks every rank
// as repeating rank 0 (symmetry), and notes what it did. Used by `xpusim run --ranks N` to replay,
// e.g., ASTRA-sim's 8-rank ResNet-50 data-parallel Chakra trace on 512 or 4,096 chips.
#pragma once

#include "sim/workload/ir.h"

namespace xpu::wl {

// Throws UserError naming the first thing that makes the trace not replicable.
void replicate_data_parallel(Workload& w, RankId ranks);

}  // namespace xpu::wl
