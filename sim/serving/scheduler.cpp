// Continuous batching over a paged KV cache (scheduler.h).
#include "sim/serving/scheduler.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <queue>

#include "sim/core/error.h"

namespace xpu::serve {
namespace {

enum class Role { Colocated, Prefill, Decode };

struct Seq {
  std::int64_t target = 0;     // tokens to prefill (prompt; after a preemption also what was generated)
  std::int64_t prefilled = 0;  // of target, in the KV cache
  std::int64_t kv = 0;         // tokens whose KV is cached on the current engine
  std::int64_t generated = 0;  // output tokens emitted
  std::int64_t blocks = 0;     // KV blocks held on the current engine
  bool decoding() const { return prefilled >= target && generated >= 1; }
};

struct Engine {
  Role role = Role::Colocated;
  const EngineKind* kind = nullptr;
  std::deque<int> waiting;
  std::vector<int> running;          // admission order
  std::int64_t free_blocks = 0;
  bool busy = false;
  std::int64_t incoming = 0;         // disaggregated decode: transfers on their way here
  double link_free_s = 0;            // disaggregated prefill: when the outgoing KV link is free
  double busy_s = 0;
  // The step in flight.
  std::vector<std::pair<int, std::int64_t>> chunks;  // (sequence, prefill tokens)
  std::vector<int> decodes;
  std::int64_t load() const { return std::int64_t(running.size() + waiting.size()) + incoming; }
};

enum class Ev { Arrival, StepEnd, TransferEnd };
struct Event {
  double t;
  std::uint64_t order;
  Ev type;
  int a, b;  // arrival: request; step end: engine; transfer end: sequence, decode engine
  bool operator>(const Event& o) const { return t != o.t ? t > o.t : order > o.order; }
};

// Streaming downsampler of the KV / queue timeline: buckets of doubling width, at most kMax of them.
class Timeline {
 public:
  void record(double t, double used, std::int64_t running, std::int64_t waiting) {
    const auto idx = std::int64_t(std::floor(t / width_));
    if (buckets_.empty() || idx > last_idx_) {
      buckets_.push_back({double(idx) * width_, used, running, waiting});
      last_idx_ = idx;
      if (buckets_.size() > kMax) compact();
    } else {
      auto& b = buckets_.back();
      b.kv_used = std::max(b.kv_used, used);
      b.running = running;
      b.waiting = waiting;
    }
  }
  std::vector<KvSample> take() { return std::move(buckets_); }

