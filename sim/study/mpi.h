// Optional MPI distribution of study points (`mpirun -n K xpusim sweep|plan|scale ...`).
//
// Built when CMake finds MPI (XPUSIM_HAVE_MPI); otherwise these functions report "no MPI" and
// studies run as before. Under mpirun (OMPI_COMM_WORLD_SIZE / PMI_SIZE > 1 in the environment),
// every rank parses the same command line and expands the same points (expansion is
// deterministic). Rank 0 owns the ResultStore: it skips stored points, hands the others out one at a
// time to ranks 1..K-1 (the next index to whichever rank answers first), and stores each result as
// it arrives (committed at once, as without MPI). Ranks 1..K-1 simulate in-process and print nothing
// (main() sends their stdout to /dev/null); the command returns right after the run on them.
// Results and outputs are byte-identical to a run without MPI.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace xpu::study {

// Called by main() first and last. Initialises MPI only when launched by mpirun with K > 1.
void mpi_start(int* argc, char*** argv);
void mpi_stop();
// After an error (exit code `code`) on this rank, before mpi_stop(): make sure no rank waits forever.
// Rank 0 that failed before dispatching tells every worker to stop; a worker that failed before
// serving receives that message. Only a failure in the middle of the exchange (or a worker failing
// alone) ends the job with MPI_Abort(code).
void mpi_end_after_failure(int code);
bool mpi_active();     // launched with K > 1 and MPI initialised
int mpi_rank();        // 0 without MPI
int mpi_size();        // 1 without MPI
bool mpi_worker();     // mpi_active() && mpi_rank() > 0: this rank only simulates
bool mpi_built();      // compiled with MPI support
bool mpi_launched();   // the environment says mpirun started K > 1 ranks (whether or not MPI is built)

// Rank 0: dispatch `todo` (indices into the points) to the worker ranks; `on_result(index, encoded)`
// for each answer. Worker ranks: serve indices with `simulate(index) -> encoded` until told to stop.
// Both return when every point is done. Throws UserError on an MPI failure.
void mpi_dispatch(const std::vector<std::size_t>& todo, const std::function<void(std::size_t, const std::string&)>& on_result);
void mpi_serve(const std::function<std::string(std::size_t)>& simulate);

}  // namespace xpu::study
