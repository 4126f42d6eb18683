#include "sim/study/runner.h"

#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

#include "sim/core/error.h"
#include "sim/study/mpi.h"

namespace xpu::study {
namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string duration_text(double s) {
  char buf[64];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.0f s", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%d min %02d s", int(s) / 60, int(s) % 60);
  else std::snprintf(buf, sizeof buf, "%d h %02d min", int(s) / 3600, (int(s) % 3600) / 60);
  return buf;
}

bool write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Worker: read "<index>\n" lines, answer "<index> <length>\n<payload>" per point; exit on EOF.
[[noreturn]] void worker_loop(const std::vector<Point>& points, int in_fd, int out_fd) {
  std::string buf;
  char tmp[256];
  for (;;) {
    size_t nl;
    while ((nl = buf.find('\n')) == std::string::npos) {
      ssize_t n = ::read(in_fd, tmp, sizeof tmp);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(0);
      buf.append(tmp, static_cast<size_t>(n));
    }
    const size_t idx = std::strtoul(buf.substr(0, nl).c_str(), nullptr, 10);
    buf.erase(0, nl + 1);
    std::string payload;
    try {
      payload = encode(simulate_point(points.at(idx)));
    } catch (const std::exception& e) {
      Metrics m;
      m.error = std::string("internal error: ") + e.what();
      payload = encode(m);
    }
    if (!write_all(out_fd, std::to_string(idx) + " " + std::to_string(payload.size()) + "\n" + payload)) ::_exit(1);
  }
}

}  // namespace

Progress::Progress(std::string what, std::size_t total, std::size_t already_done, bool force)
    : what_(std::move(what)), total_(total), done_(already_done), resumed_(already_done), t0_(now_s()),
      active_(!mpi_worker() &&
              (force || ::isatty(2) || (std::getenv("XPUSIM_PROGRESS") && std::string(std::getenv("XPUSIM_PROGRESS")) == "1"))) {
  if (active_ && total_ > 0) draw();
}

void Progress::point_done() {
  ++done_;
  if (active_) draw();
}

void Progress::draw() {
  const double el = now_s() - t0_;
  const std::size_t ran = done_ - resumed_;
  std::string line = what_ + ": " + std::to_string(done_) + "/" + std::to_string(total_) + " points";
  if (resumed_ > 0) line += " (" + std::to_string(resumed_) + " from the database)";
  if (ran > 0 && el > 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, ", %.1f points/min", 60.0 * double(ran) / el);
    line += buf;
    line += ", ETA " + duration_text(el / double(ran) * double(total_ - done_));
  }
  std::fprintf(stderr, "\r%-100s", line.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  if (active_ && total_ > 0) {
    std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }
  active_ = false;
}

int default_jobs() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

std::string labels_text(const Point& p) {
  std::string s;
  for (const auto& [k, v] : p.labels) s += (s.empty() ? "" : ", ") + k + "=" + v;
  return s;
}

