// xpusim: the command-line entry point. Dispatches to registered subcommands (sim/cli/cmd_*.cpp)
// and maps errors to exit codes (see command.h).
#include <iostream>
#include <string>
#include <vector>

#include "sim/cli/command.h"
#include "sim/core/config.h"
#include "sim/core/error.h"

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

int main(int argc, char** argv) {
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
