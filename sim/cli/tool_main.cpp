// The `xpusim` tool's main(), inside libxpusim (sim/cli/main.cpp only calls it): MPI start and stop
// around the dispatch, so the executable needs no internal symbol of the library.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "sim/cli/command.h"
#include "sim/cli/tool.h"
#include "sim/study/mpi.h"

// Under mpirun (sim/study/mpi.h) every rank runs the same command; ranks other than 0 only simulate
// the points rank 0 hands out, and print nothing.
extern "C" int xpusim_tool_main(int argc, char** argv) {
  if (xpu::study::mpi_launched() && !xpu::study::mpi_built()) {
    std::cerr << "error: started by mpirun with several ranks, but this xpusim was built without MPI "
                 "(install libopenmpi-dev and rebuild; or run it without mpirun and use -j N)\n";
    return xpu::cli::kExitBadInput;
  }
  xpu::study::mpi_start(&argc, &argv);
  // Workers fail only as rank 0 does (same command, same points), and rank 0 reports.
  if (xpu::study::mpi_worker() && (std::freopen("/dev/null", "w", stdout) == nullptr || std::freopen("/dev/null", "w", stderr) == nullptr))
    return xpu::cli::kExitInternal;
  const int rc = xpu::cli::dispatch(std::vector<std::string>(argv + 1, argv + argc));
  if (rc >= xpu::cli::kExitBadInput) {
    std::cerr.flush();
    xpu::study::mpi_end_after_failure(rc);
  }
  xpu::study::mpi_stop();
  return rc;
}
