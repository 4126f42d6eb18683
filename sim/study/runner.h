// Running study points: in this process (jobs = 1) or on a pool of forked worker processes.
//
// SystemC allows one simulation kernel per process and the event kernel (sim/core/kernel.h) is a
// process-wide singleton, so points cannot run on threads of one process. With jobs > 1 the runner
// forks `jobs` workers before anything is simulated; each inherits the resolved points (copy on
// write), receives point indices over a pipe, simulates them with simulate_point and sends the
// encoded Metrics back. The parent stores each result (ResultStore::put, committed at once) as it
// arrives and hands the worker the next index. A point's result depends only on the point (the key
// hashes everything that decides it, and each simulation starts from a clean kernel run), so the
// stored results, and every table built from them in point order, are byte-identical for any
// `jobs`. Points whose key is already in the store are not run again (resume). A worker that dies
// (signal) fails its point with an error that is not stored, so a re-run retries it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sim/study/point.h"
#include "sim/study/store.h"

namespace xpu::study {

// Progress line on stderr ("sweep: 12/48 points, 3.1 points/min, ETA 11 min 40 s") when stderr is a
// terminal (or `force`, or XPUSIM_PROGRESS=1 in the environment), redrawn in place after each
// point; nothing otherwise.
class Progress {
 public:
  Progress(std::string what, std::size_t total, std::size_t already_done, bool force = false);
  void point_done();
  void finish();
  bool active() const { return active_; }

 private:
  std::string what_;
  std::size_t total_, done_, resumed_;
  double t0_;
  bool active_;
  void draw();
};

struct RunOptions {
  int jobs = 1;                // worker processes (1 = in this process)
  std::string study = "study"; // stored with each result
  bool progress_force = false; // draw the progress line even when stderr is not a terminal
};

struct RunStats {
  std::size_t total = 0, resumed = 0, simulated = 0, failed = 0, duplicates = 0;
  double wall_s = 0;
};

// Number of cores this process may use (sched_getaffinity; at least 1).
int default_jobs();
// Runs every point of `points` whose key is not in `store`; results go into `store`. Points with the
// same key are simulated once. Throws UserError when a worker cannot be started.
RunStats run_points(const std::vector<Point>& points, ResultStore& store, const RunOptions& opt);
// The stored result of each point, in order (a point missing from the store gets Metrics::error set).
std::vector<Metrics> collect(const std::vector<Point>& points, const ResultStore& store);
// "k=v, k=v" from a point's labels.
std::string labels_text(const Point& p);

}  // namespace xpu::study
