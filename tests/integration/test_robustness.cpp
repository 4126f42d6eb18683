// Bad input never crashes: deterministic mutation testing of every input reader.
// Each sample input is truncated at many points and has bytes flipped, deleted and duplicated by a
// fixed-seed generator; every reader must then either accept the input or throw a UserError (which
// the CLI turns into a message and exit code 2). Any other exception, a crash or a hang fails.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "sim/cluster/arch.h"
#include "sim/workload/reader.h"
#include "tests/support/paths.h"

using namespace xpu;
namespace fs = std::filesystem;

namespace {

std::string read_all(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> mutants(const std::string& text, std::uint32_t seed, int n) {
  std::mt19937 rng(seed);
  std::vector<std::string> out;
  const char specials[] = {'\0', '\n', ':', '[', ']', '{', '}', '-', '#', '"', '\'', '&', '*', '!', '|', '>', '9', ' '};
  for (int i = 0; i < n && !text.empty(); ++i) {
    std::string m = text;
    switch (rng() % 5) {
      case 0: m.resize(rng() % m.size()); break;                                   // truncate
      case 1: m[rng() % m.size()] = static_cast<char>(rng() % 256); break;         // random byte
      case 2: m[rng() % m.size()] = specials[rng() % sizeof specials]; break;      // YAML syntax byte
      case 3: { size_t at = rng() % m.size(); m.erase(at, 1 + rng() % 8); break; } // delete a run
      case 4: { size_t at = rng() % m.size(); m.insert(at, m.substr(at, 1 + rng() % 16)); break; }  // duplicate
    }
    out.push_back(std::move(m));
  }
  return out;
}

template <class F>
void expect_only_user_errors(const std::string& what, const std::vector<std::string>& inputs, const std::string& path, F load) {
  int accepted = 0, rejected = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << inputs[i];
    try {
      load(path);
      ++accepted;
    } catch (const UserError&) {
      ++rejected;
    } catch (const std::exception& e) {
      ADD_FAILURE() << what << " mutant #" << i << " threw a non-user error: " << e.what();
    }
  }
  EXPECT_GT(rejected, 0) << what << ": no mutant was rejected, so the test exercised nothing";
  std::printf("[robustness] %-40s %4d accepted, %4d rejected with a message\n", what.c_str(), accepted, rejected);
}

std::string scratch(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("xpusim_robust_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return (d / name).string();
}

}  // namespace

TEST(Robustness, MutatedArchConfigs) {
  // Self-contained (no base: include) so every mutant is read whole.
  std::string text = read_all(test::src("arch-configs/chips/ascend-910b-like.yaml"));
  text = text.substr(0, text.find("    preset:")) + text.substr(text.find('\n', text.find("    preset:")) + 1);
  expect_only_user_errors("arch (910B-like chip)", mutants(text, 1, 200), scratch("arch.yaml"),
                          [](const std::string& p) { load_arch(p); });
}

TEST(Robustness, MutatedNativeTraces) {
  for (const char* f : {"workloads/samples/mlp-dp8.yaml", "workloads/samples/tp2-pp2.yaml"})
    expect_only_user_errors(f, mutants(read_all(test::src(f)), 2, 150), scratch("trace.yaml"),
                            [](const std::string& p) { wl::load_workload(p); });
}

TEST(Robustness, MutatedScenarios) {
  // Lay the scratch files out like workloads/ so the scenario finds its model preset (../models/).
  const fs::path root = fs::path(scratch("wl"));
  fs::create_directories(root / "scenarios");
  fs::create_directories(root / "models");
  fs::copy_file(test::src("workloads/models/student-gpt-125m.yaml"), root / "models" / "student-gpt-125m.yaml",
                fs::copy_options::overwrite_existing);
  expect_only_user_errors("scenario (student GPT)",
                          mutants(read_all(test::src("workloads/scenarios/student-gpt-125m-tiny.yaml")), 3, 150),
                          (root / "scenarios" / "s.yaml").string(), [](const std::string& p) { wl::load_workload(p); });
}

TEST(Robustness, MutatedChakraRankFiles) {
  // Mutate rank 0 of a 4-rank Chakra trace written by our own writer; the other ranks stay intact.
  const std::string src_prefix = test::src("workloads/chakra/student-gpt-125m-tiny/student-gpt-125m-tiny");
  ASSERT_TRUE(fs::exists(src_prefix + ".0.et"));
  const std::string dst = scratch("chakra");
  fs::create_directories(dst);
  for (int r = 1; r < 4; ++r)
    fs::copy_file(src_prefix + "." + std::to_string(r) + ".et", dst + "/t." + std::to_string(r) + ".et",
                  fs::copy_options::overwrite_existing);
  expect_only_user_errors("chakra rank file", mutants(read_all(src_prefix + ".0.et"), 4, 150), dst + "/t.0.et",
                          [&](const std::string&) { wl::load_workload(dst + "/t"); });
}