RunStats run_points(const std::vector<Point>& points, ResultStore& store, const RunOptions& opt) {
  const double t0 = now_s();
  RunStats st;
  st.total = points.size();
  // The work list: first occurrence of each key not yet stored.
  std::vector<size_t> todo;
  std::set<std::string> seen;
  for (size_t i = 0; i < points.size(); ++i) {
    if (!seen.insert(points[i].key).second) {
      ++st.duplicates;
      continue;
    }
    if (store.get(points[i].key)) ++st.resumed;
    else todo.push_back(i);
  }
  Progress progress(opt.study, seen.size(), st.resumed, opt.progress_force);
  auto record = [&](size_t i, const std::string& payload) {
    const Metrics m = decode(payload);
    store.put(points[i].key, opt.study, labels_text(points[i]), payload);
    if (!m.error.empty()) ++st.failed;
    ++st.simulated;
    progress.point_done();
  };
  const int jobs = std::max(1, std::min<int>(opt.jobs, static_cast<int>(todo.size())));
  if (mpi_active()) {
    // Ranks 1..K-1 simulate what rank 0 hands out; rank 0 stores (sim/study/mpi.h).
    if (mpi_worker()) mpi_serve([&](std::size_t i) { return encode(simulate_point(points.at(i))); });
    else mpi_dispatch(todo, record);
  } else if (jobs <= 1) {
    for (size_t i : todo) record(i, encode(simulate_point(points[i])));
  } else {
    struct Worker {
      pid_t pid = -1;
      int to = -1, from = -1;
      long busy = -1;  // index being simulated
      std::string buf;
    };
    std::vector<Worker> ws(static_cast<size_t>(jobs));
    std::fflush(nullptr);
    struct sigaction ign{}, old{};
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    for (auto& w : ws) {
      int a[2], b[2];
      if (::pipe(a) != 0 || ::pipe(b) != 0) throw UserError(std::string("cannot start a worker: pipe: ") + std::strerror(errno));
      const pid_t parent = ::getpid();
      pid_t pid = ::fork();
      if (pid < 0) throw UserError(std::string("cannot start a worker: fork: ") + std::strerror(errno));
      if (pid == 0) {
        // A worker must not outlive its parent (killed sweep): it gets SIGKILL when the parent dies.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(1);
        ::close(a[1]);
        ::close(b[0]);
        for (auto& o : ws) {  // the other workers' pipe ends belong to the parent
          if (o.to >= 0) ::close(o.to);
          if (o.from >= 0) ::close(o.from);
        }
        worker_loop(points, a[0], b[1]);
      }
      ::close(a[0]);
      ::close(b[1]);
      w.pid = pid;
      w.to = a[1];
      w.from = b[0];
    }
    size_t next = 0, outstanding = 0;
    auto feed = [&](Worker& w) {
      if (next < todo.size() && write_all(w.to, std::to_string(todo[next]) + "\n")) {
        w.busy = static_cast<long>(todo[next++]);
        ++outstanding;
      } else {
        ::close(w.to);  // no more work: the worker exits on EOF
        w.to = -1;
        w.busy = -1;
      }
    };
    for (auto& w : ws) feed(w);
    while (outstanding > 0) {
      std::vector<pollfd> fds;
      std::vector<Worker*> who;
      for (auto& w : ws)
        if (w.from >= 0 && w.busy >= 0) {
          fds.push_back({w.from, POLLIN, 0});
          who.push_back(&w);
        }
      if (fds.empty()) break;
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        throw UserError(std::string("worker pool: poll: ") + std::strerror(errno));
      }
      for (size_t k = 0; k < fds.size(); ++k) {
        if (fds[k].revents == 0) continue;
        Worker& w = *who[k];
        char tmp[65536];
        ssize_t n = ::read(w.from, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {  // the worker died with a point in hand
          Metrics m;
          m.error = "worker process died while simulating this point";
          int status = 0;
          ::waitpid(w.pid, &status, 0);
          if (WIFSIGNALED(status)) m.error += " (signal " + std::to_string(WTERMSIG(status)) + ")";
          w.pid = -1;
          ::close(w.from);
          w.from = -1;
          if (w.to >= 0) ::close(w.to);
          w.to = -1;
          const size_t i = static_cast<size_t>(w.busy);
          w.busy = -1;
          --outstanding;
          ++st.failed;
          ++st.simulated;
          std::fprintf(stderr, "%swarning: point %zu (%s): %s; not stored, a re-run retries it\n",
                       progress.active() ? "\n" : "", i, labels_text(points[i]).c_str(), m.error.c_str());
          continue;
        }
        w.buf.append(tmp, static_cast<size_t>(n));
        for (;;) {
          const size_t nl = w.buf.find('\n');
          if (nl == std::string::npos) break;
          size_t idx = 0, len = 0;
          if (std::sscanf(w.buf.c_str(), "%zu %zu", &idx, &len) != 2) throw InternalError("worker pool: bad frame");
          if (w.buf.size() < nl + 1 + len) break;
          const std::string payload = w.buf.substr(nl + 1, len);
          w.buf.erase(0, nl + 1 + len);
          --outstanding;
          record(idx, payload);
          feed(w);
        }
      }
    }
    for (auto& w : ws) {
      if (w.to >= 0) ::close(w.to);
      if (w.from >= 0) ::close(w.from);
      if (w.pid > 0) ::waitpid(w.pid, nullptr, 0);
    }
    sigaction(SIGPIPE, &old, nullptr);
  }
  progress.finish();
  st.wall_s = now_s() - t0;
  return st;
}

std::vector<Metrics> collect(const std::vector<Point>& points, const ResultStore& store) {
  std::vector<Metrics> out;
  out.reserve(points.size());
  for (const auto& p : points) {
    auto r = store.get(p.key);
    if (r) {
      out.push_back(decode(*r));
    } else {
      Metrics m;
      m.error = "not simulated";
      out.push_back(m);
    }
  }
  return out;
}

}  // namespace xpu::study
