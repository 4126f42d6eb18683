// xpusim::cli() (include/xpusim/xpusim.h): a subcommand run in this process, its output captured.
#include <iostream>
#include <sstream>

#include "sim/api/translate.h"
#include "sim/cli/command.h"
#include "xpusim/xpusim.h"

namespace xpusim {
namespace {

// Points std::cout / std::cerr at strings for its lifetime (restored on any exit, exceptions included).
class Capture {
 public:
  Capture() : out_old_(std::cout.rdbuf(out_.rdbuf())), err_old_(std::cerr.rdbuf(err_.rdbuf())) {}
  ~Capture() {
    std::cout.rdbuf(out_old_);
    std::cerr.rdbuf(err_old_);
  }
  std::string out() const { return out_.str(); }
  std::string err() const { return err_.str(); }

 private:
  std::ostringstream out_, err_;
  std::streambuf* out_old_;
  std::streambuf* err_old_;
};

}  // namespace

CliResult cli(const std::vector<std::string>& args, bool throw_errors) {
  return xpu::api::translate_errors([&] {
    CliResult r;
    Capture cap;
    r.exit_code = xpu::cli::dispatch(args, throw_errors);
    r.out = cap.out();
    r.err = cap.err();
    return r;
  });
}

}  // namespace xpusim