 private:
  static constexpr std::size_t kMax = 2000;
  void compact() {
    width_ *= 2;
    std::vector<KvSample> out;
    for (const auto& b : buckets_) {
      const auto idx = std::int64_t(std::floor(b.time_s / width_ + 1e-9));
      const double start = double(idx) * width_;
      if (!out.empty() && out.back().time_s == start) {
        out.back().kv_used = std::max(out.back().kv_used, b.kv_used);
        out.back().running = b.running;
        out.back().waiting = b.waiting;
      } else {
        out.push_back({start, b.kv_used, b.running, b.waiting});
      }
    }
    buckets_ = std::move(out);
    last_idx_ = std::int64_t(std::floor(buckets_.back().time_s / width_ + 1e-9));
  }
  double width_ = 1e-3;
  std::int64_t last_idx_ = -1;
  std::vector<KvSample> buckets_;
};

class Sim {
 public:
  Sim(const std::vector<Request>& reqs, const ServeSetup& setup) : reqs_(reqs), setup_(setup) {
    const auto& S = setup.sched;
    auto add = [&](Role role, const EngineKind& k) {
      if (k.cost == nullptr || k.count <= 0 || k.kv_blocks <= 0) throw UserError("serving: an engine group is empty or has no KV cache");
      for (int i = 0; i < k.count; ++i) {
        Engine e;
        e.role = role;
        e.kind = &k;
        e.free_blocks = k.kv_blocks;
        engines_.push_back(std::move(e));
        total_blocks_ += role == Role::Prefill ? 0 : k.kv_blocks;
      }
    };
    if (setup.disaggregated) {
      add(Role::Prefill, setup.prefill);
      first_decode_ = int(engines_.size());
      add(Role::Decode, setup.decode);
      if (!setup.kv_transfer_s) throw UserError("serving: disaggregated setup without a KV transfer model");
    } else {
      add(Role::Colocated, setup.engines);
      first_decode_ = 0;
    }
    if (S.block_tokens <= 0 || S.max_batch <= 0 || S.token_budget <= 0) throw UserError("serving: scheduler limits must be positive");
    seqs_.resize(reqs.size());
    out_.requests.resize(reqs.size());
    for (std::size_t i = 0; i < reqs.size(); ++i) {
      const Request& r = reqs[i];
      if (r.prompt_tokens <= 0 || r.output_tokens <= 0 || !std::isfinite(r.arrival_s) || r.arrival_s < 0)
        throw UserError("serving: request " + std::to_string(i) + " needs a finite arrival >= 0 and positive lengths");
      seqs_[i].target = r.prompt_tokens;
      auto& rr = out_.requests[i];
      rr.arrival_s = r.arrival_s;
      rr.prompt_tokens = r.prompt_tokens;
      rr.output_tokens = r.output_tokens;
      // A request must fit one engine's KV cache when complete, or it could never finish.
      const std::int64_t need = blocks_for(r.prompt_tokens + r.output_tokens);
      const EngineKind& k = setup.disaggregated ? setup.decode : setup.engines;
      if (need > k.kv_blocks)
        throw UserError("serving: request " + std::to_string(i) + " (" + std::to_string(r.prompt_tokens) + " prompt + " +
                        std::to_string(r.output_tokens) + " output tokens) needs " + std::to_string(need) +
                        " KV blocks; an engine holds " + std::to_string(k.kv_blocks));
      if (setup.disaggregated && blocks_for(r.prompt_tokens) > setup.prefill.kv_blocks)
        throw UserError("serving: request " + std::to_string(i) + "'s prompt exceeds a prefill engine's KV cache");
      push({r.arrival_s, 0, Ev::Arrival, int(i), 0});
    }
  }

  ServeRun run() {
    double first = -1, last = 0;
    std::vector<char> dirty(engines_.size(), 0);
    std::vector<int> dirty_list;
    auto touch = [&](int ei) {
      if (!dirty[ei]) {
        dirty[ei] = 1;
        dirty_list.push_back(ei);
      }
    };
    while (!events_.empty()) {
      const Event e = events_.top();
      events_.pop();
      now_ = e.t;
      if (first < 0) first = e.t;
      switch (e.type) {
        case Ev::Arrival: {
          const int eng = route(0, setup_.disaggregated ? first_decode_ : int(engines_.size()));
          out_.requests[e.a].engine = eng;
          engines_[eng].waiting.push_back(e.a);
          ++waiting_total_;
          touch(eng);
          break;
        }
        case Ev::StepEnd:
          finish_step(e.a);
          touch(e.a);
          break;
        case Ev::TransferEnd: {
          const int pe = out_.requests[e.a].engine;
          Engine& P = engines_[pe];
          P.free_blocks += seqs_[e.a].blocks;
          seqs_[e.a].blocks = 0;
          Engine& D = engines_[e.b];
          --D.incoming;
          D.waiting.push_back(e.a);
          ++waiting_total_;
          touch(pe);
          touch(e.b);
          break;
        }
      }
      // Every event of this instant is in: then idle engines start their next step (lowest index first).
      if (events_.empty() || events_.top().t != now_) {
        std::sort(dirty_list.begin(), dirty_list.end());
        for (const int ei : dirty_list) {
          dirty[ei] = 0;
          try_start(ei);
        }
        dirty_list.clear();
        sample();
      }
    }
    for (const auto& r : out_.requests) {
      if (r.finish_s < 0) throw SimulationError("serving: a request never finished (scheduler stalled)");
      last = std::max(last, r.finish_s);
    }
    out_.makespan_s = reqs_.empty() ? 0.0 : last - std::max(0.0, first);
    double busy = 0;
    for (const auto& e : engines_) busy += e.busy_s;
    out_.busy_fraction = out_.makespan_s > 0 ? busy / (double(engines_.size()) * out_.makespan_s) : 0.0;
    out_.decode_seqs_per_step = decode_steps_ > 0 ? double(decode_seq_sum_) / double(decode_steps_) : 0.0;
    out_.timeline = timeline_.take();
    return std::move(out_);
  }

