// MLCommons Chakra execution traces (ET): reading into the trace IR and writing from it.
//
// Format (mlcommons/chakra, schema in et_def.proto beside this file): one file per rank,
// `<prefix>.<rank>.et`; each file is a stream of messages, each preceded by its length as a
// base-128 varint: one GlobalMetadata, then Nodes. A Node has an id, a type (COMP_NODE,
// COMM_COLL_NODE, COMM_SEND_NODE, COMM_RECV_NODE, MEM_LOAD_NODE, MEM_STORE_NODE, ...), data and
// control dependencies on other ids, a recorded duration, input/output shapes as text and a list of
// named attributes (comm_type, comm_size, comm_src, comm_dst, comm_tag, pg_name, num_ops,
// tensor_size, is_cpu_op).
//
// Mapping to the IR (docs/workloads.md has the full table):
//   COMP_NODE  -> Gemm when the op is a matrix multiply with recorded shapes (aten::mm, addmm, bmm,
//                 matmul, linear) or carries xpusim's own gemm attributes; otherwise Delay with the
//                 recorded duration (duration_micros) and num_ops kept as flops_hint.
//   COMM_COLL_NODE -> Collective (comm_type, comm_size bytes); the communicator is `pg_name` when
//                 present, else all ranks. GATHER/SCATTER/BARRIER are approximated (see notes).
//   COMM_SEND/RECV -> Send/Recv with the peer as an offset from the executing rank, so that ranks
//                 with the same pattern share one Program.
//   MEM_LOAD/STORE -> MemCopy of tensor_size bytes (h2d / d2h).
//   other types -> Delay with the recorded duration (kept so that dependencies stay intact).
// Leniency (unlike ASTRA-sim, which aborts): dependencies on ids absent from the file are dropped,
// collectives flagged is_cpu_op are still simulated as collectives; both are counted in
// Workload::notes with the first offending ids. Corrupt or truncated files raise UserError naming
// the file and byte offset.
#pragma once

#include <string>
#include <vector>

#include "sim/workload/ir.h"

namespace xpu::wl::chakra {

// The rank files a path stands for: `dir/prefix` (files dir/prefix.0.et, ...), a single `.et`
// file, or a directory holding exactly one set of rank files. Throws UserError when none match or
// a rank in 0..n-1 is missing.
struct RankFiles {
  std::string name;                // the prefix, used as the workload name
  std::vector<std::string> files;  // index = rank
};
RankFiles find_rank_files(const std::string& path);
bool looks_like_chakra(const std::string& path);

// Read rank files into a validated Workload (identical rank programs shared).
Workload read_chakra(const std::string& path);
Workload read_chakra_files(const std::vector<std::string>& files, const std::string& name);

// Write one file per rank: `<out_prefix>.<rank>.et`. Returns the files written. The encoding keeps
// everything the IR holds (gemm shapes, vector op class, exact durations, group sets) in attributes
// whose names start with "xpusim.", alongside the standard Chakra attributes so that other Chakra
// consumers (ASTRA-sim) can replay the files too.
std::vector<std::string> write_chakra(const Workload& w, const std::string& out_prefix);

}  // namespace xpu::wl::chakra
