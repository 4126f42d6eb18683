// Errors.
//
// Two kinds, kept apart as gem5 keeps `fatal` and `panic`:
//   * UserError and its subclasses: the input is wrong (a config, a trace, a command line). They
//     carry where (file:line:column), which key (a dotted path such as `chip.hbm.bandwidth`), the
//     rule that was broken and the bad value. The CLI catches them, prints what() and exits with
//     code 2. Library code never calls exit().
//   * Internal invariants are checked with XPU_ASSERT, which throws InternalError (our bug); the CLI
//     exits with code 70 (EX_SOFTWARE) on those.
#pragma once

#include <stdexcept>
#include <string>

namespace xpu {

// A place in an input file. line and column are 1-based; 0 means "unknown".
struct SourceLoc {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "file:line:column", or "file" when the line is unknown
};

class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& msg) : std::runtime_error(msg) {}
};

// A unit string that does not parse or has the wrong dimension. Has no location: the config layer
// catches it and rethrows a ConfigError with one.
class UnitError : public UserError {
 public:
  explicit UnitError(const std::string& msg) : UserError(msg) {}
};

// An error in a YAML config or trace: `file:line:col: key.path: message`.
class ConfigError : public UserError {
 public:
  ConfigError(SourceLoc loc, std::string key_path, std::string message);
  const SourceLoc& loc() const { return loc_; }
  const std::string& key_path() const { return key_; }
  const std::string& message() const { return msg_; }

 private:
  SourceLoc loc_;
  std::string key_;
  std::string msg_;
};

// A simulation that cannot proceed because of its input (a deadlock in the trace, a collective
// whose participants never all arrive).
class SimulationError : public UserError {
 public:
  explicit SimulationError(const std::string& msg) : UserError(msg) {}
};

class InternalError : public std::logic_error {
 public:
  explicit InternalError(const std::string& msg) : std::logic_error(msg) {}
};

[[noreturn]] void internal_error(const char* file, int line, const std::string& what);

}  // namespace xpu

#define XPU_ASSERT(cond, msg)                                  \
  do {                                                         \
    if (!(cond)) ::xpu::internal_error(__FILE__, __LINE__, std::string("assertion `" #cond "` failed: ") + (msg)); \
  } while (0)
