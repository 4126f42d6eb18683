// `xpusim coll --arch POD --op allreduce --bytes 1GiB [--ranks N] [--algo NAME|auto] [--all]`:
// run one collective alone on the pod's flow-level network and print time, algbw, busbw (as
// nccl-tests defines them) and the algorithm used; --all compares every algorithm that applies.
#include <iostream>

#include "sim/api/eval.h"
#include "sim/cli/command.h"
#include "sim/core/error.h"

namespace xpu::cli {
namespace {

int coll_cmd(const std::vector<std::string>& argv) {
  Args a("coll",
         "Simulate one collective alone on a pod's network (flow-level, max-min fair sharing) and report "
         "time, algbw = size/time and busbw = algbw x factor (nccl-tests: 2(n-1)/n all-reduce, (n-1)/n "
         "all-gather/reduce-scatter/all-to-all, 1 broadcast/reduce/sendrecv). Size is the nccl-tests size.",
         {{"arch", "POD", "arch config with a pod (e.g. arch-configs/pods/ascend-910b-8node.yaml)", "", true},
          {"op", "OP", "allreduce, allgather, reducescatter, alltoall, broadcast, reduce, sendrecv", "allreduce", false},
          {"bytes", "SIZE", "nccl-tests size, e.g. 1GiB, 64 MiB", "1 GiB", false},
          {"ranks", "N", "group = chips 0..N-1 (sendrecv: chip 0 -> chip N-1)", "all chips", false},
          {"algo", "NAME", "algorithm (ring, tree, ...; in_switch = in-network reduction, on a switch level with reduction_efficiency), or auto (fastest by the closed-form model); default: the arch's models.collective_algorithm", "", false},
          {"root", "RANK", "root rank for broadcast/reduce", "0", false},
          {"chunk", "SIZE", "pipelining chunk of tree and chain algorithms; default: the arch's models.collective_chunk", "", false},
          {"all", "", "run every algorithm that supports the op and compare", "", false},
          {"set", "KEY=VALUE", "override one arch key (repeatable), e.g. --set models.collective_algorithm=ring", "", false},
          {"json", "", "print the result as JSON (without host wall times, so it is deterministic)", "", false}});
  if (!a.parse(argv)) return kExitOk;
  api::CollRequest q;
  q.arch = a.get("arch");
  q.set = a.get_all("set");
  q.op = a.get("op");
  q.bytes = a.get("bytes");
  if (a.has("ranks")) {
    try {
      q.ranks = std::stoi(a.get("ranks"));
    } catch (const std::exception&) {
      throw UserError("xpusim coll: --ranks expects an integer, got '" + a.get("ranks") + "'");
    }
  }
  try {
    q.root = std::stoi(a.get("root"));
  } catch (const std::exception&) {
    throw UserError("xpusim coll: --root expects an integer");
  }
  q.algo = a.get("algo");
  q.chunk = a.get("chunk");
  q.all = a.has("all");
  const api::CollOutcome o = api::coll(q);  // the figures the facade and the Python module return
  std::cout << (a.has("json") ? o.json : o.text);
  return kExitOk;
}

}  // namespace
XPU_REGISTER_COMMAND("coll", "simulate one collective on a pod's network (time, algbw, busbw)", coll_cmd);
}  // namespace xpu::cli