 private:
  std::int64_t blocks_for(std::int64_t tokens) const {
    const std::int64_t b = setup_.sched.block_tokens;
    return (tokens + b - 1) / b;
  }
  void push(Event e) {
    e.order = order_++;
    events_.push(e);
  }
  int route(int from, int to) {
    if (setup_.sched.round_robin) {
      int& next = from == 0 ? rr_first_ : rr_second_;
      const int e = from + next;
      next = (next + 1) % (to - from);
      return e;
    }
    int best = from;
    for (int i = from + 1; i < to; ++i)
      if (engines_[i].load() < engines_[best].load()) best = i;
    return best;
  }
  // Grows sequence s on engine E to hold `tokens` KV tokens; false when the blocks are not free.
  bool reserve(Engine& E, Seq& s, std::int64_t tokens) {
    const std::int64_t need = blocks_for(tokens) - s.blocks;
    if (need <= 0) return true;
    if (need > E.free_blocks) return false;
    E.free_blocks -= need;
    s.blocks += need;
    if (E.role != Role::Prefill) used_blocks_ += need;
    return true;
  }
  void preempt(Engine& E, int id) {
    Seq& s = seqs_[id];
    E.free_blocks += s.blocks;
    if (E.role != Role::Prefill) used_blocks_ -= s.blocks;
    s.blocks = 0;
    s.kv = 0;
    s.prefilled = 0;
    s.target = out_.requests[id].prompt_tokens + s.generated;  // recompute prompt + generated tokens
    E.running.erase(std::find(E.running.begin(), E.running.end(), id));
    E.waiting.push_front(id);
    --running_total_;
    ++waiting_total_;
    ++out_.requests[id].preemptions;
    ++out_.preemptions;
  }

