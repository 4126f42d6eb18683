// `xpusim sweep` as a study: scenario keys applied as the scenario file would set them, -j N does
// not change a byte, a results database makes a re-run skip finished points (none lost, none
// twice), study files (list form), and bad input (exit 2, the key named, nothing written).
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/paths.h"
#include "tests/support/run.h"

using namespace xpu::test;
namespace fs = std::filesystem;

namespace {

const std::string kPod = src("arch-configs/pods/ascend-910b-8node.yaml");
const std::string kTiny = src("workloads/scenarios/student-gpt-125m-tiny.yaml");

std::string sweep(const std::string& extra) {
  return binary() + " sweep --arch " + kPod + " --workload " + kTiny + " " + extra;
}

std::vector<std::vector<std::string>> rows(const std::string& csv) {
  std::vector<std::vector<std::string>> out;
  std::istringstream in(csv);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string x;
    while (std::getline(ls, x, ',')) f.push_back(x);
    out.push_back(f);
  }
  return out;
}

double run_step_time(const std::string& scenario) {
  RunResult r = run(binary() + " run --json --arch " + kPod + " --workload " + scenario);
  EXPECT_EQ(r.code, 0) << r.err;
  const auto at = r.out.find("\"step_time_s\": ");
  if (at == std::string::npos) return -1;
  return std::stod(r.out.substr(at + 15));
}

long db_rows(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_stmt* st = nullptr;
  long n = -1;
  if (sqlite3_prepare_v2(db, "SELECT COUNT(*), COUNT(DISTINCT key) FROM points", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0) == sqlite3_column_int64(st, 1) ? long(sqlite3_column_int64(st, 0)) : -2;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

}  // namespace

TEST(CliSweepStudy, ScenarioKeysGiveTheStepOfTheEditedScenario) {
  RunResult r = run(sweep("--vary parallel.tp=1,2 --vary training.micro_batch=1,2 -j 2"));
  ASSERT_EQ(r.code, 0) << r.err;
  auto t = rows(r.out);
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[0][1], "parallel.tp");
  EXPECT_EQ(t[0][2], "training.micro_batch");
  EXPECT_EQ(t[0][3], "step_time_s");
  // Point 3 (tp 2, micro-batch 2) is the scenario file as written.
  EXPECT_NEAR(std::stod(t[4][3]), run_step_time(kTiny), 1e-9);
  // Point 0 (tp 1, micro-batch 1) equals a copy of the file with those values.
  const std::string dir = temp_dir("sweep_edit");
  std::ofstream(dir + "/s.yaml") << "scenario:\n  name: edited\n  model: " << src("workloads/models/student-gpt-125m.yaml")
                                 << "\n  parallel: {tp: 1, dp: 2}\n"
                                    "  training: {micro_batch: 1, global_batch: 4, seq_len: 512, recompute: none}\n";
  EXPECT_NEAR(std::stod(t[1][3]), run_step_time(dir + "/s.yaml"), 1e-9);
  // Halving TP doubles each rank's matmul work: the compute column must grow.
  EXPECT_GT(std::stod(t[1][8]), std::stod(t[3][8]));
  fs::remove_all(dir);
}

TEST(CliSweepStudy, ResultsAreByteIdenticalWhateverTheNumberOfWorkers) {
  const std::string dir = temp_dir("sweep_jobs");
  const std::string axes = "--vary parallel.tp=1,2 --vary training.micro_batch=1,2 --vary chip.hbm.bandwidth=1TB/s,2TB/s";
  RunResult a = run(sweep(axes + " -j 1 --out " + dir + "/j1.csv"));
  RunResult b = run(sweep(axes + " -j 2 --out " + dir + "/j2.csv"));
  RunResult c = run(sweep(axes + " --jobs 3 --out " + dir + "/j3.csv"));
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(b.code, 0) << b.err;
  ASSERT_EQ(c.code, 0) << c.err;
  const std::string one = slurp(dir + "/j1.csv");
  EXPECT_EQ(rows(one).size(), 9u);
  EXPECT_EQ(one, slurp(dir + "/j2.csv"));
  EXPECT_EQ(one, slurp(dir + "/j3.csv"));
  fs::remove_all(dir);
}

