#include "sim/study/mpi.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "sim/core/error.h"

#ifdef XPUSIM_HAVE_MPI
#include <mpi.h>
#endif

namespace xpu::study {
namespace {
bool g_active = false;
bool g_released = false;  // rank 0 told every worker to stop
int g_rank = 0, g_size = 1;

int env_int(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : 0;
}
}  // namespace

bool mpi_built() {
#ifdef XPUSIM_HAVE_MPI
  return true;
#else
  return false;
#endif
}

bool mpi_launched() { return std::max(env_int("OMPI_COMM_WORLD_SIZE"), env_int("PMI_SIZE")) > 1; }

bool mpi_active() { return g_active; }
int mpi_rank() { return g_rank; }
int mpi_size() { return g_size; }
bool mpi_worker() { return g_active && g_rank > 0; }

#ifdef XPUSIM_HAVE_MPI

namespace {
constexpr int kTagWork = 1, kTagStop = 2, kTagResult = 3;
// Where this rank stands in the exchange, for the clean ending after an error (mpi_end_after_failure).
enum class Stage { Before, During, After };
Stage g_stage = Stage::Before;
}

void mpi_start(int* argc, char*** argv) {
  if (!mpi_launched()) return;
  MPI_Init(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  g_active = g_size > 1;
}

void mpi_stop() {
  if (!g_active) return;
  MPI_Finalize();
  g_active = false;
}

// MPI_Abort is the last resort: with Open MPI 4.1 it can race a peer that is inside MPI_Finalize
// and hang the job (seen once in CI). The common failure, bad input, happens on every rank before
// any point is exchanged, so it ends with ordinary messages and MPI_Finalize: rank 0 tells each
// worker to stop, and a worker that failed before serving takes that message off the queue.
void mpi_end_after_failure(int code) {
  if (!g_active) return;
  if (g_rank == 0) {
    if (g_released) return;
    if (g_stage == Stage::During) MPI_Abort(MPI_COMM_WORLD, code);  // workers may be mid-point
    for (int r = 1; r < g_size; ++r) MPI_Send(nullptr, 0, MPI_UNSIGNED_LONG_LONG, r, kTagStop, MPI_COMM_WORLD);
    g_released = true;
    return;
  }
  if (g_stage == Stage::After) return;
  if (g_stage == Stage::During) MPI_Abort(MPI_COMM_WORLD, code);  // rank 0 waits for this rank's answer
  MPI_Status st;
  unsigned long long i = 0;
  MPI_Recv(&i, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
  // Rank 0 went on without failing: it hands this rank work that it cannot do.
  if (st.MPI_TAG != kTagStop) MPI_Abort(MPI_COMM_WORLD, code);
  g_stage = Stage::After;
}

void mpi_dispatch(const std::vector<std::size_t>& todo, const std::function<void(std::size_t, const std::string&)>& on_result) {
  std::size_t next = 0, outstanding = 0;
  g_stage = Stage::During;
  for (int r = 1; r < g_size; ++r) {
    if (next < todo.size()) {
      unsigned long long i = todo[next++];
      MPI_Send(&i, 1, MPI_UNSIGNED_LONG_LONG, r, kTagWork, MPI_COMM_WORLD);
      ++outstanding;
    } else {
      MPI_Send(nullptr, 0, MPI_UNSIGNED_LONG_LONG, r, kTagStop, MPI_COMM_WORLD);
    }
  }
  if (outstanding == 0) g_released = true;
  while (outstanding > 0) {
    MPI_Status st;
    MPI_Probe(MPI_ANY_SOURCE, kTagResult, MPI_COMM_WORLD, &st);
    int len = 0;
    MPI_Get_count(&st, MPI_CHAR, &len);
    std::string buf(static_cast<size_t>(len), '\0');
    MPI_Recv(buf.data(), len, MPI_CHAR, st.MPI_SOURCE, kTagResult, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    --outstanding;
    // Frame: "<index> <payload>".
    const auto sp = buf.find(' ');
    if (sp == std::string::npos) throw InternalError("MPI: bad result frame");
    const std::size_t idx = std::strtoull(buf.substr(0, sp).c_str(), nullptr, 10);
    if (next < todo.size()) {
      unsigned long long i = todo[next++];
      MPI_Send(&i, 1, MPI_UNSIGNED_LONG_LONG, st.MPI_SOURCE, kTagWork, MPI_COMM_WORLD);
      ++outstanding;
    } else {
      MPI_Send(nullptr, 0, MPI_UNSIGNED_LONG_LONG, st.MPI_SOURCE, kTagStop, MPI_COMM_WORLD);
    }
    on_result(idx, buf.substr(sp + 1));
  }
  g_released = true;
  g_stage = Stage::After;
}

void mpi_serve(const std::function<std::string(std::size_t)>& simulate) {
  g_stage = Stage::During;
  for (;;) {
    MPI_Status st;
    unsigned long long i = 0;
    MPI_Recv(&i, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    if (st.MPI_TAG == kTagStop) {
      g_stage = Stage::After;
      return;
    }
    const std::string out = std::to_string(i) + " " + simulate(static_cast<std::size_t>(i));
    MPI_Send(out.data(), static_cast<int>(out.size()), MPI_CHAR, 0, kTagResult, MPI_COMM_WORLD);
  }
}

#else

void mpi_start(int*, char***) {}
void mpi_stop() {}
void mpi_end_after_failure(int) {}
void mpi_dispatch(const std::vector<std::size_t>&, const std::function<void(std::size_t, const std::string&)>&) {
  throw UserError("this xpusim was built without MPI (install libopenmpi-dev and rebuild)");
}
void mpi_serve(const std::function<std::string(std::size_t)>&) {
  throw UserError("this xpusim was built without MPI (install libopenmpi-dev and rebuild)");
}

#endif

}  // namespace xpu::study
