// The checkout must be self-contained: no file a user or CI reads (sources, tests, build files, docs,
// presets, workloads, scripts) may point outside it, neither at the sibling reference folder the
// developers read from nor at an absolute machine path. Fixtures live in tests/data/.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/paths.h"

namespace fs = std::filesystem;

namespace {

// Spelled in pieces so this file does not match itself.
const std::vector<std::string>& forbidden() {
  static const std::vector<std::string> f = {std::string("../") + "shared", std::string("/wo") + "rk/",
                                             std::string("/ho") + "me/", std::string("/ro") + "ot/",
                                             std::string("shared/") + "validation", std::string("shared/") + "traces"};
  return f;
}

bool is_text(const fs::path& p) {
  static const std::vector<std::string> ext = {".cpp", ".h", ".hpp", ".txt", ".md", ".yaml", ".yml", ".sh",
                                               ".py", ".cmake", ".proto", ".json", ".csv", ".in", ""};
  const std::string e = p.extension().string();
  for (const auto& x : ext)
    if (e == x) return true;
  return false;
}

}  // namespace

TEST(RepoHygiene, NoFileNamesPathsOutsideTheCheckout) {
  const fs::path root = xpu::test::src("");
  const std::vector<std::string> tops = {"sim", "tests", "docs", "arch-configs", "workloads", "scripts",
                                         "analysis", ".ci", "README.md", "CMakeLists.txt",
                                         "include", "python", "cmake"};
  int scanned = 0;
  std::vector<std::string> hits;
  for (const auto& top : tops) {
    const fs::path t = root / top;
    if (!fs::exists(t)) continue;
    std::vector<fs::path> files;
    if (fs::is_regular_file(t)) files.push_back(t);
    else
      for (const auto& e : fs::recursive_directory_iterator(t))
        if (e.is_regular_file()) files.push_back(e.path());
    for (const auto& f : files) {
      if (!is_text(f)) continue;
      std::ifstream in(f, std::ios::binary);
      std::string line;
      int n = 0;
      ++scanned;
      while (std::getline(in, line)) {
        ++n;
        for (const auto& bad : forbidden())
          if (line.find(bad) != std::string::npos)
            hits.push_back(fs::relative(f, root).string() + ":" + std::to_string(n) + ": " + bad);
      }
    }
  }
  EXPECT_GT(scanned, 100) << "the scan found too few files: wrong source root?";
  std::ostringstream all;
  for (const auto& h : hits) all << "  " << h << "\n";
  EXPECT_TRUE(hits.empty()) << hits.size() << " references outside the checkout:\n" << all.str();
}