TEST(CliSweepStudy, ADatabaseMakesAReRunSkipFinishedPoints) {
  const std::string dir = temp_dir("sweep_db");
  const std::string db = dir + "/results.db";
  // A first, partial run: 2 of the 4 points.
  RunResult first = run(sweep("--vary parallel.tp=1,2 --vary training.micro_batch=1 -j 2 --db " + db + " --out " + dir + "/a.csv"));
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_NE(first.out.find("2 simulated, 0 from the database"), std::string::npos) << first.out;
  EXPECT_EQ(db_rows(db), 2);
  // The full grid: the 2 stored points are skipped, the 2 others run; nothing is stored twice.
  RunResult full = run(sweep("--vary parallel.tp=1,2 --vary training.micro_batch=1,2 -j 2 --db " + db + " --out " + dir + "/b.csv"));
  ASSERT_EQ(full.code, 0) << full.err;
  EXPECT_NE(full.out.find("2 simulated, 2 from the database"), std::string::npos) << full.out;
  EXPECT_EQ(db_rows(db), 4);
  RunResult again = run(sweep("--vary parallel.tp=1,2 --vary training.micro_batch=1,2 -j 2 --db " + db + " --out " + dir + "/c.csv"));
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("0 simulated, 4 from the database"), std::string::npos) << again.out;
  EXPECT_EQ(db_rows(db), 4);
  // The CSV exported from the database equals a fresh run without one.
  RunResult fresh = run(sweep("--vary parallel.tp=1,2 --vary training.micro_batch=1,2 -j 1 --out " + dir + "/d.csv"));
  ASSERT_EQ(fresh.code, 0) << fresh.err;
  EXPECT_EQ(slurp(dir + "/b.csv"), slurp(dir + "/d.csv"));
  EXPECT_EQ(slurp(dir + "/c.csv"), slurp(dir + "/d.csv"));
  fs::remove_all(dir);
}

TEST(CliSweepStudy, AStudyFileListGivesTheSameRowsAsTheCommandLineList) {
  RunResult file = run(binary() + " sweep --study " + src("tests/data/study_tp_list.yaml") + " -j 2");
  RunResult cli = run(sweep("--list --vary parallel.tp=1,2,2 --vary training.micro_batch=1,2,1 --set training.recompute=none -j 1"));
  ASSERT_EQ(file.code, 0) << file.err;
  ASSERT_EQ(cli.code, 0) << cli.err;
  EXPECT_EQ(rows(file.out).size(), 4u);
  EXPECT_EQ(file.out, cli.out);
  // Unequal --list axes are refused.
  RunResult bad = run(sweep("--list --vary parallel.tp=1,2 --vary training.micro_batch=1"));
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("element-wise"), std::string::npos) << bad.err;
}