  void try_start(int ei) {
    Engine& E = engines_[ei];
    if (E.busy) return;
    const auto& S = setup_.sched;
    E.chunks.clear();
    E.decodes.clear();
    std::int64_t budget = S.token_budget;
    StepShape shape;
    auto add_chunk = [&](int id, std::int64_t q) {
      Seq& s = seqs_[id];
      E.chunks.push_back({id, q});
      shape.prefill_tokens += q;
      shape.prefill_pairs += double(q) * double(s.kv) + double(q) * double(q + 1) / 2.0;
      shape.prefill_chunk = std::max(shape.prefill_chunk, q);
      budget -= q;
    };
    // The longest prefix of the remaining prompt that fits the budget and the free blocks.
    auto fit_chunk = [&](const Seq& s, std::int64_t want) {
      std::int64_t q = std::min(want, budget);
      const std::int64_t room = (s.blocks + E.free_blocks) * S.block_tokens - s.kv;
      return std::max<std::int64_t>(0, std::min(q, room));
    };
    // Prefill and decode engines always chunk (a decode engine re-prefills only preempted sequences).
    const bool chunked = S.chunked_prefill || E.role != Role::Colocated;
    bool prefill_only = false;
    if (E.role == Role::Colocated && !S.chunked_prefill && !E.waiting.empty() &&
        std::int64_t(E.running.size()) < S.max_batch) {
      const Seq& s = seqs_[E.waiting.front()];
      prefill_only = blocks_for(s.target) <= E.free_blocks;
    }
    // 0. A decode engine first takes in the caches that have arrived (they decode in this step).
    if (E.role == Role::Decode) {
      while (!E.waiting.empty() && std::int64_t(E.running.size()) < S.max_batch) {
        const int id = E.waiting.front();
        Seq& s = seqs_[id];
        if (s.prefilled < s.target) break;  // a preempted sequence: re-prefilled in step 3
        const std::int64_t full = out_.requests[id].prompt_tokens + out_.requests[id].output_tokens;
        if (!reserve(E, s, S.reserve_full ? full : s.kv)) break;
        E.waiting.pop_front();
        E.running.push_back(id);
        --waiting_total_;
        ++running_total_;
      }
    }
    // 1. Decodes (not on prefill engines, not in a prefill-only step).
    if (E.role != Role::Prefill && !prefill_only) {
      for (std::size_t i = 0; i < E.running.size(); ++i) {
        const int id = E.running[i];
        Seq& s = seqs_[id];
        if (!s.decoding()) continue;
        bool ok = reserve(E, s, s.kv + 1);
        while (!ok) {
          const int victim = E.running.back();
          preempt(E, victim);
          if (victim == id) break;
          ok = reserve(E, s, s.kv + 1);
        }
        if (!ok) break;  // s itself was preempted (it was the newest)
        E.decodes.push_back(id);
        shape.decode_seqs += 1;
        shape.decode_kv_tokens += double(s.kv + 1);
        budget -= 1;
      }
    }
    // 2. Running prompts still prefilling (chunked).
    if (chunked) {
      for (const int id : E.running) {
        Seq& s = seqs_[id];
        if (s.prefilled >= s.target || budget <= 0) continue;
        const std::int64_t q = fit_chunk(s, s.target - s.prefilled);
        if (q <= 0) break;
        reserve(E, s, s.kv + q);
        add_chunk(id, q);
      }
    }
    // 3. Admission, first come first served.
    while (!E.waiting.empty() && std::int64_t(E.running.size()) < S.max_batch) {
      const int id = E.waiting.front();
      Seq& s = seqs_[id];
      // reserve: the blocks of the whole request (prompt + every output token) before it starts, so
      // that it never has to be preempted (TensorRT-LLM's guaranteed-no-evict capacity scheduler).
      const std::int64_t full = out_.requests[id].prompt_tokens + out_.requests[id].output_tokens;
      if (S.reserve_full && E.role != Role::Prefill && !reserve(E, s, full)) break;
      if (E.role == Role::Decode && s.prefilled >= s.target) {
        if (!reserve(E, s, s.kv)) break;  // a transferred cache: all of it, at once
        E.waiting.pop_front();
        E.running.push_back(id);
        --waiting_total_;
        ++running_total_;
        continue;  // it decodes from the next step on
      }
      if (prefill_only || !chunked) {
        if (!prefill_only) break;
        const std::int64_t q = s.target - s.prefilled;
        if (q > budget && !E.chunks.empty()) break;  // whole prompts only; a lone long prompt still runs
        if (!reserve(E, s, s.kv + q)) break;
        E.waiting.pop_front();
        E.running.push_back(id);
        --waiting_total_;
        ++running_total_;
        add_chunk(id, q);
        continue;
      }
      if (budget <= 0) break;
      const std::int64_t q = fit_chunk(s, s.target - s.prefilled);
      if (q <= 0) break;
      reserve(E, s, s.kv + q);
      E.waiting.pop_front();
      E.running.push_back(id);
      --waiting_total_;
      ++running_total_;
      add_chunk(id, q);
    }
    if (E.chunks.empty() && E.decodes.empty()) {
      // Partly prefilled prompts can hold every block with none able to grow: free the newest.
      if (E.running.size() > 1 || (!E.running.empty() && !E.waiting.empty())) {
        preempt(E, E.running.back());
        try_start(ei);
      }
      return;  // otherwise idle until something arrives or frees
    }
    const double dt = E.kind->cost->step_s(shape);
    const double ej = E.kind->cost->step_energy_j(shape);
    if (ej >= 0) out_.step_energy_j = std::max(0.0, out_.step_energy_j) + ej;
    out_.busy_chip_s += dt * E.kind->chips;
    if (!(dt > 0) || !std::isfinite(dt)) throw SimulationError("serving: the step model returned a non-positive step time");
    E.busy = true;
    E.busy_s += dt;
    ++out_.steps;
    if (shape.decode_seqs > 0) {
      ++decode_steps_;
      decode_seq_sum_ += shape.decode_seqs;
    }
    push({now_ + dt, 0, Ev::StepEnd, ei, 0});
  }

