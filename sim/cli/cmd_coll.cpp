// `xpusim coll --arch POD --op allreduce --bytes 1GiB [--ranks N] [--algo NAME|auto] [--all]`:
// run one collective alone on the pod's flow-level network and print time, algbw, busbw (as
// nccl-tests defines them) and the algorithm used; --all compares every algorithm that applies.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "sim/cli/command.h"
#include "sim/cluster/arch.h"
#include "sim/cluster/simulate.h"
#include "sim/collective/collective.h"
#include "sim/core/error.h"

namespace xpu::cli {
namespace {

std::string gbs(BytesPerSecond b) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f GB/s", b.gb_per_s());
  return buf;
}

int coll_cmd(const std::vector<std::string>& argv) {
  Args a("coll",
         "Simulate one collective alone on a pod's network (flow-level, max-min fair sharing) and report "
         "time, algbw = size/time and busbw = algbw x factor (nccl-tests: 2(n-1)/n all-reduce, (n-1)/n "
         "all-gather/reduce-scatter/all-to-all, 1 broadcast/reduce/sendrecv). Size is the nccl-tests size.",
         {{"arch", "POD", "arch config with a pod (e.g. arch-configs/pods/ascend-910b-8node.yaml)", "", true},
          {"op", "OP", "allreduce, allgather, reducescatter, alltoall, broadcast, reduce, sendrecv", "allreduce", false},
          {"bytes", "SIZE", "nccl-tests size, e.g. 1GiB, 64 MiB", "1 GiB", false},
          {"ranks", "N", "group = chips 0..N-1 (sendrecv: chip 0 -> chip N-1)", "all chips", false},
          {"algo", "NAME", "algorithm, or auto (fastest by the closed-form model); default: the arch's models.collective_algorithm", "", false},
          {"root", "RANK", "root rank for broadcast/reduce", "0", false},
          {"chunk", "SIZE", "pipelining chunk of tree and chain algorithms; default: the arch's models.collective_chunk", "", false},
          {"all", "", "run every algorithm that supports the op and compare", "", false}});
  if (!a.parse(argv)) return kExitOk;
  ArchSpec arch = load_arch(a.get("arch"));
  // The same network model `run` builds (cluster::link_defaults / collective_options).
  Topology topo(arch.pod, cluster::link_defaults(arch));
  CollectiveRequest req;
  req.op = parse_coll_op(a.get("op"));
  try {
    req.bytes = parse_bytes(a.get("bytes"));
  } catch (const UnitError& e) {
    throw UserError(std::string("xpusim coll: --bytes: ") + e.what());
  }
  int ranks = topo.chips();
  if (a.has("ranks")) {
    try {
      ranks = std::stoi(a.get("ranks"));
    } catch (const std::exception&) {
      throw UserError("xpusim coll: --ranks expects an integer, got '" + a.get("ranks") + "'");
    }
  }
  if (ranks < 1 || ranks > topo.chips())
    throw UserError("xpusim coll: --ranks " + std::to_string(ranks) + " does not match the pod: '" + arch.pod.name +
                    "' has " + std::to_string(topo.chips()) + " chips");
  if (req.op == CollOp::SendRecv) {
    if (ranks < 2) throw UserError("xpusim coll: sendrecv needs --ranks >= 2");
    req.chips = {0, ranks - 1};
  } else {
    for (int i = 0; i < ranks; ++i) req.chips.push_back(i);
  }
  try {
    req.root = std::stoi(a.get("root"));
  } catch (const std::exception&) {
    throw UserError("xpusim coll: --root expects an integer");
  }
  CollectiveOptions opts = cluster::collective_options(arch);
  if (!a.get("chunk").empty()) {
    try {
      opts.chunk = parse_bytes(a.get("chunk"));
    } catch (const UnitError& e) {
      throw UserError(std::string("xpusim coll: --chunk: ") + e.what());
    }
  }
  if (!(opts.chunk.bytes() > 0)) throw UserError("xpusim coll: --chunk must be > 0");
  req.algorithm = a.get("algo").empty() ? opts.algorithm : a.get("algo");

  std::cout << "pod " << arch.pod.name << ": " << topo.chips() << " chips\n" << topo.summary();
  std::vector<std::string> algos;
  if (a.has("all")) algos = supported_algorithms(topo, req, opts);
  else algos = {req.algorithm};
  std::string chosen;
  if (a.has("all")) {
    CollectiveRequest r = req;
    r.algorithm = "auto";
    chosen = choose_algorithm(topo, r, opts);
  }
  for (const auto& name : algos) {
    CollectiveRequest r = req;
    r.algorithm = name;
    auto t0 = std::chrono::steady_clock::now();
    CollectiveResult res = run_isolated(topo, r, opts);
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << coll_op_name(req.op) << " of " << format_bytes(req.bytes) << " on " << req.chips.size()
              << " ranks\n"
              << "  algorithm  " << res.algorithm
              << (name == "auto" ? " (auto: fastest by model)" : (res.algorithm == chosen ? " (auto's choice)" : ""))
              << "\n"
              << "  time       " << format_seconds(res.time) << "\n"
              << "  algbw      " << gbs(res.algbw) << "\n"
              << "  busbw      " << gbs(res.busbw) << "\n"
              << "  model      " << format_seconds(res.model) << " (closed form used by auto)\n"
              << "  flows      " << res.flows << " (" << res.flow_updates << " rate updates, " << wall
              << " s wall)\n";
  }
  return kExitOk;
}

}  // namespace
XPU_REGISTER_COMMAND("coll", "simulate one collective on a pod's network (time, algbw, busbw)", coll_cmd);
}  // namespace xpu::cli