TEST(CliSweepStudy, BadInputNamesTheKeyAndWritesNothing) {
  const std::string dir = temp_dir("sweep_bad");
  RunResult r = run(sweep("--vary parallel.tpp=1,2 --out " + dir + "/x.csv"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("parallel.tpp"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/x.csv"));
  // A layout that does not divide the model (12 heads, tp 5) fails before anything runs.
  RunResult d = run(sweep("--vary parallel.tp=2,5 --db " + dir + "/r.db --out " + dir + "/x.csv"));
  EXPECT_EQ(d.code, 2);
  EXPECT_NE(d.err.find("parallel.tp=5"), std::string::npos) << d.err;
  EXPECT_FALSE(fs::exists(dir + "/x.csv"));
  // A study file with an unknown key: file, line and key.
  RunResult s = run(binary() + " sweep --study " + src("tests/data/study_bad_key.yaml"));
  EXPECT_EQ(s.code, 2);
  EXPECT_NE(s.err.find("study_bad_key.yaml:5"), std::string::npos) << s.err;
  EXPECT_NE(s.err.find("did you mean 'grid'"), std::string::npos) << s.err;
  // Scenario keys on a trace workload are refused.
  RunResult t = run(binary() + " sweep --arch " + kPod + " --workload " + src("workloads/samples/mlp-dp8.yaml") +
                    " --vary parallel.tp=1,2");
  EXPECT_EQ(t.code, 2);
  EXPECT_NE(t.err.find("not a transformer scenario"), std::string::npos) << t.err;
  fs::remove_all(dir);
}

TEST(CliSweepStudy, ProgressLineOnlyWhenAskedOrOnATerminal) {
  const std::string axes = "--vary parallel.tp=1,2 --vary training.micro_batch=1,2 -j 2";
  RunResult quiet = run(sweep(axes));  // stderr is a file here: nothing
  ASSERT_EQ(quiet.code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "");
  RunResult shown = run("XPUSIM_PROGRESS=1 " + sweep(axes));
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_NE(shown.err.find("4/4 points"), std::string::npos) << shown.err;
  EXPECT_NE(shown.err.find("points/min, ETA"), std::string::npos) << shown.err;
  EXPECT_EQ(shown.out, quiet.out);  // the progress line never reaches the results
}

TEST(CliSweepStudy, AKilledSweepLosesOnlyRunningPointsAndTheReRunCompletesIt) {
  // 6 points of Llama 3 70B on 256 H100-like GPUs (about half a second each): kill the sweep (and
  // its workers: a new session, killed as a group) once 2 points are stored, then run it again.
  const std::string dir = temp_dir("sweep_kill");
  const std::string db = dir + "/r.db";
  const std::string cmd = binary() + " sweep --arch " + src("arch-configs/pods/dgx-h100-superpod-like.yaml") +
                          " --workload " + src("workloads/scenarios/llama3-70b-train-256.yaml") +
                          " --vary chip.hbm.bandwidth=3TB/s,3.35TB/s,4.8TB/s --vary training.micro_batch=1,2 -j 2 --db " + db;
  ASSERT_EQ(std::system(("setsid " + cmd + " --out " + dir + "/killed.csv >/dev/null 2>&1 & echo $! > " + dir + "/pid").c_str()), 0);
  long stored = 0;
  for (int i = 0; i < 600 && stored < 2; ++i) {
    ::usleep(50000);
    if (fs::exists(db)) stored = std::max(0L, db_rows(db));
  }
  const pid_t pid = static_cast<pid_t>(std::stol(slurp(dir + "/pid")));
  ::kill(-pid, SIGKILL);
  ::usleep(200000);
  const long before = db_rows(db);
  ASSERT_GE(before, 2);
  EXPECT_FALSE(fs::exists(dir + "/killed.csv"));  // killed before the end: no half-written CSV
  RunResult rerun = run(cmd + " --out " + dir + "/done.csv");
  ASSERT_EQ(rerun.code, 0) << rerun.err;
  // Every point exactly once: the stored ones are skipped, the rest simulated.
  EXPECT_NE(rerun.out.find(std::to_string(6 - before) + " simulated, " + std::to_string(before) + " from the database"),
            std::string::npos)
      << rerun.out;
  EXPECT_EQ(db_rows(db), 6);
  EXPECT_EQ(rows(slurp(dir + "/done.csv")).size(), 7u);
  fs::remove_all(dir);
}

TEST(CliSweepStudy, TheModelIsAKeyLikeAnyOther) {
  RunResult r = run(sweep("--vary model=student-gpt-125m,llama3-8b -j 2"));
  ASSERT_EQ(r.code, 0) << r.err;
  auto t = rows(r.out);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[1][1], "student-gpt-125m");
  EXPECT_EQ(t[2][1], "llama3-8b");
  EXPECT_NEAR(std::stod(t[1][2]), run_step_time(kTiny), 1e-9);
  const std::string dir = temp_dir("sweep_model");
  std::ofstream(dir + "/s.yaml") << "scenario:\n  name: edited\n  model: " << src("workloads/models/llama3-8b.yaml")
                                 << "\n  parallel: {tp: 2, dp: 2}\n"
                                    "  training: {micro_batch: 2, global_batch: 4, seq_len: 512, recompute: none}\n";
  EXPECT_NEAR(std::stod(t[2][2]), run_step_time(dir + "/s.yaml"), 1e-9);
  EXPECT_GT(std::stod(t[2][7]), 10 * std::stod(t[1][7]));  // compute_s: 8B against 125M parameters
  fs::remove_all(dir);
}