  void finish_step(int ei) {
    Engine& E = engines_[ei];
    E.busy = false;
    std::vector<int> done;
    for (const auto& [id, q] : E.chunks) {
      Seq& s = seqs_[id];
      s.prefilled += q;
      s.kv += q;
      if (s.prefilled < s.target) continue;
      emit(id);
      RequestResult& r = out_.requests[id];
      if (s.generated >= r.output_tokens) {
        done.push_back(id);
      } else if (E.role == Role::Prefill) {
        // Hand the cache to a decode engine.
        E.running.erase(std::find(E.running.begin(), E.running.end(), id));
        --running_total_;
        const int de = route(first_decode_, int(engines_.size()));
        r.decode_engine = de;
        ++engines_[de].incoming;
        const double start = std::max(now_, E.link_free_s);
        const double end = start + setup_.kv_transfer_s(ei, de - first_decode_, s.kv);
        E.link_free_s = end;
        r.kv_transfer_s = end - now_;
        // Its blocks stay held on the prefill engine until the transfer ends; the decode engine
        // reserves its own on admission.
        push({end, 0, Ev::TransferEnd, id, de});
      }
    }
    for (const int id : E.decodes) {
      Seq& s = seqs_[id];
      s.kv += 1;
      emit(id);
      if (s.generated >= out_.requests[id].output_tokens) done.push_back(id);
    }
    for (const int id : done) {
      Seq& s = seqs_[id];
      E.free_blocks += s.blocks;
      if (E.role != Role::Prefill) used_blocks_ -= s.blocks;
      s.blocks = 0;
      E.running.erase(std::find(E.running.begin(), E.running.end(), id));
      --running_total_;
      out_.requests[id].finish_s = now_;
    }
  }

  void emit(int id) {
    Seq& s = seqs_[id];
    RequestResult& r = out_.requests[id];
    if (s.generated == 0) r.first_token_s = now_;
    ++s.generated;
  }

  void sample() {
    const double frac = total_blocks_ > 0 ? double(used_blocks_) / double(total_blocks_) : 0.0;
    out_.kv_peak = std::max(out_.kv_peak, frac);
    timeline_.record(now_, frac, running_total_, waiting_total_);
  }

  const std::vector<Request>& reqs_;
  const ServeSetup& setup_;
  std::vector<Engine> engines_;
  std::vector<Seq> seqs_;
  int first_decode_ = 0;
  int rr_first_ = 0, rr_second_ = 0;
  std::int64_t total_blocks_ = 0, used_blocks_ = 0, running_total_ = 0, waiting_total_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  std::uint64_t order_ = 0;
  double now_ = 0;
  std::int64_t decode_steps_ = 0, decode_seq_sum_ = 0;
  ServeRun out_;
  Timeline timeline_;
};

}  // namespace

ServeRun run_serving(const std::vector<Request>& requests, const ServeSetup& setup) {
  Sim sim(requests, setup);
  return sim.run();
}

}  // namespace xpu::serve
