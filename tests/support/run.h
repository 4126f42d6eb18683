// Run a command line in a shell and capture exit code, stdout and stderr (for CLI tests).
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace xpu::test {

struct RunResult {
  int code = -1;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string temp_dir(const std::string& tag) {
  namespace fs = std::filesystem;
  fs::path p = fs::temp_directory_path() / ("xpusim_test_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

inline RunResult run(const std::string& cmdline) {
  std::string dir = temp_dir("run");
  std::string o = dir + "/out.txt", e = dir + "/err.txt";
  std::string full = cmdline + " >" + o + " 2>" + e + " </dev/null";
  int st = std::system(full.c_str());
  RunResult r;
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = slurp(o);
  r.err = slurp(e);
  std::filesystem::remove_all(dir);
  return r;
}

}  // namespace xpu::test
