// `xpusim ARGS...` minus the process: picks the subcommand and maps errors to exit codes. main.cpp
// calls it with argv; the facade's xpusim::cli() (and so the Python module) with a list.
#include <iostream>
#include <string>
#include <vector>

#include "sim/cli/command.h"
#include "sim/core/config.h"
#include "sim/core/error.h"

namespace xpu::cli {
namespace {

void print_usage() {
  std::cout << "xpusim: a cycle-approximate simulator of AI accelerators and the pods built from them\n\n"
               "usage: xpusim <command> [options]    (xpusim <command> --help for each)\n\ncommands:\n";
  for (const auto& [name, c] : commands()) {
    std::string left = "  " + name;
    left += std::string(left.size() < 12 ? 12 - left.size() : 1, ' ');
    std::cout << left << c.summary << "\n";
  }
}

}  // namespace

int dispatch(const std::vector<std::string>& args, bool rethrow_user_errors) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage();
    return args.empty() ? kExitBadInput : kExitOk;
  }
  if (args[0] == "--version") {
    std::cout << "xpusim " << kVersion << "\n";
    return 0;
  }
  const auto& cmds = commands();
  auto it = cmds.find(args[0]);
  if (it == cmds.end()) {
    std::vector<std::string> names;
    for (const auto& [n, c] : cmds) names.push_back(n);
    std::string near = cfg::nearest(args[0], names);
    const std::string msg = "xpusim: unknown command '" + args[0] + "'" +
                            (near.empty() ? "" : " (did you mean '" + near + "'?)") + "; run 'xpusim --help'";
    if (rethrow_user_errors) throw UserError(msg);
    std::cerr << msg << "\n";
    return kExitBadInput;
  }
  try {
    return it->second.run(std::vector<std::string>(args.begin() + 1, args.end()));
  } catch (const UserError& e) {
    if (rethrow_user_errors) throw;
    std::cerr << "error: " << e.what() << "\n";
    return dynamic_cast<const SimulationError*>(&e) ? kExitSimulationError : kExitBadInput;
  } catch (const InternalError& e) {
    if (rethrow_user_errors) throw;
    std::cerr << e.what() << "\n";
    return kExitInternal;
  } catch (const std::bad_alloc&) {
    if (rethrow_user_errors) throw;
    std::cerr << "error: out of memory\n";
    return kExitInternal;
  } catch (const std::exception& e) {
    if (rethrow_user_errors) throw;
    std::cerr << "internal error (a bug in xpusim): " << e.what() << "\n";
    return kExitInternal;
  }
}

}  // namespace xpu::cli
