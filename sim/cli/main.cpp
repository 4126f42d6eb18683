// xpusim: the command-line entry point. Dispatches to registered subcommands (sim/cli/cmd_*.cpp)
// and maps errors to exit codes (see command.h).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "sim/cli/command.h"
#include "sim/core/config.h"
#include "sim/core/error.h"
#include "sim/study/mpi.h"

namespace {

void print_usage() {
  std::cout << "xpusim: a cycle-approximate simulator of AI accelerators and the pods built from them\n\n"
               "usage: xpusim <command> [options]    (xpusim <command> --help for each)\n\ncommands:\n";
  for (const auto& [name, c] : xpu::cli::commands()) {
    std::string left = "  " + name;
    left += std::string(left.size() < 12 ? 12 - left.size() : 1, ' ');
    std::cout << left << c.summary << "\n";
  }
}

}  // namespace

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
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage();
    return args.empty() ? xpu::cli::kExitBadInput : xpu::cli::kExitOk;
  }
  if (args[0] == "--version") {
    std::cout << "xpusim 0.1.0\n";
    return 0;
  }
  const auto& cmds = xpu::cli::commands();
  auto it = cmds.find(args[0]);
  if (it == cmds.end()) {
    std::vector<std::string> names;
    for (const auto& [n, c] : cmds) names.push_back(n);
    std::string near = xpu::cfg::nearest(args[0], names);
    std::cerr << "xpusim: unknown command '" << args[0] << "'" << (near.empty() ? "" : " (did you mean '" + near + "'?)")
              << "; run 'xpusim --help'\n";
    return xpu::cli::kExitBadInput;
  }
  try {
    return it->second.run(std::vector<std::string>(args.begin() + 1, args.end()));
  } catch (const xpu::SimulationError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return xpu::cli::kExitSimulationError;
  } catch (const xpu::UserError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return xpu::cli::kExitBadInput;
  } catch (const xpu::InternalError& e) {
    std::cerr << e.what() << "\n";
    return xpu::cli::kExitInternal;
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory\n";
    return xpu::cli::kExitInternal;
  } catch (const std::exception& e) {
    std::cerr << "internal error (a bug in xpusim): " << e.what() << "\n";
    return xpu::cli::kExitInternal;
  }
}
}  // namespace
