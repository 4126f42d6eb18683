#include "sim/cli/command.h"

#include <cstdlib>
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

bool Args::parse(const std::vector<std::string>& argv) {
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

namespace {
std::map<std::string, Command>& registry() {
  static std::map<std::string, Command> r;
  return r;
}
}  // namespace

bool register_command(Command c) {
  registry()[c.name] = std::move(c);
  return true;
}
const std::map<std::string, Command>& commands() { return registry(); }

}  // namespace xpu::cli
