// xpusim: the command-line entry point. Dispatches to registered subcommands (sim/cli/cmd_*.cpp)
// and maps errors to exit codes (see command.h).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "sim/cli/command.h"
#include "sim/core/error.h"
#include "sim/study/mpi.h"

namespace {
int run_main(int argc, char** argv);
}  // namespace

// Under mpirun (sim/study/mpi.h) every rank runs the same command; ranks other than 0 only simulate
// the points rank 0 hands out, and print nothing.
int main(int argc, char** argv) {
  if (xpu::study::mpi_launched() && !xpu::study::mpi_built()) {
    std::cerr << "error: started by mpirun with several ranks, but this xpusim was built without MPI "
                 "(install libopenmpi-dev and rebuild; or run it without mpirun and use -j N)\n";
    return xpu::cli::kExitBadInput;
  }
  xpu::study::mpi_start(&argc, &argv);
  // Workers fail only as rank 0 does (same command, same points), and rank 0 reports.
  if (xpu::study::mpi_worker() && (std::freopen("/dev/null", "w", stdout) == nullptr || std::freopen("/dev/null", "w", stderr) == nullptr))
    return xpu::cli::kExitInternal;
  const int rc = run_main(argc, argv);
  if (rc >= xpu::cli::kExitBadInput && xpu::study::mpi_workers_waiting()) {  // rank 0 failed alone: release the workers
    std::cerr.flush();
    xpu::study::mpi_abort(rc);
  }
  xpu::study::mpi_stop();
  return rc;
}

namespace {
int run_main(int argc, char** argv) {
  return xpu::cli::dispatch(std::vector<std::string>(argv + 1, argv + argc));
}
}  // namespace
