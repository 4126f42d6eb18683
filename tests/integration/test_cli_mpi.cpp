// `mpirun -n K xpusim sweep` over loopback (built only when CMake found MPI: sim/study/mpi.h). Rank 0
// hands points to the other ranks and stores the results; the CSV must be byte-identical to a run
// without MPI, the database must hold every point once, and a re-run under mpirun must simulate
// nothing. --allow-run-as-root --oversubscribe: CI runs as root on a machine with fewer cores.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "tests/support/paths.h"
#include "tests/support/run.h"

using namespace xpu::test;
namespace fs = std::filesystem;

namespace {

const std::string kSweep = " sweep --arch " + src("arch-configs/pods/ascend-910b-8node.yaml") + " --workload " +
                           src("workloads/scenarios/student-gpt-125m-tiny.yaml") +
                           " --vary parallel.tp=1,2 --vary training.micro_batch=1,2 --vary chip.hbm.bandwidth=1TB/s,2TB/s";

std::string mpirun(int n) {
  return std::string(XPUSIM_MPIEXEC) + " -n " + std::to_string(n) + " --allow-run-as-root --oversubscribe " + binary();
}

long db_rows(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_stmt* st = nullptr;
  long n = -1;
  if (sqlite3_prepare_v2(db, "SELECT COUNT(DISTINCT key) FROM points", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    n = long(sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

}  // namespace

TEST(CliMpi, TwoRanksOverLoopbackGiveTheSameCsvAndResume) {
  const std::string dir = temp_dir("mpi");
  RunResult local = run(binary() + kSweep + " -j 1 --out " + dir + "/local.csv");
  ASSERT_EQ(local.code, 0) << local.err;
  RunResult m = run(mpirun(2) + kSweep + " --db " + dir + "/r.db --out " + dir + "/mpi.csv");
  ASSERT_EQ(m.code, 0) << m.out << m.err;
  EXPECT_NE(m.out.find("8 points: 8 simulated, 0 from the database"), std::string::npos) << m.out;
  EXPECT_EQ(slurp(dir + "/mpi.csv"), slurp(dir + "/local.csv"));
  EXPECT_EQ(db_rows(dir + "/r.db"), 8);
  RunResult again = run(mpirun(3) + kSweep + " --db " + dir + "/r.db --out " + dir + "/again.csv");
  ASSERT_EQ(again.code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("0 simulated, 8 from the database"), std::string::npos) << again.out;
  EXPECT_EQ(slurp(dir + "/again.csv"), slurp(dir + "/local.csv"));
  fs::remove_all(dir);
}

// Every rank fails on the same bad key before any point is exchanged: the job ends through
// MPI_Finalize, not MPI_Abort (which once raced a peer in MPI_Finalize and hung CI for 300 s).
TEST(CliMpi, BadInputUnderMpirunExitsTwo) {
  for (int n : {2, 3}) {
    RunResult r = run(mpirun(n) + kSweep + " --vary parallel.tpp=1");
    EXPECT_EQ(r.code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("unknown key 'tpp'"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("MPI_ABORT"), std::string::npos) << r.err;
  }
}

// Only rank 0 owns the results database: when it cannot open it, the workers are told to stop.
TEST(CliMpi, RankZeroFailingAloneReleasesTheWorkers) {
  RunResult r = run(mpirun(3) + kSweep + " --db " + temp_dir("mpi-bad") + "/missing/dir/r.db");
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("MPI_ABORT"), std::string::npos) << r.err;
}
