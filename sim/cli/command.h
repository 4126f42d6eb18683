// CLI subcommands: one registry, one file per subcommand (sim/cli/cmd_<name>.cpp).
//
// A subcommand registers itself with XPU_REGISTER_COMMAND (a Registry, sim/core/registry.h);
// main.cpp dispatches `xpusim <name>`.
// Each command parses its own arguments with `Args` (so `--help` works on every subcommand) and
// returns the process exit code. Exit codes: 0 ok, 1 the run completed but a check failed (e.g.
// "does not fit in HBM" when asked to fail on it), 2 bad input (config, trace, command line),
// 3 simulation error (deadlock in a trace), 70 internal error.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/registry.h"

namespace xpu::cli {

constexpr int kExitOk = 0;
constexpr int kExitCheckFailed = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitSimulationError = 3;
constexpr int kExitInternal = 70;
constexpr const char* kVersion = "0.1.0";

// `xpusim ARGS...` (args without the program name): dispatches to the subcommand and returns its
// exit code, printing errors on stderr as main() does. With rethrow_user_errors, errors propagate as
// exceptions instead (the library facade maps them to xpusim::Error).
int dispatch(const std::vector<std::string>& args, bool rethrow_user_errors = false);

// A declared option: `--name VALUE` (or a flag without a value).
struct OptionDecl {
  std::string name;      // without the dashes
  std::string metavar;   // "" for a flag
  std::string help;
  std::string default_value;
  bool required = false;
};

// Minimal, strict argument parser: unknown options are errors (with a suggestion), `--help`
// prints the generated usage. Positional arguments are collected in order.
class Args {
 public:
  Args(std::string command, std::string summary, std::vector<OptionDecl> options,
       std::vector<std::string> positional_names = {});
  // Returns false when --help was printed (caller returns 0). Throws UsageError on bad input.
  bool parse(const std::vector<std::string>& argv);
  bool has(const std::string& name) const;
  std::string get(const std::string& name) const;  // value or declared default (last occurrence)
  std::vector<std::string> get_all(const std::string& name) const;  // every occurrence, in order
  const std::vector<std::string>& positional() const { return positional_; }
  std::string usage() const;

 private:
  std::string command_, summary_;
  std::vector<OptionDecl> options_;
  std::vector<std::string> positional_names_;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> all_values_;
  std::vector<std::string> positional_;
};

// A positive integer option value (e.g. --ranks), at most `max`; UserError naming the command and option.
long positive_int_option(const std::string& command, const std::string& option, const std::string& value,
                         long max = 1L << 24);

// Helpers for subcommands that call the plot scripts under analysis/.
std::string shell_quote(const std::string& s);
int exit_status(int system_status);
// analysis/<name>: $XPUSIM_ANALYSIS_DIR, else <dir of the binary>/../analysis (the binary lives in
// <repo>/build*/), else ./analysis; "" when not found.
std::string find_analysis_script(const std::string& name);
// Where the repository's or the installation's data folders (analysis/, workloads/, arch-configs/)
// may be: the checkout the binary (or libxpusim, for the Python module) was built in, and
// <prefix>/share/xpusim when installed. Most likely first.
std::vector<std::string> data_roots_text();
// Runs `python script args...` when python can import matplotlib, printing one line on stdout when it
// cannot (what = the CSV that is complete anyway). Returns kExitOk, or kExitCheckFailed when the
// script itself failed (after printing an error).
int run_plot_script(const std::string& python, const std::string& script_name, const std::vector<std::string>& args,
                    const std::string& what);

struct Command {
  std::string name;
  std::string summary;
  std::function<int(const std::vector<std::string>&)> run;
};

using CommandRegistry = Registry<Command>;
CommandRegistry& command_registry();
// Every registered subcommand by name.
const std::map<std::string, Command>& commands();

}  // namespace xpu::cli

#define XPU_REGISTER_COMMAND(NAME, SUMMARY, FN)                                    \
  XPU_REGISTER(::xpu::cli::command_registry(), NAME, SUMMARY, ::xpu::no_params(), [] { \
    return std::make_unique<::xpu::cli::Command>(::xpu::cli::Command{NAME, SUMMARY, FN}); \
  })
