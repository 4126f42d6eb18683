#include "sim/cli/command.h"

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "sim/core/config.h"
#include "sim/core/error.h"

namespace xpu::cli {

Args::Args(std::string command, std::string summary, std::vector<OptionDecl> options,
           std::vector<std::string> positional_names)
    : command_(std::move(command)),
      summary_(std::move(summary)),
      options_(std::move(options)),
      positional_names_(std::move(positional_names)) {}

std::string Args::usage() const {
  std::string s = "usage: xpusim " + command_;
  for (const auto& o : options_) {
    std::string part = "--" + o.name + (o.metavar.empty() ? "" : " " + o.metavar);
    s += o.required ? " " + part : " [" + part + "]";
  }
  for (const auto& p : positional_names_) s += " " + p;
  s += "\n\n" + summary_ + "\n\noptions:\n";
  for (const auto& o : options_) {
    std::string left = "  --" + o.name + (o.metavar.empty() ? "" : " " + o.metavar);
    if (left.size() < 28) left += std::string(28 - left.size(), ' ');
    else left += "\n" + std::string(28, ' ');
    s += left + o.help;
    if (!o.default_value.empty()) s += " (default: " + o.default_value + ")";
    if (o.required) s += " (required)";
    s += "\n";
  }
  s += "  --help                    show this help\n";
  return s;
}

bool Args::parse(const std::vector<std::string>& raw) {
  // `-j N` / `-jN` is short for `--jobs N` on commands that have --jobs.
  std::vector<std::string> argv;
  bool has_jobs = false;
  for (const auto& o : options_) has_jobs = has_jobs || o.name == "jobs";
  for (const auto& a : raw) {
    if (has_jobs && a == "-j") argv.push_back("--jobs");
    else if (has_jobs && a.size() > 2 && a.rfind("-j", 0) == 0) argv.push_back("--jobs=" + a.substr(2));
    else argv.push_back(a);
  }
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage();
      return false;
    }
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2), value;
      bool inline_value = false;
      auto eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        inline_value = true;
      }
      const OptionDecl* d = nullptr;
      for (const auto& o : options_)
        if (o.name == name) d = &o;
      if (d == nullptr) {
        std::vector<std::string> names;
        for (const auto& o : options_) names.push_back(o.name);
        std::string near = cfg::nearest(name, names);
        throw UserError("xpusim " + command_ + ": unknown option '--" + name + "'" +
                        (near.empty() ? "" : " (did you mean '--" + near + "'?)") + "; see --help");
      }
      if (d->metavar.empty()) {
        if (inline_value) throw UserError("xpusim " + command_ + ": option '--" + name + "' takes no value");
        values_[name] = "1";
      } else {
        if (!inline_value) {
          if (i + 1 >= argv.size())
            throw UserError("xpusim " + command_ + ": option '--" + name + "' needs a value (" + d->metavar + ")");
          value = argv[++i];
        }
        values_[name] = value;
        all_values_[name].push_back(value);
      }
    } else {
      positional_.push_back(a);
    }
  }
  for (const auto& o : options_)
    if (o.required && !values_.count(o.name))
      throw UserError("xpusim " + command_ + ": missing required option '--" + o.name + " " + o.metavar + "'; see --help");
  if (positional_.size() > positional_names_.size()) {
    throw UserError("xpusim " + command_ + ": unexpected argument '" + positional_[positional_names_.size()] + "'; see --help");
  }
  return true;
}

bool Args::has(const std::string& name) const { return values_.count(name) > 0; }

std::vector<std::string> Args::get_all(const std::string& name) const {
  auto it = all_values_.find(name);
  return it == all_values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end()) return it->second;
  for (const auto& o : options_)
    if (o.name == name) return o.default_value;
  return "";
}

long positive_int_option(const std::string& command, const std::string& option, const std::string& value, long max) {
  char* end = nullptr;
  long n = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || n < 1 || n > max)
    throw UserError("xpusim " + command + ": --" + option + " needs a positive integer (at most " + std::to_string(max) +
                    "), got '" + value + "'");
  return n;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

int exit_status(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0); }

std::vector<std::filesystem::path> data_roots() {
  namespace fs = std::filesystem;
  std::vector<fs::path> bases;
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    buf[n] = '\0';
    bases.push_back(fs::path(buf).parent_path().parent_path());  // <repo>/build*/xpusim, <prefix>/bin/xpusim
  }
  Dl_info info;
  if (::dladdr(reinterpret_cast<void*>(&data_roots), &info) != 0 && info.dli_fname != nullptr) {
    // The name it was loaded by may hold ".." (an RPATH of $ORIGIN/../..): resolve it first.
    std::error_code ec;
    fs::path file = fs::weakly_canonical(fs::path(info.dli_fname), ec);
    if (ec) file = fs::path(info.dli_fname);
    const fs::path lib = file.parent_path();  // <repo>/build*/lib, <prefix>/lib[/<arch>]
    bases.push_back(lib.parent_path().parent_path());
    bases.push_back(lib.parent_path());
    bases.push_back(lib.parent_path().parent_path().parent_path());
  }
  std::vector<fs::path> out;
  for (const auto& b : bases) {
    out.push_back(b);
    out.push_back(b / "share" / "xpusim");
  }
  return out;
}

std::vector<std::string> data_roots_text() {
  std::vector<std::string> out;
  for (const auto& p : data_roots()) out.push_back(p.string());
  return out;
}

std::string find_analysis_script(const std::string& name) {
  namespace fs = std::filesystem;
  std::vector<fs::path> dirs;
  if (const char* e = std::getenv("XPUSIM_ANALYSIS_DIR")) dirs.emplace_back(e);
  for (const auto& r : data_roots()) dirs.push_back(r / "analysis");
  dirs.emplace_back("analysis");
  for (const auto& d : dirs) {
    std::error_code ec;
    if (fs::exists(d / name, ec)) return (d / name).string();
  }
  return "";
}

int run_plot_script(const std::string& py, const std::string& script_name, const std::vector<std::string>& args,
                    const std::string& what) {
  std::cout.flush();
  if (exit_status(std::system((shell_quote(py) + " -c 'import matplotlib' >/dev/null 2>&1").c_str())) != 0) {
    std::cout << "  plots: skipped: " << py << " cannot import matplotlib (install python3-matplotlib, e.g. "
              << "scripts/deps.sh); " << what << " is complete\n";
    return kExitOk;
  }
  const std::string script = find_analysis_script(script_name);
  if (script.empty()) {
    std::cout << "  plots: skipped: analysis/" << script_name << " not found (set XPUSIM_ANALYSIS_DIR); " << what
              << " is complete\n";
    return kExitOk;
  }
  std::string cmd = shell_quote(py) + " " + shell_quote(script);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  std::cout.flush();  // the script's own lines follow ours
  const int rc = exit_status(std::system(cmd.c_str()));
  if (rc != 0) {
    std::cerr << "error: plot script failed (exit " << rc << "): " << cmd << "\n";
    return kExitCheckFailed;
  }
  return kExitOk;
}

CommandRegistry& command_registry() {
  static CommandRegistry r("CLI subcommand", "xpusim <name>");
  return r;
}
const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> m = [] {
    std::map<std::string, Command> out;
    for (const auto& [name, e] : command_registry().entries()) out[name] = *e.make();
    return out;
  }();
  return m;
}

}  // namespace xpu::cli
